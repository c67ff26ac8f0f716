import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Inventory } from '../inventory/index.js';
import type { SearchEngine } from './engine.js';
import { createPgSearchEngine } from './pg-engine.js';
import { createSearchLogBuffer, DEFAULT_SEARCH_LOG_LIMITS, insertSearches, normaliseSearchQuery, PRUNE_BATCH, pruneSearches, searchesAfter, type LoggedSearch, type SearchLogLimits } from './query-log.js';
import type { SearchQuery, SuggestQuery } from './schemas.js';
import { resolveLocale, searchProducts, suggestProducts } from './service.js';
import { reindexAll, reindexProducts, syncHandlers, type ReindexProgress } from './sync.js';
import { analyze } from './text.js';

export { searchMigrations } from './migrations.js';
export { searchRoutes } from './routes.js';
export { createPgSearchEngine, type PgSearchEngineOptions } from './pg-engine.js';
export { DEFAULT_RANKING, type RankingConfig } from './pg-search.js';
export { searchError } from './errors.js';
export { CATALOG_EVENTS } from './sync.js';
export type * from './engine.js';
export type { SearchPage } from './service.js';
export { normaliseSearchQuery, type LoggedSearch, type SearchLogLimits, type ServedSearch } from './query-log.js';

/**
 * The distinct terms of `text` as search indexes them, in first-seen order: NFKC and lower
 * case, English stopwords dropped and words stemmed, numbers and units normalised (a number with
 * its unit also gives the joined measurement, "2 qt" → 2, 2qt, qt), CJK runs cut into words by
 * jieba (no character bigrams). For other modules that need the same notion of a word, such as
 * content-based recommendations.
 *
 * @example
 * analyzeTerms('Wireless Earbuds, 2 pack') // ['wireless', 'earbud', '2', '2pack', 'pack']
 */
export function analyzeTerms(text: string): string[] {
  return [...new Set(analyze(text).map((t) => t.term))];
}

export interface SearchModuleDeps {
  db: Kysely<Database>;
  /** For prices in the requested currency. */
  catalog: Pick<Catalog, 'priceContext'>;
  /** For `inStock` on result cards. */
  inventory: Pick<Inventory, 'availability'>;
  shop: Config['shop'];
  /** Where shoppers' searches read (a replica when one is configured; else `db`). */
  readDb?: Kysely<Database>;
  /** Defaults to the PostgreSQL engine on `db`. */
  engine?: SearchEngine;
  /** Logs warnings of the search log (rows dropped or not written). */
  log: Logger;
  /** Bounds of the in-memory search log buffer (tests make it small). */
  searchLog?: Partial<SearchLogLimits>;
  /** Days `search_query_log` rows are kept when `pruneSearchLog` is given none (default 90). */
  searchLogRetentionDays?: number;
  /** The clock (tests); default `new Date()`. */
  now?: () => Date;
}

/**
 * Product search over its own read model (`search_document`, `search_term`, `search_category`,
 * `search_attribute`), kept in sync from catalog events, and a log of the searches it served
 * (`search_query_log`, written in batches off the request path). Routes and callers use these
 * functions; the engine behind them is any `SearchEngine`.
 */
export function createSearchModule(deps: SearchModuleDeps) {
  const engine = deps.engine ?? createPgSearchEngine(deps.db);
  // Shoppers' searches read the replica when there is one; indexing always writes the primary.
  const reader = deps.readDb && !deps.engine ? { db: deps.readDb, engine: createPgSearchEngine(deps.readDb) } : { db: deps.db, engine };
  const service = { db: reader.db, engine: reader.engine, catalog: deps.catalog, inventory: deps.inventory, shop: deps.shop };
  const sync = { db: deps.db, engine, defaultLocale: deps.shop.defaultLocale };
  const handlers = syncHandlers(sync);
  const now = () => deps.now?.() ?? new Date();
  const searchLog = createSearchLogBuffer((rows) => insertSearches(deps.db, rows), deps.log, { ...DEFAULT_SEARCH_LOG_LIMITS, ...deps.searchLog });
  // Few distinct Accept-Language headers reach a shop: the locale they resolve to is remembered
  // so that logging a search served from the cache stays a map lookup.
  const locales = new Map<string, string>();
  const servedLocale = (explicit: string | undefined, acceptLanguage: string | undefined): string => {
    if (acceptLanguage && acceptLanguage.length > 200) return resolveLocale(deps.shop, explicit, acceptLanguage);
    const key = `${explicit ?? ''}|${acceptLanguage ?? ''}`;
    let locale = locales.get(key);
    if (locale === undefined) {
      locale = resolveLocale(deps.shop, explicit, acceptLanguage);
      if (locales.size >= 1_000) locales.clear();
      locales.set(key, locale);
    }
    return locale;
  };
  return {
    engine,
    /**
     * Searches published products: cards in the requested locale and currency, total, facets,
     * the corrected query when words were misspelt, and a cursor. Throws 400
     * SEARCH_UNKNOWN_CURRENCY, SEARCH_UNKNOWN_LOCALE, SEARCH_INVALID_ATTRIBUTE,
     * SEARCH_INVALID_PRICE_RANGE, SEARCH_INVALID_CURSOR.
     */
    search: (query: SearchQuery & Record<string, unknown>, acceptLanguage?: string) => searchProducts(service, query, acceptLanguage),
    /** Type-ahead suggestions (products, categories, brands). Throws 400 SEARCH_UNKNOWN_LOCALE. */
    suggest: (query: SuggestQuery, acceptLanguage?: string) => suggestProducts(service, query, acceptLanguage),
    /** The catalog events search follows, each with its handler: `dispatcher.subscribe(name, 'search.index', handler)`. */
    subscriptions: (): [name: string, handler: (event: DomainEvent) => Promise<void>][] => Object.entries(handlers),
    /** Re-reads these products from the catalog and (re)indexes or removes them. */
    reindexProducts: (ids: readonly string[]) => reindexProducts(sync, ids),
    /** Rebuilds the whole index from the catalog in batches (npm run reindex). */
    reindexAll: (progress?: ReindexProgress) => reindexAll(sync, progress),

    /**
     * Records a storefront search the route has answered (from the cache or not) with `total`
     * results, into an in-memory buffer: O(1), never waits on the database. Only first pages of
     * searches with text count (no `cursor`, a query that normalises to something); browsing
     * without `q` and later pages are not searches. The query is normalised with
     * `normaliseSearchQuery`, the locale resolved as the search resolved it. A full buffer
     * drops the row (see `searchLogStats`).
     */
    recordSearch(query: Pick<SearchQuery, 'q' | 'cursor' | 'locale'>, acceptLanguage: string | undefined, total: number, sessionId?: string): void {
      if (query.cursor !== undefined) return;
      const q = normaliseSearchQuery(query.q);
      if (q === null) return;
      searchLog.add({ query: q, results: total, locale: servedLocale(query.locale, acceptLanguage), sessionId: sessionId || null, searchedAt: now() });
    },
    /**
     * Writes the buffered searches to `search_query_log` with multi-row INSERTs (the app calls it
     * every second and on close). Resolves when written; write errors are logged, not thrown.
     * Returns the rows taken from the buffer.
     */
    flushSearchLog: (): Promise<number> => searchLog.flush(),
    /** The search log buffer: rows waiting, dropped (buffer full) and lost to failed writes since start. */
    searchLogStats: () => searchLog.stats(),
    /**
     * Logged searches after `afterId` in id order (keyset; `'0'` = from the start), at most
     * `limit`, written before `receivedBefore`, so rows whose ids were taken by a write not yet
     * committed are not skipped past. For read models (analytics): pass a transaction as `db` to
     * read inside it. Rows older than the retention are gone. Ids are decimal strings (bigint).
     */
    searchesAfter: (db: Kysely<Database>, afterId: string, limit: number, receivedBefore: Date): Promise<LoggedSearch[]> => searchesAfter(db, afterId, limit, receivedBefore),
    /**
     * Deletes logged searches older than `retentionDays` (default `searchLogRetentionDays`, 90),
     * at most `pruneBatch` per call; returns how many. Call again while it returns a full batch.
     */
    pruneSearchLog: (retentionDays?: number): Promise<number> =>
      pruneSearches(deps.db, new Date(now().getTime() - (retentionDays ?? deps.searchLogRetentionDays ?? 90) * 86_400_000)),
    /** Most rows one `pruneSearchLog` call deletes. */
    pruneBatch: PRUNE_BATCH,
  };
}

export type Search = ReturnType<typeof createSearchModule>;
