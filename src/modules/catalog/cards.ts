import { sql } from 'kysely';
import type { CatalogDeps } from './deps.js';
import type { AttributeValue, ProductTranslation } from './tables.js';

/** What a product tile needs (recommendations, widgets), in one locale and currency. */
export interface ProductCard {
  handle: string;
  /** In the requested locale, else the default locale's. */
  title: string;
  /** The cheapest variant price in the currency; null when the product has none in it. */
  price: { amount: number; currency: string } | null;
  /** The first image by position. Image alt texts are not translated. */
  image: { url: string; alt: string | null } | null;
  /** Some variant has stock available, or allows backorder. */
  inStock: boolean;
  published: boolean;
}

/**
 * Cards for these products in one query: title translated into `locale` (the default-locale
 * title when it has no translation), cheapest price in `currency` from `catalog_product_price`
 * (a currency the shop does not sell in falls back to the default currency, and the card says
 * which), first image, stock from inventory's `inventory_sku_availability`. Unknown ids are
 * absent from the map; unpublished products are present with `published: false`.
 */
export async function productCards(deps: Pick<CatalogDeps, 'db' | 'shop'>, productIds: readonly string[], currency: string, locale: string): Promise<Map<string, ProductCard>> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return new Map();
  const cur = deps.shop.currencies.includes(currency) ? currency : deps.shop.defaultCurrency;
  const rows = await deps.db
    .selectFrom('catalogProduct as p')
    .leftJoin('catalogProductPrice as pp', (j) => j.onRef('pp.productId', '=', 'p.id').on('pp.currency', '=', cur))
    .select((eb) => [
      'p.id',
      'p.handle',
      'p.title',
      'p.status',
      'p.images',
      'pp.minAmount',
      sql<string | null>`${sql.ref('p.translations')} -> ${locale}::text ->> 'title'`.as('trTitle'),
      eb
        .exists(
          eb
            .selectFrom('catalogVariant as v')
            .innerJoin('inventorySkuAvailability as a', 'a.sku', 'v.sku')
            .select('v.id')
            .whereRef('v.productId', '=', 'p.id')
            .where((w) => w.or([w('a.available', '>', 0), w('a.allowBackorder', '=', true)])),
        )
        .as('inStock'),
    ])
    .where('p.id', 'in', ids)
    .execute();
  const out = new Map<string, ProductCard>();
  for (const r of rows) {
    const image = [...(r.images ?? [])].sort((a, b) => a.position - b.position)[0];
    out.set(r.id, {
      handle: r.handle,
      title: r.trTitle || r.title,
      price: r.minAmount === null ? null : { amount: Number(r.minAmount), currency: cur },
      image: image ? { url: image.url, alt: image.alt ?? null } : null,
      inStock: Boolean(r.inStock),
      published: r.status === 'published',
    });
  }
  return out;
}

/** A published product's content, for content-based recommendations. */
export interface ContentItemRow {
  productId: string;
  /** The default-locale title and subtitle, then each translation's, distinct and non-empty. */
  texts: string[];
  /** Directly assigned categories, sorted. */
  categoryIds: string[];
  brand: string | null;
  attributes: Record<string, AttributeValue>;
}

interface ContentRow {
  id: string;
  title: string;
  subtitle: string | null;
  brand: string | null;
  attributes: Record<string, AttributeValue> | null;
  translations: Record<string, ProductTranslation> | null;
  categoryIds: string[] | null;
}

/**
 * One page of published products' content, ordered by id, after `afterId` (keyset; null for
 * the first page), at most `limit` rows, in one query. An empty page means the end.
 */
export async function contentItems(deps: Pick<CatalogDeps, 'db'>, afterId: string | null, limit: number): Promise<ContentItemRow[]> {
  let query = deps.db
    .selectFrom('catalogProduct as p')
    .select((eb) => [
      'p.id',
      'p.title',
      'p.subtitle',
      'p.brand',
      'p.attributes',
      'p.translations',
      eb
        .selectFrom('catalogProductCategory as pc')
        .select(sql<string[]>`array_agg(${sql.ref('pc.categoryId')} order by ${sql.ref('pc.categoryId')})`.as('ids'))
        .whereRef('pc.productId', '=', 'p.id')
        .as('categoryIds'),
    ])
    .where('p.status', '=', 'published')
    .orderBy('p.id')
    .limit(limit);
  if (afterId !== null) query = query.where('p.id', '>', afterId);
  const rows: ContentRow[] = await query.execute();
  return rows.map((r) => {
    const texts = new Set<string>();
    const add = (t: string | null | undefined) => {
      const s = t?.trim();
      if (s) texts.add(s);
    };
    add(r.title);
    add(r.subtitle);
    for (const tr of Object.values(r.translations ?? {})) {
      add(tr.title);
      add(tr.subtitle);
    }
    return { productId: r.id, texts: [...texts], categoryIds: r.categoryIds ?? [], brand: r.brand, attributes: r.attributes ?? {} };
  });
}
