import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { CatalogDeps } from './deps.js';
import { canonicalDecimal } from './exchange-rates.js';
import { resolvePrice, type PriceContext } from './pricing.js';
import { checkCurrency, priceContext } from './store-products.js';
import type { ProductImage, ProductTranslation } from './tables.js';

/** What a cart or an order needs to know about one SKU, priced in one currency. */
export interface SkuOffer {
  sku: string;
  variantId: string;
  productId: string;
  productHandle: string;
  /** The product title in the requested locale (the default locale's when untranslated). */
  title: string;
  /** Option values in product option order, translated, e.g. "M / Black"; null without options. */
  variantTitle: string | null;
  image: string | null;
  /** Minor units in the requested currency (own price, else converted); null when not sold in it. */
  unitPrice: number | null;
  compareAtPrice: number | null;
  /** Published and visible in the store. */
  published: boolean;
  weightGrams: number | null;
  categoryIds: string[];
  collectionIds: string[];
  brand: string | null;
}

interface Row {
  sku: string;
  variantId: string;
  productId: string;
  handle: string;
  status: string;
  title: string;
  brand: string | null;
  images: ProductImage[];
  productOptions: { name: string }[];
  variantOptions: Record<string, string>;
  tr: ProductTranslation | null;
  weightGrams: number | null;
  ownAmount: number | null;
  ownCompareAt: number | null;
  baseAmount: number | null;
  baseCompareAt: number | null;
  categoryIds: string[] | null;
  collectionIds: string[] | null;
}

type Sql<T> = Expression<T> | RawBuilder<T>;

/** The catalog rows of `skus`, with their own price in `currency` and their base-currency price. */
function offerRows(skus: Sql<readonly string[]>, currency: Sql<string> | string, locale: Sql<string> | string, base: string): RawBuilder<Row> {
  return sql<Row>`
    select v.sku, v.id as variant_id, p.id as product_id, p.handle, p.status, p.title, p.brand, p.images,
           p.options as product_options, v.options as variant_options, p.translations -> ${locale} as tr,
           v.weight_grams, own.amount as own_amount, own.compare_at_amount as own_compare_at,
           base.amount as base_amount, base.compare_at_amount as base_compare_at,
           (select array_agg(pc.category_id order by pc.category_id) from catalog_product_category pc where pc.product_id = p.id) as category_ids,
           (select array_agg(cp.collection_id order by cp.collection_id) from catalog_collection_product cp where cp.product_id = p.id) as collection_ids
    from catalog_variant v
    join catalog_product p on p.id = v.product_id
    left join catalog_variant_price own on own.variant_id = v.id and own.currency = ${currency}
    left join catalog_variant_price base on base.variant_id = v.id and base.currency = ${base}
    where v.sku = any(${skus})`;
}

/** A catalog row as an offer priced in `ctx`. */
function toOffer(ctx: PriceContext, r: Row): SkuOffer {
  const price = resolvePrice(
    ctx,
    r.ownAmount === null ? null : { amount: Number(r.ownAmount), compareAtAmount: r.ownCompareAt === null ? null : Number(r.ownCompareAt) },
    r.baseAmount === null ? null : { amount: Number(r.baseAmount), compareAtAmount: r.baseCompareAt === null ? null : Number(r.baseCompareAt) },
  );
  const values = r.productOptions
    .map((o) => {
      const value = r.variantOptions[o.name];
      return value === undefined ? undefined : (r.tr?.options?.[o.name]?.values?.[value] ?? value);
    })
    .filter((v): v is string => v !== undefined);
  const image = [...r.images].sort((a, b) => a.position - b.position)[0];
  return {
    sku: r.sku,
    variantId: r.variantId,
    productId: r.productId,
    productHandle: r.handle,
    title: r.tr?.title ?? r.title,
    variantTitle: values.length ? values.join(' / ') : null,
    image: image?.url ?? null,
    unitPrice: price?.amount ?? null,
    compareAtPrice: price?.compareAtAmount ?? null,
    published: r.status === 'published',
    weightGrams: r.weightGrams,
    categoryIds: r.categoryIds ?? [],
    collectionIds: r.collectionIds ?? [],
    brand: r.brand,
  };
}

/**
 * Looks SKUs up with their price in `currency`, in one query. Unknown SKUs are absent from the
 * map. Throws 400 CATALOG_UNKNOWN_CURRENCY for a currency the shop does not sell in.
 *
 * @example
 * const offers = await catalog.lookupSkus(db, ['TEE-M'], 'CNY', 'zh-CN');
 * offers.get('TEE-M')?.unitPrice // 9900
 */
export async function lookupSkus(deps: CatalogDeps, db: Kysely<Database>, skus: readonly string[], currency: string, locale: string): Promise<Map<string, SkuOffer>> {
  const out = new Map<string, SkuOffer>();
  const ctx = await priceContext({ ...deps, db }, currency);
  const wanted = [...new Set(skus)];
  if (wanted.length === 0) return out;
  const { rows } = await offerRows(sql<string[]>`${wanted}::text[]`, ctx.currency, locale, ctx.base).execute(db);
  for (const r of rows) out.set(r.sku, toOffer(ctx, r));
  return out;
}

/** The value of `skuOffersJson`: the catalog rows (snake_case keys, as `json_agg` writes them) and the exchange rate. */
export interface SkuOffersJson {
  rate: string | null;
  rows: Record<string, unknown>[];
}

/**
 * The offers of `skus` in `currency` and `locale` as one json value, for a module that reads them
 * in its own statement (the cart reads them with its lines); `readSkuOffers` turns the value into
 * offers. The arguments may be SQL over the caller's tables (`cart.currency`).
 */
export function skuOffersJson(deps: CatalogDeps, skus: Sql<readonly string[]>, currency: Sql<string>, locale: Sql<string>): RawBuilder<SkuOffersJson> {
  const base = deps.shop.defaultCurrency;
  return sql<SkuOffersJson>`(select json_build_object(
      'rate', (select x.rate::text from catalog_exchange_rate x where x.base = ${base} and x.quote = ${currency}),
      'rows', coalesce(json_agg(o), '[]'::json))
    from (${offerRows(skus, currency, locale, base)}) o)`;
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The offers in a value of `skuOffersJson` read for `currency`, priced as `lookupSkus` prices
 * them. Throws 400 CATALOG_UNKNOWN_CURRENCY for a currency the shop does not sell in.
 */
export function readSkuOffers(deps: CatalogDeps, value: SkuOffersJson, currency: string): Map<string, SkuOffer> {
  checkCurrency(deps, currency);
  const base = deps.shop.defaultCurrency;
  const ctx: PriceContext = { currency, base, rate: currency === base || value.rate === null ? null : canonicalDecimal(value.rate) };
  const out = new Map<string, SkuOffer>();
  for (const raw of value.rows) {
    // Only the top-level keys are columns; the json inside (images, options, translations) keeps its own.
    const r = Object.fromEntries(Object.entries(raw).map(([k, v]) => [camel(k), v])) as unknown as Row;
    out.set(r.sku, toOffer(ctx, r));
  }
  return out;
}
