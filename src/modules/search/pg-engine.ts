import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { SearchEngine, SearchParams } from './engine.js';
import { searchError } from './errors.js';
import { indexDocuments, removeDocuments } from './pg-index.js';
import { DEFAULT_RANKING, runSearch, type RankingConfig } from './pg-search.js';
import { suggest } from './pg-suggest.js';
import { loadTrigram, type Trigram } from './pg-trgm.js';
import { planQuery } from './plan.js';

export interface PgSearchEngineOptions {
  /** Overrides of the global ranking knobs (benchmarks). */
  ranking?: Partial<RankingConfig>;
  /** How long the published-document count used for idf may be reused, ms (default 30 s). */
  statsTtlMs?: number;
}

const TABLES = ['search_document', 'search_term', 'search_category', 'search_attribute'];

/**
 * The PostgreSQL search engine: a read model in `search_document` with a weighted tsvector
 * (GIN), trigram indexes for typo tolerance and suggestions, and the vocabulary with document
 * frequencies in `search_term`. Runs on PostgreSQL 15+ and PGlite alike.
 */
export function createPgSearchEngine(db: Kysely<Database>, options: PgSearchEngineOptions = {}): SearchEngine {
  const ranking: RankingConfig = { ...DEFAULT_RANKING, ...options.ranking };
  const ttl = options.statsTtlMs ?? 30_000;
  let trigram: Promise<Trigram> | undefined;
  let stats: { count: number; at: number } | undefined;
  let changedSinceAnalyze = 0;
  let rowsAtAnalyze = 0;

  /**
   * Refreshes planner statistics after enough writes. PGlite has no autovacuum, and without
   * statistics the planner scans every document instead of using the text index.
   */
  async function maybeAnalyze(changed: number): Promise<void> {
    changedSinceAnalyze += changed;
    if (changedSinceAnalyze < 50 + 0.2 * rowsAtAnalyze) return;
    changedSinceAnalyze = 0;
    await sql`analyze search_document`.execute(db);
    await sql`analyze search_term`.execute(db);
    const row = await db.selectFrom('searchDocument').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    rowsAtAnalyze = Number(row.n);
  }

  const trgm = () => {
    trigram ??= loadTrigram(db).catch((err: unknown) => {
      trigram = undefined;
      throw err;
    });
    return trigram;
  };

  async function docCount(): Promise<number> {
    if (stats && Date.now() - stats.at < ttl) return stats.count;
    const row = await db.selectFrom('searchDocument').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'published').executeTakeFirstOrThrow();
    stats = { count: Number(row.n), at: Date.now() };
    return stats.count;
  }

  async function checkAttributes(params: SearchParams): Promise<void> {
    const names = Object.keys(params.attributes ?? {});
    if (names.length === 0) return;
    const declared = new Map((await db.selectFrom('searchAttribute').select(['name', 'type']).where('name', 'in', names).execute()).map((r) => [r.name, r.type]));
    const problems = names
      .filter((n) => !declared.has(n) || (!('values' in params.attributes![n]!) && declared.get(n) !== 'number'))
      .map((n) => ({ field: `querystring:/attr.${n}`, message: declared.has(n) ? 'ranges apply to number attributes only' : `no attribute named ${n}` }));
    if (problems.length) throw searchError('SEARCH_INVALID_ATTRIBUTE', { detail: problems.map((p) => `${p.field} ${p.message}`).join('; '), fields: problems });
  }

  async function execute(params: SearchParams) {
    await checkAttributes(params);
    const t = await trgm();
    const q = params.q?.trim();
    const n = await docCount();
    const plan = q ? await planQuery(db, t, params.q!, { prefixLast: params.prefixLast ?? true, docCount: n }) : null;
    return runSearch(db, t, params, plan, ranking, n);
  }

  return {
    async index(docs) {
      await indexDocuments(db, docs);
      stats = undefined;
      await maybeAnalyze(docs.length);
    },
    async remove(ids) {
      await removeDocuments(db, ids);
      stats = undefined;
      await maybeAnalyze(ids.length);
    },
    async setSalesCounts(counts) {
      if (counts.length === 0) return;
      await sql`update search_document d set sales_count = s.sales_count
        from (select unnest(${counts.map((c) => c.productId)}::text[]) as product_id, unnest(${counts.map((c) => c.salesCount)}::int[]) as sales_count) s
        where d.product_id = s.product_id`.execute(db);
    },
    async prune(since) {
      const stale = await db.selectFrom('searchDocument').select('productId').where('updatedAt', '<', since).execute();
      await removeDocuments(db, stale.map((r) => r.productId));
      stats = undefined;
      return stale.length;
    },
    async now() {
      const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
      return new Date(rows[0]!.now);
    },
    search: execute,
    async facets(params) {
      const result = await execute({ ...params, facets: true, limit: 1, cursor: undefined });
      return result.facets!;
    },
    async suggest(params) {
      return suggest(db, await trgm(), params);
    },
    async replaceCategories(categories) {
      await withTransaction(db, async (trx) => {
        await trx.deleteFrom('searchCategory').execute();
        if (categories.length === 0) return;
        await trx
          .insertInto('searchCategory')
          .values(categories.map((c) => ({ id: c.id, handle: c.handle, name: c.name, translations: JSON.stringify(c.translations), path: c.path, position: c.position })))
          .execute();
      });
    },
    async replaceAttributes(attributes) {
      await withTransaction(db, async (trx) => {
        await trx.deleteFrom('searchAttribute').execute();
        if (attributes.length === 0) return;
        await trx
          .insertInto('searchAttribute')
          .values(attributes.map((a) => ({ name: a.name, type: a.type, label: a.label, filterable: a.filterable, position: a.position, translations: JSON.stringify(a.translations) })))
          .execute();
      });
    },
    async productIdsInCategory(categoryId) {
      const rows = await sql<{ productId: string }>`select product_id from search_document where category_tree && array[${categoryId}]::text[]`.execute(db);
      return rows.rows.map((r) => r.productId);
    },
    async productIdsWithAttribute(name) {
      const rows = await sql<{ productId: string }>`select product_id from search_document where attributes ? ${name}`.execute(db);
      return rows.rows.map((r) => r.productId);
    },
    async sizeBytes() {
      const { rows } = await sql<{ bytes: number }>`
        select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes from pg_class c
        where c.relname = any(${TABLES}::text[]) and c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace`.execute(db);
      return Number(rows[0]?.bytes ?? 0);
    },
  };
}
