import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Inventory } from '../inventory/index.js';
import type { SearchEngine } from './engine.js';
import { createPgSearchEngine } from './pg-engine.js';
import type { SearchQuery, SuggestQuery } from './schemas.js';
import { searchProducts, suggestProducts } from './service.js';
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
  /** Defaults to the PostgreSQL engine on `db`. */
  engine?: SearchEngine;
}

/**
 * Product search over its own read model (`search_document`, `search_term`, `search_category`,
 * `search_attribute`), kept in sync from catalog events. Routes and callers use these
 * functions; the engine behind them is any `SearchEngine`.
 */
export function createSearchModule(deps: SearchModuleDeps) {
  const engine = deps.engine ?? createPgSearchEngine(deps.db);
  const service = { db: deps.db, engine, catalog: deps.catalog, inventory: deps.inventory, shop: deps.shop };
  const sync = { db: deps.db, engine, defaultLocale: deps.shop.defaultLocale };
  const handlers = syncHandlers(sync);
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
  };
}

export type Search = ReturnType<typeof createSearchModule>;
