import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.js';
import { isCurrency } from '../../platform/money.js';
import { getAttributeDefinitions } from './attributes.js';
import { breadcrumbsForProduct } from './categories.js';
import type { CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import { getRate } from './exchange-rates.js';
import { resolvePrice, sqlConversionFactor, type PriceContext } from './pricing.js';
import type { ProductSort, StoreProductCard, StoreProductDetail, StoreProductQuery } from './schemas-products.js';
import type { ProductImage, ProductTranslation } from './tables.js';

/** Throws 400 CATALOG_UNKNOWN_CURRENCY unless the shop sells in `currency`. */
export function checkCurrency(deps: Pick<CatalogDeps, 'shop'>, currency: string): void {
  if (isCurrency(currency) && deps.shop.currencies.includes(currency)) return;
  throw catalogError('CATALOG_UNKNOWN_CURRENCY', {
    detail: `The store sells in ${deps.shop.currencies.join(', ')}`,
    fields: [{ field: 'querystring:/currency', message: `${currency} is not offered` }],
  });
}

/** Resolves the currency of a store request: one the shop sells in, else 400. */
export async function priceContext(deps: CatalogDeps, requested: string | undefined): Promise<PriceContext> {
  const currency = requested ?? deps.shop.defaultCurrency;
  checkCurrency(deps, currency);
  const base = deps.shop.defaultCurrency;
  return { currency, base, rate: currency === base ? null : await getRate(deps.db, base, currency) };
}

const BIG = '9000000000000000000';

interface ListRow {
  id: string;
  handle: string;
  title: string;
  subtitle: string | null;
  brand: string | null;
  images: ProductImage[];
  tags: string[];
  tr: ProductTranslation | null;
  ownMin: number | null;
  baseMin: number | null;
  effective: number | null;
  inStock: boolean;
  salesCount: number;
  ratingX100: number;
  ratingCount: number;
  collectionPosition: number | null;
}

function toCard(row: ListRow, ctx: PriceContext): StoreProductCard {
  const image = [...row.images].sort((a, b) => a.position - b.position)[0];
  const own = row.ownMin === null ? null : { amount: Number(row.ownMin), compareAtAmount: null };
  const base = row.baseMin === null ? null : { amount: Number(row.baseMin), compareAtAmount: null };
  return {
    id: row.id,
    handle: row.handle,
    title: row.tr?.title ?? row.title,
    subtitle: row.tr?.subtitle ?? row.subtitle,
    brand: row.brand,
    image: image ? { url: image.url, alt: image.alt ?? null } : null,
    price: resolvePrice(ctx, own, base),
    inStock: row.inStock,
    tags: row.tags,
    rating: row.ratingCount > 0 ? row.ratingX100 / 100 : null,
    ratingCount: row.ratingCount,
  };
}

/** `attr.<name>` filters → SQL, typed by the attribute declarations (OR within one, AND across). */
async function attributeFilters(db: Kysely<Database>, query: Record<string, unknown>): Promise<RawBuilder<boolean>[]> {
  const entries = Object.entries(query).filter(([k]) => k.startsWith('attr.'));
  if (entries.length === 0) return [];
  const defs = await getAttributeDefinitions(db);
  return entries.map(([key, raw]) => {
    const name = key.slice(5);
    const def = defs.get(name);
    const values = String(raw).split(',').map((v) => v.trim()).filter(Boolean);
    if (!def) throw catalogError('CATALOG_INVALID_ATTRIBUTE', { fields: [{ field: `querystring:/${key}`, message: `no attribute named ${name}` }] });
    if (def.type === 'number') {
      const range = /^(-?\d+(?:\.\d+)?)?\.\.(-?\d+(?:\.\d+)?)?$/.exec(String(raw));
      if (range) {
        const parts: RawBuilder<boolean>[] = [sql<boolean>`jsonb_typeof(p.attributes -> ${name}) = 'number'`];
        if (range[1] !== undefined) parts.push(sql<boolean>`(p.attributes ->> ${name})::numeric >= ${range[1]}::numeric`);
        if (range[2] !== undefined) parts.push(sql<boolean>`(p.attributes ->> ${name})::numeric <= ${range[2]}::numeric`);
        return sql<boolean>`(${sql.join(parts, sql` and `)})`;
      }
    }
    const jsonValues = values.map((v) => {
      if (def.type === 'number') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw catalogError('CATALOG_INVALID_ATTRIBUTE', { fields: [{ field: `querystring:/${key}`, message: `${v} is not a number` }] });
        return n;
      }
      if (def.type === 'boolean') {
        if (v !== 'true' && v !== 'false') throw catalogError('CATALOG_INVALID_ATTRIBUTE', { fields: [{ field: `querystring:/${key}`, message: 'use true or false' }] });
        return v === 'true';
      }
      return v;
    });
    const ors = jsonValues.map((v) => sql<boolean>`p.attributes @> ${JSON.stringify({ [name]: v })}::jsonb`);
    return sql<boolean>`(${sql.join(ors, sql` or `)})`;
  });
}

function orderFor(sort: ProductSort, hasCollection: boolean): { expr: RawBuilder<unknown>; dir: 'asc' | 'desc' }[] {
  // Column names of the inner select (aliased `p`), so the same expressions serve ORDER BY and
  // the keyset condition.
  const id = (dir: 'asc' | 'desc') => ({ expr: sql`p.id`, dir });
  switch (sort) {
    case 'newest':
      return [id('desc')];
    case 'price_asc':
      return [{ expr: sql`coalesce(p.effective, ${BIG}::bigint)`, dir: 'asc' }, id('asc')];
    case 'price_desc':
      return [{ expr: sql`coalesce(p.effective, -1)`, dir: 'desc' }, id('desc')];
    case 'best_selling':
      return [{ expr: sql`p.sales_count`, dir: 'desc' }, id('desc')];
    case 'rating':
      return [{ expr: sql`p.rating_x100`, dir: 'desc' }, { expr: sql`p.rating_count`, dir: 'desc' }, id('desc')];
    case 'relevance':
      // Without a query: the collection's curated order, else best sellers then newest.
      return hasCollection ? [{ expr: sql`p.collection_position`, dir: 'asc' }, id('asc')] : [{ expr: sql`p.sales_count`, dir: 'desc' }, id('desc')];
  }
}

/**
 * Published products for the store, filtered and sorted, as cards in the requested currency and
 * locale. One SQL statement (plus the exchange rate, and attribute declarations when filtering by
 * attribute), keyset-paginated on the sort key.
 */
export async function listStoreProducts(deps: CatalogDeps, query: StoreProductQuery & Record<string, unknown>, locale: string) {
  const ctx = await priceContext(deps, query.currency);
  const factor = sqlConversionFactor(ctx);
  const inner: RawBuilder<boolean>[] = [sql<boolean>`p.status = 'published'`];
  if (query.category) {
    inner.push(sql<boolean>`p.id in (select pc.product_id from catalog_product_category pc
      join catalog_category c on c.id = pc.category_id
      where c.path like (select root.path from catalog_category root where root.handle = ${query.category}) || '%')`);
  }
  if (query.brand) inner.push(sql<boolean>`p.brand = any(${query.brand.split(',').map((b) => b.trim())}::text[])`);
  if (query.tag) inner.push(sql<boolean>`p.tags && ${query.tag.split(',').map((t) => t.trim())}::text[]`);
  inner.push(...(await attributeFilters(deps.db, query)));
  const inStockExpr = sql<boolean>`exists (select 1 from catalog_variant v join inventory_sku_availability a on a.sku = v.sku
    where v.product_id = p.id and (a.available > 0 or a.allow_backorder))`;
  if (query.inStock === true) inner.push(inStockExpr);
  if (query.inStock === false) inner.push(sql<boolean>`not ${inStockExpr}`);

  const outer: RawBuilder<boolean>[] = [sql<boolean>`true`];
  if (query.minPrice !== undefined) outer.push(sql<boolean>`p.effective >= ${query.minPrice}`);
  if (query.maxPrice !== undefined) outer.push(sql<boolean>`p.effective <= ${query.maxPrice}`);
  const columns = orderFor(query.sort, Boolean(query.collection));
  if (query.cursor) {
    const values = decodeCursor(query.cursor, columns.length);
    // Keyset: rows strictly after the cursor in sort order, one OR-branch per leading column.
    const branches = columns.map((_, i) => {
      const equal = columns.slice(0, i).map((c, j) => sql`${c.expr} = ${values[j]}`);
      const col = columns[i]!;
      const after = col.dir === 'asc' ? sql`${col.expr} > ${values[i]}` : sql`${col.expr} < ${values[i]}`;
      return sql`(${sql.join([...equal, after], sql` and `)})`;
    });
    outer.push(sql<boolean>`(${sql.join(branches, sql` or `)})`);
  }

  const effective = factor ? sql`coalesce(own.min_amount, round(base.min_amount * ${factor}::numeric)::bigint)` : sql`own.min_amount`;
  const collectionJoin = query.collection
    ? sql`join catalog_collection_product cp on cp.product_id = p.id
          join catalog_collection col on col.id = cp.collection_id and col.handle = ${query.collection}`
    : sql``;
  const baseJoin = factor ? sql`left join catalog_product_price base on base.product_id = p.id and base.currency = ${ctx.base}` : sql``;
  const trExpr = locale === deps.shop.defaultLocale ? sql`null::jsonb` : sql`p.translations -> ${locale}`;
  const orderBy = sql.join(columns.map((c) => sql`${c.expr} ${sql.raw(c.dir)}`), sql`, `);
  // Stock is looked up only for the page's rows (outermost select): computed in the inner
  // select it would run for every matching product before the sort.
  const result = await sql<ListRow>`
    select p.*, ${inStockExpr} as in_stock from (
      select * from (
        select p.id, p.handle, p.title, p.subtitle, p.brand, p.images, p.tags, ${trExpr} as tr,
          p.sales_count, p.rating_x100, p.rating_count,
          own.min_amount as own_min, ${factor ? sql`base.min_amount` : sql`null::bigint`} as base_min,
          ${effective} as effective,
          ${query.collection ? sql`cp.position` : sql`null::int`} as collection_position
        from catalog_product p
        ${collectionJoin}
        left join catalog_product_price own on own.product_id = p.id and own.currency = ${ctx.currency}
        ${baseJoin}
        where ${sql.join(inner, sql` and `)}
      ) p
      where ${sql.join(outer, sql` and `)}
      order by ${orderBy}
      limit ${query.limit + 1}
    ) p
    order by ${orderBy}`.execute(deps.db);
  const rows = result.rows;
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => toCard(r, ctx)),
    nextCursor: hasMore && last ? encodeCursor(cursorValues(query.sort, Boolean(query.collection), last)) : null,
  };
}

function cursorValues(sort: ProductSort, hasCollection: boolean, row: ListRow): (string | number)[] {
  switch (sort) {
    case 'newest':
      return [row.id];
    case 'price_asc':
      return [row.effective === null ? BIG : String(row.effective), row.id];
    case 'price_desc':
      return [row.effective === null ? -1 : Number(row.effective), row.id];
    case 'best_selling':
      return [row.salesCount, row.id];
    case 'rating':
      return [row.ratingX100, row.ratingCount, row.id];
    case 'relevance':
      return hasCollection ? [row.collectionPosition ?? 0, row.id] : [row.salesCount, row.id];
  }
}

function translateOptions(options: { name: string; values: string[] }[], tr: ProductTranslation | undefined) {
  return options.map((o) => {
    const t = tr?.options?.[o.name];
    return { name: o.name, label: t?.name ?? o.name, values: o.values.map((v) => ({ value: v, label: t?.values?.[v] ?? v })) };
  });
}

/**
 * One published product by handle, with variants, prices in the requested currency,
 * availability and category breadcrumbs; 404 CATALOG_PRODUCT_NOT_FOUND for unknown or
 * unpublished handles.
 */
export async function getStoreProduct(deps: CatalogDeps, handle: string, currency: string | undefined, locale: string): Promise<StoreProductDetail> {
  const ctx = await priceContext(deps, currency);
  const product = await deps.db.selectFrom('catalogProduct').selectAll().where('handle', '=', handle).where('status', '=', 'published').executeTakeFirst();
  if (!product) throw catalogError('CATALOG_PRODUCT_NOT_FOUND', { detail: `No product ${handle}` });
  const currencies = ctx.currency === ctx.base ? [ctx.currency] : [ctx.currency, ctx.base];
  // Variants with their prices in the wanted currencies and their stock, in one statement
  // (stock through the inventory module's availability view).
  const [variantRows, crumbs, defs] = await Promise.all([
    sql<{
      id: string;
      sku: string;
      options: Record<string, string>;
      weightGrams: number | null;
      prices: { currency: string; amount: number; compareAtAmount: number | null }[] | null;
      available: number | null;
      allowBackorder: boolean | null;
      lowStockThreshold: number | null;
    }>`
      select v.id, v.sku, v.options, v.weight_grams,
        (select json_agg(json_build_object('currency', trim(vp.currency), 'amount', vp.amount, 'compareAtAmount', vp.compare_at_amount))
           from catalog_variant_price vp where vp.variant_id = v.id and vp.currency = any(${currencies}::text[])) as prices,
        a.available, a.allow_backorder, a.low_stock_threshold
      from catalog_variant v
      left join inventory_sku_availability a on a.sku = v.sku
      where v.product_id = ${product.id}
      order by v.position, v.id`.execute(deps.db),
    breadcrumbsForProduct(deps.db, product.id, locale, deps.shop.defaultLocale),
    Object.keys(product.attributes).length ? getAttributeDefinitions(deps.db) : Promise.resolve(new Map()),
  ]);
  const variants = variantRows.rows;
  const priceOf = (v: (typeof variants)[number], cur: string) => {
    const p = v.prices?.find((x) => x.currency === cur);
    return p ? { amount: Number(p.amount), compareAtAmount: p.compareAtAmount === null ? null : Number(p.compareAtAmount) } : null;
  };
  const tr = locale === deps.shop.defaultLocale ? undefined : product.translations[locale];
  const outVariants = variants.map((v) => {
    const stockLeft = v.available ?? 0;
    const backorder = v.allowBackorder ?? false;
    const available = stockLeft > 0 || backorder;
    return {
      id: v.id,
      sku: v.sku,
      options: v.options,
      price: resolvePrice(ctx, priceOf(v, ctx.currency), ctx.currency === ctx.base ? null : priceOf(v, ctx.base)),
      available,
      quantityLeft: !backorder && stockLeft > 0 && stockLeft <= (v.lowStockThreshold ?? 0) ? stockLeft : null,
      weightGrams: v.weightGrams,
    };
  });
  // As in the listing: the cheapest price set in this currency; converted prices only when none is.
  const priced = outVariants.filter((v) => v.price).map((v) => v.price!);
  const own = priced.filter((p) => !p.converted);
  const cheapest = (own.length ? own : priced).sort((a, b) => a.amount - b.amount)[0] ?? null;
  const images = [...product.images].sort((a, b) => a.position - b.position).map((img) => ({ url: img.url, alt: img.alt ?? null }));
  return {
    id: product.id,
    handle: product.handle,
    title: tr?.title ?? product.title,
    subtitle: tr?.subtitle ?? product.subtitle,
    description: tr?.description ?? product.description,
    brand: product.brand,
    image: images[0] ?? null,
    images,
    price: cheapest,
    inStock: outVariants.some((v) => v.available),
    tags: product.tags,
    rating: product.ratingCount > 0 ? product.ratingX100 / 100 : null,
    ratingCount: product.ratingCount,
    seo: { ...product.seo, ...(tr?.seo ?? {}) },
    locale,
    options: translateOptions(product.options, tr),
    attributes: Object.entries(product.attributes).map(([name, value]) => {
      const def = defs.get(name);
      const t = def?.translations?.[locale];
      return {
        name,
        label: t?.label ?? def?.label ?? name,
        value,
        valueLabel: typeof value === 'string' ? (t?.values?.[value] ?? value) : String(value),
      };
    }),
    categories: crumbs,
    variants: outVariants,
  };
}
