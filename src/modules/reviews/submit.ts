import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import type { ReviewDeps } from './deps.js';
import { reviewError } from './errors.js';
import { REVIEW_EVENTS, type ReviewCreatedPayload } from './events.js';
import { assignLines } from './lines.js';
import { refreshRatings } from './rating.js';
import type { CustomerReview, OrderReviews, ReviewItemInput } from './schemas.js';
import { toCustomerReview } from './view.js';

/**
 * Reviews lines of the customer's delivered order, all items or none, in one transaction that
 * also refreshes each product's rating and publishes `review.created` per review. The unique
 * `order_line_id` is the guard under concurrency: a line another request reviewed first makes
 * this one fail with 409 `REVIEW_ALREADY_EXISTS`, writing nothing.
 */
export async function createReviews(deps: ReviewDeps, customerId: string, orderId: string, items: readonly ReviewItemInput[]): Promise<CustomerReview[]> {
  return withTransaction(deps.db, async (trx) => {
    const lines = await deps.orders.reviewableLines(trx, orderId, customerId);
    const lineIds = lines.map((l) => l.lineId);
    const reviewed = lineIds.length ? await trx.selectFrom('review').select('orderLineId').where('orderLineId', 'in', lineIds).execute() : [];
    const assigned = assignLines(items, lines, new Set(reviewed.map((r) => r.orderLineId)));
    const values = assigned.map(({ item, line }) => ({
      id: newId('rev'),
      productId: line.productId,
      orderId,
      orderLineId: line.lineId,
      customerId,
      sku: line.sku,
      rating: item.rating,
      title: item.title ?? null,
      body: item.body,
      images: JSON.stringify(item.images ?? []),
      hiddenReason: null,
    }));
    const inserted = await trx
      .insertInto('review')
      .values(values)
      .onConflict((oc) => oc.column('orderLineId').doNothing())
      .returningAll()
      .execute();
    if (inserted.length !== values.length) {
      throw reviewError('REVIEW_ALREADY_EXISTS', { detail: 'An item of this request was reviewed meanwhile; nothing was saved' });
    }
    const byId = new Map(inserted.map((r) => [r.id, r]));
    const rows = values.map((v) => byId.get(v.id)!);
    for (const row of rows) {
      const payload: ReviewCreatedPayload = {
        reviewId: row.id,
        productId: row.productId,
        orderId: row.orderId,
        orderLineId: row.orderLineId,
        customerId: row.customerId,
        sku: row.sku,
        rating: Number(row.rating),
      };
      await publish(trx, REVIEW_EVENTS.created, payload);
    }
    await refreshRatings(trx, deps.catalog, rows.map((r) => r.productId));
    return rows.map(toCustomerReview);
  });
}

/** Each line of the customer's order with its review, if any. Throws what `orders.reviewableLines` throws (404 `ORDER_NOT_FOUND`). */
export async function orderReviews(deps: ReviewDeps, customerId: string, orderId: string): Promise<OrderReviews> {
  return withTransaction(deps.db, async (trx) => {
    const lines = await deps.orders.reviewableLines(trx, orderId, customerId);
    const lineIds = lines.map((l) => l.lineId);
    const rows = lineIds.length ? await trx.selectFrom('review').selectAll().where('orderLineId', 'in', lineIds).where('customerId', '=', customerId).execute() : [];
    const byLine = new Map(rows.map((r) => [r.orderLineId, r]));
    return {
      eligible: lines.length > 0 && lines.every((l) => l.eligible),
      items: lines.map((l) => {
        const row = byLine.get(l.lineId);
        return { lineId: l.lineId, sku: l.sku, productId: l.productId, review: row ? toCustomerReview(row) : null };
      }),
    };
  });
}
