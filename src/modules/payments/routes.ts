import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { platformError } from '../../platform/errors.js';
import { bearerToken, staffOf, type Authenticate, type Guards } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import type { Viewer } from './deps.js';
import type { Payments } from './index.js';
import {
  CreatePaymentBody,
  PaymentStartSchema,
  IdempotencyHeaders,
  OrderAccessHeaders,
  OrderAccessQuery,
  OrderParams,
  PaymentDetailSchema,
  PaymentListQuery,
  PaymentListSchema,
  ProviderParams,
  ReconciliationQuery,
  ReconciliationSchema,
  RefundBody,
  RefundSchema,
  StorePaymentListSchema,
} from './schemas.js';

const bearer = [{ bearer: [] }];
const orderAccess: Record<string, string[]>[] = [{ bearer: [] }, { orderToken: [] }];

/**
 * Who is asking about an order on a store route: a guest holding its access token
 * (`X-Order-Token` or `?token=`), else the signed-in customer. The orders module decides
 * whether that viewer may see the order (404 otherwise).
 */
async function viewerOf(request: FastifyRequest, queryToken: string | undefined, authenticate: Authenticate): Promise<Viewer> {
  const header = request.headers['x-order-token'];
  const guest = (typeof header === 'string' && header) || queryToken;
  if (guest) return { kind: 'guest', token: guest };
  const token = bearerToken(request);
  if (!token) throw platformError('AUTH_REQUIRED', { detail: 'Sign in, or send the order access token as X-Order-Token', headers: { 'www-authenticate': 'Bearer' } });
  const principal = await authenticate(token);
  if (!principal) throw platformError('AUTH_REQUIRED', { detail: 'The token is invalid, expired or revoked', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  if (principal.kind !== 'customer') throw platformError('AUTH_FORBIDDEN', { detail: 'This route is for customers and guests' });
  request.principal = principal;
  return { kind: 'customer', customerId: principal.customerId };
}

/** Shopper routes, mounted under `/store`: start paying an order and list its payments. */
export const paymentStoreRoutes: FastifyPluginAsyncTypebox<{ payments: Payments; guards: Guards; authenticate: Authenticate }> = async (
  app,
  { payments, authenticate },
) => {
  const tags = ['store: payments'];
  app.post(
    '/orders/:id/payments',
    {
      schema: {
        tags,
        summary: 'Start paying an order',
        description:
          'The amount and currency come from the order (its total less what is paid). 201 with the next `action` for the shopper; ' +
          'an existing pending payment of the same provider for the same amount is returned instead, with 200. ' +
          'Customers use their bearer token; guests send the order access token as `X-Order-Token` (or `?token=`).',
        security: orderAccess,
        params: OrderParams,
        querystring: OrderAccessQuery,
        headers: OrderAccessHeaders,
        body: CreatePaymentBody,
        response: { 200: PaymentStartSchema, 201: PaymentStartSchema, ...problems(400, 401, 403, 404, 409, 502) },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, request.query.token, authenticate);
      const { created, ...result } = await payments.createPayment(request.params.id, viewer, request.body);
      return reply.code(created ? 201 : 200).send(result);
    },
  );

  app.get(
    '/orders/:id/payments',
    {
      schema: {
        tags,
        summary: 'Payments of an order, oldest first',
        security: orderAccess,
        params: OrderParams,
        querystring: OrderAccessQuery,
        headers: OrderAccessHeaders,
        response: { 200: StorePaymentListSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => ({ items: await payments.listOrderPayments(request.params.id, await viewerOf(request, request.query.token, authenticate)), nextCursor: null }),
  );
};

/**
 * Gateway notifications, mounted under `/webhooks`. The body is kept raw (a Buffer) for
 * signature checks: this plugin replaces the JSON parser for its own routes only.
 */
export const paymentWebhookRoutes: FastifyPluginAsyncTypebox<{ payments: Payments }> = async (app, { payments }) => {
  app.removeAllContentTypeParsers();
  const keepRaw = (_request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, keepRaw);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, keepRaw);

  app.post(
    '/payments/:provider',
    {
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['webhooks'],
        summary: 'A payment gateway notification',
        description:
          'Signed by the gateway; verified over the raw body before parsing. A bad signature, malformed body or stale timestamp is 400 and stores nothing. ' +
          'Anything verified is answered 200 with the provider’s acknowledgement (alipay: text `success`; others: `{"received":true}`), ' +
          'including replays and notifications judged suspicious, so the gateway stops retrying.',
        params: ProviderParams,
        response: { 200: Type.Any({ description: 'The provider acknowledgement' }), ...problems(400, 413, 502) },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await payments.handleNotification(request.params.provider, raw, request.headers);
      request.log.info({ provider: request.params.provider, verdict: result.verdict, notificationId: result.notificationId }, 'payment notification');
      return reply.code(200).type(result.acknowledgement.contentType).send(result.acknowledgement.body);
    },
  );
};

/** Staff routes, mounted under `/admin`: payments, refunds and reconciliation. */
export const paymentAdminRoutes: FastifyPluginAsyncTypebox<{ payments: Payments; guards: Guards }> = async (app, { payments, guards }) => {
  const tags = ['admin: payments'];
  app.get(
    '/payments',
    {
      onRequest: guards.staff('orders:read'),
      schema: { tags, summary: 'Payments, newest first', security: bearer, querystring: PaymentListQuery, response: { 200: PaymentListSchema, ...problems(400, 401, 403) } },
    },
    async (request) => payments.listPayments(request.query),
  );

  app.get(
    '/payments/reconciliation',
    {
      onRequest: guards.staff('orders:read'),
      schema: {
        tags,
        summary: "Compare a day's payments and refunds with the gateway's records",
        description: 'Mismatches are `missing_at_gateway`, `missing_locally`, `amount_mismatch` or `status_mismatch`. The day is UTC.',
        security: bearer,
        querystring: ReconciliationQuery,
        response: { 200: ReconciliationSchema, ...problems(400, 401, 403, 502) },
      },
    },
    async (request) => payments.reconcile(request.query.provider, request.query.date),
  );

  app.get(
    '/payments/:id',
    {
      onRequest: guards.staff('orders:read'),
      schema: {
        tags,
        summary: 'A payment with its notifications and refunds',
        security: bearer,
        params: OrderParams,
        response: { 200: PaymentDetailSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => payments.getPayment(request.params.id),
  );

  app.post(
    '/orders/:id/refunds',
    {
      onRequest: guards.staff('orders:write'),
      schema: {
        tags,
        summary: 'Refund (part of) an order through its gateway',
        description:
          'Draws on the order’s captured payments; never more than captured less refunded, even under concurrent requests (409 PAYMENT_REFUND_EXCEEDS_CAPTURED). ' +
          '201 with the refund; its `status` is `succeeded`, `failed` (refused by the gateway) or `pending` (the gateway did not answer; retried later). ' +
          'With an `Idempotency-Key`, repeating the request returns the same refund with 200; the same key with another body is 422.',
        security: bearer,
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: RefundBody,
        response: { 200: RefundSchema, 201: RefundSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { staffId } = staffOf(request);
      const result = await payments.refundOrder({
        orderId: request.params.id,
        amount: request.body.amount,
        reason: request.body.reason,
        lines: request.body.lines,
        idempotencyKey: request.headers['idempotency-key'] ?? null,
        actor: { type: 'staff', id: staffId, ip: request.ip },
      });
      return reply.code(result.replayed ? 200 : 201).send(result.refund);
    },
  );
};
