import type { Generated } from 'kysely';

/**
 * Wall-clock keys in the shop's time zone: `'2026-12-01 14:00:00'` (hours, `timestamp`) or
 * `'2026-12-01'` (days and months, `date`). Written as strings; read back through `to_char`,
 * never as driver-parsed dates (the driver would read them in the process's own zone).
 */
type LocalKey = string;

/**
 * Table `analytics_state`: the watermarks of the behaviour fold (`behaviour`) and the served
 * searches fold (`searches`), and the rollups' zone (`settings`).
 */
export interface AnalyticsStateTable {
  id: string;
  /** Last `recs_event` id (`behaviour`) or `search_query_log` id (`searches`) folded (bigint as a decimal string). */
  watermark: Generated<string>;
  timeZone: string | null;
  updatedAt: Generated<Date>;
}

/** Table `analytics_event`: outbox events already folded (idempotency on event id). */
export interface AnalyticsEventTable {
  eventId: string;
  processedAt: Generated<Date>;
}

/** Table `analytics_order`: what this module knows of each order, from its events. */
export interface AnalyticsOrderTable {
  orderId: string;
  customerId: string | null;
  currency: string;
  baseCurrency: string;
  /** Units of `currency` per unit of `baseCurrency`; null when they are the same. */
  exchangeRate: string | null;
  total: number;
  discountTotal: number;
  refundedTotal: Generated<number>;
  /** `flash_sale` for flash-sale orders (from `order.placed`), else null. */
  source: string | null;
  sourceId: string | null;
  placedAt: Date | null;
  paidAt: Date | null;
  cancelledAt: Date | null;
}

/** Table `analytics_order_hour`: order figures per local hour and order currency. */
export interface AnalyticsOrderHourTable {
  hour: LocalKey;
  currency: string;
  placedOrders: number;
  placedTotal: number;
  placedTotalBase: string;
  paidOrders: number;
  gmv: number;
  gmvBase: string;
  discounts: number;
  discountsBase: string;
  refunds: number;
  refundsBase: string;
  refundedOrders: number;
  cancelledOrders: number;
}

/** Table `analytics_customer_activity`: a customer paid in this hour, day or month. */
export interface AnalyticsCustomerActivityTable {
  grain: 'hour' | 'day' | 'month';
  customerId: string;
  at: LocalKey;
}

/** Table `analytics_customer_grid`: customers active at `at` whose previous activity was `prevAt`. */
export interface AnalyticsCustomerGridTable {
  grain: 'hour' | 'day';
  at: LocalKey;
  /** `'-infinity'` for a customer's first activity. */
  prevAt: LocalKey;
  customers: number;
}

/** Table `analytics_customer`: each paying customer's cohort (month of the first paid order). */
export interface AnalyticsCustomerTable {
  customerId: string;
  firstMonth: LocalKey;
}

/** Table `analytics_cohort`: customers of a cohort who paid in a month. */
export interface AnalyticsCohortTable {
  cohort: LocalKey;
  month: LocalKey;
  customers: number;
}

/** Tables `analytics_product_sales_day` and `analytics_category_sales_day`: paid lines per local day. */
export interface AnalyticsSalesDayTable {
  day: LocalKey;
  currency: string;
  units: number;
  orders: number;
  revenue: number;
  revenueBase: string;
}

/** Table `analytics_promotion_day`: paid orders per promotion, coupon code or flash sale. */
export interface AnalyticsPromotionDayTable {
  day: LocalKey;
  currency: string;
  kind: 'promotion' | 'code' | 'flash_sale';
  key: string;
  name: string;
  orders: number;
  revenue: number;
  revenueBase: string;
  discount: number;
  discountBase: string;
}

/** Table `analytics_session`: a storefront session as the behaviour fold has seen it. */
export interface AnalyticsSessionTable {
  sessionId: string;
  firstAt: Date;
  /** The latest event's time; idle sessions are deleted after `SESSION_DAYS_KEPT`. */
  lastAt: Date;
  /** Local hour of `firstAt`: where the session counts in the funnel. */
  hour: LocalKey;
  viewed: boolean;
  carted: boolean;
  lastSearchAt: Date | null;
  lastSearchDay: LocalKey | null;
  lastSearchQuery: string | null;
  lastSearchClicked: boolean;
}

/** Table `analytics_behaviour_hour`: funnel counts per local hour. */
export interface AnalyticsBehaviourHourTable {
  hour: LocalKey;
  sessions: number;
  viewingSessions: number;
  cartingSessions: number;
  views: number;
  addToCarts: number;
  searches: number;
}

/** Table `analytics_product_view_day`: views, viewing sessions and cart adds per product and day. */
export interface AnalyticsProductViewDayTable {
  day: LocalKey;
  productId: string;
  views: number;
  viewers: number;
  addToCarts: number;
}

/** Table `analytics_product_session_day`: de-duplicates `viewers`. */
export interface AnalyticsProductSessionDayTable {
  day: LocalKey;
  productId: string;
  sessionId: string;
}

/**
 * Table `analytics_search_day`: per normalised query and day, storefront `search` events and
 * their click-throughs (behaviour fold), and searches the search module served and those with no
 * results (served searches fold). The two pairs come from different sources and are never added.
 */
export interface AnalyticsSearchDayTable {
  day: LocalKey;
  query: string;
  searches: number;
  clicks: number;
  served: number;
  noResults: number;
}

/**
 * Month copies of the day rollups (`analytics_product_sales_month`, `analytics_category_sales_month`,
 * `analytics_product_view_month`, `analytics_promotion_month`, `analytics_search_month`): the
 * same columns with `month` (the first of the local month) for `day`, written in the same
 * statement batch as the day rows and read only through raw SQL (`rollupSource`).
 */
export type MonthRollup<T extends { day: LocalKey }> = Omit<T, 'day'> & { month: LocalKey };

declare module '../../platform/db/schema.js' {
  interface Database {
    analyticsState: AnalyticsStateTable;
    analyticsEvent: AnalyticsEventTable;
    analyticsOrder: AnalyticsOrderTable;
    analyticsOrderHour: AnalyticsOrderHourTable;
    analyticsCustomerActivity: AnalyticsCustomerActivityTable;
    analyticsCustomerGrid: AnalyticsCustomerGridTable;
    analyticsCustomer: AnalyticsCustomerTable;
    analyticsCohort: AnalyticsCohortTable;
    analyticsProductSalesDay: AnalyticsSalesDayTable & { productId: string };
    analyticsCategorySalesDay: AnalyticsSalesDayTable & { categoryId: string };
    analyticsPromotionDay: AnalyticsPromotionDayTable;
    analyticsSession: AnalyticsSessionTable;
    analyticsBehaviourHour: AnalyticsBehaviourHourTable;
    analyticsProductViewDay: AnalyticsProductViewDayTable;
    analyticsProductSessionDay: AnalyticsProductSessionDayTable;
    analyticsSearchDay: AnalyticsSearchDayTable;
    analyticsProductSalesMonth: MonthRollup<AnalyticsSalesDayTable> & { productId: string };
    analyticsCategorySalesMonth: MonthRollup<AnalyticsSalesDayTable> & { categoryId: string };
    analyticsProductViewMonth: MonthRollup<AnalyticsProductViewDayTable>;
    analyticsPromotionMonth: MonthRollup<AnalyticsPromotionDayTable>;
    analyticsSearchMonth: MonthRollup<AnalyticsSearchDayTable>;
  }
}
