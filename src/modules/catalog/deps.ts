import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import type { TtlCache } from '../../platform/cache.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Audit } from '../audit/index.js';
import type { Inventory } from '../inventory/index.js';

/** What the catalog needs from the rest of the system. */
export interface CatalogDeps {
  db: Kysely<Database>;
  /** Where the store's catalog pages read (a replica when one is configured; else `db`). Never used for writes or checkout. */
  readDb?: Kysely<Database>;
  inventory: Inventory;
  audit: Audit;
  shop: Config['shop'];
  jobs: JobQueue;
  /**
   * Public store reads (listings, product pages, category tree). `clear()` invalidates it in
   * every process (see `createTieredCache`); entries expire after a few seconds regardless.
   */
  storeCache: TtlCache<unknown>;
}

/** The deps the store's read routes use: `db` is the replica when there is one. */
export function storeReads(deps: CatalogDeps): CatalogDeps {
  return deps.readDb ? { ...deps, db: deps.readDb } : deps;
}

/** Who performs an admin write, for the audit log. */
export interface Actor {
  staffId: string;
  ip: string;
}
