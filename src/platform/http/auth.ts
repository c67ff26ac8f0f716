import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { platformError } from '../errors.js';

/** Who is making a request, resolved from its bearer token. */
export type Principal =
  | { kind: 'customer'; customerId: string; sessionId: string }
  | { kind: 'staff'; staffId: string; role: string; permissions: ReadonlySet<string>; sessionId: string };

/** Resolves a bearer token to a principal, or null when it is unknown, revoked or expired. */
export type Authenticate = (token: string) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guards; null on routes without one. */
    principal: Principal | null;
  }
}

/** The bearer token of a request, if it sent one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The route guards, built once from an authenticator and passed to route plugins as options.
 * - `customer`: a valid customer token (401 without one; 403 for a staff token).
 * - `staff(permission)`: a valid staff token whose role grants `permission` (401 without a
 *   token, 403 for a customer token or a missing permission).
 */
export function createGuards(authenticate: Authenticate) {
  async function resolve(request: FastifyRequest): Promise<Principal> {
    const token = bearerToken(request);
    if (!token) throw platformError('AUTH_REQUIRED', { detail: 'Send Authorization: Bearer <token>', headers: { 'www-authenticate': 'Bearer' } });
    const principal = await authenticate(token);
    if (!principal) {
      throw platformError('AUTH_REQUIRED', {
        detail: 'The token is invalid, expired or revoked',
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
    request.principal = principal;
    return principal;
  }

  const customer: onRequestAsyncHookHandler = async (request: FastifyRequest, _reply: FastifyReply) => {
    const p = await resolve(request);
    if (p.kind !== 'customer') throw platformError('AUTH_FORBIDDEN', { detail: 'This route is for customer accounts' });
  };

  function staff(permission: string): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, _reply: FastifyReply) => {
      const p = await resolve(request);
      if (p.kind !== 'staff') throw platformError('AUTH_FORBIDDEN', { detail: 'This route is for staff accounts' });
      if (!p.permissions.has(permission)) {
        throw platformError('AUTH_FORBIDDEN', { detail: `Your role (${p.role}) lacks the permission ${permission}` });
      }
    };
  }

  return { customer, staff };
}

export type Guards = ReturnType<typeof createGuards>;

/** The customer principal of a request that passed `guards.customer`. */
export function customerOf(request: FastifyRequest): Extract<Principal, { kind: 'customer' }> {
  const p = request.principal;
  if (!p || p.kind !== 'customer') throw platformError('AUTH_REQUIRED');
  return p;
}

/** The staff principal of a request that passed `guards.staff(…)`. */
export function staffOf(request: FastifyRequest): Extract<Principal, { kind: 'staff' }> {
  const p = request.principal;
  if (!p || p.kind !== 'staff') throw platformError('AUTH_REQUIRED');
  return p;
}

/** Client context recorded with sessions, throttling and the audit log. */
export function clientOf(request: FastifyRequest): { ip: string; userAgent: string | null } {
  return { ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 512) ?? null };
}

/**
 * The principal of a request whose bearer token is optional: null without a token, 401 for a
 * token that is invalid, expired or revoked (a client that sends one expects it to count).
 */
export async function optionalPrincipal(authenticate: Authenticate, request: FastifyRequest): Promise<Principal | null> {
  const token = bearerToken(request);
  if (!token) return null;
  const principal = await authenticate(token);
  if (!principal) {
    throw platformError('AUTH_REQUIRED', { detail: 'The token is invalid, expired or revoked', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
  request.principal = principal;
  return principal;
}
