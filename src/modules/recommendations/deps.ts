import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';

/** What the recommendations module needs from the app. */
export interface RecommendationsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** SKU → product id for the given SKUs, in one query (the catalog's); unknown SKUs absent. */
  resolveSkus: (skus: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  limits?: Partial<RecsLimits>;
  /** The clock (tests move it). */
  now?: () => Date;
}

export interface RecsLimits {
  /** Events one session may send per minute (fixed window, per process). */
  eventsPerMinute: number;
  /** Raw events older than this are compacted into daily aggregates and deleted. */
  retentionDays: number;
  /** How far ahead of the server clock `occurredAt` may be (client clock skew). */
  maxFutureSkewMs: number;
}

export const DEFAULT_RECS_LIMITS: RecsLimits = { eventsPerMinute: 600, retentionDays: 180, maxFutureSkewMs: 5 * 60_000 };

/** Who sent a batch: a signed-in customer, or nobody (anonymous storefront session). */
export interface EventViewer {
  customerId: string | null;
}
