import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Int = Type.Integer();
const Ratio = Type.Number({ description: '4 decimals' });

/** Query string of every report. */
export const ReportQuery = Type.Object(
  {
    from: Type.String({ maxLength: 10, description: 'First local date of the period (YYYY-MM-DD), in the shop’s time zone', examples: ['2026-11-01'] }),
    to: Type.String({ maxLength: 10, description: 'Last local date of the period, inclusive', examples: ['2026-11-30'] }),
    granularity: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      default: 'day',
      description: 'Series bucket width; hour: at most 31 days, otherwise at most 1,100 days. Weeks start on Monday.',
    }),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'Reporting currency (default: the base currency)' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv, or send `Accept: text/csv`' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Rows per list (products, search)' }),
    minViewers: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10, description: 'products: least viewers for "viewed but rarely bought"' }),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

const Envelope = {
  from: Type.String(),
  to: Type.String(),
  granularity: Type.String(),
  currency: Type.String(),
  timeZone: Type.String(),
  previous: Type.Object({ from: Type.String(), to: Type.String() }),
};

const Figure = Type.Object({ value: Type.Number(), previous: Type.Number(), change: Nullable(Ratio) });
const overviewFields = {
  gmv: Int,
  netRevenue: Int,
  discounts: Int,
  refunds: Int,
  paidOrders: Int,
  placedOrders: Int,
  cancelledOrders: Int,
  refundedOrders: Int,
  averageOrderValue: Int,
  refundRate: Ratio,
  newCustomers: Int,
  returningCustomers: Int,
};

export const OverviewSchema = Type.Object({
  ...Envelope,
  figures: Type.Object(Object.fromEntries(Object.keys(overviewFields).map((k) => [k, Figure])) as Record<keyof typeof overviewFields, typeof Figure>),
  series: Type.Array(Type.Object({ bucket: Type.String({ description: 'Local start of the bucket (YYYY-MM-DD HH:MM:SS)' }), ...overviewFields })),
});

export const FunnelSchema = Type.Object({
  ...Envelope,
  steps: Type.Array(Type.Object({ step: Type.String(), count: Int, previous: Int, change: Nullable(Ratio), conversion: Nullable(Ratio) })),
  overallConversion: Nullable(Ratio),
  series: Type.Array(Type.Object({ bucket: Type.String(), sessions: Int, productViews: Int, addToCart: Int, checkout: Int, paid: Int, views: Int, addToCarts: Int })),
});

const ProductRow = Type.Object({
  productId: Type.String(),
  title: Nullable(Type.String()),
  units: Int,
  orders: Int,
  revenue: Int,
  views: Int,
  viewers: Int,
  addToCarts: Int,
  conversion: Nullable(Ratio),
});
const CategoryRow = Type.Object({ categoryId: Type.String(), name: Nullable(Type.String()), units: Int, orders: Int, revenue: Int });

export const ProductsSchema = Type.Object({
  ...Envelope,
  topByRevenue: Type.Array(ProductRow),
  topByUnits: Type.Array(ProductRow),
  categoriesByRevenue: Type.Array(CategoryRow),
  categoriesByUnits: Type.Array(CategoryRow),
  viewedNotBought: Type.Array(ProductRow),
});

export const CohortsSchema = Type.Object({
  ...Envelope,
  cohorts: Type.Array(
    Type.Object({
      cohort: Type.String({ description: 'YYYY-MM' }),
      customers: Int,
      months: Type.Array(Type.Object({ month: Type.String(), offset: Int, customers: Int, rate: Ratio })),
    }),
  ),
});

export const PromotionsSchema = Type.Object({
  ...Envelope,
  items: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('promotion'), Type.Literal('code'), Type.Literal('flash_sale')]),
      key: Type.String(),
      name: Type.String(),
      orders: Int,
      revenue: Int,
      discount: Int,
    }),
  ),
});

const QueryRow = Type.Object({ query: Type.String(), searches: Int, clicks: Int, clickThroughRate: Ratio });
const NoResultRow = Type.Object({
  query: Type.String(),
  searches: Type.Integer({ description: 'Times the query was served with no results in the period' }),
  served: Type.Integer({ description: 'Times the query was served in the period, with results or without' }),
});
export const SearchSchema = Type.Object({
  ...Envelope,
  searches: Type.Integer({ description: 'Storefront `search` behaviour events' }),
  clicks: Int,
  clickThroughRate: Nullable(Ratio),
  served: Type.Integer({ description: 'Searches served by GET /store/search (first pages with a query)' }),
  noResults: Type.Integer({ description: 'Served searches that found no products' }),
  noResultRate: Nullable(Ratio),
  topQueries: Type.Array(QueryRow),
  queriesWithoutClicks: Type.Array(QueryRow),
  queriesWithNoResults: Type.Array(NoResultRow, { description: 'Queries served with no results most often, most first (at most `limit`)' }),
});

/** CSV bodies (`?format=csv` or `Accept: text/csv`). */
export const CsvBody = Type.String({ description: 'text/csv; one table per report' });
