import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { platformError } from '../../platform/errors.js';
import { clientOf, optionalPrincipal, staffOf, type Authenticate, type Guards } from '../../platform/http/auth.js';
import { IdParams, Page, PageQuery, problems } from '../../platform/http/schemas.js';
import type { OrderActor, Viewer } from './deps.js';
import type { Orders } from './index.js';
import {
  AdminOrderQuery,
  CancelBody,
  CheckoutBody,
  NoteBody,
  OrderReturnSchema,
  ReceiveReturnBody,
  RejectReturnBody,
  ReturnListQuery,
  ReturnRequestBody,
  ShipBody,
} from './schemas.js';

const bearer = [{ bearer: [] }];
const guestOrBearer: Record<string, string[]>[] = [{ bearer: [] }, { orderToken: [] }];
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
const CheckoutHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Required: 8–200 visible ASCII characters, the same on every retry of one checkout' })) });

/**
 * Who is asking about an order: the signed-in customer (bearer token), else a guest holding the
 * order's access token (`X-Order-Token` header or `?token=`). Staff tokens are refused here —
 * staff use the admin routes. 401 with neither.
 */
export async function resolveViewer(authenticate: Authenticate, request: FastifyRequest): Promise<Viewer> {
  const principal = await optionalPrincipal(authenticate, request);
  if (principal) {
    if (principal.kind !== 'customer') throw platformError('AUTH_FORBIDDEN', { detail: 'Staff read orders through /admin/orders' });
    return { kind: 'customer', customerId: principal.customerId };
  }
  const header = request.headers['x-order-token'];
  const token = (Array.isArray(header) ? header[0] : header) ?? (request.query as { token?: string } | undefined)?.token;
  if (token) return { kind: 'guest', token };
  throw platformError('AUTH_REQUIRED', { detail: 'Sign in, or send the order’s access token as X-Order-Token', headers: { 'www-authenticate': 'Bearer' } });
}

function actorOf(viewer: Viewer, request: FastifyRequest): OrderActor {
  if (viewer.kind === 'customer') return { type: 'customer', id: viewer.customerId, ip: request.ip };
  return { type: 'guest', id: null, ip: request.ip };
}

const staffActor = (request: FastifyRequest): OrderActor => ({ type: 'staff', id: staffOf(request).staffId, ip: clientOf(request).ip });

interface StoreOptions {
  orders: Orders;
  guards: Guards;
  authenticate: Authenticate;
}

/** Checkout and the shopper's orders, mounted under `/store`. */
export const orderStoreRoutes: FastifyPluginAsyncTypebox<StoreOptions> = async (app, { orders, guards, authenticate }) => {
  const tags = ['store: orders'];

  app.post(
    '/carts/:id/checkout',
    {
      schema: {
        tags,
        summary: 'Place an order from a cart',
        description:
          'Re-prices the cart, reserves stock for every line (all or nothing) and creates the order in `pending_payment`. ' +
          'Send an `Idempotency-Key` header: a retry with the same key returns the same order with 200; the same key with another request is 422. ' +
          'Guest orders carry an `accessToken` in this response only: send it as `X-Order-Token` to read, pay or cancel the order.',
        security: [{}, { bearer: [] }],
        params: IdParams,
        headers: CheckoutHeaders,
        body: Type.Optional(CheckoutBody),
        response: { 200: Type.Ref('Order'), 201: Type.Ref('Order'), ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = await optionalPrincipal(authenticate, request);
      if (principal && principal.kind !== 'customer') throw platformError('AUTH_FORBIDDEN', { detail: 'Checkout is for shoppers' });
      const header = request.headers['idempotency-key'];
      const result = await orders.checkout({
        cartId: request.params.id,
        idempotencyKey: Array.isArray(header) ? header[0] : header,
        body: request.body ?? {},
        customerId: principal?.kind === 'customer' ? principal.customerId : null,
      });
      return reply.code(result.created ? 201 : 200).send(result.order);
    },
  );

  app.get(
    '/orders',
    { onRequest: guards.customer, schema: { tags, summary: 'My orders, newest first', security: bearer, querystring: PageQuery, response: { 200: Page(Type.Ref('OrderSummary')), ...problems(400, 401, 403) } } },
    async (request) => {
      const p = request.principal!;
      return orders.listForCustomer(p.kind === 'customer' ? p.customerId : '', request.query);
    },
  );

  app.get(
    '/orders/:id',
    { schema: { tags, summary: 'One of my orders (or a guest order with its token)', security: guestOrBearer, params: IdParams, querystring: TokenQuery, response: { 200: Type.Ref('Order'), ...problems(401, 403, 404) } } },
    async (request) => orders.get(request.params.id, await resolveViewer(authenticate, request)),
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel an order before it ships',
        description: 'Releases the stock; a paid order is refunded in full automatically.',
        security: guestOrBearer,
        params: IdParams,
        querystring: TokenQuery,
        body: Type.Optional(CancelBody),
        response: { 200: Type.Ref('Order'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const viewer = await resolveViewer(authenticate, request);
      return orders.cancel(request.params.id, viewer, actorOf(viewer, request), request.body?.reason ?? 'cancelled by the shopper');
    },
  );

  app.post(
    '/orders/:id/receive',
    { schema: { tags, summary: 'Confirm the order arrived', security: guestOrBearer, params: IdParams, querystring: TokenQuery, response: { 200: Type.Ref('Order'), ...problems(401, 403, 404, 409) } } },
    async (request) => {
      const viewer = await resolveViewer(authenticate, request);
      return orders.receive(request.params.id, viewer, actorOf(viewer, request));
    },
  );

  app.post(
    '/orders/:id/returns',
    {
      schema: {
        tags,
        summary: 'Ask to return shipped units',
        security: guestOrBearer,
        params: IdParams,
        querystring: TokenQuery,
        body: ReturnRequestBody,
        response: { 201: OrderReturnSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const viewer = await resolveViewer(authenticate, request);
      return reply.code(201).send(await orders.requestReturn(request.params.id, viewer, actorOf(viewer, request), request.body));
    },
  );
};

interface AdminOptions {
  orders: Orders;
  guards: Guards;
  /** The order's payments, from the payments module (wired by the app). */
  paymentsFor?: (orderId: string) => Promise<unknown[]>;
}

/** Order operations for staff, mounted under `/admin`. */
export const orderAdminRoutes: FastifyPluginAsyncTypebox<AdminOptions> = async (app, { orders, guards, paymentsFor }) => {
  const tags = ['admin: orders'];
  const read = { onRequest: guards.staff('orders:read') };
  const write = { onRequest: guards.staff('orders:write') };
  const AdminOrder = Type.Intersect([Type.Ref('Order'), Type.Object({ payments: Type.Array(Type.Unknown()) })]);

  app.get(
    '/orders',
    { ...read, schema: { tags, summary: 'Search orders', security: bearer, querystring: AdminOrderQuery, response: { 200: Page(Type.Ref('OrderSummary')), ...problems(400, 401, 403) } } },
    async (request) => orders.list(request.query),
  );

  app.get(
    '/orders/:id',
    { ...read, schema: { tags, summary: 'An order with lines, history, notes and payments', security: bearer, params: IdParams, response: { 200: AdminOrder, ...problems(401, 403, 404) } } },
    async (request) => {
      const order = await orders.get(request.params.id, { kind: 'staff' });
      return { ...order, payments: paymentsFor ? await paymentsFor(order.id) : [] };
    },
  );

  app.post(
    '/orders/:id/ship',
    {
      ...write,
      schema: {
        tags,
        summary: 'Ship some or all remaining units',
        description: 'Without `lines`, everything not yet shipped goes in this shipment.',
        security: bearer,
        params: IdParams,
        body: ShipBody,
        response: { 200: Type.Ref('Order'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => orders.ship(request.params.id, request.body, staffActor(request)),
  );

  app.post(
    '/orders/:id/cancel',
    {
      ...write,
      schema: {
        tags,
        summary: 'Cancel an order before it ships (refunds a paid one)',
        security: bearer,
        params: IdParams,
        body: Type.Optional(CancelBody),
        response: { 200: Type.Ref('Order'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => orders.cancel(request.params.id, { kind: 'staff' }, staffActor(request), request.body?.reason ?? 'cancelled by staff'),
  );

  app.post(
    '/orders/:id/notes',
    { ...write, schema: { tags, summary: 'Add a staff note', security: bearer, params: IdParams, body: NoteBody, response: { 201: Type.Ref('Order'), ...problems(400, 401, 403, 404) } } },
    async (request, reply) => reply.code(201).send(await orders.addNote(request.params.id, staffActor(request), request.body.body)),
  );

  app.get(
    '/returns',
    { ...read, schema: { tags, summary: 'Return requests, newest first', security: bearer, querystring: ReturnListQuery, response: { 200: Page(OrderReturnSchema), ...problems(400, 401, 403) } } },
    async (request) => orders.listReturns(request.query),
  );

  app.post(
    '/returns/:id/approve',
    { ...write, schema: { tags, summary: 'Approve a return request', security: bearer, params: IdParams, response: { 200: OrderReturnSchema, ...problems(401, 403, 404, 409) } } },
    async (request) => orders.approveReturn(request.params.id, staffActor(request)),
  );

  app.post(
    '/returns/:id/reject',
    { ...write, schema: { tags, summary: 'Reject a return request', security: bearer, params: IdParams, body: RejectReturnBody, response: { 200: OrderReturnSchema, ...problems(400, 401, 403, 404, 409) } } },
    async (request) => orders.rejectReturn(request.params.id, staffActor(request), request.body.reason),
  );

  app.post(
    '/returns/:id/receive',
    {
      ...write,
      schema: {
        tags,
        summary: 'Record returned goods as received',
        description: 'Puts the units back on hand and refunds the lines’ share of what was paid (both on by default).',
        security: bearer,
        params: IdParams,
        body: Type.Optional(ReceiveReturnBody),
        response: { 200: OrderReturnSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => orders.receiveReturn(request.params.id, staffActor(request), { restock: request.body?.restock ?? true, refund: request.body?.refund ?? true }),
  );
};
