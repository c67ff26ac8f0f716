import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { SearchDocument } from './engine.js';
import type { SearchCardData } from './tables.js';
import { analyze, type Token } from './text.js';

/** A document as stored: analysed field texts plus the vocabulary it contributes. */
export interface DocumentRow {
  productId: string;
  status: string;
  handle: string;
  brand: string | null;
  categoryIds: string[];
  categoryPaths: string[];
  categoryTree: string[];
  attributes: Record<string, string | number | boolean>;
  tags: string[];
  skus: string[];
  barcodes: string[];
  prices: Record<string, number>;
  salesCount: number;
  card: SearchCardData;
  titleTokens: string;
  /** Brand and category names (weight B). */
  labelTokens: string;
  /** Attribute values and tags (weight C). */
  facetTokens: string;
  bodyTokens: string;
  allText: string;
  publishedAt: string | null;
}

const distinct = (values: Iterable<string>) => [...new Set([...values].filter((v) => v.trim() !== ''))];

function collect(texts: Iterable<string | null | undefined>, vocabulary: Map<string, string>): string {
  const terms: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    const tokens: Token[] = analyze(text, { cjkBigrams: true });
    for (const t of tokens) {
      terms.push(t.term);
      if (!vocabulary.has(t.term)) vocabulary.set(t.term, t.surface);
    }
  }
  return terms.join(' ');
}

/** Turns a document into its stored row and the set of terms (with a surface form) it contains. */
export function documentRow(doc: SearchDocument): { row: DocumentRow; vocabulary: Map<string, string> } {
  const vocabulary = new Map<string, string>();
  const attributeText = Object.entries(doc.attributes).map(([name, value]) => (typeof value === 'boolean' ? (value ? name : '') : String(value)));
  const titleTokens = collect(distinct(Object.values(doc.titles)), vocabulary);
  const labelTokens = collect([doc.brand, ...distinct(doc.categoryNames)], vocabulary);
  const facetTokens = collect([...attributeText, ...doc.tags], vocabulary);
  const bodyTokens = collect([...distinct(Object.values(doc.subtitles)), ...distinct(Object.values(doc.descriptions))], vocabulary);
  const tree = new Set<string>();
  for (const c of doc.categories) for (const id of c.path.split('/').filter(Boolean)) tree.add(id);
  return {
    vocabulary,
    row: {
      productId: doc.productId,
      status: doc.status,
      handle: doc.handle,
      brand: doc.brand,
      categoryIds: doc.categories.map((c) => c.id),
      categoryPaths: doc.categories.map((c) => c.path),
      categoryTree: [...tree],
      attributes: doc.attributes,
      tags: doc.tags,
      skus: distinct(doc.skus.map((s) => s.toLowerCase())),
      barcodes: distinct(doc.barcodes.map((s) => s.toLowerCase())),
      prices: doc.prices,
      salesCount: doc.salesCount,
      card: { titles: doc.titles, subtitles: doc.subtitles, image: doc.image, ratingX100: doc.ratingX100, ratingCount: doc.ratingCount, skus: doc.skus },
      titleTokens,
      labelTokens,
      facetTokens,
      bodyTokens,
      allText: [titleTokens, labelTokens, facetTokens, bodyTokens].filter(Boolean).join(' '),
      publishedAt: doc.publishedAt ? doc.publishedAt.toISOString() : null,
    },
  };
}

const termsOf = (allText: string) => new Set(allText.split(' ').filter(Boolean));

/**
 * Index writes are serialised: document-frequency deltas are computed from the stored rows, so
 * two writers must not both start from the same old row.
 */
async function lockIndex(trx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('search_index'))`.execute(trx);
}

/** Loads the stored term sets of `ids`, under the index lock. */
async function storedTerms(trx: Tx, ids: readonly string[]): Promise<Map<string, Set<string>>> {
  const rows = await trx.selectFrom('searchDocument').select(['productId', 'allText']).where('productId', 'in', ids).execute();
  return new Map(rows.map((r) => [r.productId, termsOf(r.allText)]));
}

async function applyTermDeltas(trx: Tx, deltas: Map<string, { delta: number; display: string }>): Promise<void> {
  const entries = [...deltas].filter(([, d]) => d.delta !== 0);
  if (entries.length === 0) return;
  // Sorted, so concurrent writers (were the lock ever removed) take row locks in one order.
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await sql`
    insert into search_term (term, df, display)
    select t, d, s from unnest(${entries.map(([t]) => t)}::text[], ${entries.map(([, d]) => d.delta)}::int[], ${entries.map(([, d]) => d.display)}::text[]) as x(t, d, s)
    on conflict (term) do update set df = search_term.df + excluded.df`.execute(trx);
  const decreased = entries.filter(([, d]) => d.delta < 0).map(([t]) => t);
  if (decreased.length) await sql`delete from search_term where term = any(${decreased}::text[]) and df <= 0`.execute(trx);
}

function addDelta(deltas: Map<string, { delta: number; display: string }>, term: string, delta: number, display: string): void {
  const entry = deltas.get(term);
  if (entry) entry.delta += delta;
  else deltas.set(term, { delta, display });
}

/** Upserts published documents (and removes the rest), keeping `search_term` frequencies exact. */
export async function indexDocuments(db: Kysely<Database>, docs: readonly SearchDocument[]): Promise<void> {
  if (docs.length === 0) return;
  // The last version of a product in the batch wins.
  const byId = new Map(docs.map((d) => [d.productId, d]));
  const published = [...byId.values()].filter((d) => d.status === 'published').map(documentRow);
  const unpublished = [...byId.values()].filter((d) => d.status !== 'published').map((d) => d.productId);
  await withTransaction(db, async (trx) => {
    await lockIndex(trx);
    const old = await storedTerms(trx, [...byId.keys()]);
    const deltas = new Map<string, { delta: number; display: string }>();
    for (const { row, vocabulary } of published) {
      const before = old.get(row.productId) ?? new Set<string>();
      for (const [term, surface] of vocabulary) if (!before.has(term)) addDelta(deltas, term, 1, surface);
      for (const term of before) if (!vocabulary.has(term)) addDelta(deltas, term, -1, term);
    }
    for (const id of unpublished) for (const term of old.get(id) ?? []) addDelta(deltas, term, -1, term);
    if (unpublished.length) await trx.deleteFrom('searchDocument').where('productId', 'in', unpublished).execute();
    if (published.length) await upsertRows(trx, published.map((p) => p.row));
    await applyTermDeltas(trx, deltas);
  });
}

async function upsertRows(trx: Tx, rows: DocumentRow[]): Promise<void> {
  await sql`
    insert into search_document (product_id, status, handle, brand, category_ids, category_paths, category_tree, attributes, tags,
      skus, barcodes, prices, sales_count, card, title_tokens, body_tokens, all_text, tsv, published_at, updated_at)
    select r.product_id, r.status, r.handle, r.brand, r.category_ids, r.category_paths, r.category_tree, r.attributes, r.tags,
      r.skus, r.barcodes, r.prices, r.sales_count, r.card, r.title_tokens, r.body_tokens, r.all_text,
      setweight(to_tsvector('simple', r.title_tokens), 'A') || setweight(to_tsvector('simple', r.label_tokens), 'B')
        || setweight(to_tsvector('simple', r.facet_tokens), 'C') || setweight(to_tsvector('simple', r.body_tokens), 'D'),
      r.published_at, now()
    from jsonb_to_recordset(${JSON.stringify(rows.map(snakeRow))}::jsonb) as r(product_id text, status text, handle text, brand text,
      category_ids text[], category_paths text[], category_tree text[], attributes jsonb, tags text[], skus text[], barcodes text[],
      prices jsonb, sales_count integer, card jsonb, title_tokens text, label_tokens text, facet_tokens text, body_tokens text,
      all_text text, published_at timestamptz)
    on conflict (product_id) do update set status = excluded.status, handle = excluded.handle, brand = excluded.brand,
      category_ids = excluded.category_ids, category_paths = excluded.category_paths, category_tree = excluded.category_tree,
      attributes = excluded.attributes, tags = excluded.tags, skus = excluded.skus, barcodes = excluded.barcodes,
      prices = excluded.prices, sales_count = excluded.sales_count, card = excluded.card, title_tokens = excluded.title_tokens,
      body_tokens = excluded.body_tokens, all_text = excluded.all_text, tsv = excluded.tsv, published_at = excluded.published_at,
      updated_at = now()`.execute(trx);
}

function snakeRow(r: DocumentRow) {
  return {
    product_id: r.productId,
    status: r.status,
    handle: r.handle,
    brand: r.brand,
    category_ids: r.categoryIds,
    category_paths: r.categoryPaths,
    category_tree: r.categoryTree,
    attributes: r.attributes,
    tags: r.tags,
    skus: r.skus,
    barcodes: r.barcodes,
    prices: r.prices,
    sales_count: r.salesCount,
    card: r.card,
    title_tokens: r.titleTokens,
    label_tokens: r.labelTokens,
    facet_tokens: r.facetTokens,
    body_tokens: r.bodyTokens,
    all_text: r.allText,
    published_at: r.publishedAt,
  };
}

/** Deletes documents and takes their terms out of the vocabulary. */
export async function removeDocuments(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await withTransaction(db, async (trx) => {
    await lockIndex(trx);
    const old = await storedTerms(trx, ids);
    if (old.size === 0) return;
    const deltas = new Map<string, { delta: number; display: string }>();
    for (const terms of old.values()) for (const term of terms) addDelta(deltas, term, -1, term);
    await trx.deleteFrom('searchDocument').where('productId', 'in', [...old.keys()]).execute();
    await applyTermDeltas(trx, deltas);
  });
}
