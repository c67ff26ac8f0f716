import type { FastifyReply } from 'fastify';

/** Ends a reply with a status and no body at all (not even `null`). */
export function sendEmpty(reply: FastifyReply, status: 202 | 204): FastifyReply {
  return reply.code(status).send();
}
