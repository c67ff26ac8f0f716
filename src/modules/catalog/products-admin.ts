import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import { publish } from '../../platform/events/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { getAttributeDefinitions, validateAttributeValues } from './attributes.js';
import { assertCategoriesExist } from './categories.js';
import type { Actor, CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';
import { insertVariants, loadAdminProduct, refreshPriceSummary, setProductCategories } from './product-store.js';
import { checkOptionMatrix, checkPrices, checkVariants, type VariantShape } from './product-rules.js';
import type { AdminProduct, AdminProductQuery, CreateProductBody, UpdateProductBody, UpdateVariantBody, VariantInput } from './schemas-products.js';
import type { ProductOption, ProductTranslation } from './tables.js';
import { escapeLike } from '../../platform/sql.js';

export const PRODUCT_EVENTS = {
  created: 'catalog.product_created',
  updated: 'catalog.product_updated',
  deleted: 'catalog.product_deleted',
  /** Units sold changed: `{ products: [{ productId, salesCount }] }` with the new totals. */
  salesRecorded: 'catalog.sales_recorded',
} as const;

function fail(problems: FieldProblem[], code: 'CATALOG_INVALID_OPTION_MATRIX' | 'CATALOG_INVALID_ATTRIBUTE' | 'CATALOG_UNKNOWN_LOCALE' | 'CATALOG_UNKNOWN_CURRENCY'): never {
  throw catalogError(code, { detail: problems.map((p) => `${p.field}: ${p.message}`).join('; '), fields: problems });
}

function checkLocales(deps: CatalogDeps, translations: Record<string, unknown> | undefined): void {
  const bad = Object.keys(translations ?? {}).filter((l) => !deps.shop.locales.includes(l));
  if (bad.length) fail(bad.map((l) => ({ field: `/translations/${l}`, message: `locale ${l} is not one of ${deps.shop.locales.join(', ')}` })), 'CATALOG_UNKNOWN_LOCALE');
}

async function checkAttributes(db: Kysely<Database>, attributes: Record<string, unknown> | undefined): Promise<void> {
  if (!attributes || Object.keys(attributes).length === 0) return;
  const problems = validateAttributeValues(await getAttributeDefinitions(db), attributes);
  if (problems.length) fail(problems, 'CATALOG_INVALID_ATTRIBUTE');
}

/**
 * Checks the product's options against its variants. With `written`, the index of the one
 * variant the request body describes (adding or changing a variant), that variant's problems
 * point into the body (`/options/Colour`), not into the product (`/variants/2/options/Colour`).
 */
function checkMatrix(options: readonly ProductOption[], variants: readonly VariantShape[], written?: number): void {
  const own = written === undefined ? null : `/variants/${written}`;
  const place = (problems: FieldProblem[]) => (own ? problems.map((p) => (p.field === own || p.field.startsWith(`${own}/`) ? { ...p, field: p.field.slice(own.length) || '/' } : p)) : problems);
  const matrix = place(checkOptionMatrix(options, variants));
  if (matrix.length) fail(matrix, 'CATALOG_INVALID_OPTION_MATRIX');
  const variantProblems = place(checkVariants(variants));
  if (variantProblems.length) {
    fail(variantProblems, variantProblems.some((p) => p.field.includes('/currency')) ? 'CATALOG_UNKNOWN_CURRENCY' : 'CATALOG_INVALID_OPTION_MATRIX');
  }
}

function inventoryItems(variants: readonly VariantInput[], ids: readonly string[]) {
  return variants.map((v, i) => ({ sku: v.sku, variantId: ids[i]!, allowBackorder: v.allowBackorder, lowStockThreshold: v.lowStockThreshold }));
}

export async function createProduct(deps: CatalogDeps, actor: Actor, input: CreateProductBody): Promise<AdminProduct> {
  const options = input.options ?? [];
  checkMatrix(options, input.variants);
  checkLocales(deps, input.translations);
  await checkAttributes(deps.db, input.attributes);
  const id = newId('prod');
  await withTransaction(deps.db, async (trx) => {
    if (input.categoryIds?.length) await assertCategoriesExist(trx, input.categoryIds);
    const status = input.status ?? 'draft';
    const row = await trx
      .insertInto('catalogProduct')
      .values({
        id,
        handle: input.handle,
        status,
        title: input.title,
        subtitle: input.subtitle ?? null,
        description: input.description ?? null,
        brand: input.brand ?? null,
        tags: [...new Set(input.tags ?? [])],
        attributes: JSON.stringify(input.attributes ?? {}),
        options: JSON.stringify(options),
        images: JSON.stringify((input.images ?? []).map((img, i) => ({ url: img.url, alt: img.alt ?? null, position: img.position ?? i }))),
        seo: JSON.stringify(input.seo ?? {}),
        translations: JSON.stringify(input.translations ?? {}),
        publishedAt: status === 'published' ? new Date() : null,
      })
      .onConflict((oc) => oc.column('handle').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) throw catalogError('CATALOG_HANDLE_TAKEN', { detail: `Handle ${input.handle} is in use`, fields: [{ field: '/handle', message: 'is already in use' }] });
    const variantIds = await insertVariants(trx, id, input.variants);
    await refreshPriceSummary(trx, id);
    await setProductCategories(trx, id, input.categoryIds ?? []);
    await deps.inventory.ensureItems(trx, inventoryItems(input.variants, variantIds));
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'product.created', targetType: 'product', targetId: id, data: { handle: input.handle }, ip: actor.ip });
    await publish(trx, PRODUCT_EVENTS.created, { productId: id });
  });
  return loadAdminProduct(deps.db, id);
}

async function lockProduct(trx: Tx, id: string) {
  const row = await trx.selectFrom('catalogProduct').select(['id', 'status', 'options', 'translations', 'publishedAt']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw catalogError('CATALOG_PRODUCT_NOT_FOUND');
  return row;
}

async function variantShapes(trx: Tx, productId: string): Promise<(VariantShape & { id: string })[]> {
  const rows = await trx.selectFrom('catalogVariant').select(['id', 'sku', 'options']).where('productId', '=', productId).orderBy('position').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, sku: r.sku, options: r.options }));
}

export async function updateProduct(deps: CatalogDeps, actor: Actor, id: string, input: UpdateProductBody): Promise<AdminProduct> {
  const translationsPatch = input.translations;
  if (translationsPatch) checkLocales(deps, translationsPatch);
  await checkAttributes(deps.db, input.attributes);
  await withTransaction(deps.db, async (trx) => {
    const current = await lockProduct(trx, id);
    if (input.options) {
      // An option the product did not have yet gives every existing variant its first value (a
      // single-variant product can grow options this way); the result must still describe
      // every variant.
      const had = new Set(current.options.map((o) => o.name));
      const added = input.options.filter((o) => !had.has(o.name));
      const shapes = (await variantShapes(trx, id)).map((v) => {
        const missing = added.filter((o) => v.options?.[o.name] === undefined);
        return missing.length ? { ...v, options: { ...v.options, ...Object.fromEntries(missing.map((o) => [o.name, o.values[0]!])) }, filled: true } : { ...v, filled: false };
      });
      const problems = checkOptionMatrix(input.options, shapes);
      if (problems.length) fail(problems, 'CATALOG_INVALID_OPTION_MATRIX');
      for (const v of shapes.filter((x) => x.filled)) {
        await trx.updateTable('catalogVariant').set({ options: JSON.stringify(v.options), updatedAt: sql`now()` }).where('id', '=', v.id).execute();
      }
    }
    if (input.categoryIds) await assertCategoriesExist(trx, input.categoryIds);
    let translations: Record<string, ProductTranslation> | undefined;
    if (translationsPatch) {
      translations = { ...current.translations };
      for (const [locale, value] of Object.entries(translationsPatch)) {
        if (value === null) delete translations[locale];
        else translations[locale] = value;
      }
    }
    const publishing = input.status === 'published' && current.status !== 'published';
    const updated = await trx
      .updateTable('catalogProduct')
      .set({
        ...(input.handle !== undefined ? { handle: input.handle } : {}),
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.subtitle !== undefined ? { subtitle: input.subtitle } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.brand !== undefined ? { brand: input.brand } : {}),
        ...(input.tags !== undefined ? { tags: [...new Set(input.tags)] } : {}),
        ...(input.attributes !== undefined ? { attributes: JSON.stringify(input.attributes) } : {}),
        ...(input.options !== undefined ? { options: JSON.stringify(input.options) } : {}),
        ...(input.images !== undefined
          ? { images: JSON.stringify(input.images.map((img, i) => ({ url: img.url, alt: img.alt ?? null, position: img.position ?? i }))) }
          : {}),
        ...(input.seo !== undefined ? { seo: JSON.stringify(input.seo) } : {}),
        ...(translations ? { translations: JSON.stringify(translations) } : {}),
        ...(publishing ? { publishedAt: new Date() } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .where((eb) => (input.handle ? eb.not(eb.exists(eb.selectFrom('catalogProduct as o').select('o.id').where('o.handle', '=', input.handle).where('o.id', '<>', id))) : eb.val(true)))
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw catalogError('CATALOG_HANDLE_TAKEN', { fields: [{ field: '/handle', message: 'is already in use' }] });
    if (input.categoryIds) await setProductCategories(trx, id, input.categoryIds);
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action: 'product.updated',
      targetType: 'product',
      targetId: id,
      data: { fields: Object.keys(input) },
      ip: actor.ip,
    });
    await publish(trx, PRODUCT_EVENTS.updated, { productId: id });
  });
  return loadAdminProduct(deps.db, id);
}

export async function deleteProduct(deps: CatalogDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    await lockProduct(trx, id);
    const skus = (await trx.selectFrom('catalogVariant').select('sku').where('productId', '=', id).execute()).map((r) => r.sku);
    const row = await trx.deleteFrom('catalogProduct').where('id', '=', id).returning('handle').executeTakeFirstOrThrow();
    await deps.inventory.removeItems(trx, skus);
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'product.deleted', targetType: 'product', targetId: id, data: { handle: row.handle, skus }, ip: actor.ip });
    await publish(trx, PRODUCT_EVENTS.deleted, { productId: id });
  });
}

export async function addVariant(deps: CatalogDeps, actor: Actor, productId: string, input: VariantInput): Promise<AdminProduct> {
  await withTransaction(deps.db, async (trx) => {
    const product = await lockProduct(trx, productId);
    const existing = await variantShapes(trx, productId);
    checkMatrix(product.options, [...existing, input], existing.length);
    const last = await trx.selectFrom('catalogVariant').select((eb) => eb.fn.max('position').as('max')).where('productId', '=', productId).executeTakeFirst();
    const [variantId] = await insertVariants(trx, productId, [input], (last?.max ?? -1) + 1);
    await refreshPriceSummary(trx, productId);
    await deps.inventory.ensureItems(trx, inventoryItems([input], [variantId!]));
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'variant.created', targetType: 'variant', targetId: variantId!, data: { productId, sku: input.sku }, ip: actor.ip });
    await publish(trx, PRODUCT_EVENTS.updated, { productId });
  });
  return loadAdminProduct(deps.db, productId);
}

export async function updateVariant(deps: CatalogDeps, actor: Actor, productId: string, variantId: string, input: UpdateVariantBody): Promise<AdminProduct> {
  if (input.prices) {
    const problems = checkPrices(input.prices, '/prices');
    if (problems.length) fail(problems, problems.some((p) => p.field.endsWith('/currency')) ? 'CATALOG_UNKNOWN_CURRENCY' : 'CATALOG_INVALID_OPTION_MATRIX');
  }
  await withTransaction(deps.db, async (trx) => {
    const product = await lockProduct(trx, productId);
    const shapes = await variantShapes(trx, productId);
    const index = shapes.findIndex((v) => v.id === variantId);
    if (index < 0) throw catalogError('CATALOG_VARIANT_NOT_FOUND');
    const oldSku = shapes[index]!.sku;
    shapes[index] = { ...shapes[index]!, sku: input.sku ?? oldSku, options: input.options ?? shapes[index]!.options };
    checkMatrix(product.options, shapes, index);
    if (input.sku && input.sku !== oldSku) {
      const taken = await trx.selectFrom('catalogVariant').select('id').where('sku', '=', input.sku).executeTakeFirst();
      if (taken) throw catalogError('CATALOG_SKU_TAKEN', { fields: [{ field: '/sku', message: `${input.sku} is already in use` }] });
    }
    await trx
      .updateTable('catalogVariant')
      .set({
        ...(input.sku !== undefined ? { sku: input.sku } : {}),
        ...(input.barcode !== undefined ? { barcode: input.barcode } : {}),
        ...(input.weightGrams !== undefined ? { weightGrams: input.weightGrams } : {}),
        ...(input.options !== undefined ? { options: JSON.stringify(input.options) } : {}),
        ...(input.position !== undefined ? { position: input.position } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', variantId)
      .execute();
    if (input.sku && input.sku !== oldSku) await deps.inventory.renameSku(trx, oldSku, input.sku);
    if (input.allowBackorder !== undefined || input.lowStockThreshold !== undefined) {
      await deps.inventory.ensureItems(trx, [{ sku: input.sku ?? oldSku, variantId, allowBackorder: input.allowBackorder, lowStockThreshold: input.lowStockThreshold }]);
    }
    if (input.prices) {
      await trx.deleteFrom('catalogVariantPrice').where('variantId', '=', variantId).execute();
      await trx
        .insertInto('catalogVariantPrice')
        .values(input.prices.map((p) => ({ variantId, currency: p.currency, amount: p.amount, compareAtAmount: p.compareAtAmount ?? null })))
        .execute();
      await refreshPriceSummary(trx, productId);
    }
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'variant.updated', targetType: 'variant', targetId: variantId, data: { productId, fields: Object.keys(input) }, ip: actor.ip });
    await publish(trx, PRODUCT_EVENTS.updated, { productId });
  });
  return loadAdminProduct(deps.db, productId);
}

export async function deleteVariant(deps: CatalogDeps, actor: Actor, productId: string, variantId: string): Promise<AdminProduct> {
  await withTransaction(deps.db, async (trx) => {
    await lockProduct(trx, productId);
    const shapes = await variantShapes(trx, productId);
    const variant = shapes.find((v) => v.id === variantId);
    if (!variant) throw catalogError('CATALOG_VARIANT_NOT_FOUND');
    if (shapes.length === 1) throw catalogError('CATALOG_LAST_VARIANT', { detail: 'Delete or archive the product instead' });
    await trx.deleteFrom('catalogVariant').where('id', '=', variantId).execute();
    await refreshPriceSummary(trx, productId);
    await deps.inventory.removeItems(trx, [variant.sku]);
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'variant.deleted', targetType: 'variant', targetId: variantId, data: { productId, sku: variant.sku }, ip: actor.ip });
    await publish(trx, PRODUCT_EVENTS.updated, { productId });
  });
  return loadAdminProduct(deps.db, productId);
}


/** Staff product list, newest first, searchable by title, handle or SKU. */
export async function listProductsAdmin(db: Kysely<Database>, query: AdminProductQuery) {
  let q = db
    .selectFrom('catalogProduct as p')
    .select(['p.id', 'p.handle', 'p.status', 'p.title', 'p.brand', 'p.updatedAt'])
    .select((eb) => eb.selectFrom('catalogVariant as v').select(eb.fn.countAll<number>().as('n')).whereRef('v.productId', '=', 'p.id').as('variantCount'))
    .orderBy('p.id', 'desc')
    .limit(query.limit + 1);
  if (query.cursor) q = q.where('p.id', '<', String(decodeCursor(query.cursor, 1)[0]));
  if (query.status) q = q.where('p.status', '=', query.status);
  if (query.q) {
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['p.title']), 'like', pattern),
        eb('p.handle', 'like', pattern),
        eb.exists(eb.selectFrom('catalogVariant as v').select('v.id').whereRef('v.productId', '=', 'p.id').where(sql<string>`lower(v.sku)`, 'like', pattern)),
      ]),
    );
  }
  const rows = await q.execute();
  return toPage(
    rows,
    query.limit,
    (r) => ({ id: r.id, handle: r.handle, status: r.status, title: r.title, brand: r.brand, variantCount: Number(r.variantCount ?? 0), updatedAt: new Date(r.updatedAt).toISOString() }),
    (r) => [r.id],
  );
}
