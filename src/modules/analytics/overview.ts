import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Granularity, Period } from './calendar.js';
import { FIRST } from './customers.js';
import { moneySum, type Reporting } from './currency.js';

/** A figure for the period, the previous period of equal length, and the relative change. */
export interface Figure {
  value: number;
  previous: number;
  /** (value − previous) / previous, 4 decimals; null when previous is 0. */
  change: number | null;
}

/** The overview's figures for one span of time (a period or a bucket). */
export interface OverviewValues {
  gmv: number;
  netRevenue: number;
  discounts: number;
  refunds: number;
  paidOrders: number;
  placedOrders: number;
  cancelledOrders: number;
  refundedOrders: number;
  averageOrderValue: number;
  refundRate: number;
  newCustomers: number;
  returningCustomers: number;
}

/** The overview report: figures against the previous period, and a series per bucket. */
export interface OverviewReport {
  figures: Record<keyof OverviewValues, Figure>;
  series: ({ bucket: string } & OverviewValues)[];
}

const STAMP = 'YYYY-MM-DD HH24:MI:SS';

/** A span `[start, end)` of local time, and how its rows group: whole, or per report bucket. */
interface Span {
  start: string;
  end: string;
  granularity: Granularity | null;
}

/**
 * The bucket of a local timestamp column: the granularity's start (weeks from Monday), clipped
 * to the span's start, so rows group by key in one pass instead of a range join per bucket.
 */
export function bucketOf(column: string, span: Span): RawBuilder<unknown> {
  if (span.granularity === null) return sql`${span.start}::timestamp`;
  if (span.granularity === 'hour') return sql.ref(column);
  return sql`greatest(date_trunc(${span.granularity}, ${sql.ref(column)}), ${span.start}::timestamp)`;
}

type OrderValues = Omit<OverviewValues, 'newCustomers' | 'returningCustomers'>;

/** Order figures per bucket from `analytics_order_hour`, summed exactly and each money figure rounded once. */
async function orderFigures(db: Kysely<Database>, r: Reporting, span: Span): Promise<Map<string, OrderValues>> {
  const { rows } = await sql<{ bucket: string } & Record<keyof OrderValues, string>>`
    with s as (
      select ${bucketOf('h.hour', span)} as bucket,
        sum(h.paid_orders) as paid_orders, sum(h.placed_orders) as placed_orders,
        sum(h.cancelled_orders) as cancelled_orders, sum(h.refunded_orders) as refunded_orders,
        ${moneySum(r, 'gmv', 'h')} as gmv, ${moneySum(r, 'discounts', 'h')} as discounts, ${moneySum(r, 'refunds', 'h')} as refunds
      from analytics_order_hour h where h.hour >= ${span.start}::timestamp and h.hour < ${span.end}::timestamp
      group by 1)
    select to_char(bucket, ${STAMP}) as bucket, paid_orders::text, placed_orders::text, cancelled_orders::text, refunded_orders::text,
      round(gmv)::text as gmv, round(discounts)::text as discounts, round(refunds)::text as refunds, round(gmv - refunds)::text as net_revenue,
      coalesce(round(gmv / nullif(paid_orders, 0)), 0)::text as average_order_value,
      coalesce(round(refunds / nullif(gmv, 0), 4), 0)::text as refund_rate
    from s`.execute(db);
  return new Map(
    rows.map((o) => [
      o.bucket,
      {
        gmv: Number(o.gmv),
        netRevenue: Number(o.netRevenue),
        discounts: Number(o.discounts),
        refunds: Number(o.refunds),
        paidOrders: Number(o.paidOrders),
        placedOrders: Number(o.placedOrders),
        cancelledOrders: Number(o.cancelledOrders),
        refundedOrders: Number(o.refundedOrders),
        averageOrderValue: Number(o.averageOrderValue),
        refundRate: Number(o.refundRate),
      },
    ]),
  );
}

/**
 * New and returning customers per bucket from `analytics_customer_grid`: a customer active in
 * the bucket counts once, at their first activity in it, whose predecessor lies before the
 * bucket (new: no predecessor at all).
 */
async function customerFigures(db: Kysely<Database>, grain: 'hour' | 'day', span: Span): Promise<Map<string, { newCustomers: number; returningCustomers: number }>> {
  const { rows } = await sql<{ bucket: string; newCustomers: string; returningCustomers: string }>`
    select to_char(bucket, ${STAMP}) as bucket,
      coalesce(sum(customers) filter (where prev_at = ${FIRST}::timestamp), 0)::text as new_customers,
      coalesce(sum(customers) filter (where prev_at > ${FIRST}::timestamp and prev_at < bucket), 0)::text as returning_customers
    from (select ${bucketOf('g.at', span)} as bucket, g.prev_at, g.customers from analytics_customer_grid g
      where g.grain = ${grain} and g.at >= ${span.start}::timestamp and g.at < ${span.end}::timestamp) x
    group by bucket`.execute(db);
  return new Map(rows.map((c) => [c.bucket, { newCustomers: Number(c.newCustomers), returningCustomers: Number(c.returningCustomers) }]));
}

const ZERO: OverviewValues = {
  gmv: 0,
  netRevenue: 0,
  discounts: 0,
  refunds: 0,
  paidOrders: 0,
  placedOrders: 0,
  cancelledOrders: 0,
  refundedOrders: 0,
  averageOrderValue: 0,
  refundRate: 0,
  newCustomers: 0,
  returningCustomers: 0,
};

/** Figures per bucket start (one entry for a whole span); buckets without rows are absent. */
async function figuresFor(db: Kysely<Database>, r: Reporting, grain: 'hour' | 'day', span: Span): Promise<Map<string, OverviewValues>> {
  const [orders, customers] = await Promise.all([orderFigures(db, r, span), customerFigures(db, grain, span)]);
  const out = new Map<string, OverviewValues>();
  for (const key of new Set([...orders.keys(), ...customers.keys()])) out.set(key, { ...ZERO, ...orders.get(key), ...customers.get(key) });
  return out;
}

/** Relative change, 4 decimals; null when there is nothing to compare with. */
export function change(value: number, previous: number): number | null {
  return previous === 0 ? null : Math.round(((value - previous) / previous) * 10_000) / 10_000;
}

/**
 * The overview: period and previous-period totals and the series per bucket, six queries (hour
 * rollups and customer grid, each rollup row read once per query).
 */
export async function overviewReport(db: Kysely<Database>, r: Reporting, period: Period): Promise<OverviewReport> {
  const whole = (start: string, end: string): Span => ({ start, end, granularity: null });
  const [cur, prev, series] = await Promise.all([
    figuresFor(db, r, 'day', whole(period.start, period.end)),
    figuresFor(db, r, 'day', whole(period.previous.start, period.previous.end)),
    figuresFor(db, r, period.granularity === 'hour' ? 'hour' : 'day', { start: period.start, end: period.end, granularity: period.granularity }),
  ]);
  const c = cur.get(period.start) ?? ZERO;
  const p = prev.get(period.previous.start) ?? ZERO;
  const figures = Object.fromEntries((Object.keys(ZERO) as (keyof OverviewValues)[]).map((k) => [k, { value: c[k], previous: p[k], change: change(c[k], p[k]) }])) as Record<
    keyof OverviewValues,
    Figure
  >;
  return { figures, series: period.buckets.map((b) => ({ bucket: b.start, ...(series.get(b.start) ?? ZERO) })) };
}
