import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.js';
import { minorUnits } from '../../platform/money.js';
import type { AttributeFilter, Facets, SearchHit, SearchParams, SearchResult } from './engine.js';
import { searchError } from './errors.js';
import type { Trigram } from './pg-trgm.js';
import type { QueryPlan } from './plan.js';
import type { SearchCardData } from './tables.js';

/** Global ranking knobs (the same for every query), tuned on the Home Depot dev set. */
export interface RankingConfig {
  /** ts_rank weights of fields D (description), C (attributes, tags), B (brand, categories), A (title). */
  weights: [number, number, number, number];
  /** Weight of consecutive query words found next to each other (`a <-> b`), idf-weighted. */
  phrase: number;
  /** Weight of trigram similarity between the query and the title. */
  trigram: number;
  /** Weight of log(1 + units sold). */
  popularity: number;
  /** A prefix-only match of the last word counts this much of an exact match. */
  prefixFactor: number;
  /** Results must cover at least this share of the best coverage among matches. */
  minCoverage: number;
  /** Ranks only this many best lexical matches for the final blend (bounds latency). */
  rerankDepth: number;
  /**
   * Terms in more than this share of documents do not select candidates when a rarer term is
   * present (they still score): "in" alone matches most of a hardware catalogue.
   */
  commonTermRatio: number;
}

export const DEFAULT_RANKING: RankingConfig = {
  weights: [0.1, 0.2, 0.4, 1.0],
  phrase: 0.3,
  trigram: 1,
  popularity: 0.02,
  prefixFactor: 0.6,
  minCoverage: 0.3,
  rerankDepth: 300,
  commonTermRatio: 0.1,
};

const BIG = '9000000000000000000';

/** A tsquery literal for one term (no parser involved, so the term is matched as stored). */
function tsTerm(term: string, prefix: boolean): string {
  return `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;
}

/** Price bands: 1-2-5 steps of major units. */
function priceBounds(currency: string): number[] {
  const unit = 10 ** minorUnits(currency);
  const major = [0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  return major.map((m) => m * unit);
}

/** rate × 10^(digits of currency − digits of base), for converting base prices in SQL. */
function conversion(params: SearchParams): { rate: string; shift: number } | null {
  const p = params.price;
  if (p.rate === null || p.currency === p.base) return null;
  return { rate: p.rate, shift: minorUnits(p.currency) - minorUnits(p.base) };
}

interface Filters {
  category: RawBuilder<boolean> | null;
  brand: RawBuilder<boolean> | null;
  price: RawBuilder<boolean> | null;
  attributes: { name: string; expr: RawBuilder<boolean> }[];
}

function attributeCondition(name: string, filter: AttributeFilter): RawBuilder<boolean> {
  if ('values' in filter) return sql<boolean>`(c.attributes ->> ${name}) = any(${filter.values}::text[])`;
  const parts = [sql<boolean>`jsonb_typeof(c.attributes -> ${name}) = 'number'`];
  if (filter.min !== undefined) parts.push(sql<boolean>`(c.attributes ->> ${name})::numeric >= ${filter.min}`);
  if (filter.max !== undefined) parts.push(sql<boolean>`(c.attributes ->> ${name})::numeric <= ${filter.max}`);
  return sql<boolean>`(${sql.join(parts, sql` and `)})`;
}

function buildFilters(params: SearchParams): Filters {
  const price: RawBuilder<boolean>[] = [];
  if (params.minPrice !== undefined) price.push(sql<boolean>`c.price >= ${params.minPrice}`);
  if (params.maxPrice !== undefined) price.push(sql<boolean>`c.price <= ${params.maxPrice}`);
  return {
    category: params.categories?.length
      ? sql<boolean>`c.category_tree && array(select sc.id from search_category sc where sc.handle = any(${params.categories}::text[]))`
      : null,
    brand: params.brands?.length ? sql<boolean>`c.brand = any(${params.brands}::text[])` : null,
    price: price.length ? sql<boolean>`(${sql.join(price, sql` and `)})` : null,
    attributes: Object.entries(params.attributes ?? {}).map(([name, f]) => ({ name, expr: attributeCondition(name, f) })),
  };
}

/** AND of every filter except `skip` ('category', 'brand', 'price' or `attr:<name>`). */
function allExcept(f: Filters, skip?: string): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [];
  if (f.category && skip !== 'category') parts.push(f.category);
  if (f.brand && skip !== 'brand') parts.push(f.brand);
  if (f.price && skip !== 'price') parts.push(f.price);
  for (const a of f.attributes) if (skip !== `attr:${a.name}`) parts.push(a.expr);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` and `)})` : sql<boolean>`true`;
}

interface SortSpec {
  tag: string;
  order: RawBuilder<unknown>;
  /** Keyset condition after a cursor (relevance pages by offset instead). */
  after?: (values: (string | number)[]) => RawBuilder<boolean>;
  arity: number;
  key?: (row: PageRow) => (string | number)[];
}

function sortSpec(params: SearchParams, hasQuery: boolean): SortSpec {
  const sort = params.sort === 'relevance' && !hasQuery ? 'best_selling' : params.sort;
  switch (sort) {
    case 'relevance':
      return { tag: 'rel', order: sql`c.exact desc, c.score desc, c.product_id`, arity: 2 };
    case 'newest':
      return { tag: 'new', order: sql`c.product_id desc`, arity: 2, after: (v) => sql<boolean>`c.product_id < ${String(v[1])}`, key: (r) => [r.productId] };
    case 'price_asc':
      return {
        tag: 'pa',
        order: sql`coalesce(c.price, ${BIG}::bigint), c.product_id`,
        arity: 3,
        after: (v) => sql<boolean>`(coalesce(c.price, ${BIG}::bigint), c.product_id) > (${String(v[1])}::bigint, ${String(v[2])})`,
        key: (r) => [r.price === null ? BIG : String(r.price), r.productId],
      };
    case 'price_desc':
      return {
        tag: 'pd',
        order: sql`coalesce(c.price, -1) desc, c.product_id desc`,
        arity: 3,
        after: (v) => sql<boolean>`(coalesce(c.price, -1), c.product_id) < (${String(v[1])}::bigint, ${String(v[2])})`,
        key: (r) => [r.price === null ? '-1' : String(r.price), r.productId],
      };
    case 'best_selling':
      return {
        tag: 'bs',
        order: sql`c.sales_count desc, c.product_id desc`,
        arity: 3,
        after: (v) => sql<boolean>`(c.sales_count, c.product_id) < (${Number(v[1])}, ${String(v[2])})`,
        key: (r) => [r.salesCount, r.productId],
      };
  }
}

interface PageRow {
  productId: string;
  handle: string;
  brand: string | null;
  tags: string[];
  card: SearchCardData;
  price: number | string | null;
  ownPrice: boolean;
  salesCount: number;
  exact: boolean;
}

interface ResultRow {
  items: PageRow[] | null;
  total: number;
  facetCategories: { id: string; handle: string; name: string; tname: string | null; count: number }[] | null;
  facetBrands: { value: string; count: number }[] | null;
  facetAttributes: { name: string; value: string; count: number }[] | null;
  facetPrices: { bucket: number; count: number }[] | null;
}

/** The lexical part of the score and the coverage, per document (alias `d`). */
function lexicalScore(plan: QueryPlan, ranking: RankingConfig, docCount: number) {
  const weights = sql`${`{${ranking.weights.join(',')}}`}::float4[]`;
  const sumIdf = plan.terms.reduce((s, t) => s + t.idf, 0) || 1;
  const rank = plan.terms.map((t) => {
    const exact = sql`ts_rank(${weights}, d.tsv, ${tsTerm(t.term, false)}::tsquery)`;
    const value = t.prefix ? sql`greatest(${exact}, ${ranking.prefixFactor} * ts_rank(${weights}, d.tsv, ${tsTerm(t.term, true)}::tsquery))` : exact;
    return sql`${t.idf / sumIdf}::float8 * ${value}`;
  });
  const cover = plan.terms.map((t) => sql`case when d.tsv @@ ${tsTerm(t.term, t.prefix)}::tsquery then ${t.idf / sumIdf}::float8 else 0 end`);
  const any = plan.terms.map((t) => tsTerm(t.term, t.prefix)).join(' | ');
  const rare = plan.terms.filter((t) => t.df <= ranking.commonTermRatio * docCount);
  const select = rare.length ? rare.map((t) => tsTerm(t.term, t.prefix)).join(' | ') : any;
  const phrases: RawBuilder<unknown>[] = [];
  for (let i = 0; i + 1 < plan.terms.length; i++) {
    const a = plan.terms[i]!;
    const b = plan.terms[i + 1]!;
    const query = `${tsTerm(a.term, false)} <-> ${tsTerm(b.term, b.prefix)}`;
    phrases.push(sql`case when d.tsv @@ ${query}::tsquery then ${(a.idf + b.idf) / (2 * sumIdf)}::float8 else 0 end`);
  }
  const phrase = phrases.length ? sql.join(phrases, sql` + `) : sql`0`;
  return { weights, rank: sql.join(rank, sql` + `), cover: sql.join(cover, sql` + `), any, select, phrase };
}

/** The sort tag a cursor was issued for, or undefined when it is not one of ours at all. */
function cursorTag(cursor: string): unknown {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(values) ? values[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Where a page starts: a keyset condition for sorted lists, an offset for relevance. */
function pagePosition(params: SearchParams, spec: SortSpec): { offset: number; after: RawBuilder<boolean> } {
  if (!params.cursor) return { offset: 0, after: sql<boolean>`true` };
  const tag = cursorTag(params.cursor);
  if (typeof tag === 'string' && tag !== spec.tag) throw searchError('SEARCH_INVALID_CURSOR', { detail: 'The cursor belongs to another sort order' });
  const values = decodeCursor(params.cursor, spec.arity);
  if (values[0] !== spec.tag) throw searchError('SEARCH_INVALID_CURSOR');
  if (spec.after) return { offset: 0, after: spec.after(values) };
  const offset = Number(values[1]);
  if (!Number.isSafeInteger(offset) || offset < 0) throw searchError('SEARCH_INVALID_CURSOR');
  return { offset, after: sql<boolean>`true` };
}

/**
 * The candidate rows (`product_id`, filter columns, `price`, `exact`, `cov`, `score`): documents
 * with a selective query term or the query as a SKU / barcode; with no known term, titles
 * trigram-close to the query; without a query, every published document.
 */
function candidateQuery(plan: QueryPlan | null, lex: ReturnType<typeof lexicalScore> | null, columns: RawBuilder<unknown>, trgm: Trigram): RawBuilder<unknown> {
  if (!plan) return sql`select ${columns}, false as exact, 1::float8 as cov, 0::float8 as score from search_document d where d.status = 'published'`;
  const exact = sql`(d.skus || d.barcodes) && ${plan.exactKeys}::text[]`;
  const select = (where: RawBuilder<unknown>) => sql`
    select ${columns}, ${exact} as exact, ${lex ? lex.cover : sql`0`}::float8 as cov, ${lex ? lex.rank : sql`0`}::float8 as score
    from search_document d where d.status = 'published' and ${where}`;
  // Two branches, so each is an index scan of its own (an OR of both makes the planner scan all).
  if (lex) return sql`${select(sql`d.tsv @@ ${lex.select}::tsquery`)} union all ${select(sql`${exact} and not (d.tsv @@ ${lex.select}::tsquery)`)}`;
  if (plan.fuzzyText.length < 3) return select(exact);
  // No word of the query is known, even after correction: titles with something trigram-close to
  // it (word_similarity at least pg_trgm's threshold, from the trigram index).
  const fuzzy = sql`${plan.fuzzyText}::text ${trgm.op('<%')} d.title_tokens`;
  return sql`
    select ${columns}, ${exact} as exact, 1::float8 as cov, ${trgm.wordSimilarity(sql`${plan.fuzzyText}::text`, sql`d.title_tokens`)}::float8 as score
    from search_document d where d.status = 'published' and (${fuzzy} or ${exact})`;
}

/** CTE `top`: the best `rerankDepth` matches re-scored with phrases, title similarity and sales. */
function rerankQuery(plan: QueryPlan, lex: ReturnType<typeof lexicalScore>, all: RawBuilder<boolean>, ranking: RankingConfig, trgm: Trigram): RawBuilder<unknown> {
  const phrase = plan.terms.length > 1 ? sql`${ranking.phrase}::float8 * (${lex.phrase})` : sql`0`;
  const tri = sql`${ranking.trigram}::float8 * ${trgm.similarity(sql`d.title_tokens`, sql`${plan.text}::text`)}`;
  return sql`,
    top as (
      select c.product_id, c.score + ${phrase} + ${tri} + ${ranking.popularity}::float8 * ln(1 + c.sales_count) as final
      from (select * from m c where ${all} order by c.exact desc, c.score desc limit ${ranking.rerankDepth}) c
      join search_document d on d.product_id = c.product_id)`;
}

/**
 * Runs one search as a single statement: the candidates with a cheap lexical score (idf-weighted
 * field ranks) and coverage; the matched set (at least `minCoverage` of the best coverage); for
 * relevance, the best `rerankDepth` re-scored (`rerankQuery`); then the page, the total and
 * every facet from the same materialised set.
 */
export async function runSearch(
  db: Kysely<Database>,
  trgm: Trigram,
  params: SearchParams,
  plan: QueryPlan | null,
  ranking: RankingConfig,
  docCount: number,
): Promise<SearchResult> {
  const spec = sortSpec(params, plan !== null);
  const { offset, after } = pagePosition(params, spec);
  const conv = conversion(params);
  const own = sql`(d.prices ->> ${params.price.currency})::bigint`;
  const price = conv ? sql`coalesce(${own}, round((d.prices ->> ${params.price.base})::numeric * ${conv.rate}::numeric * power(10::numeric, ${conv.shift}))::bigint)` : own;
  const filters = buildFilters(params);
  const all = allExcept(filters);
  const withFacets = params.facets !== false;
  const columns = sql`d.product_id, d.brand, d.category_tree, d.attributes, d.sales_count, ${price} as price, ${own} is not null as own_price`;
  const lex = plan?.terms.length ? lexicalScore(plan, ranking, docCount) : null;
  const reranked = plan !== null && lex !== null && spec.tag === 'rel';
  const order = reranked ? sql`c.exact desc, t.final desc nulls last, c.score desc, c.product_id` : spec.order;

  // The page's rows first, then their display columns: joining documents only for those rows.
  const page = sql`
    select c.product_id, d.handle, d.brand, d.tags, d.card, c.price, c.own_price, c.sales_count, c.exact
    from (
      select x.*, row_number() over () as ord from (
        select c.* from m c ${reranked ? sql`left join top t on t.product_id = c.product_id` : sql``}
        where ${all} and ${after}
        order by ${order}
        limit ${params.limit + 1} offset ${offset}) x) c
    join search_document d on d.product_id = c.product_id
    order by c.ord`;
  const result = await sql<ResultRow>`
    with cand as materialized (${candidateQuery(plan, lex, columns, trgm)}),
    m as materialized (
      select * from cand c where c.exact or c.cov >= ${ranking.minCoverage}::float8 * (select max(cov) from cand))
    ${reranked ? rerankQuery(plan, lex, all, ranking, trgm) : sql``}
    select
      (select json_agg(p) from (${page}) p) as items,
      (select count(*)::int from m c where ${all}) as total
      ${withFacets ? facetQueries(params, filters) : sql``}`.execute(db);
  const row = result.rows[0]!;
  // json_agg keeps the SQL column names; rows are read in camelCase like every other query.
  const rows = (row.items ?? []).map((item) => camelizeKeys(item) as unknown as PageRow);
  const hasMore = rows.length > params.limit;
  const pageRows = hasMore ? rows.slice(0, params.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  let nextCursor: string | null = null;
  if (hasMore && last) nextCursor = encodeCursor(spec.key ? [spec.tag, ...spec.key(last)] : [spec.tag, offset + params.limit]);
  return {
    hits: pageRows.map((r) => toHit(r, params)),
    total: row.total,
    facets: withFacets ? toFacets(row, params) : null,
    ...(plan?.correctedQuery ? { correctedQuery: plan.correctedQuery } : {}),
    nextCursor,
  };
}

function camelizeKeys(item: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), v]));
}

function facetQueries(params: SearchParams, f: Filters): RawBuilder<unknown> {
  const attrCase = f.attributes.length
    ? sql`case kv.key ${sql.join(f.attributes.map((a) => sql`when ${a.name} then ${allExcept(f, `attr:${a.name}`)}`), sql` `)} else ${allExcept(f)} end`
    : allExcept(f);
  return sql`,
    (select json_agg(x) from (
       select sc.id, sc.handle, sc.name, sc.translations -> ${params.locale} ->> 'name' as tname, count(*)::int as count
       from m c cross join unnest(c.category_tree) as t(cid) join search_category sc on sc.id = t.cid
       where ${allExcept(f, 'category')}
       group by sc.id order by count(*) desc, sc.path limit 50) x) as facet_categories,
    (select json_agg(x) from (
       select c.brand as value, count(*)::int as count from m c
       where c.brand is not null and ${allExcept(f, 'brand')}
       group by c.brand order by count(*) desc, c.brand limit 30) x) as facet_brands,
    (select json_agg(x) from (
       select kv.key as name, kv.value as value, count(*)::int as count
       from m c cross join jsonb_each_text(c.attributes) kv join search_attribute sa on sa.name = kv.key and sa.filterable
       where ${attrCase}
       group by kv.key, kv.value order by count(*) desc, kv.value) x) as facet_attributes,
    (select json_agg(x) from (
       select width_bucket(c.price, ${priceBounds(params.price.currency)}::bigint[]) as bucket, count(*)::int as count from m c
       where c.price is not null and ${allExcept(f, 'price')}
       group by 1 order by 1) x) as facet_prices`;
}

function toHit(r: PageRow, params: SearchParams): SearchHit {
  const pick = (map: Record<string, string>) => map[params.locale] ?? map[params.defaultLocale] ?? Object.values(map)[0] ?? null;
  return {
    productId: r.productId,
    handle: r.handle,
    title: pick(r.card.titles) ?? r.handle,
    subtitle: pick(r.card.subtitles),
    brand: r.brand,
    image: r.card.image,
    price: r.price === null ? null : { amount: Number(r.price), converted: !r.ownPrice },
    tags: r.tags,
    skus: r.card.skus ?? [],
    ratingX100: r.card.ratingX100,
    ratingCount: r.card.ratingCount,
    exact: r.exact,
  };
}

function toFacets(row: ResultRow, params: SearchParams): Facets {
  const attributes: Facets['attributes'] = {};
  for (const a of row.facetAttributes ?? []) {
    const list = (attributes[a.name] ??= []);
    if (list.length < 20) list.push({ value: a.value, count: a.count });
  }
  const bounds = priceBounds(params.price.currency);
  return {
    categories: (row.facetCategories ?? []).map((c) => ({ id: c.id, handle: c.handle, name: c.tname || c.name, count: c.count })),
    brands: row.facetBrands ?? [],
    attributes,
    price: (row.facetPrices ?? [])
      .filter((p) => p.bucket >= 1)
      .map((p) => ({ min: bounds[p.bucket - 1]!, max: bounds[p.bucket] ?? null, count: p.count })),
  };
}
