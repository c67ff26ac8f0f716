import { sql } from 'kysely';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import type { JobProblem } from '../../platform/jobs/index.js';
import { isCurrency } from '../../platform/money.js';
import { getAttributeDefinitions, validateAttributeValues, type AttributeDefinition } from './attributes.js';
import type { CatalogDeps } from './deps.js';
import { groupByHandle, parseImport, splitList, type ImportFormat, type ImportRow } from './import-rows.js';
import { checkOptionMatrix } from './product-rules.js';
import { PRODUCT_EVENTS } from './products-admin.js';
import { refreshPriceSummary, setProductCategories } from './product-store.js';
import type { AttributeValue, ProductOption, ProductStatus, ProductTranslation } from './tables.js';

const HANDLE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/;
const STATUSES = new Set(['draft', 'published', 'archived']);
/** Products written per transaction on the fast path. */
const BATCH = 100;

interface ImportContext {
  deps: CatalogDeps;
  categories: Map<string, string>;
  attributes: Map<string, AttributeDefinition>;
}

/** A problem with specific rows of one product; the product's rows are skipped. */
class RowsError extends Error {
  constructor(readonly problems: JobProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

const first = (rows: readonly ImportRow[], column: string) => rows.find((r) => r.values[column] !== undefined)?.values[column];

function parseInteger(row: ImportRow, column: string, problems: JobProblem[], min = 0): number | undefined {
  const raw = row.values[column];
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
    problems.push({ row: row.row, message: `${column}: "${raw}" is not a whole number ≥ ${min}` });
    return undefined;
  }
  return Number(raw);
}

function parseBoolean(row: ImportRow, column: string, problems: JobProblem[]): boolean | undefined {
  const raw = row.values[column]?.toLowerCase();
  if (raw === undefined) return undefined;
  if (['true', '1', 'yes', 'y'].includes(raw)) return true;
  if (['false', '0', 'no', 'n'].includes(raw)) return false;
  problems.push({ row: row.row, message: `${column}: "${row.values[column]}" is not true or false` });
  return undefined;
}

/** A boolean attribute cell; anything unrecognised stays text, so validation reports it. */
function parseBooleanCell(raw: string): AttributeValue {
  const value = raw.toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(value)) return true;
  if (['false', '0', 'no', 'n'].includes(value)) return false;
  return raw;
}

interface VariantPlan {
  row: ImportRow;
  sku: string;
  options: Record<string, string>;
  prices: { currency: string; amount: number; compareAtAmount: number | null }[];
  barcode?: string;
  weightGrams?: number;
  stock?: number;
  allowBackorder?: boolean;
}

function planVariants(ctx: ImportContext, rows: readonly ImportRow[], problems: JobProblem[]): { variants: VariantPlan[]; options: ProductOption[] } {
  const options: ProductOption[] = [];
  const variants: VariantPlan[] = [];
  for (const row of rows) {
    const v = row.values;
    const sku = v.sku;
    if (!sku || !SKU.test(sku)) {
      problems.push({ row: row.row, message: `sku: "${sku ?? ''}" is missing or invalid` });
      continue;
    }
    // Two rows of one SKU would otherwise meet as a primary-key violation on its prices.
    const earlier = variants.find((p) => p.sku === sku);
    if (earlier) {
      problems.push({ row: row.row, message: `sku: ${sku} is already on row ${earlier.row.row}` });
      continue;
    }
    const chosen: Record<string, string> = {};
    for (const n of [1, 2, 3]) {
      const name = v[`option${n}_name`];
      const value = v[`option${n}_value`];
      if (!name && !value) continue;
      if (!name || !value) {
        problems.push({ row: row.row, message: `option${n}: give both option${n}_name and option${n}_value` });
        continue;
      }
      chosen[name] = value;
      let option = options.find((o) => o.name === name);
      if (!option) options.push((option = { name, values: [] }));
      if (!option.values.includes(value)) option.values.push(value);
    }
    const prices: VariantPlan['prices'] = [];
    for (const column of Object.keys(v)) {
      const m = /^price_([A-Z]{3})$/.exec(column);
      if (!m) continue;
      const currency = m[1]!;
      if (!isCurrency(currency)) {
        problems.push({ row: row.row, message: `${column}: unknown currency ${currency}` });
        continue;
      }
      const amount = parseInteger(row, column, problems);
      const compareAt = parseInteger(row, `compare_at_price_${currency}`, problems);
      if (amount === undefined) continue;
      if (compareAt !== undefined && compareAt < amount) problems.push({ row: row.row, message: `compare_at_price_${currency}: below the price` });
      prices.push({ currency, amount, compareAtAmount: compareAt ?? null });
    }
    if (prices.length === 0) problems.push({ row: row.row, message: 'at least one price_<CUR> column is required (minor units, e.g. price_CNY=19900)' });
    variants.push({
      row,
      sku,
      options: chosen,
      prices,
      barcode: v.barcode,
      weightGrams: parseInteger(row, 'weight_grams', problems),
      stock: parseInteger(row, 'stock', problems),
      allowBackorder: parseBoolean(row, 'allow_backorder', problems),
    });
  }
  return { variants, options };
}

function planAttributes(ctx: ImportContext, rows: readonly ImportRow[], problems: JobProblem[]): Record<string, AttributeValue> | undefined {
  const attributes: Record<string, AttributeValue> = {};
  let any = false;
  for (const row of rows) {
    for (const [column, raw] of Object.entries(row.values)) {
      if (!column.startsWith('attr.')) continue;
      const name = column.slice(5);
      if (name in attributes) continue;
      any = true;
      const def = ctx.attributes.get(name);
      attributes[name] = def?.type === 'number' ? Number(raw) : def?.type === 'boolean' ? parseBooleanCell(raw) : raw;
    }
  }
  if (!any) return undefined;
  const firstRow = rows[0]!.row;
  for (const p of validateAttributeValues(ctx.attributes, attributes)) problems.push({ row: firstRow, message: `attribute ${p.field.replace(/^\//, '')}: ${p.message}` });
  return attributes;
}

function planTranslations(ctx: ImportContext, rows: readonly ImportRow[], problems: JobProblem[]): Record<string, ProductTranslation> | undefined {
  const out: Record<string, ProductTranslation> = {};
  for (const row of rows) {
    for (const [column, value] of Object.entries(row.values)) {
      const m = /^(title|subtitle|description)\.(.+)$/.exec(column);
      if (!m) continue;
      const locale = m[2]!;
      if (!ctx.deps.shop.locales.includes(locale)) {
        problems.push({ row: row.row, message: `${column}: locale ${locale} is not one of ${ctx.deps.shop.locales.join(', ')}` });
        continue;
      }
      const t = (out[locale] ??= {});
      const field = m[1] as 'title' | 'subtitle' | 'description';
      t[field] ??= value;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** Per locale, the file's fields over the stored ones: absent columns (and option labels) stay. */
function mergeTranslations(stored: Record<string, ProductTranslation>, imported: Record<string, ProductTranslation>): Record<string, ProductTranslation> {
  const out = { ...stored };
  for (const [locale, t] of Object.entries(imported)) out[locale] = { ...stored[locale], ...t };
  return out;
}

/** Creates or updates one product and its variants from its rows. Throws RowsError. */
async function upsertProduct(trx: Tx, ctx: ImportContext, handle: string, rows: ImportRow[]): Promise<'created' | 'updated'> {
  const problems: JobProblem[] = [];
  const firstRow = rows[0]!.row;
  if (!HANDLE.test(handle)) problems.push({ row: firstRow, message: `handle: "${handle}" must be lower-case letters, digits and hyphens` });
  const status = first(rows, 'status');
  if (status && !STATUSES.has(status)) problems.push({ row: firstRow, message: `status: "${status}" is not draft, published or archived` });
  const categoryHandles = splitList(first(rows, 'categories'));
  const categoryIds = categoryHandles.map((h) => {
    const id = ctx.categories.get(h);
    if (!id) problems.push({ row: firstRow, message: `categories: no category with handle "${h}"` });
    return id;
  });
  const { variants, options: newOptions } = planVariants(ctx, rows, problems);
  const attributes = planAttributes(ctx, rows, problems);
  const translations = planTranslations(ctx, rows, problems);
  const images = splitList(first(rows, 'image_urls'));
  for (const url of images) if (!/^https?:\/\/\S+$/.test(url)) problems.push({ row: firstRow, message: `image_urls: "${url}" is not an http(s) URL` });
  if (problems.length) throw new RowsError(problems);

  const existing = await trx.selectFrom('catalogProduct').select(['id', 'options', 'translations', 'status']).where('handle', '=', handle).forUpdate().executeTakeFirst();
  const title = first(rows, 'title');
  if (!existing && !title) throw new RowsError([{ row: firstRow, message: 'title is required for a new product' }]);
  const id = existing?.id ?? newId('prod');

  // Options: existing ones keep their order; new values and options are appended.
  const options: ProductOption[] = (existing?.options ?? []).map((o) => ({ name: o.name, values: [...o.values] }));
  for (const o of newOptions) {
    const current = options.find((x) => x.name === o.name);
    if (!current) {
      options.push(o);
      continue;
    }
    for (const v of o.values) {
      if (!current.values.includes(v)) current.values.push(v);
    }
  }
  // Every check that can fail this product runs before its first write: a failed product is
  // caught inside the batch's transaction, so anything written before the throw would commit.
  const skus = variants.map((v) => v.sku);
  const owned = await trx.selectFrom('catalogVariant').select(['id', 'sku', 'productId', 'options']).where('sku', 'in', skus).execute();
  const foreign = owned.filter((o) => o.productId !== id);
  if (foreign.length) {
    throw new RowsError(foreign.map((f) => ({ row: variants.find((v) => v.sku === f.sku)!.row.row, message: `sku ${f.sku} belongs to another product` })));
  }
  const current = existing ? await trx.selectFrom('catalogVariant').select(['id', 'sku', 'options']).where('productId', '=', id).execute() : [];
  const merged = new Map(current.map((c) => [c.sku, { sku: c.sku, options: c.options }]));
  for (const v of variants) merged.set(v.sku, { sku: v.sku, options: v.options });
  const matrix = checkOptionMatrix(options, [...merged.values()]);
  if (matrix.length) throw new RowsError(matrix.map((m) => ({ row: firstRow, message: `options: ${m.message}` })));

  const seo = { title: first(rows, 'seo_title'), description: first(rows, 'seo_description') };
  const fields = {
    ...(title !== undefined ? { title } : {}),
    ...(first(rows, 'subtitle') !== undefined ? { subtitle: first(rows, 'subtitle')! } : {}),
    ...(first(rows, 'description') !== undefined ? { description: first(rows, 'description')! } : {}),
    ...(first(rows, 'brand') !== undefined ? { brand: first(rows, 'brand')! } : {}),
    ...(first(rows, 'tags') !== undefined ? { tags: [...new Set(splitList(first(rows, 'tags')))] } : {}),
    ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
    ...(images.length ? { images: JSON.stringify(images.map((url, i) => ({ url, alt: null, position: i }))) } : {}),
    ...(seo.title || seo.description ? { seo: JSON.stringify(seo) } : {}),
    ...(translations ? { translations: JSON.stringify(mergeTranslations(existing?.translations ?? {}, translations)) } : {}),
    options: JSON.stringify(options),
  };
  if (existing) {
    const publishing = status === 'published' && existing.status !== 'published';
    await trx
      .updateTable('catalogProduct')
      .set({ ...fields, ...(status ? { status: status as ProductStatus } : {}), ...(publishing ? { publishedAt: new Date() } : {}), updatedAt: sql`now()` })
      .where('id', '=', id)
      .execute();
  } else {
    await trx
      .insertInto('catalogProduct')
      .values({
        id,
        handle,
        status: (status ?? 'draft') as ProductStatus,
        title: title!,
        subtitle: null,
        description: null,
        brand: null,
        tags: [],
        attributes: '{}',
        images: '[]',
        seo: '{}',
        translations: '{}',
        publishedAt: status === 'published' ? new Date() : null,
        ...fields,
      })
      .execute();
  }

  // Variants: upsert by SKU within this product (checked above, before any write).
  const bySku = new Map(current.map((c) => [c.sku, c.id]));
  const variantIds: string[] = [];
  const inserts: { id: string; productId: string; sku: string; barcode: string | null; weightGrams: number | null; options: string; position: number }[] = [];
  for (const v of variants) {
    let variantId = bySku.get(v.sku);
    if (variantId) {
      await trx
        .updateTable('catalogVariant')
        .set({
          options: JSON.stringify(v.options),
          ...(v.barcode !== undefined ? { barcode: v.barcode } : {}),
          ...(v.weightGrams !== undefined ? { weightGrams: v.weightGrams } : {}),
          updatedAt: sql`now()`,
        })
        .where('id', '=', variantId)
        .execute();
    } else {
      variantId = newId('var');
      bySku.set(v.sku, variantId);
      inserts.push({ id: variantId, productId: id, sku: v.sku, barcode: v.barcode ?? null, weightGrams: v.weightGrams ?? null, options: JSON.stringify(v.options), position: bySku.size - 1 });
    }
    variantIds.push(variantId);
  }
  // New variants go in one statement: imports are mostly new products.
  if (inserts.length) await trx.insertInto('catalogVariant').values(inserts).execute();
  await trx.deleteFrom('catalogVariantPrice').where('variantId', 'in', variantIds).execute();
  const priceRows = variants.flatMap((v, i) => v.prices.map((p) => ({ variantId: variantIds[i]!, ...p })));
  if (priceRows.length) await trx.insertInto('catalogVariantPrice').values(priceRows).execute();
  await refreshPriceSummary(trx, id);
  if (categoryHandles.length) await setProductCategories(trx, id, categoryIds as string[]);
  await ctx.deps.inventory.ensureItems(
    trx,
    variants.map((v, i) => ({ sku: v.sku, variantId: variantIds[i]!, allowBackorder: v.allowBackorder })),
  );
  for (const v of variants) {
    if (v.stock !== undefined) await ctx.deps.inventory.setStock(trx, { sku: v.sku, onHand: v.stock, reason: 'import', kind: 'import' });
  }
  await publish(trx, existing ? PRODUCT_EVENTS.updated : PRODUCT_EVENTS.created, { productId: id });
  return existing ? 'updated' : 'created';
}

export interface ImportProgress {
  total(rows: number): Promise<void> | void;
  progress(delta: { processed: number; failed: number; errors: JobProblem[] }): Promise<void> | void;
}

export interface ImportSummary {
  rows: number;
  products: { created: number; updated: number; failed: number };
  rowsFailed: number;
}

/**
 * Imports products from CSV or NDJSON (see IMPORT_COLUMNS and docs/catalog-import.md):
 * one row per variant, products grouped by handle, upserted by handle and SKU, so re-running an
 * import is harmless. Each product lands or fails as a whole; failures are reported per row and
 * never stop the rest. Products are written `BATCH` per transaction, falling back to one per
 * transaction for a batch that hits a database error.
 */
export async function runImport(deps: CatalogDeps, format: ImportFormat, content: string, report: ImportProgress): Promise<ImportSummary> {
  const parsed = parseImport(format, content);
  const { groups, problems: groupProblems } = groupByHandle(parsed.rows);
  const total = parsed.rows.length + parsed.problems.length;
  await report.total(total);
  const early = [...parsed.problems, ...groupProblems];
  if (early.length) await report.progress({ processed: early.length, failed: early.length, errors: early });
  const ctx: ImportContext = {
    deps,
    categories: new Map((await deps.db.selectFrom('catalogCategory').select(['id', 'handle']).execute()).map((c) => [c.handle, c.id])),
    attributes: await getAttributeDefinitions(deps.db),
  };
  const summary: ImportSummary = { rows: total, products: { created: 0, updated: 0, failed: 0 }, rowsFailed: early.length };
  const entries = [...groups.entries()];
  const statistics = await freshStatistics(deps);

  async function writeOne(trx: Tx, handle: string, rows: ImportRow[], errors: JobProblem[]): Promise<void> {
    try {
      const outcome = await upsertProduct(trx, ctx, handle, rows);
      summary.products[outcome]++;
    } catch (err) {
      if (!(err instanceof RowsError)) throw err;
      summary.products.failed++;
      // Every row of a failed product is counted; the messages name the culprits.
      const culprits = new Set(err.problems.map((p) => p.row));
      errors.push(...err.problems, ...rows.filter((r) => !culprits.has(r.row)).map((r) => ({ row: r.row, message: `skipped: another row of product ${handle} failed` })));
    }
  }

  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    const before = { ...summary.products };
    let errors: JobProblem[] = [];
    try {
      // Row problems are found before any write of that product, so the fast path stays valid.
      await withTransaction(deps.db, async (trx) => {
        errors = [];
        Object.assign(summary.products, before);
        for (const [handle, rows] of batch) await writeOne(trx, handle, rows, errors);
      });
    } catch {
      Object.assign(summary.products, before);
      errors = [];
      for (const [handle, rows] of batch) {
        try {
          await withTransaction(deps.db, (trx) => writeOne(trx, handle, rows, errors));
        } catch (err) {
          summary.products.failed++;
          const message = err instanceof AppError ? `${err.code}: ${err.detail ?? err.title}` : 'could not be written (database error)';
          errors.push(...rows.map((r) => ({ row: r.row, message })));
        }
      }
    }
    const rowCount = batch.reduce((n, [, rows]) => n + rows.length, 0);
    const failedRows = new Set(errors.map((e) => e.row)).size;
    summary.rowsFailed += failedRows;
    await report.progress({ processed: rowCount, failed: failedRows, errors });
    await statistics.written(rowCount - failedRows);
  }
  if (parsed.rows.length >= 1000) await statistics.refresh();
  return summary;
}

/**
 * Keeps the planner's statistics in step with an import that grows the shop. Plans, the
 * prepared ones each connection keeps included, are made from the table sizes last analyzed: after
 * an import into an empty shop, the lookups by SKU and handle would scan whole tables until
 * autovacuum came round (never, where it is off), and the import would slow as it grew. So the
 * database is analyzed whenever this import has written as many variants as the catalog held at
 * the last analysis (at least 1,000): a few times while a shop is built, not at all for a
 * small import into a large one.
 */
async function freshStatistics(deps: CatalogDeps) {
  const variants = async () => {
    const { rows } = await sql<{ n: number }>`select greatest(reltuples, 0)::int8 as n from pg_class where oid = 'catalog_variant'::regclass`.execute(deps.db);
    return Number(rows[0]?.n ?? 0);
  };
  let threshold = Math.max(1000, await variants());
  let since = 0;
  const refresh = async () => {
    // The shop's own tables: the database may hold other schemas (other shops) as well.
    const { rows } = await sql<{ name: string }>`
      select quote_ident(relname) as name from pg_class
       where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p') order by relname`.execute(deps.db);
    if (rows.length) await sql.raw(`analyze ${rows.map((r) => r.name).join(', ')}`).execute(deps.db);
    threshold = Math.max(1000, await variants());
    since = 0;
  };
  return {
    refresh,
    async written(rows: number) {
      since += rows;
      if (since >= threshold) await refresh();
    },
  };
}
