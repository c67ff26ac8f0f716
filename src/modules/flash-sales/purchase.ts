import { sql } from 'kysely';
import { withTransaction } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { OrderView } from '../orders/index.js';
import type { FlashSaleDeps, SaleRow, SkuOffer } from './deps.js';
import { flashSaleError } from './errors.js';
import { findSale, loadCounters, sweepSales } from './service.js';

/** How long a process keeps refusing a sale it found sold out before asking again. */
const SOLD_OUT_NOTE_MS = 250;

/** Sale rows and SKU offers (description and regular price) read on the hot path, per process, for a moment. */
export function createHotCache(ttlMs: number) {
  const sales = new Map<string, { at: number; row: Promise<SaleRow> }>();
  // Sales this process just found sold out, until when: the crowd after the last unit is turned
  // away without a round trip. Units can come back (abandoned orders), so the note is brief.
  const soldOut = new Map<string, number>();
  const skus = new Map<string, { at: number; info: Promise<SkuOffer | null> }>();
  return {
    sale(deps: FlashSaleDeps, id: string): Promise<SaleRow> {
      const hit = sales.get(id);
      if (hit && Date.now() - hit.at < ttlMs) return hit.row;
      const row = findSale(deps.db, id);
      sales.set(id, { at: Date.now(), row });
      row.catch(() => sales.delete(id));
      return row;
    },
    sku(deps: FlashSaleDeps, sale: SaleRow, locale: string): Promise<SkuOffer | null> {
      const key = `${sale.sku}\u0000${sale.currency}\u0000${locale}`;
      const hit = skus.get(key);
      if (hit && Date.now() - hit.at < 60_000) return hit.info;
      const info = deps.catalog.lookupSkus(deps.db, [sale.sku], sale.currency, locale).then((m) => m.get(sale.sku) ?? null);
      skus.set(key, { at: Date.now(), info });
      info.catch(() => skus.delete(key));
      return info;
    },
    forget(id: string): void {
      sales.delete(id);
    },
    markSoldOut(id: string): void {
      soldOut.set(id, Date.now() + SOLD_OUT_NOTE_MS);
    },
    /** Units came back (an abandoned order): stop refusing without asking. */
    clearSoldOut(): void {
      soldOut.clear();
    },
    /** True while this process recently saw the sale sold out. */
    seemsSoldOut(id: string): boolean {
      const until = soldOut.get(id);
      if (until === undefined) return false;
      if (until > Date.now()) return true;
      soldOut.delete(id);
      return false;
    },
  };
}
export type HotCache = ReturnType<typeof createHotCache>;

/** 409 FLASH_SALE_SOLD_OUT at once while this process recently saw the sale sold out. */
export function refuseIfSoldOut(cache: HotCache, saleId: string): void {
  if (cache.seemsSoldOut(saleId)) throw flashSaleError('FLASH_SALE_SOLD_OUT', { detail: 'No units left' });
}

/** The per-customer and per-IP counts in Redis, or null when it is down or fails (PostgreSQL counts then). */
async function hitsInRedis(deps: FlashSaleDeps, customerId: string, ip: string, window: number) {
  if (!deps.redis?.isUp()) return null;
  try {
    return await Promise.all([deps.redis.hit(`c:${customerId}`, window), deps.redis.hit(`ip:${ip}`, window)]);
  } catch {
    return null;
  }
}

/**
 * Counts one purchase attempt per customer and per IP in a fixed window (Redis, else
 * PostgreSQL); 429 FLASH_SALE_RATE_LIMITED with Retry-After beyond the configured rates.
 */
export async function limitRate(deps: FlashSaleDeps, customerId: string, ip: string): Promise<void> {
  const window = deps.config.rateWindowSeconds;
  let verdicts: { hits: number; max: number; retry: number }[];
  const hits = await hitsInRedis(deps, customerId, ip, window);
  if (hits) {
    const [c, i] = hits;
    verdicts = [
      { hits: c.hits, max: deps.config.ratePerCustomer, retry: c.ttl },
      { hits: i.hits, max: deps.config.ratePerIp, retry: i.ttl },
    ];
  } else {
    const now = Math.floor(Date.now() / 1000);
    const start = now - (now % window);
    const rows = await deps.db
      .insertInto('flashSaleRate')
      .values([
        { key: `c:${customerId}`, windowStart: start, hits: 1 },
        { key: `ip:${ip}`, windowStart: start, hits: 1 },
      ])
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql<number>`case when flash_sale_rate.window_start = excluded.window_start then flash_sale_rate.hits + 1 else 1 end`,
          windowStart: sql<number>`excluded.window_start`,
        }),
      )
      .returning(['key', 'hits'])
      .execute();
    const retry = start + window - now;
    verdicts = rows.map((r) => ({ hits: r.hits, max: r.key.startsWith('c:') ? deps.config.ratePerCustomer : deps.config.ratePerIp, retry }));
  }
  const over = verdicts.filter((v) => v.hits > v.max);
  if (over.length) {
    const retry = Math.max(1, ...over.map((v) => v.retry));
    throw flashSaleError('FLASH_SALE_RATE_LIMITED', { detail: `Too many attempts; try again in ${retry} s`, headers: { 'retry-after': String(retry) } });
  }
}

function notActive(sale: SaleRow) {
  const why = sale.status === 'scheduled' ? 'has not started' : sale.status === 'live' ? 'has ended' : `is ${sale.status}`;
  return flashSaleError('FLASH_SALE_NOT_ACTIVE', { detail: `The flash sale ${why}` });
}

/** The sale, live now (starting it when its start passed before the clock got to it). */
async function liveSale(deps: FlashSaleDeps, cache: HotCache, id: string): Promise<SaleRow> {
  let sale = await cache.sale(deps, id);
  const now = Date.now();
  if (sale.status === 'scheduled' && new Date(sale.startsAt).getTime() <= now) {
    await sweepSales(deps);
    cache.forget(id);
    sale = await cache.sale(deps, id);
  }
  if (sale.status !== 'live' || new Date(sale.endsAt).getTime() <= now || new Date(sale.startsAt).getTime() > now) throw notActive(sale);
  return sale;
}

/**
 * The Redis pre-deduction: stock left, -1 sold out, -2 limit reached; null when Redis is absent,
 * unreachable or fails, or its counters cannot be loaded, and the purchase goes to PostgreSQL
 * alone (the record decides either way; Redis only spares it the crowd).
 */
async function buyInRedis(deps: FlashSaleDeps, sale: SaleRow, customerId: string, quantity: number): Promise<number | null> {
  if (!deps.redis?.isUp()) return null;
  try {
    let left = await deps.redis.buy(sale.id, customerId, quantity, sale.perCustomerLimit);
    if (left === -3) {
      await loadCounters(deps, sale, false);
      left = await deps.redis.buy(sale.id, customerId, quantity, sale.perCustomerLimit);
    }
    return left >= -2 ? left : null;
  } catch {
    return null;
  }
}

/**
 * Buys `quantity` units of a live sale for a customer: 201 order in `pending_payment` at the
 * sale price. With Redis, stock and the customer's count are pre-deducted atomically first, so
 * only as many buyers as there are units reach PostgreSQL; a failure afterwards gives them back.
 * PostgreSQL decides in every case: a guarded per-customer counter and a guarded `sold` update,
 * in the transaction that writes the order and moves the units from the sale's reservation to
 * the order's. Throws 409 FLASH_SALE_NOT_ACTIVE / FLASH_SALE_SOLD_OUT / FLASH_SALE_LIMIT_REACHED.
 */
export async function purchase(deps: FlashSaleDeps, cache: HotCache, saleId: string, customerId: string, quantity: number): Promise<OrderView> {
  const sale = await liveSale(deps, cache, saleId);
  if (quantity > sale.perCustomerLimit) throw flashSaleError('FLASH_SALE_LIMIT_REACHED', { detail: `At most ${sale.perCustomerLimit} per customer` });
  const left = await buyInRedis(deps, sale, customerId, quantity);
  if (deps.redis && left !== null) {
    if (left === -1) {
      cache.markSoldOut(sale.id);
      throw flashSaleError('FLASH_SALE_SOLD_OUT', { detail: 'No units left' });
    }
    if (left === -2) throw flashSaleError('FLASH_SALE_LIMIT_REACHED', { detail: `At most ${sale.perCustomerLimit} per customer` });
    try {
      return await purchaseInDb(deps, cache, sale, customerId, quantity);
    } catch (err) {
      // Nothing was written: the pre-deducted units and count go back to the crowd.
      await deps.redis.giveBack(sale.id, customerId, quantity).catch((e: unknown) => deps.log.error({ err: e, saleId: sale.id }, 'flash sale give-back failed'));
      throw err;
    }
  }
  // Without Redis (or while it is unreachable), a cheap unlocked read turns most of the crowd
  // away once the sale is sold out.
  const fresh = await findSale(deps.db, sale.id);
  if (fresh.status !== 'live') throw notActive(fresh);
  if (fresh.sold >= fresh.quantity) cache.markSoldOut(fresh.id);
  if (fresh.sold + quantity > fresh.quantity) throw flashSaleError('FLASH_SALE_SOLD_OUT', { detail: 'No units left' });
  return purchaseInDb(deps, cache, fresh, customerId, quantity);
}

async function purchaseInDb(deps: FlashSaleDeps, cache: HotCache, sale: SaleRow, customerId: string, quantity: number): Promise<OrderView> {
  // Reads of other modules happen before the transaction (they use their own handles).
  const customer = await deps.customers.get(customerId);
  const locale = customer.locale ?? deps.shop.defaultLocale;
  const [info, addresses] = await Promise.all([cache.sku(deps, sale, locale), deps.customers.listAddresses(customerId)]);
  if (!info) throw notActive(sale);
  const a = addresses.find((x) => x.isDefaultShipping) ?? addresses[0];
  const address = a
    ? { firstName: a.name, lastName: '', phone: a.phone, line1: a.line1, line2: [a.district, a.line2].filter(Boolean).join(' ') || null, city: a.city, region: a.province ?? null, postalCode: a.postalCode ?? null, country: a.country.toUpperCase() }
    : null;
  // The answer is built from the rows written, so a purchase that committed is never reported as failed.
  return withTransaction(deps.db, async (trx) => {
    // The per-customer counter row serialises one customer's attempts; the guard is the limit.
    const counted = await trx
      .insertInto('flashSaleCustomer')
      .values({ saleId: sale.id, customerId, purchased: quantity })
      .onConflict((oc) =>
        oc
          .columns(['saleId', 'customerId'])
          .doUpdateSet({ purchased: sql<number>`flash_sale_customer.purchased + excluded.purchased` })
          .where(sql<boolean>`flash_sale_customer.purchased + excluded.purchased <= ${sale.perCustomerLimit}`),
      )
      .returning('purchased')
      .executeTakeFirst();
    if (!counted) throw flashSaleError('FLASH_SALE_LIMIT_REACHED', { detail: `At most ${sale.perCustomerLimit} per customer` });
    const id = newId('ord');
    const reservationId = newId('rsv');
    const placed = await deps.orders.placeDirectOrder(trx, {
      orderId: id,
      customerId,
      email: customer.email,
      currency: sale.currency,
      locale,
      lines: [
        {
          sku: sale.sku,
          productId: info.productId,
          variantId: info.variantId,
          productHandle: info.productHandle,
          title: info.title,
          variantTitle: info.variantTitle,
          image: info.image,
          quantity,
          unitPrice: Number(sale.price),
          // The regular price the sale replaces, from the catalog read already cached for the
          // title: no extra round trip on the hot path, at most a minute old.
          listUnitPrice: info.unitPrice,
        },
      ],
      shippingAddress: address,
      paymentDueMinutes: deps.config.paymentTimeoutMinutes,
      reservationId,
      source: 'flash_sale',
      sourceId: sale.id,
    });
    // The hot rows come last, so every buyer holds their locks for as few round trips as
    // possible: the sale's counter (with the purchase record, in one statement), the transfer of
    // units out of the sale's reservation (one statement), the commit.
    const { rows } = await sql<{ reservationId: string | null }>`
      with taken as (
        update flash_sale set sold = sold + ${quantity}, updated_at = now()
         where id = ${sale.id} and status = 'live' and ends_at > now() and sold + ${quantity} <= quantity
        returning reservation_id
      ), purchase as (
        insert into flash_sale_purchase (id, sale_id, customer_id, order_id, quantity, status)
        select ${newId('fsp')}, ${sale.id}, ${customerId}, ${id}, ${quantity}, 'active' from taken
      )
      select reservation_id from taken`.execute(trx);
    const taken = rows[0];
    if (!taken) {
      const now = await trx.selectFrom('flashSale').selectAll().where('id', '=', sale.id).executeTakeFirstOrThrow();
      if (now.status === 'live' && new Date(now.endsAt).getTime() > Date.now()) throw flashSaleError('FLASH_SALE_SOLD_OUT', { detail: 'No units left' });
      throw notActive(now);
    }
    await deps.inventory.transferReservation(trx, taken.reservationId!, [{ sku: sale.sku, quantity }], id, reservationId);
    return placed.view;
  });
}
