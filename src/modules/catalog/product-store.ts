import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { catalogError } from './errors.js';
import type { AdminProduct, AdminVariant, VariantInput } from './schemas-products.js';
import type { CatalogProductTable } from './tables.js';

/** Rewrites the per-currency min/max summary of a product from its variants' prices. */
export async function refreshPriceSummary(trx: Tx, productId: string): Promise<void> {
  await trx.deleteFrom('catalogProductPrice').where('productId', '=', productId).execute();
  await sql`
    insert into catalog_product_price (product_id, currency, min_amount, max_amount)
    select v.product_id, p.currency, min(p.amount), max(p.amount)
    from catalog_variant v join catalog_variant_price p on p.variant_id = v.id
    where v.product_id = ${productId}
    group by v.product_id, p.currency`.execute(trx);
}

/**
 * Inserts variants and their prices. SKUs already taken (by any product) → 409
 * CATALOG_SKU_TAKEN naming them; nothing is inserted then (the caller's transaction rolls back).
 */
export async function insertVariants(trx: Tx, productId: string, variants: readonly VariantInput[], firstPosition = 0): Promise<string[]> {
  const rows = variants.map((v, i) => ({
    id: newId('var'),
    productId,
    sku: v.sku,
    barcode: v.barcode ?? null,
    weightGrams: v.weightGrams ?? null,
    options: JSON.stringify(v.options ?? {}),
    position: v.position ?? firstPosition + i,
  }));
  const inserted = await trx
    .insertInto('catalogVariant')
    .values(rows)
    .onConflict((oc) => oc.column('sku').doNothing())
    .returning(['id', 'sku'])
    .execute();
  if (inserted.length < rows.length) {
    const ok = new Set(inserted.map((r) => r.sku));
    const taken = variants.map((v, i) => ({ sku: v.sku, i })).filter((v) => !ok.has(v.sku));
    throw catalogError('CATALOG_SKU_TAKEN', {
      detail: `SKU already in use: ${taken.map((t) => t.sku).join(', ')}`,
      fields: taken.map((t) => ({ field: `/variants/${t.i}/sku`, message: `${t.sku} is already in use` })),
    });
  }
  const prices = variants.flatMap((v, i) =>
    v.prices.map((p) => ({ variantId: rows[i]!.id, currency: p.currency, amount: p.amount, compareAtAmount: p.compareAtAmount ?? null })),
  );
  if (prices.length) await trx.insertInto('catalogVariantPrice').values(prices).execute();
  return rows.map((r) => r.id);
}

export async function setProductCategories(trx: Tx, productId: string, categoryIds: readonly string[]): Promise<void> {
  await trx.deleteFrom('catalogProductCategory').where('productId', '=', productId).execute();
  const unique = [...new Set(categoryIds)];
  if (unique.length) await trx.insertInto('catalogProductCategory').values(unique.map((categoryId) => ({ productId, categoryId }))).execute();
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function toAdminProduct(row: Selectable<CatalogProductTable>, variants: AdminVariant[], categoryIds: string[]): AdminProduct {
  return {
    id: row.id,
    handle: row.handle,
    status: row.status,
    title: row.title,
    subtitle: row.subtitle,
    description: row.description,
    brand: row.brand,
    tags: row.tags,
    attributes: row.attributes,
    options: row.options,
    images: row.images.map((img) => ({ url: img.url, alt: img.alt ?? null, position: img.position })),
    seo: row.seo,
    translations: row.translations,
    categoryIds,
    variants,
    salesCount: row.salesCount,
    publishedAt: iso(row.publishedAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

/** A product as staff see it, with every variant, price and category; 404 when missing. */
export async function loadAdminProduct(db: Kysely<Database>, id: string): Promise<AdminProduct> {
  const row = await db.selectFrom('catalogProduct').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw catalogError('CATALOG_PRODUCT_NOT_FOUND');
  const [variants, prices, categories] = await Promise.all([
    db.selectFrom('catalogVariant').selectAll().where('productId', '=', id).orderBy('position').orderBy('id').execute(),
    db
      .selectFrom('catalogVariantPrice as p')
      .innerJoin('catalogVariant as v', 'v.id', 'p.variantId')
      .select(['p.variantId', 'p.currency', 'p.amount', 'p.compareAtAmount'])
      .where('v.productId', '=', id)
      .orderBy('p.currency')
      .execute(),
    db.selectFrom('catalogProductCategory').select('categoryId').where('productId', '=', id).orderBy('categoryId').execute(),
  ]);
  const byVariant = new Map<string, AdminVariant['prices']>();
  for (const p of prices) {
    const list = byVariant.get(p.variantId) ?? [];
    list.push({ currency: p.currency, amount: Number(p.amount), compareAtAmount: p.compareAtAmount === null ? null : Number(p.compareAtAmount) });
    byVariant.set(p.variantId, list);
  }
  return toAdminProduct(
    row,
    variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      barcode: v.barcode,
      weightGrams: v.weightGrams,
      options: v.options,
      position: v.position,
      prices: byVariant.get(v.id) ?? [],
    })),
    categories.map((c) => c.categoryId),
  );
}
