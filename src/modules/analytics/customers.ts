import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import type { LocalKeys } from './calendar.js';
import { ACTIVITY_LATE_DAYS } from './retention.js';
import { addCounts } from './rollup.js';

/** `prev_at` of a customer's first activity. */
export const FIRST = '-infinity';
const STAMP = 'YYYY-MM-DD HH24:MI:SS';

/**
 * Records that a customer paid at `keys` (hour, day and month), once per period. Serialised
 * per customer with a transaction-scoped advisory lock, so concurrent dispatchers cannot both
 * miss each other's previous period.
 */
export async function recordCustomerActivity(trx: Tx, customerId: string, keys: LocalKeys): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`analytics_customer:${customerId}`}))`.execute(trx);
  await gridActivity(trx, 'hour', customerId, keys.hour);
  await gridActivity(trx, 'day', customerId, `${keys.day} 00:00:00`);
  await cohortActivity(trx, customerId, keys.month);
}

async function insertActivity(trx: Tx, grain: string, customerId: string, at: string): Promise<boolean> {
  const { rows } = await sql`insert into analytics_customer_activity (grain, customer_id, at) values (${grain}, ${customerId}, ${at}::timestamp)
    on conflict do nothing returning customer_id`.execute(trx);
  return rows.length > 0;
}

/**
 * Like `insertActivity` for hours and days, but a period more than `ACTIVITY_LATE_DAYS` before
 * the customer's latest one is not recorded: the rows before it may have been pruned, so its
 * predecessor could not be told. The payment still counts in every sum.
 */
async function insertRecentActivity(trx: Tx, grain: 'hour' | 'day', customerId: string, at: string): Promise<boolean> {
  const { rows } = await sql`insert into analytics_customer_activity (grain, customer_id, at)
    select ${grain}, ${customerId}, ${at}::timestamp
    where not exists (
      select 1 from analytics_customer_activity
      where grain = ${grain} and customer_id = ${customerId} and at > ${at}::timestamp + make_interval(days => ${ACTIVITY_LATE_DAYS}))
    on conflict do nothing returning customer_id`.execute(trx);
  return rows.length > 0;
}

/**
 * Keeps `analytics_customer_grid` right: the new period counts under its predecessor, and the
 * period after it (when an older payment arrives late) moves from the old predecessor to it.
 */
async function gridActivity(trx: Tx, grain: 'hour' | 'day', customerId: string, at: string): Promise<void> {
  if (!(await insertRecentActivity(trx, grain, customerId, at))) return;
  const { rows } = await sql<{ prev: string | null; next: string | null }>`
    select
      (select to_char(max(at), ${STAMP}) from analytics_customer_activity where grain = ${grain} and customer_id = ${customerId} and at < ${at}::timestamp) as prev,
      (select to_char(min(at), ${STAMP}) from analytics_customer_activity where grain = ${grain} and customer_id = ${customerId} and at > ${at}::timestamp) as next`.execute(trx);
  const prev = rows[0]?.prev ?? FIRST;
  const next = rows[0]?.next ?? null;
  const cells: [string, string, string, number][] = [[grain, at, prev, 1]];
  if (next) cells.push([grain, next, prev, -1], [grain, next, at, 1]);
  await addCounts(trx, 'analytics_customer_grid', ['grain', 'at', 'prev_at'], ['customers'], cells);
}

/** Cohort counts: the customer's first paid month, and each month they paid in. */
async function cohortActivity(trx: Tx, customerId: string, month: string): Promise<void> {
  if (!(await insertActivity(trx, 'month', customerId, month))) return;
  const found = await sql<{ first: string }>`select to_char(first_month, 'YYYY-MM-DD') as first from analytics_customer where customer_id = ${customerId}`.execute(trx);
  const first = found.rows[0]?.first;
  if (!first) {
    await sql`insert into analytics_customer (customer_id, first_month) values (${customerId}, ${month}::date)`.execute(trx);
    await addCounts(trx, 'analytics_cohort', ['cohort', 'month'], ['customers'], [[month, month, 1]]);
    return;
  }
  if (month >= first) {
    await addCounts(trx, 'analytics_cohort', ['cohort', 'month'], ['customers'], [[first, month, 1]]);
    return;
  }
  // A payment older than the customer's first known one: the customer changes cohort.
  const { rows } = await sql<{ m: string }>`select to_char(at, 'YYYY-MM-DD') as m from analytics_customer_activity where grain = 'month' and customer_id = ${customerId}`.execute(trx);
  const cells: [string, string, number][] = [];
  for (const { m } of rows) {
    if (m !== month) cells.push([first, m, -1]);
    cells.push([month, m, 1]);
  }
  await addCounts(trx, 'analytics_cohort', ['cohort', 'month'], ['customers'], cells);
  await sql`update analytics_customer set first_month = ${month}::date where customer_id = ${customerId}`.execute(trx);
}
