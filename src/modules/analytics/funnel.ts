import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Granularity, Period } from './calendar.js';
import { bucketOf, change } from './overview.js';

/** Funnel steps, in order. */
export const FUNNEL_STEPS = ['sessions', 'product_views', 'add_to_cart', 'checkout', 'paid'] as const;

/** One step: its count, the previous period's, and conversion from the step before. */
export interface FunnelStep {
  step: (typeof FUNNEL_STEPS)[number];
  count: number;
  previous: number;
  change: number | null;
  /** count / the previous step's count, 4 decimals; null for the first step or when that is 0. */
  conversion: number | null;
}

/** The funnel report. */
export interface FunnelReport {
  steps: FunnelStep[];
  /** paid / sessions, 4 decimals; null without sessions. */
  overallConversion: number | null;
  series: { bucket: string; sessions: number; productViews: number; addToCart: number; checkout: number; paid: number; views: number; addToCarts: number }[];
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

type Counts = Record<'sessions' | 'productViews' | 'addToCart' | 'checkout' | 'paid' | 'views' | 'addToCarts', number>;
const NONE: Counts = { sessions: 0, productViews: 0, addToCart: 0, checkout: 0, paid: 0, views: 0, addToCarts: 0 };

/** Funnel counts per bucket (or one entry for the whole span), behaviour and order hours joined by bucket. */
async function spans(db: Kysely<Database>, span: { start: string; end: string; granularity: Granularity | null }): Promise<Map<string, Counts>> {
  const { rows } = await sql<{ bucket: string } & Record<keyof Counts, string>>`
    with beh as (
      select ${bucketOf('h.hour', span)} as bucket, sum(h.sessions) as sessions, sum(h.viewing_sessions) as product_views,
        sum(h.carting_sessions) as add_to_cart, sum(h.views) as views, sum(h.add_to_carts) as add_to_carts
      from analytics_behaviour_hour h where h.hour >= ${span.start}::timestamp and h.hour < ${span.end}::timestamp group by 1),
    ord as (
      select ${bucketOf('o.hour', span)} as bucket, sum(o.placed_orders) as checkout, sum(o.paid_orders) as paid
      from analytics_order_hour o where o.hour >= ${span.start}::timestamp and o.hour < ${span.end}::timestamp group by 1)
    select to_char(bucket, 'YYYY-MM-DD HH24:MI:SS') as bucket, coalesce(beh.sessions, 0)::text as sessions, coalesce(beh.product_views, 0)::text as product_views,
      coalesce(beh.add_to_cart, 0)::text as add_to_cart, coalesce(ord.checkout, 0)::text as checkout, coalesce(ord.paid, 0)::text as paid,
      coalesce(beh.views, 0)::text as views, coalesce(beh.add_to_carts, 0)::text as add_to_carts
    from beh full join ord using (bucket)`.execute(db);
  return new Map(rows.map(({ bucket, ...r }) => [bucket, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as Counts]));
}

/**
 * Sessions (counted in the hour of their first event) → sessions with a product view → sessions
 * with an add to cart → orders placed → orders paid. Three queries over the hour rollups.
 */
export async function funnelReport(db: Kysely<Database>, period: Period): Promise<FunnelReport> {
  const [curMap, prevMap, series] = await Promise.all([
    spans(db, { start: period.start, end: period.end, granularity: null }),
    spans(db, { start: period.previous.start, end: period.previous.end, granularity: null }),
    spans(db, { start: period.start, end: period.end, granularity: period.granularity }),
  ]);
  const cur = curMap.get(period.start) ?? NONE;
  const prev = prevMap.get(period.previous.start) ?? NONE;
  const values = [cur.sessions, cur.productViews, cur.addToCart, cur.checkout, cur.paid];
  const before = [prev.sessions, prev.productViews, prev.addToCart, prev.checkout, prev.paid];
  const steps = FUNNEL_STEPS.map((step, i) => ({
    step,
    count: values[i]!,
    previous: before[i]!,
    change: change(values[i]!, before[i]!),
    conversion: i === 0 ? null : ratio(values[i]!, values[i - 1]!),
  }));
  return { steps, overallConversion: ratio(cur.paid, cur.sessions), series: period.buckets.map((b) => ({ bucket: b.start, ...(series.get(b.start) ?? NONE) })) };
}
