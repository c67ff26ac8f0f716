import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { customerOf, type Guards } from '../../platform/http/auth.js';
import { IdParams, problems } from '../../platform/http/schemas.js';
import type { FlashSales } from './index.js';
import { AdminListQuery, CreateFlashSaleBody, FlashSaleSchema, PurchaseBody, StoreFlashSaleSchema, UpdateFlashSaleBody } from './schemas.js';

interface Options {
  flashSales: FlashSales;
  guards: Guards;
}

const bearer = [{ bearer: [] }];

/** Staff routes, mounted under `/admin`: reads need `promotions:read`, writes `promotions:write`. */
export const flashSaleAdminRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { flashSales, guards }) => {
  const tags = ['admin: flash sales'];
  app.post(
    '/flash-sales',
    {
      onRequest: guards.staff('promotions:write'),
      schema: {
        tags,
        summary: 'Schedule a flash sale',
        description: 'Its quantity is reserved from inventory when it starts; the unsold rest returns when it ends. `currency` defaults to the shop base currency.',
        security: bearer,
        body: CreateFlashSaleBody,
        response: { 201: FlashSaleSchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await flashSales.create(request.body)),
  );
  app.get(
    '/flash-sales',
    { onRequest: guards.staff('promotions:read'), schema: { tags, summary: 'Flash sales, newest start first', security: bearer, querystring: AdminListQuery, response: { 200: Type.Object({ items: Type.Array(FlashSaleSchema) }), ...problems(400, 401, 403) } } },
    async (request) => ({ items: await flashSales.list(request.query) }),
  );
  app.get(
    '/flash-sales/:id',
    { onRequest: guards.staff('promotions:read'), schema: { tags, summary: 'A flash sale', security: bearer, params: IdParams, response: { 200: FlashSaleSchema, ...problems(401, 403, 404) } } },
    async (request) => flashSales.get(request.params.id),
  );
  app.patch(
    '/flash-sales/:id',
    {
      onRequest: guards.staff('promotions:write'),
      schema: { tags, summary: 'Change a sale before it starts', security: bearer, params: IdParams, body: UpdateFlashSaleBody, response: { 200: FlashSaleSchema, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request) => flashSales.update(request.params.id, request.body),
  );
  app.post(
    '/flash-sales/:id/cancel',
    {
      onRequest: guards.staff('promotions:write'),
      schema: { tags, summary: 'Cancel a scheduled or live sale (placed orders stay)', security: bearer, params: IdParams, response: { 200: FlashSaleSchema, ...problems(401, 403, 404, 409) } },
    },
    async (request) => flashSales.cancel(request.params.id),
  );
};

/** Store routes, mounted under `/store`. */
export const flashSaleStoreRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { flashSales, guards }) => {
  const tags = ['store: flash sales'];
  app.get(
    '/flash-sales',
    { schema: { tags, summary: 'Upcoming and live flash sales with the units left', response: { 200: Type.Object({ items: Type.Array(StoreFlashSaleSchema) }) } } },
    async () => ({ items: await flashSales.listForStore() }),
  );
  app.post(
    '/flash-sales/:id/orders',
    {
      // The crowd that arrives after the last unit is turned away before anything else is done
      // for it, its session lookup included: that a sale is sold out is public (GET /flash-sales).
      onRequest: [async (request) => flashSales.refuseIfSoldOut((request.params as { id: string }).id), guards.customer],
      schema: {
        tags,
        summary: 'Buy in a flash sale',
        description:
          'Places an order in `pending_payment` at the sale price, due within FLASH_SALE_PAYMENT_TIMEOUT_MINUTES. 409 FLASH_SALE_SOLD_OUT, FLASH_SALE_LIMIT_REACHED or FLASH_SALE_NOT_ACTIVE; 429 FLASH_SALE_RATE_LIMITED with Retry-After. Once the serving process has seen the sale sold out, every attempt gets 409 FLASH_SALE_SOLD_OUT at once, before authentication.',
        security: bearer,
        params: IdParams,
        body: PurchaseBody,
        response: { 201: Type.Ref('Order'), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { customerId } = customerOf(request);
      flashSales.refuseIfSoldOut(request.params.id);
      await flashSales.limitRate(customerId, request.ip);
      return reply.code(201).send(await flashSales.purchase(request.params.id, customerId, request.body.quantity));
    },
  );
};
