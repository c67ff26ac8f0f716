import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import type { ReviewDeps } from './deps.js';
import type { Distribution } from './schemas.js';

/** A product's published ratings: mean (2 decimals, 0 without reviews), count and per-star counts. */
export interface RatingStats {
  average: number;
  count: number;
  distribution: Distribution;
}

/**
 * Folds per-star counts into the summary. Ratings outside 1–5 cannot exist (a CHECK) and are
 * ignored. The mean is rounded half up to 2 decimals from the exact integer sum.
 */
export function summarize(rows: readonly { rating: number; n: number }[]): RatingStats {
  const distribution: Distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  let count = 0;
  let sum = 0;
  for (const { rating, n } of rows) {
    const key = String(rating);
    if (!(key in distribution) || n <= 0) continue;
    distribution[key as keyof Distribution] += n;
    count += n;
    sum += rating * n;
  }
  // sum * 100 / count is a ratio of integers far below 2^53: one division, then one rounding.
  const average = count === 0 ? 0 : Math.round((sum * 100) / count) / 100;
  return { average, count, distribution };
}

/** Per-star counts of a product's published reviews (one index scan). */
export async function ratingStats(db: Kysely<Database>, productId: string): Promise<RatingStats> {
  const rows = await db
    .selectFrom('review')
    .select((eb) => ['rating', eb.fn.countAll<number>().as('n')])
    .where('productId', '=', productId)
    .where('status', '=', 'published')
    .groupBy('rating')
    .execute();
  return summarize(rows.map((r) => ({ rating: Number(r.rating), n: Number(r.n) })));
}

/**
 * Recomputes each product's published rating from the review table and hands it to the
 * catalog, in the caller's transaction. A transaction-scoped advisory lock per product (taken in
 * id order, so two writers never wait on each other crosswise) serialises writers of one
 * product; the count then runs in a fresh READ COMMITTED snapshot that already sees every
 * earlier writer's committed reviews, so the last commit always stores the true figure.
 */
export async function refreshRatings(trx: Tx, catalog: ReviewDeps['catalog'], productIds: Iterable<string>): Promise<void> {
  for (const productId of [...new Set(productIds)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtext(${`review_product:${productId}`}))`.execute(trx);
    const { average, count } = await ratingStats(trx, productId);
    await catalog.setRating(trx, productId, { average, count });
  }
}
