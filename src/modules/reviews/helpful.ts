import type { Kysely } from 'kysely';
import { withTransaction, type Database } from '../../platform/db/index.js';
import { reviewError } from './errors.js';

/**
 * Records the customer's "helpful" vote on a published review; a repeated vote changes nothing.
 * The vote's primary key (review, customer) decides under concurrency, and the counter moves
 * only when the vote row was inserted. Throws 404 `REVIEW_NOT_FOUND` (also for a hidden
 * review) and 409 `REVIEW_OWN_REVIEW`.
 */
export async function voteHelpful(db: Kysely<Database>, customerId: string, reviewId: string): Promise<void> {
  await withTransaction(db, async (trx) => {
    const review = await trx.selectFrom('review').select(['customerId', 'status']).where('id', '=', reviewId).executeTakeFirst();
    if (!review || review.status !== 'published') throw reviewError('REVIEW_NOT_FOUND', { detail: `No review ${reviewId}` });
    if (review.customerId === customerId) throw reviewError('REVIEW_OWN_REVIEW', { detail: 'Customers cannot vote for their own review' });
    const vote = await trx
      .insertInto('reviewHelpfulVote')
      .values({ reviewId, customerId })
      .onConflict((oc) => oc.columns(['reviewId', 'customerId']).doNothing())
      .returning('reviewId')
      .executeTakeFirst();
    if (vote) await trx.updateTable('review').set((eb) => ({ helpfulCount: eb('helpfulCount', '+', 1) })).where('id', '=', reviewId).execute();
  });
}
