import type { DomainEvent } from '../../platform/events/index.js';
import { periodOf, type Period } from './calendar.js';
import { foldBehaviour } from './behaviour-fold.js';
import { cohortsReport } from './cohorts.js';
import { toCsv } from './csv.js';
import { reportingCurrency } from './currency.js';
import type { AnalyticsDeps } from './deps.js';
import { funnelReport } from './funnel.js';
import { ANALYTICS_ORDER_EVENTS, foldOrderEvent } from './orders-fold.js';
import { overviewReport } from './overview.js';
import { productsReport } from './products.js';
import { promotionsReport } from './promotions.js';
import type { ReportQuery } from './schemas.js';
import { searchReport } from './search.js';
import { foldServedSearches } from './search-fold.js';
import { PRUNE_BATCH, pruneAnalytics } from './retention.js';

export { analyticsMigrations } from './migrations.js';
export { analyticsRoutes } from './routes.js';
export { analyticsError } from './errors.js';
export { ANALYTICS_ORDER_EVENTS, type OrderEventPayload } from './orders-fold.js';
export { CLICK_WINDOW_MS } from './behaviour-fold.js';
export type { AnalyticsDeps, BehaviourEventRow, ServedSearchRow } from './deps.js';
export type { Granularity } from './calendar.js';
export type { ReportQuery } from './schemas.js';

/** The reports served under `/admin/analytics/<name>`. */
export const REPORT_NAMES = ['overview', 'funnel', 'products', 'cohorts', 'promotions', 'search'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Behaviour events folded per transaction. */
const BEHAVIOUR_BATCH = 1000;
/** Served searches folded per transaction (rows with the same day and query are merged first). */
const SEARCH_BATCH = 5000;
/** Storefront events younger than this are left for the next fold (their batch may not have committed). */
const SETTLE_MS = 5000;

/**
 * Shop analytics: read models built from order events (outbox) and storefront behaviour
 * (recommendations' raw events), kept as rollups per local hour or day so that every report
 * reads a bounded number of rows however many orders there are. Reports: overview, funnel,
 * products, cohorts, promotions, search; money in integer minor units of a reporting currency.
 */
export function createAnalyticsModule(deps: AnalyticsDeps) {
  let zone: string | null = null;

  /**
   * The time zone the rollups are keyed in: recorded at first use from `shop.timeZone`. A later
   * configuration change is logged and not applied, since existing rollups cannot be re-keyed.
   */
  async function timeZone(): Promise<string> {
    if (zone) return zone;
    await deps.db.updateTable('analyticsState').set({ timeZone: deps.shop.timeZone }).where('id', '=', 'settings').where('timeZone', 'is', null).execute();
    const row = await deps.db.selectFrom('analyticsState').select('timeZone').where('id', '=', 'settings').executeTakeFirstOrThrow();
    zone = row.timeZone ?? deps.shop.timeZone;
    if (zone !== deps.shop.timeZone) deps.log.warn({ stored: zone, configured: deps.shop.timeZone }, 'analytics rollups stay in the time zone they were built in');
    return zone;
  }

  async function build(name: ReportName, q: ReportQuery) {
    const period: Period = periodOf(q.from, q.to, q.granularity);
    const r = await reportingCurrency(deps, q.currency);
    const envelope = { from: period.from, to: period.to, granularity: period.granularity, currency: r.currency, timeZone: await timeZone(), previous: { from: period.previous.from, to: period.previous.to } };
    switch (name) {
      case 'overview':
        return { ...envelope, ...(await overviewReport(deps.db, r, period)) };
      case 'funnel':
        return { ...envelope, ...(await funnelReport(deps.db, period)) };
      case 'products':
        return { ...envelope, ...(await productsReport(deps.db, r, period, { limit: q.limit, minViewers: q.minViewers }, deps)) };
      case 'cohorts':
        return { ...envelope, ...(await cohortsReport(deps.db, period)) };
      case 'promotions':
        return { ...envelope, ...(await promotionsReport(deps.db, r, period)) };
      case 'search':
        return { ...envelope, ...(await searchReport(deps.db, period, q.limit)) };
    }
  }

  return {
    /**
     * One report as JSON (see the README for each figure). Throws 400 `ANALYTICS_INVALID_RANGE`,
     * `ANALYTICS_RANGE_TOO_LARGE`, `ANALYTICS_UNKNOWN_CURRENCY`, `ANALYTICS_NO_EXCHANGE_RATE`.
     */
    report: build,

    /** The report's CSV table (RFC 4180, header row, CRLF); same errors as `report`. */
    async csv(name: ReportName, q: ReportQuery): Promise<string> {
      const data = await build(name, q);
      const c = data.currency;
      if ('series' in data && name === 'overview' && 'figures' in data) {
        return toCsv(
          ['bucket', 'currency', 'gmv', 'net_revenue', 'discounts', 'refunds', 'paid_orders', 'placed_orders', 'cancelled_orders', 'refunded_orders', 'average_order_value', 'refund_rate', 'new_customers', 'returning_customers'],
          data.series.map((s) => [s.bucket, c, s.gmv, s.netRevenue, s.discounts, s.refunds, s.paidOrders, s.placedOrders, s.cancelledOrders, s.refundedOrders, s.averageOrderValue, s.refundRate, s.newCustomers, s.returningCustomers]),
        );
      }
      if ('steps' in data) return toCsv(['step', 'count', 'previous', 'change', 'conversion'], data.steps.map((s) => [s.step, s.count, s.previous, s.change, s.conversion]));
      if ('topByRevenue' in data) {
        return toCsv(
          ['product_id', 'title', 'currency', 'revenue', 'units', 'orders', 'views', 'viewers', 'add_to_carts', 'conversion'],
          data.topByRevenue.map((p) => [p.productId, p.title, c, p.revenue, p.units, p.orders, p.views, p.viewers, p.addToCarts, p.conversion]),
        );
      }
      if ('cohorts' in data) {
        return toCsv(
          ['cohort', 'cohort_customers', 'month', 'offset', 'customers', 'rate'],
          data.cohorts.flatMap((k) => [[k.cohort, k.customers, k.cohort, 0, k.customers, 1], ...k.months.map((m) => [k.cohort, k.customers, m.month, m.offset, m.customers, m.rate])]),
        );
      }
      if ('items' in data) return toCsv(['kind', 'key', 'name', 'currency', 'orders', 'revenue', 'discount'], data.items.map((i) => [i.kind, i.key, i.name, c, i.orders, i.revenue, i.discount]));
      if ('topQueries' in data) {
        // One table: the top queries, then the queries with no results, each row as in the JSON
        // list named in `list` (for no_results, `searches` are the searches with no results).
        return toCsv(['query', 'searches', 'clicks', 'click_through_rate', 'served', 'list'], [
          ...data.topQueries.map((q) => [q.query, q.searches, q.clicks, q.clickThroughRate, null, 'top']),
          ...data.queriesWithNoResults.map((q) => [q.query, q.searches, null, null, q.served, 'no_results']),
        ]);
      }
      throw new Error(`no CSV for ${name}`);
    },

    /**
     * Folds the next batch of storefront behaviour events into the funnel, product-view and
     * search rollups (one transaction with the watermark; one process at a time). Returns the
     * events folded; the app's poller calls it until it returns less than a full batch.
     * `settleMs` 0 folds events received up to now (tests, command-line tasks).
     */
    async foldBehaviour(options: { settleMs?: number } = {}): Promise<number> {
      return foldBehaviour(deps, await timeZone(), { batch: BEHAVIOUR_BATCH, settleMs: options.settleMs ?? SETTLE_MS });
    },

    /** Whether a fold returned a full batch (more is waiting). */
    batchSize: BEHAVIOUR_BATCH,

    /**
     * Folds the next batch of searches served by the search module (`servedSearches`) into the
     * search rollups' `served` and `no_results` (one transaction with the `searches` watermark;
     * one process at a time). Returns the searches folded; the app's poller calls it until it
     * returns less than `searchBatchSize`. `settleMs` 0 folds rows written up to now (tests).
     */
    async foldSearches(options: { settleMs?: number } = {}): Promise<number> {
      return foldServedSearches(deps, await timeZone(), { batch: SEARCH_BATCH, settleMs: options.settleMs ?? SETTLE_MS });
    },

    /** Whether `foldSearches` returned a full batch (more is waiting). */
    searchBatchSize: SEARCH_BATCH,

    /**
     * Deletes one batch of what the reports no longer need: folded event ids past their
     * idempotency window, customers' hourly and daily activity long before their latest
     * (retention.ts). Returns true while there is more; the app runs it hourly.
     */
    async prune(now = new Date()): Promise<boolean> {
      const gone = await pruneAnalytics(deps.db, now);
      return gone.events === PRUNE_BATCH || gone.activity === PRUNE_BATCH;
    },

    /**
     * The order events this module follows (`order.placed`, `order.paid`, `order.refunded`,
     * `order.cancelled`), each folded idempotently on the event id.
     */
    subscriptions: (): [name: string, handler: (event: DomainEvent) => Promise<void>][] =>
      ANALYTICS_ORDER_EVENTS.map((name) => [name, async (event: DomainEvent) => foldOrderEvent(deps, await timeZone(), event)]),
  };
}

export type Analytics = ReturnType<typeof createAnalyticsModule>;
