import { sql } from 'kysely';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import type { Actor, ReviewDeps } from './deps.js';
import { reviewError } from './errors.js';
import { REVIEW_EVENTS, type ReviewModeratedPayload } from './events.js';
import { refreshRatings } from './rating.js';
import type { AdminReview } from './schemas.js';
import type { ReviewStatus } from './tables.js';
import { toAdminReview } from './view.js';

/**
 * Hides (`reason` required) or shows a review. In one transaction: the row is locked and
 * updated, the product's rating refreshed, `review.hidden` / `review.shown` published — only
 * when the status actually changes — and the staff action audited (`review.hidden` /
 * `review.shown`, with `changed`). Hiding a hidden review replaces its reason; showing a
 * published one changes nothing. Throws 404 `REVIEW_NOT_FOUND`.
 */
export async function setVisibility(deps: ReviewDeps, actor: Actor, id: string, target: ReviewStatus, reason: string | null): Promise<AdminReview> {
  return withTransaction(deps.db, async (trx) => {
    const current = await trx.selectFrom('review').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw reviewError('REVIEW_NOT_FOUND', { detail: `No review ${id}` });
    const hiddenReason = target === 'hidden' ? reason : null;
    const changed = current.status !== target;
    let row = current;
    if (changed || current.hiddenReason !== hiddenReason) {
      row = await trx.updateTable('review').set({ status: target, hiddenReason, updatedAt: sql<Date>`now()` }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    }
    const action = target === 'hidden' ? REVIEW_EVENTS.hidden : REVIEW_EVENTS.shown;
    if (changed) {
      const payload: ReviewModeratedPayload = { reviewId: id, productId: row.productId, staffId: actor.staffId, reason: hiddenReason };
      await publish(trx, action, payload);
      await refreshRatings(trx, deps.catalog, [row.productId]);
    }
    await deps.audit.record(trx, {
      actorId: actor.staffId,
      action,
      targetType: 'review',
      targetId: id,
      data: { productId: row.productId, reason: hiddenReason, changed },
      ip: actor.ip,
    });
    return toAdminReview(row);
  });
}
