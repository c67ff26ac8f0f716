import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { staffOf, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import type { Actor } from './deps.js';
import type { Webhooks } from './index.js';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryParams,
  UpdateWebhookBody,
  WebhookDeliveryDetailSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookListQuery,
} from './schemas.js';

interface Options {
  webhooks: Webhooks;
  guards: Guards;
}

const bearer = [{ bearer: [] }];

function actorOf(request: FastifyRequest): Actor {
  return { staffId: staffOf(request).staffId, ip: request.ip };
}

/** Webhook endpoints and their deliveries, mounted under `/admin`. Reads need `webhooks:read`, the rest `webhooks:write`. */
export const webhookRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { webhooks, guards }) => {
  const tags = ['admin: webhooks'];
  const read = guards.staff('webhooks:read');
  const write = guards.staff('webhooks:write');

  app.post(
    '/webhooks',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'Events are names the shop publishes (400 WEBHOOK_UNKNOWN_EVENT otherwise) or `*`. The answer holds the signing secret in full: keep it, ' +
          'later answers mask it. Each delivery is a signed POST; see the webhooks module README for verifying `bazaar-webhook-signature`. Audited.',
        security: bearer,
        body: CreateWebhookBody,
        response: { 201: WebhookEndpointSchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.create(actorOf(request), request.body)),
  );

  app.get(
    '/webhooks',
    {
      onRequest: read,
      schema: { tags, summary: 'List webhook endpoints, newest first', security: bearer, querystring: WebhookListQuery, response: { 200: Page(WebhookEndpointSchema), ...problems(400, 401, 403) } },
    },
    async (request) => webhooks.list(request.query),
  );

  app.get(
    '/webhooks/:id',
    { onRequest: read, schema: { tags, summary: 'One webhook endpoint', security: bearer, params: IdParams, response: { 200: WebhookEndpointSchema, ...problems(401, 403, 404) } } },
    async (request) => webhooks.get(request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Change a webhook endpoint',
        description: '`enabled: true` turns an endpoint on again (also one turned off for failing) and clears its run of failures. Audited.',
        security: bearer,
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookEndpointSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/webhooks/:id',
    {
      onRequest: write,
      schema: { tags, summary: 'Delete a webhook endpoint with its delivery log', description: 'Audited.', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } },
    },
    async (request, reply) => {
      await webhooks.remove(actorOf(request), request.params.id);
      return sendEmpty(reply, 204);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Give a webhook endpoint a new signing secret',
        description: 'The new secret signs every attempt from now on, retries of earlier events included; the answer shows it in full. Audited.',
        security: bearer,
        params: IdParams,
        response: { 200: WebhookEndpointSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => webhooks.rotateSecret(actorOf(request), request.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Send a webhook.test event now',
        description: 'One attempt, enabled endpoint or not, never retried; the answer is the delivery with its attempt. Audited.',
        security: bearer,
        params: IdParams,
        response: { 200: WebhookDeliveryDetailSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => webhooks.test(actorOf(request), request.params.id),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Deliveries of a webhook endpoint, newest first',
        description: '`status`: `pending` (waiting for its next attempt), `succeeded` or `failed` (gave up); `event` keeps one event name.',
        security: bearer,
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: Page(WebhookDeliverySchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      onRequest: read,
      schema: { tags, summary: 'One delivery with its payload and every attempt', security: bearer, params: DeliveryParams, response: { 200: WebhookDeliveryDetailSchema, ...problems(401, 403, 404) } },
    },
    async (request) => webhooks.delivery(request.params.id, request.params.deliveryId),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Send a delivery again now',
        description: 'A new attempt, whatever the delivery’s status; a 2xx marks it succeeded, a failure leaves it as it was. Audited.',
        security: bearer,
        params: DeliveryParams,
        response: { 200: WebhookDeliveryDetailSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => webhooks.replay(actorOf(request), request.params.id, request.params.deliveryId),
  );
};
