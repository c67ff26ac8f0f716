import { sql, type Kysely } from 'kysely';
import { withTransaction, type Database, type Tx } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import type { FlashSaleDeps, SaleRow } from './deps.js';
import { flashSaleError } from './errors.js';
import type { CreateFlashSaleBody, FlashSaleView, UpdateFlashSaleBody } from './schemas.js';

export const PURCHASE_RELEASED = 'flash_sale.purchase_released';
const BATCH = 20;

export function toView(row: SaleRow, title: string | null = null): FlashSaleView {
  return {
    id: row.id,
    sku: row.sku,
    title,
    price: Number(row.price),
    currency: row.currency,
    quantity: row.quantity,
    sold: row.sold,
    remaining: row.status === 'live' || row.status === 'scheduled' ? row.quantity - row.sold : 0,
    startsAt: new Date(row.startsAt).toISOString(),
    endsAt: new Date(row.endsAt).toISOString(),
    perCustomerLimit: row.perCustomerLimit,
    status: row.status,
    campaignId: row.campaignId,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export async function findSale(db: Kysely<Database>, id: string): Promise<SaleRow> {
  const row = await db.selectFrom('flashSale').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw flashSaleError('FLASH_SALE_NOT_FOUND', { detail: `No flash sale ${id}` });
  return row;
}

async function checkInput(deps: FlashSaleDeps, input: { sku: string; currency: string; startsAt: Date; endsAt: Date }): Promise<void> {
  const fields: { field: string; message: string }[] = [];
  if (!(input.endsAt > input.startsAt)) fields.push({ field: '/endsAt', message: 'must be after startsAt' });
  if (!(input.endsAt.getTime() > Date.now())) fields.push({ field: '/endsAt', message: 'must be in the future' });
  if (!deps.shop.currencies.includes(input.currency)) fields.push({ field: '/currency', message: `is not sold in (${deps.shop.currencies.join(', ')})` });
  else if (!(await deps.catalog.lookupSkus(deps.db, [input.sku], input.currency, deps.shop.defaultLocale)).has(input.sku)) {
    fields.push({ field: '/sku', message: 'is not a known SKU' });
  }
  if (fields.length) throw flashSaleError('FLASH_SALE_INVALID', { detail: fields.map((f) => `${f.field} ${f.message}`).join('; '), fields });
}

export async function createSale(deps: FlashSaleDeps, body: CreateFlashSaleBody): Promise<SaleRow> {
  const input = { ...body, currency: body.currency ?? deps.shop.defaultCurrency, startsAt: new Date(body.startsAt), endsAt: new Date(body.endsAt) };
  await checkInput(deps, input);
  return deps.db
    .insertInto('flashSale')
    .values({
      id: newId('fls'),
      sku: input.sku,
      currency: input.currency,
      price: input.price,
      quantity: input.quantity,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      perCustomerLimit: input.perCustomerLimit,
      status: 'scheduled',
      reservationId: null,
      campaignId: input.campaignId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Changes a sale that has not started (status scheduled, start in the future); 409 FLASH_SALE_ALREADY_STARTED otherwise. */
export async function updateSale(deps: FlashSaleDeps, id: string, body: UpdateFlashSaleBody): Promise<SaleRow> {
  const current = await findSale(deps.db, id);
  const merged = {
    sku: body.sku ?? current.sku,
    currency: body.currency ?? current.currency,
    startsAt: body.startsAt ? new Date(body.startsAt) : new Date(current.startsAt),
    endsAt: body.endsAt ? new Date(body.endsAt) : new Date(current.endsAt),
  };
  await checkInput(deps, merged);
  const row = await deps.db
    .updateTable('flashSale')
    .set({
      ...merged,
      ...(body.price !== undefined ? { price: body.price } : {}),
      ...(body.quantity !== undefined ? { quantity: body.quantity } : {}),
      ...(body.perCustomerLimit !== undefined ? { perCustomerLimit: body.perCustomerLimit } : {}),
      ...(body.campaignId !== undefined ? { campaignId: body.campaignId } : {}),
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .where('startsAt', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw flashSaleError('FLASH_SALE_ALREADY_STARTED', { detail: 'Only a sale that has not started can be changed' });
  return row;
}

/** Returns what the live sale's pool still holds to general stock and sets `status`. */
async function closeSale(deps: FlashSaleDeps, trx: Tx, sale: SaleRow, status: 'ended' | 'cancelled'): Promise<void> {
  if (sale.status === 'live' && sale.reservationId) await deps.inventory.release(trx, sale.reservationId);
  await trx.updateTable('flashSale').set({ status, updatedAt: sql<Date>`now()` }).where('id', '=', sale.id).execute();
}

/** Cancels a scheduled or live sale (a live one's unsold units return to stock). Orders already placed stay. */
export async function cancelSale(deps: FlashSaleDeps, id: string): Promise<SaleRow> {
  await withTransaction(deps.db, async (trx) => {
    const sale = await trx.selectFrom('flashSale').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!sale) throw flashSaleError('FLASH_SALE_NOT_FOUND', { detail: `No flash sale ${id}` });
    if (sale.status === 'ended' || sale.status === 'cancelled') throw flashSaleError('FLASH_SALE_NOT_ACTIVE', { detail: `The sale is already ${sale.status}` });
    await closeSale(deps, trx, sale, 'cancelled');
  });
  if (deps.redis) await deps.redis.drop(id);
  return findSale(deps.db, id);
}

/**
 * Loads a live sale's counters into Redis from the database: stock = quantity − sold and each
 * customer's units. `force` replaces counters already there (after a crash lost pre-deductions).
 */
export async function loadCounters(deps: FlashSaleDeps, sale: SaleRow, force: boolean): Promise<void> {
  if (!deps.redis) return;
  const [row, customers, released] = await Promise.all([
    deps.db.selectFrom('flashSale').select(['quantity', 'sold', 'status', 'endsAt']).where('id', '=', sale.id).executeTakeFirstOrThrow(),
    deps.db.selectFrom('flashSaleCustomer').select(['customerId', 'purchased']).where('saleId', '=', sale.id).where('purchased', '>', 0).execute(),
    deps.db.selectFrom('flashSalePurchase').select('orderId').where('saleId', '=', sale.id).where('status', '=', 'released').execute(),
  ]);
  const stock = row.status === 'live' ? row.quantity - row.sold : 0;
  const ttl = (new Date(row.endsAt).getTime() - Date.now()) / 1000 + 86_400;
  await deps.redis.load(
    sale.id,
    { stock, customers: customers.map((c) => [c.customerId, c.purchased]), released: released.map((r) => r.orderId) },
    ttl,
    force,
  );
}

/**
 * One pass of the sale clock: starts due sales (reserving their quantity from inventory; a
 * shortage shrinks the sale to what was available, none cancels it) and ends sales past their
 * end (the unsold rest returns to stock). Rows are claimed with FOR UPDATE SKIP LOCKED, so any
 * number of processes may sweep. Returns how many sales changed.
 */
export async function sweepSales(deps: FlashSaleDeps): Promise<number> {
  const started = await withTransaction(deps.db, async (trx) => {
    const due = await trx
      .selectFrom('flashSale')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('startsAt', '<=', sql<Date>`now()`)
      .orderBy('startsAt')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    const live: SaleRow[] = [];
    for (const sale of due) {
      if (new Date(sale.endsAt).getTime() <= Date.now()) {
        await trx.updateTable('flashSale').set({ status: 'ended', updatedAt: sql<Date>`now()` }).where('id', '=', sale.id).execute();
        continue;
      }
      let quantity = sale.quantity;
      let r = await deps.inventory.reserve(trx, [{ sku: sale.sku, quantity }], `flash:${sale.id}`);
      if (!r.ok) {
        quantity = Math.max(0, r.shortages[0]?.available ?? 0);
        if (quantity > 0) r = await deps.inventory.reserve(trx, [{ sku: sale.sku, quantity }], `flash:${sale.id}`);
        if (!r.ok) {
          deps.log.warn({ saleId: sale.id, sku: sale.sku }, 'flash sale cancelled at start: no stock');
          await trx.updateTable('flashSale').set({ status: 'cancelled', updatedAt: sql<Date>`now()` }).where('id', '=', sale.id).execute();
          continue;
        }
        deps.log.warn({ saleId: sale.id, sku: sale.sku, wanted: sale.quantity, got: quantity }, 'flash sale shrunk at start: not enough stock');
      }
      const row = await trx
        .updateTable('flashSale')
        .set({ status: 'live', quantity, reservationId: r.reservationId, updatedAt: sql<Date>`now()` })
        .where('id', '=', sale.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      live.push(row);
    }
    return live;
  });
  for (const sale of started) await loadCounters(deps, sale, true);
  const ended = await withTransaction(deps.db, async (trx) => {
    const due = await trx
      .selectFrom('flashSale')
      .selectAll()
      .where('status', '=', 'live')
      .where('endsAt', '<=', sql<Date>`now()`)
      .orderBy('endsAt')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const sale of due) await closeSale(deps, trx, sale, 'ended');
    return due.length;
  });
  if (!deps.redis) {
    const window = deps.config.rateWindowSeconds;
    await deps.db.deleteFrom('flashSaleRate').where('windowStart', '<', Math.floor(Date.now() / 1000) - 2 * window).execute();
  }
  return started.length + ended;
}

/** What a process last saw of each live sale's counter and units left, and since when. */
export type CounterSightings = Map<string, { stock: number; left: number; since: number }>;

/**
 * Keeps live sales' Redis stock counters in line with the database, which is the record. A
 * counter can drift when Redis goes away mid-purchase: a pre-deduction whose answer was lost, a
 * give-back that could not be sent, a rebuild at reconnection racing purchases in flight. Above
 * the units left (`quantity − sold`) a counter is always wrong and comes down at once. Below, it
 * is normal while purchases are in flight, so it is raised only once this process has seen the
 * same counter and units left for `steadyMs`. Redis is read before the database, so a purchase
 * between the two reads can only make the counter look lower, never higher. Returns the number of
 * counters changed.
 */
export async function reconcileCounters(deps: FlashSaleDeps, seen: CounterSightings, steadyMs = 10_000): Promise<number> {
  if (!deps.redis?.isUp()) return 0;
  const live = (await deps.db.selectFrom('flashSale').select('id').where('status', '=', 'live').execute()).map((s) => s.id);
  for (const id of seen.keys()) if (!live.includes(id)) seen.delete(id);
  if (!live.length) return 0;
  // Every counter first, then every sale's units left in one query: the order the argument above needs.
  const stocks = await Promise.all(live.map((id) => deps.redis!.stock(id)));
  const rows = await deps.db.selectFrom('flashSale').select(['id', 'quantity', 'sold', 'status']).where('id', 'in', live).execute();
  const now = Date.now();
  let changed = 0;
  for (const [i, id] of live.entries()) {
    const stock = stocks[i]!;
    if (stock === null) {
      seen.delete(id);
      continue;
    }
    const row = rows.find((r) => r.id === id);
    if (!row || row.status !== 'live') continue;
    const left = row.quantity - row.sold;
    const last = seen.get(id);
    const same = last !== undefined && last.stock === stock && last.left === left;
    if (!same) seen.set(id, { stock, left, since: now });
    const steady = same && now - last.since >= steadyMs;
    if (stock > left || (stock < left && steady)) {
      const outcome = await deps.redis.settle(id, left, steady ? stock : null);
      if (outcome === 1 || outcome === 2) {
        changed++;
        seen.delete(id);
        deps.log.warn({ saleId: id, redisStock: stock, unitsLeft: left }, outcome === 1 ? 'flash sale counter was above the units left: lowered' : 'flash sale counter was below the units left with nothing in flight: raised');
      }
    }
  }
  return changed;
}

/**
 * The orders module's cancel hook, inside the cancellation's transaction: an unpaid flash order
 * gives its units back — to the sale's pool while the sale is live (its reservation merges into
 * the sale's, so the units never pass through general stock), to general stock after (the
 * orders module then releases the order's reservation). The customer's count and the sale's
 * `sold` go down; `flash_sale.purchase_released` tells Redis. Idempotent: a purchase is released
 * once. Paid orders keep their units counted as sold (a refund restocks general stock).
 * Lock order: order (caller) → purchase → customer counter → sale → reservations.
 */
export async function releaseOnCancel(deps: FlashSaleDeps, trx: Tx, order: { id: string; status: string; reservationId: string | null }): Promise<void> {
  if (order.status !== 'pending_payment') return;
  const purchase = await trx.selectFrom('flashSalePurchase').selectAll().where('orderId', '=', order.id).where('status', '=', 'active').forUpdate().executeTakeFirst();
  if (!purchase) return;
  await trx
    .updateTable('flashSaleCustomer')
    .set((eb) => ({ purchased: eb('purchased', '-', purchase.quantity) }))
    .where('saleId', '=', purchase.saleId)
    .where('customerId', '=', purchase.customerId)
    .execute();
  const sale = await trx
    .updateTable('flashSale')
    .set((eb) => ({ sold: eb('sold', '-', purchase.quantity), updatedAt: sql<Date>`now()` }))
    .where('id', '=', purchase.saleId)
    .returning(['status', 'reservationId'])
    .executeTakeFirstOrThrow();
  if (sale.status === 'live' && sale.reservationId && order.reservationId) {
    await deps.inventory.mergeReservation(trx, order.reservationId, sale.reservationId);
  }
  await trx.updateTable('flashSalePurchase').set({ status: 'released', updatedAt: sql<Date>`now()` }).where('id', '=', purchase.id).execute();
  await publish(trx, PURCHASE_RELEASED, { saleId: purchase.saleId, customerId: purchase.customerId, orderId: order.id, quantity: purchase.quantity, toSale: sale.status === 'live' });
}
