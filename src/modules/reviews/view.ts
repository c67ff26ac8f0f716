import type { Selectable } from 'kysely';
import type { AdminReview, CustomerReview, StoreReview } from './schemas.js';
import type { ReviewTable } from './tables.js';

export type ReviewRow = Selectable<ReviewTable>;

/** Reviewers stay anonymous on the store: every review comes from a delivered order. */
export const AUTHOR_LABEL = 'Verified buyer';

const iso = (d: Date | string): string => new Date(d).toISOString();

export function toStoreReview(row: ReviewRow): StoreReview {
  return {
    id: row.id,
    productId: row.productId,
    sku: row.sku,
    rating: Number(row.rating),
    title: row.title,
    body: row.body,
    images: row.images,
    author: AUTHOR_LABEL,
    helpfulCount: row.helpfulCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function toCustomerReview(row: ReviewRow): CustomerReview {
  return { ...toStoreReview(row), orderId: row.orderId, orderLineId: row.orderLineId, status: row.status };
}

export function toAdminReview(row: ReviewRow): AdminReview {
  return { ...toCustomerReview(row), customerId: row.customerId, hiddenReason: row.hiddenReason };
}
