import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';

/** A raw storefront behaviour event, as the recommendations module hands it out. */
export interface BehaviourEventRow {
  id: string;
  type: string;
  productId: string | null;
  sessionId: string | null;
  customerId: string | null;
  occurredAt: Date;
  query: string | null;
}

/** A storefront search as the search module served it (its `searchesAfter`). */
export interface ServedSearchRow {
  id: string;
  /** Already normalised as `normaliseQuery` does (the search module applies the same rule). */
  query: string;
  /** Products the search found (`total`); 0 is a search with no results. */
  results: number;
  locale: string;
  sessionId: string | null;
  searchedAt: Date;
}

/** What the analytics module needs from the rest of the shop; wired by the app. */
export interface AnalyticsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** The shop's base currency, the currencies it sells in, and its calendar's IANA zone. */
  shop: { defaultCurrency: string; currencies: readonly string[]; timeZone: string };
  /**
   * Behaviour events after `afterId` in id order (recommendations' `eventsAfter`); `db` may be
   * a transaction, and the read must use it.
   */
  behaviourEvents(db: Kysely<Database>, afterId: string, limit: number, receivedBefore: Date): Promise<BehaviourEventRow[]>;
  /**
   * Searches served by the search module after `afterId` in id order (search's
   * `searchesAfter`); `db` may be a transaction, and the read must use it. Without it (a
   * benchmark, a shop without search) the served and no-result figures stay 0.
   */
  servedSearches?(db: Kysely<Database>, afterId: string, limit: number, receivedBefore: Date): Promise<ServedSearchRow[]>;
  /** Category ids of each product now (at sale time); unknown products may be absent. */
  productCategories(productIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Units of `currency` per unit of the base currency from the catalog, `'1'` for the base, null when unset. */
  exchangeRate(currency: string): Promise<string | null>;
  /** Display titles of products (report rows); unknown ids may be absent. */
  productTitles(productIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Display names of categories. */
  categoryNames(): Promise<ReadonlyMap<string, string>>;
  /** The clock (tests); default `new Date()`. */
  now?: () => Date;
}
