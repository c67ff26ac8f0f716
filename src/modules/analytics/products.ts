import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Period } from './calendar.js';
import { moneySum, type Reporting } from './currency.js';
import { rollupSource } from './rollup.js';

/** A product's figures over the period. */
export interface ProductRow {
  productId: string;
  title: string | null;
  units: number;
  /** Paid orders containing the product (one per order and day). */
  orders: number;
  revenue: number;
  views: number;
  /** Sessions that viewed it, once per day. */
  viewers: number;
  addToCarts: number;
  /** orders / viewers, 4 decimals; null without viewers. */
  conversion: number | null;
}

/** A category's sales over the period. */
export interface CategoryRow {
  categoryId: string;
  name: string | null;
  units: number;
  orders: number;
  revenue: number;
}

/** The products report. */
export interface ProductsReport {
  topByRevenue: ProductRow[];
  topByUnits: ProductRow[];
  categoriesByRevenue: CategoryRow[];
  categoriesByUnits: CategoryRow[];
  /** Products with at least `minViewers` viewers, lowest conversion first. */
  viewedNotBought: ProductRow[];
}

type List = 'revenue' | 'units' | 'conversion';

/**
 * The three product lists in one statement: each product's sales and views over the period are
 * aggregated once (from month rollups for whole months, day rollups for the edges), then ranked
 * three ways.
 */
async function productLists(db: Kysely<Database>, r: Reporting, period: Period, limit: number, minViewers: number): Promise<Record<List, ProductRow[]>> {
  const sales = rollupSource('analytics_product_sales', ['product_id', 'currency', 'units', 'orders', 'revenue', 'revenue_base'], period.from, period.to, ['units', 'orders', 'revenue', 'revenue_base']);
  const views = rollupSource('analytics_product_view', ['product_id', 'views', 'viewers', 'add_to_carts'], period.from, period.to, ['views', 'viewers', 'add_to_carts']);
  const { rows } = await sql<{ list: List; productId: string; units: string; orders: string; revenue: string; views: string; viewers: string; addToCarts: string }>`
    with s as (
      select product_id, sum(units) as units, sum(orders) as orders, round(${moneySum(r, 'revenue')}) as revenue from ${sales} group by product_id),
    v as (
      select product_id, sum(views) as views, sum(viewers) as viewers, sum(add_to_carts) as add_to_carts from ${views} group by product_id),
    j as materialized (
      select product_id, coalesce(s.units, 0) as units, coalesce(s.orders, 0) as orders, coalesce(s.revenue, 0) as revenue,
        coalesce(v.views, 0) as views, coalesce(v.viewers, 0) as viewers, coalesce(v.add_to_carts, 0) as add_to_carts
      from s full join v using (product_id))
    select * from (select 'revenue' as list, * from j where revenue > 0 order by revenue desc, units desc, product_id limit ${limit}) a
    union all
    select * from (select 'units' as list, * from j where units > 0 order by units desc, revenue desc, product_id limit ${limit}) b
    union all
    select * from (select 'conversion' as list, * from j where viewers >= ${minViewers} order by orders::numeric / viewers, viewers desc, product_id limit ${limit}) c`.execute(db);
  const out: Record<List, ProductRow[]> = { revenue: [], units: [], conversion: [] };
  for (const x of rows) {
    const viewers = Number(x.viewers);
    const orders = Number(x.orders);
    out[x.list].push({
      productId: x.productId,
      title: null,
      units: Number(x.units),
      orders,
      revenue: Number(x.revenue),
      views: Number(x.views),
      viewers,
      addToCarts: Number(x.addToCarts),
      conversion: viewers === 0 ? null : Math.round((orders / viewers) * 10_000) / 10_000,
    });
  }
  return out;
}

async function categoryRows(db: Kysely<Database>, r: Reporting, period: Period, order: 'revenue' | 'units', limit: number): Promise<CategoryRow[]> {
  const { rows } = await sql<{ categoryId: string; units: string; orders: string; revenue: string }>`
    select category_id, sum(units)::text as units, sum(orders)::text as orders, round(${moneySum(r, 'revenue')})::text as revenue
    from ${rollupSource('analytics_category_sales', ['category_id', 'currency', 'units', 'orders', 'revenue', 'revenue_base'], period.from, period.to, ['units', 'orders', 'revenue', 'revenue_base'])}
    group by category_id
    order by ${order === 'revenue' ? sql`round(${moneySum(r, 'revenue')}) desc, sum(units) desc` : sql`sum(units) desc, round(${moneySum(r, 'revenue')}) desc`}, category_id
    limit ${limit}`.execute(db);
  return rows.map((x) => ({ categoryId: x.categoryId, name: null, units: Number(x.units), orders: Number(x.orders), revenue: Number(x.revenue) }));
}

/**
 * Top products and categories by revenue and units, and the products viewed most but bought
 * least. Three queries over the month and day rollups; titles and names come from the catalog.
 */
export async function productsReport(
  db: Kysely<Database>,
  r: Reporting,
  period: Period,
  options: { limit: number; minViewers: number },
  names: { productTitles(ids: readonly string[]): Promise<ReadonlyMap<string, string>>; categoryNames(): Promise<ReadonlyMap<string, string>> },
): Promise<ProductsReport> {
  const [lists, categoriesByRevenue, categoriesByUnits] = await Promise.all([
    productLists(db, r, period, options.limit, options.minViewers),
    categoryRows(db, r, period, 'revenue', options.limit),
    categoryRows(db, r, period, 'units', options.limit),
  ]);
  const { revenue: topByRevenue, units: topByUnits, conversion: viewedNotBought } = lists;
  const products = [...topByRevenue, ...topByUnits, ...viewedNotBought];
  const titles = products.length ? await names.productTitles([...new Set(products.map((p) => p.productId))]) : new Map<string, string>();
  for (const p of products) p.title = titles.get(p.productId) ?? null;
  const categories = [...categoriesByRevenue, ...categoriesByUnits];
  if (categories.length) {
    const byId = await names.categoryNames();
    for (const c of categories) c.name = byId.get(c.categoryId) ?? null;
  }
  return { topByRevenue, topByUnits, categoriesByRevenue, categoriesByUnits, viewedNotBought };
}
