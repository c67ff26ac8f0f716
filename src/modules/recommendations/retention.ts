import { sql, type Kysely, type Selectable } from 'kysely';
import { withTransaction, type Database } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import type { OrderPaidPayload } from './events.js';
import type { RecsEventTable } from './tables.js';

/** Start of `at`'s UTC day. */
export function utcDayStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/**
 * Folds every event that occurred before the UTC day of `before` into `recs_item_daily` and
 * deletes them, in one transaction. Whole days only, so a day is normally folded in one pass and
 * its distinct-session count is exact; running it again finds nothing left to fold (idempotent).
 * Returns how many events were compacted.
 */
export async function compactEvents(db: Kysely<Database>, before: Date): Promise<number> {
  const cutoff = utcDayStart(before);
  return withTransaction(db, async (trx) => {
    await sql`
      insert into recs_item_daily (product_id, day, views, carts, purchases, distinct_sessions)
      select product_id, (occurred_at at time zone 'UTC')::date,
             count(*) filter (where type = 'view'),
             count(*) filter (where type = 'add_to_cart'),
             coalesce(sum(quantity) filter (where type = 'purchase'), 0),
             count(distinct session_id)
        from recs_event
       where occurred_at < ${cutoff} and product_id is not null
       group by 1, 2
      on conflict (product_id, day) do update set
        views = recs_item_daily.views + excluded.views,
        carts = recs_item_daily.carts + excluded.carts,
        purchases = recs_item_daily.purchases + excluded.purchases,
        distinct_sessions = recs_item_daily.distinct_sessions + excluded.distinct_sessions`.execute(trx);
    const deleted = await trx.deleteFrom('recsEvent').where('occurredAt', '<', cutoff).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}

/** Deletes a customer's events (their own and those of sessions linked to them) and the links. */
export async function forgetCustomer(db: Kysely<Database>, customerId: string): Promise<number> {
  return withTransaction(db, async (trx) => {
    const linked = trx.selectFrom('recsSessionCustomer').select('sessionId').where('customerId', '=', customerId);
    const deleted = await trx
      .deleteFrom('recsEvent')
      .where((eb) => eb.or([eb('customerId', '=', customerId), eb('sessionId', 'in', linked)]))
      .executeTakeFirst();
    await trx
      .deleteFrom('recsImpression')
      .where((eb) => eb.or([eb('customerId', '=', customerId), eb('sessionId', 'in', linked)]))
      .execute();
    await trx.deleteFrom('recsSessionCustomer').where('customerId', '=', customerId).execute();
    return Number(deleted.numDeletedRows);
  });
}

/** A customer's events, oldest first: their own plus those of sessions linked to them. */
export async function customerEvents(db: Kysely<Database>, customerId: string): Promise<Selectable<RecsEventTable>[]> {
  const linked = db.selectFrom('recsSessionCustomer').select('sessionId').where('customerId', '=', customerId);
  return db
    .selectFrom('recsEvent')
    .selectAll()
    .where((eb) => eb.or([eb('customerId', '=', customerId), eb('sessionId', 'in', linked)]))
    .orderBy('occurredAt')
    .orderBy('id')
    .execute();
}

/** Records the lines of a paid order as purchases, once per order line whatever the redelivery. */
export async function recordOrderPurchases(db: Kysely<Database>, event: DomainEvent): Promise<void> {
  const p = event.payload as OrderPaidPayload;
  if (!Array.isArray(p.lines) || p.lines.length === 0) return;
  await db
    .insertInto('recsEvent')
    .values(
      p.lines.map((l) => ({
        type: 'purchase' as const,
        productId: l.productId,
        sku: l.sku,
        query: null,
        sessionId: null,
        customerId: p.customerId ?? null,
        quantity: Math.max(1, l.quantity),
        orderId: p.orderId,
        orderLineId: l.lineId,
        occurredAt: event.createdAt,
      })),
    )
    .onConflict((oc) => oc.column('orderLineId').where('orderLineId', 'is not', null).doNothing())
    .execute();
}
