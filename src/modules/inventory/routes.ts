import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { staffOf, type Guards } from '../../platform/http/auth.js';
import { Page, PageQuery, problems } from '../../platform/http/schemas.js';
import type { Audit } from '../audit/index.js';
import type { Inventory } from './index.js';
import { CreateLocationBody, LocationSchema, MovementSchema, SetStockBody, SkuParams, StockSummarySchema, UpdateItemBody } from './schemas.js';

interface Options {
  inventory: Inventory;
  guards: Guards;
  audit: Audit;
}

const bearer = [{ bearer: [] }];

/** Staff routes over stock and locations, mounted under `/admin`. Reads need `catalog:read`, writes `catalog:write`. */
export const inventoryRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { inventory, guards, audit }) => {
  const tags = ['admin: inventory'];

  app.get(
    '/inventory/:sku',
    {
      onRequest: guards.staff('catalog:read'),
      schema: { tags, summary: 'Stock of a SKU, in total and per location', security: bearer, params: SkuParams, response: { 200: StockSummarySchema, ...problems(400, 401, 403, 404) } },
    },
    async (request) => inventory.transaction((trx) => inventory.getStock(trx, request.params.sku)),
  );

  app.put(
    '/inventory/:sku',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Set or adjust the quantity on hand',
        description:
          '`{onHand}` records a count; `{delta, reason}` adds or removes units. Both apply to `location` (a code; the default location when absent). ' +
          'On hand may not go below zero, nor — for items without backorder — be lowered below what is reserved (409 INVENTORY_INVALID_ADJUSTMENT).',
        security: bearer,
        params: SkuParams,
        body: SetStockBody,
        response: { 200: StockSummarySchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { staffId } = staffOf(request);
      const { sku } = request.params;
      const body = request.body;
      return inventory.transaction(async (trx) => {
        const change = 'onHand' in body ? { onHand: body.onHand } : { delta: body.delta, reason: body.reason };
        const summary = await inventory.setStock(trx, { sku, location: body.location, ...change, actorId: staffId });
        await audit.record(trx, {
          actorId: staffId,
          action: 'inventory.adjusted',
          targetType: 'sku',
          targetId: sku,
          data: { ...change, location: body.location ?? null, totalOnHand: summary.onHand },
          ip: request.ip,
        });
        return summary;
      });
    },
  );

  app.patch(
    '/inventory/:sku',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Change backorder and low-stock settings',
        security: bearer,
        params: SkuParams,
        body: UpdateItemBody,
        response: { 200: StockSummarySchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { staffId } = staffOf(request);
      return inventory.transaction(async (trx) => {
        const summary = await inventory.updateItem(trx, request.params.sku, request.body);
        await audit.record(trx, { actorId: staffId, action: 'inventory.item_updated', targetType: 'sku', targetId: request.params.sku, data: { ...request.body }, ip: request.ip });
        return summary;
      });
    },
  );

  app.get(
    '/inventory/:sku/movements',
    {
      onRequest: guards.staff('catalog:read'),
      schema: {
        tags,
        summary: 'Stock ledger of a SKU, newest first',
        security: bearer,
        params: SkuParams,
        querystring: PageQuery,
        response: { 200: Page(MovementSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => inventory.transaction((trx) => inventory.listMovements(trx, request.params.sku, request.query)),
  );

  app.get(
    '/inventory-locations',
    {
      onRequest: guards.staff('catalog:read'),
      schema: { tags, summary: 'Stock locations, the default first', security: bearer, response: { 200: Page(LocationSchema), ...problems(401, 403) } },
    },
    async () => ({ items: await inventory.listLocations(), nextCursor: null }),
  );

  app.post(
    '/inventory-locations',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Add a stock location',
        description: '`isDefault: true` makes it the default location (where reservations look first).',
        security: bearer,
        body: CreateLocationBody,
        response: { 201: LocationSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { staffId } = staffOf(request);
      const location = await inventory.transaction(async (trx) => {
        const created = await inventory.createLocation(request.body, trx);
        const data = { code: created.code, isDefault: created.isDefault };
        await audit.record(trx, { actorId: staffId, action: 'inventory.location_created', targetType: 'location', targetId: created.id, data, ip: request.ip });
        return created;
      });
      return reply.code(201).send(location);
    },
  );
};
