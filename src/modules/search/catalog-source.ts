/**
 * THE ONE PLACE where search reads the catalog's tables (catalog_product, catalog_variant,
 * catalog_product_price, catalog_product_category, catalog_category, catalog_attribute) to build
 * its read model. No other search file touches them. The catalog's owner intends to move these
 * queries behind `modules/catalog/index.ts` as exported read functions; until then they are kept
 * here, read-only and in one file, so that move is mechanical.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { SearchAttribute, SearchCategory, SearchDocument } from './engine.js';

/** Product ids in id order after `afterId`, for rebuilding the index in batches. */
export async function listCatalogProductIds(db: Kysely<Database>, afterId: string | null, limit: number): Promise<string[]> {
  let q = db.selectFrom('catalogProduct').select('id').orderBy('id').limit(limit);
  if (afterId) q = q.where('id', '>', afterId);
  return (await q.execute()).map((r) => r.id);
}

/** How many products the catalog holds (the progress bar's total). */
export async function countCatalogProducts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('catalogProduct').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The search documents of `ids` as the catalog has them now (ids that no longer exist are simply
 * absent). Texts are gathered for every locale: the row's own fields are the default locale's,
 * `translations` hold the rest.
 */
export async function loadCatalogDocuments(db: Kysely<Database>, ids: readonly string[], defaultLocale: string): Promise<SearchDocument[]> {
  if (ids.length === 0) return [];
  const [products, variants, prices, links] = await Promise.all([
    // jsonb as text, parsed here: the CamelCasePlugin would re-case keys inside objects
    // (an attribute named battery_hours would come back as batteryHours).
    db
      .selectFrom('catalogProduct')
      .select(['id', 'handle', 'status', 'title', 'subtitle', 'description', 'brand', 'tags', 'images', 'salesCount', 'ratingX100', 'ratingCount', 'publishedAt'])
      .select([sql<string>`attributes::text`.as('attributesJson'), sql<string>`translations::text`.as('translationsJson')])
      .where('id', 'in', ids)
      .execute(),
    db.selectFrom('catalogVariant').select(['productId', 'sku', 'barcode']).where('productId', 'in', ids).orderBy('position').orderBy('id').execute(),
    db.selectFrom('catalogProductPrice').select(['productId', 'currency', 'minAmount']).where('productId', 'in', ids).execute(),
    db
      .selectFrom('catalogProductCategory as pc')
      .innerJoin('catalogCategory as c', 'c.id', 'pc.categoryId')
      .select(['pc.productId', 'c.id', 'c.path'])
      .where('pc.productId', 'in', ids)
      .execute(),
  ]);
  const ancestorIds = [...new Set(links.flatMap((l) => l.path.split('/').filter(Boolean)))];
  const names = new Map<string, string[]>();
  if (ancestorIds.length) {
    const rows = await db.selectFrom('catalogCategory').select(['id', 'name', 'translations']).where('id', 'in', ancestorIds).execute();
    for (const r of rows) {
      const translated = Object.values(r.translations ?? {}).map((t) => t.name).filter((n): n is string => typeof n === 'string' && n !== '');
      names.set(r.id, [r.name, ...translated]);
    }
  }
  const group = <T extends { productId: string }>(rows: T[]) => {
    const out = new Map<string, T[]>();
    for (const r of rows) out.set(r.productId, [...(out.get(r.productId) ?? []), r]);
    return out;
  };
  const variantsOf = group(variants);
  const pricesOf = group(prices);
  const linksOf = group(links);
  return products.map((row) => {
    const p = { ...row, attributes: JSON.parse(row.attributesJson) as Record<string, string | number | boolean>, translations: JSON.parse(row.translationsJson) as Record<string, Record<string, unknown>> };
    const texts = (key: 'title' | 'subtitle' | 'description', own: string | null) => {
      const out: Record<string, string> = {};
      if (own) out[defaultLocale] = own;
      for (const [locale, t] of Object.entries(p.translations ?? {})) {
        const value = t[key];
        if (typeof value === 'string' && value !== '') out[locale] = value;
      }
      return out;
    };
    const categories = (linksOf.get(p.id) ?? []).map((l) => ({ id: l.id, path: l.path }));
    const image = [...(p.images ?? [])].sort((a, b) => a.position - b.position)[0];
    return {
      productId: p.id,
      status: p.status,
      handle: p.handle,
      titles: texts('title', p.title),
      subtitles: texts('subtitle', p.subtitle),
      descriptions: texts('description', p.description),
      brand: p.brand,
      categories,
      categoryNames: categories.flatMap((c) => c.path.split('/').filter(Boolean).flatMap((id) => names.get(id) ?? [])),
      attributes: p.attributes ?? {},
      tags: p.tags ?? [],
      skus: (variantsOf.get(p.id) ?? []).map((v) => v.sku),
      barcodes: (variantsOf.get(p.id) ?? []).map((v) => v.barcode).filter((b): b is string => b !== null),
      prices: Object.fromEntries((pricesOf.get(p.id) ?? []).map((r) => [r.currency.trim(), Number(r.minAmount)])),
      salesCount: p.salesCount,
      image: image ? { url: image.url, alt: image.alt ?? null } : null,
      ratingX100: p.ratingX100,
      ratingCount: p.ratingCount,
      publishedAt: p.publishedAt ? new Date(p.publishedAt) : null,
    };
  });
}

/** The whole category tree. */
export async function loadCatalogCategories(db: Kysely<Database>): Promise<SearchCategory[]> {
  const rows = await db.selectFrom('catalogCategory').select(['id', 'handle', 'name', 'translations', 'path', 'position']).execute();
  return rows.map((r) => ({
    id: r.id,
    handle: r.handle,
    name: r.name,
    translations: Object.fromEntries(Object.entries(r.translations ?? {}).map(([locale, t]) => [locale, { ...(t.name ? { name: t.name } : {}) }])),
    path: r.path,
    position: r.position,
  }));
}

/** Every declared attribute. */
export async function loadCatalogAttributes(db: Kysely<Database>): Promise<SearchAttribute[]> {
  const rows = await db
    .selectFrom('catalogAttribute')
    .select(['name', 'type', 'label', 'filterable', 'position', sql<string>`translations::text`.as('translationsJson')])
    .execute();
  return rows.map((r) => ({ name: r.name, type: r.type, label: r.label, filterable: r.filterable, position: r.position, translations: JSON.parse(r.translationsJson) }));
}
