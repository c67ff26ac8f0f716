import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';

/**
 * Order-event ids are kept this long for idempotency. An event folded once comes again only when
 * a process stopped before recording the delivery, within the outbox lease (seconds); only a
 * replay of month-old events by hand could fold one twice.
 */
export const EVENT_IDS_KEPT_DAYS = 30;

/**
 * Each customer's hourly and daily activity is kept for this many days before their latest
 * one: the next payment only needs the latest row to tell a new customer from a returning one.
 * Monthly activity (cohorts) is kept whole: one row per customer and month.
 */
export const ACTIVITY_DAYS_KEPT = 400;

/**
 * A payment folded after the same customer's later ones (a late event) still moves the
 * new/returning split if it is at most this far behind their latest; then every row it needs
 * (its predecessor, unless that is more than `ACTIVITY_DAYS_KEPT − ACTIVITY_LATE_DAYS` older)
 * is still there. Further behind, it counts in every sum but not in that split.
 */
export const ACTIVITY_LATE_DAYS = 30;

/** Rows deleted per statement, so a large first prune never holds locks for long. */
export const PRUNE_BATCH = 10_000;

/**
 * Deletes at most one batch of each: folded event ids older than `EVENT_IDS_KEPT_DAYS`, and
 * hourly and daily activity more than `ACTIVITY_DAYS_KEPT` before the same customer's latest.
 * The caller runs it again while either was a full batch.
 */
export async function pruneAnalytics(db: Kysely<Database>, now: Date): Promise<{ events: number; activity: number }> {
  const events = await sql`
    delete from analytics_event where event_id in (
      select event_id from analytics_event where processed_at < ${new Date(now.getTime() - EVENT_IDS_KEPT_DAYS * 86_400_000)} limit ${PRUNE_BATCH})`.execute(db);
  const activity = await sql`
    delete from analytics_customer_activity
    where (grain, customer_id, at) in (
      select o.grain, o.customer_id, o.at from analytics_customer_activity o
      where o.grain in ('hour', 'day')
        and exists (
          select 1 from analytics_customer_activity n
          where n.grain = o.grain and n.customer_id = o.customer_id and n.at > o.at + make_interval(days => ${ACTIVITY_DAYS_KEPT}))
      limit ${PRUNE_BATCH})`.execute(db);
  return { events: Number(events.numAffectedRows ?? 0), activity: Number(activity.numAffectedRows ?? 0) };
}
