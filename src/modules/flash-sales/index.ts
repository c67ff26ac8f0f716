import type { DomainEvent } from '../../platform/events/index.js';
import { createPoller } from '../../platform/poller.js';
import type { Tx } from '../../platform/db/index.js';
import type { FlashSaleDeps } from './deps.js';
import { createHotCache, limitRate, purchase, refuseIfSoldOut } from './purchase.js';
import type { CreateFlashSaleBody, UpdateFlashSaleBody } from './schemas.js';
import { cancelSale, createSale, findSale, loadCounters, PURCHASE_RELEASED, reconcileCounters, releaseOnCancel, sweepSales, toView, updateSale, type CounterSightings } from './service.js';
import type { FlashSaleStatus } from './tables.js';

export { flashSaleMigrations } from './migrations.js';
export { flashSaleAdminRoutes, flashSaleStoreRoutes } from './routes.js';
export { flashSaleError } from './errors.js';
export { createFlashRedis, type FlashRedis } from './redis.js';
export { FlashSaleSchema, type FlashSaleView } from './schemas.js';
export type { FlashSaleDeps } from './deps.js';
export { PURCHASE_RELEASED } from './service.js';

/**
 * Flash sales (秒杀): a SKU at a price for a time, up to a quantity, a limit per customer.
 * PostgreSQL is the record (guarded `sold` and per-customer counters); Redis, when given, only
 * turns the crowd away before it reaches the database. See README.md.
 */
export function createFlashSalesModule(deps: FlashSaleDeps & { sweepIntervalMs?: number }) {
  const cache = createHotCache(500);
  const sightings: CounterSightings = new Map();
  const poller = createPoller(
    async () => {
      const changed = await sweepSales(deps);
      await reconcileCounters(deps, sightings).catch((err: unknown) => deps.log.warn({ err }, 'flash sale counters not reconciled'));
      return changed > 0;
    },
    { pollMs: deps.sweepIntervalMs ?? 1000, log: deps.log, what: 'flash sale sweep' },
  );
  const title = async (sku: string, currency: string) => (await deps.catalog.lookupSkus(deps.db, [sku], currency, deps.shop.defaultLocale)).get(sku)?.title ?? null;
  return {
    /** Schedules a sale. 400 FLASH_SALE_INVALID (unknown SKU, currency, ends before it starts or in the past). */
    async create(body: CreateFlashSaleBody) {
      const row = await createSale(deps, body);
      return toView(row, await title(row.sku, row.currency));
    },
    /** Changes a sale before its start. 404 FLASH_SALE_NOT_FOUND, 409 FLASH_SALE_ALREADY_STARTED, 400 FLASH_SALE_INVALID. */
    async update(id: string, body: UpdateFlashSaleBody) {
      const row = await updateSale(deps, id, body);
      cache.forget(id);
      return toView(row, await title(row.sku, row.currency));
    },
    /** Cancels a scheduled or live sale; a live one's unsold units return to stock. 404, 409 FLASH_SALE_NOT_ACTIVE. */
    async cancel(id: string) {
      const row = await cancelSale(deps, id);
      cache.forget(id);
      return toView(row, await title(row.sku, row.currency));
    },
    /** A sale (staff view). 404 FLASH_SALE_NOT_FOUND. */
    async get(id: string) {
      const row = await findSale(deps.db, id);
      return toView(row, await title(row.sku, row.currency));
    },
    /** Sales, latest start first. */
    async list(query: { status?: FlashSaleStatus; limit: number }) {
      let q = deps.db.selectFrom('flashSale').selectAll().orderBy('startsAt', 'desc').orderBy('id', 'desc').limit(query.limit);
      if (query.status) q = q.where('status', '=', query.status);
      return (await q.execute()).map((r) => toView(r));
    },
    /** Upcoming and live sales with the units left, soonest first. */
    async listForStore() {
      const rows = await deps.db.selectFrom('flashSale').selectAll().where('status', 'in', ['scheduled', 'live']).where('endsAt', '>', new Date()).orderBy('startsAt').limit(100).execute();
      const byCurrency = new Map<string, string[]>();
      for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r.sku]);
      const offers = new Map<string, { title: string; image: string | null }>();
      for (const [currency, skus] of byCurrency) for (const [sku, o] of await deps.catalog.lookupSkus(deps.db, skus, currency, deps.shop.defaultLocale)) offers.set(`${currency}:${sku}`, o);
      return rows.map((r) => {
        const v = toView(r);
        const o = offers.get(`${r.currency}:${r.sku}`);
        return { id: v.id, sku: v.sku, title: o?.title ?? null, image: o?.image ?? null, price: v.price, currency: v.currency, quantity: v.quantity, remaining: v.remaining, startsAt: v.startsAt, endsAt: v.endsAt, perCustomerLimit: v.perCustomerLimit, status: v.status as 'scheduled' | 'live' };
      });
    },
    /**
     * Refuses at once (409 FLASH_SALE_SOLD_OUT) while this process found the sale sold out in
     * the last moment, before any rate counting or round trip: the crowd after the last unit.
     */
    refuseIfSoldOut: (saleId: string) => refuseIfSoldOut(cache, saleId),
    /** Counts a purchase attempt; 429 FLASH_SALE_RATE_LIMITED (Retry-After) past the per-customer or per-IP rate. */
    limitRate: (customerId: string, ip: string) => limitRate(deps, customerId, ip),
    /** Buys units of a live sale (see purchase.ts). 404, 409 FLASH_SALE_NOT_ACTIVE / SOLD_OUT / LIMIT_REACHED. */
    purchase: (saleId: string, customerId: string, quantity: number) => purchase(deps, cache, saleId, customerId, quantity),
    /** The orders module's cancel hook (register with `orders.onCancel`): unpaid flash orders give their units back. */
    async onOrderCancel(trx: Tx, order: { id: string; status: string; reservationId: string | null }): Promise<void> {
      await releaseOnCancel(deps, trx, order);
      cache.clearSoldOut();
    },
    /** Event subscriptions for app.ts: released purchases give their units back in Redis (idempotent per order). */
    subscriptions(): [string, (event: DomainEvent) => Promise<void>][] {
      return [
        [
          PURCHASE_RELEASED,
          async (event) => {
            const p = event.payload as { saleId: string; customerId: string; orderId: string; quantity: number };
            if (deps.redis) await deps.redis.giveBack(p.saleId, p.customerId, p.quantity, p.orderId);
            cache.clearSoldOut();
          },
        ],
      ];
    },
    /**
     * Rebuilds live sales' Redis counters from the database (`force`: replace what is there; else
     * only load missing ones). Runs at start, so Redis is never the only record.
     */
    async rebuildCounters(force = false): Promise<number> {
      if (!deps.redis) return 0;
      const live = await deps.db.selectFrom('flashSale').selectAll().where('status', '=', 'live').execute();
      for (const sale of live) await loadCounters(deps, sale, force);
      return live.length;
    },
    /** Redis's view of a sale (null without Redis): tests and consistency checks. */
    redisCounters: (saleId: string) => (deps.redis ? deps.redis.read(saleId) : Promise.resolve(null)),
    /** One pass of the counter reconciliation the sweeper runs (tests); see `reconcileCounters`. */
    reconcileCounters: (steadyMs?: number) => reconcileCounters(deps, sightings, steadyMs),
    /** One pass of the sale clock (tests, CLI); `startSweeper` runs it in the background. */
    sweep: () => sweepSales(deps),
    startSweeper: poller.start,
    stopSweeper: poller.stop,
  };
}

export type FlashSales = ReturnType<typeof createFlashSalesModule>;
