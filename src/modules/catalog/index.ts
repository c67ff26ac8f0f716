import { publish } from '../../platform/events/index.js';
import type { Tx } from '../../platform/db/index.js';
import type { CatalogDeps } from './deps.js';
import { loadAdminProduct } from './product-store.js';
import { PRODUCT_EVENTS } from './products-admin.js';
import { getStoreProduct, listStoreProducts, priceContext } from './store-products.js';
import { seedDemoCatalog } from './demo.js';
import { runImport, type ImportProgress } from './import.js';
import { IMPORT_JOB, type ImportFormat } from './import-rows.js';
import { lookupSkus, readSkuOffers, skuOffersJson, type SkuOffer, type SkuOffersJson } from './sku-offers.js';
import { contentItems, productCards } from './cards.js';
import { listCategoriesAdmin } from './categories.js';
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';

export { IMPORT_JOB } from './import-rows.js';

export { catalogMigrations } from './migrations.js';
export { productAdminRoutes, productStoreRoutes } from './routes-products.js';
export { catalogTaxonomyAdminRoutes, catalogTaxonomyStoreRoutes } from './routes-taxonomy.js';
export { StoreProductCard } from './schemas-products.js';
export { CategoryNodeSchema } from './schemas-taxonomy.js';
export { PRODUCT_EVENTS } from './products-admin.js';
export { watchStoreStock } from './stock-display.js';
export { catalogError } from './errors.js';
export type { CatalogDeps } from './deps.js';
export type { PriceContext } from './pricing.js';
export type { SkuOffer, SkuOffersJson } from './sku-offers.js';
export type { ContentItemRow, ProductCard } from './cards.js';

/**
 * The catalog: products, variants, prices, categories, collections, attributes, translations
 * and exchange rates. Writes go through its admin routes; other modules read through these
 * functions.
 */
export function createCatalogModule(deps: CatalogDeps) {
  deps.jobs.register(IMPORT_JOB, async (job) => {
    const input = job.input as { format: ImportFormat; content: string };
    try {
      return await runImport(deps, input.format, input.content, {
        total: (n) => job.setTotal(n),
        progress: async (d) => {
          await job.progress(d);
          deps.storeCache.clear();
        },
      });
    } finally {
      deps.storeCache.clear();
    }
  });
  return {
    deps,
    /** A product as staff see it. Throws 404 CATALOG_PRODUCT_NOT_FOUND. */
    getProduct: (id: string) => loadAdminProduct(deps.db, id),
    /** A published product as the store shows it. Throws 404 CATALOG_PRODUCT_NOT_FOUND, 400 CATALOG_UNKNOWN_CURRENCY. */
    getStoreProduct: (handle: string, currency: string | undefined, locale: string) => getStoreProduct(deps, handle, currency, locale),
    /** The store listing (see GET /store/products). */
    listStoreProducts: (query: Parameters<typeof listStoreProducts>[1], locale: string) => listStoreProducts(deps, query, locale),
    /** Currency resolution and exchange rate for a store request. */
    priceContext: (currency?: string, db: Kysely<Database> = deps.db) => priceContext(db === deps.db ? deps : { ...deps, db }, currency),
    /**
     * Imports a CSV or NDJSON product file in this process (the CLI), reporting progress; the
     * HTTP route queues the same work as a job instead.
     */
    importProducts: (format: ImportFormat, content: string, report: ImportProgress) => runImport(deps, format, content, report),
    /** Loads the bilingual demo catalog into an empty shop; returns the products created. */
    seedDemo: (actor: { staffId: string; ip: string }) => seedDemoCatalog(deps, actor),
    /**
     * SKUs with their product, translated titles and price in `currency`, in one query (carts and
     * checkout price from here, never from the client). Unknown SKUs are absent. Pass a
     * transaction as `db` to read inside it. Throws 400 CATALOG_UNKNOWN_CURRENCY.
     */
    lookupSkus: (db: Kysely<Database>, skus: readonly string[], currency: string, locale: string) => lookupSkus(deps, db, skus, currency, locale),
    /**
     * What `lookupSkus` reads, as one SQL expression (a json scalar subquery) another module puts
     * in its own statement; its arguments may be SQL over that module's tables. Read the value
     * with `readSkuOffers`.
     *
     * @example
     * const row = await db.selectFrom('cart').select(catalog.skuOffersJson(sql`array['TEE-M']`, sql`cart.currency`, sql`cart.locale`).as('offers'))…
     * catalog.readSkuOffers(row.offers, row.currency).get('TEE-M')?.unitPrice // 9900
     */
    skuOffersJson: (skus: Expression<readonly string[]> | RawBuilder<readonly string[]>, currency: Expression<string> | RawBuilder<string>, locale: Expression<string> | RawBuilder<string>) =>
      skuOffersJson(deps, skus, currency, locale),
    /**
     * The offers in a value of `skuOffersJson`, priced in `currency` exactly as `lookupSkus` prices
     * them. Throws 400 CATALOG_UNKNOWN_CURRENCY.
     */
    readSkuOffers: (value: SkuOffersJson, currency: string): Map<string, SkuOffer> => readSkuOffers(deps, value, currency),
    /**
     * Published products most like this one by content: sharing more of its categories first,
     * then the same brand, then best sellers. For recommendations when behaviour is thin.
     */
    async relatedProducts(productId: string, limit: number): Promise<string[]> {
      const { rows } = await sql<{ id: string }>`
        with anchor as (select brand from catalog_product where id = ${productId}),
        shared as (
          select pc2.product_id, count(*) as n
          from catalog_product_category pc1
          join catalog_product_category pc2 on pc2.category_id = pc1.category_id and pc2.product_id <> pc1.product_id
          where pc1.product_id = ${productId}
          group by pc2.product_id
          order by n desc
          limit 500)
        select p.id from catalog_product p
        left join shared s on s.product_id = p.id
        where p.status = 'published' and p.id <> ${productId}
          and (s.n is not null or (p.brand is not null and p.brand = (select brand from anchor)))
        order by coalesce(s.n, 0) desc, (p.brand is not distinct from (select brand from anchor)) desc, p.sales_count desc, p.id desc
        limit ${limit}`.execute(deps.db);
      return rows.map((r) => r.id);
    },
    /**
     * Tiles for these products in one query: title in `locale` (falling back to the
     * default-locale title), cheapest price in `currency` from `catalog_product_price` (a
     * currency the shop does not sell in falls back to the default one, named on the card), first
     * image, `inStock` (a variant with stock or backorder) and `published`. Unknown ids are absent.
     */
    productCards: (productIds: readonly string[], currency: string, locale: string) => productCards(deps, productIds, currency, locale),
    /**
     * One keyset page of published products' content (titles and subtitles in every locale,
     * category ids, brand, attributes), ordered by id after `afterId` (null = from the start), in
     * one query; an empty page means the end. Feeds content-based recommendations.
     *
     * @example
     * for (let page = await catalog.contentItems(null, 500); page.length; page = await catalog.contentItems(page.at(-1)!.productId, 500)) …
     */
    contentItems: (afterId: string | null, limit: number) => contentItems(deps, afterId, limit),
    /** The category ids of these products in one query (a product without categories, or unknown, maps to none). */
    async categoryIdsOf(productIds: readonly string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (productIds.length === 0) return out;
      const rows = await deps.db.selectFrom('catalogProductCategory').select(['productId', 'categoryId']).where('productId', 'in', [...new Set(productIds)]).orderBy('categoryId').execute();
      for (const r of rows) out.set(r.productId, [...(out.get(r.productId) ?? []), r.categoryId]);
      return out;
    },
    /** Every category, flat, each parent before its subtree (id, handle, names, path…). */
    listCategories: () => listCategoriesAdmin(deps.db),
    /** The id of the published product with this handle, or null. */
    async productIdByHandle(handle: string): Promise<string | null> {
      const row = await deps.db.selectFrom('catalogProduct').select('id').where('handle', '=', handle).where('status', '=', 'published').executeTakeFirst();
      return row?.id ?? null;
    },
    /**
     * Stores a product's review aggregate (average 1–5 with two decimals, count of published
     * reviews) inside the caller's transaction; the store shows and sorts by it.
     */
    async setRating(trx: Tx, productId: string, rating: { average: number; count: number }): Promise<void> {
      const x100 = rating.count > 0 ? Math.round(rating.average * 100) : 0;
      await trx.updateTable('catalogProduct').set({ ratingX100: x100, ratingCount: rating.count }).where('id', '=', productId).execute();
      await publish(trx, PRODUCT_EVENTS.updated, { productId });
    },
    /**
     * Adds sold units to products' best-seller counters inside the caller's transaction, in one
     * statement, and publishes the new totals (`catalog.sales_recorded`) for search's ranking.
     */
    async recordSales(trx: Tx, lines: { productId: string; quantity: number }[]): Promise<void> {
      const units = new Map<string, number>();
      for (const l of lines) units.set(l.productId, (units.get(l.productId) ?? 0) + l.quantity);
      if (units.size === 0) return;
      const { rows } = await sql<{ productId: string; salesCount: number }>`
        update catalog_product p set sales_count = p.sales_count + s.quantity
        from (select unnest(${[...units.keys()]}::text[]) as id, unnest(${[...units.values()]}::int[]) as quantity) s
        where p.id = s.id
        returning p.id as product_id, p.sales_count`.execute(trx);
      if (rows.length) await publish(trx, PRODUCT_EVENTS.salesRecorded, { products: rows.map((r) => ({ productId: r.productId, salesCount: Number(r.salesCount) })) });
    },
  };
}

export type Catalog = ReturnType<typeof createCatalogModule>;
