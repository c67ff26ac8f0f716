import { defineErrors } from '../../platform/errors.js';

/** Errors that fail a whole request. */
export const recsError = defineErrors({
  RECS_RATE_LIMITED: [429, 'Too many events from this session'],
  RECS_PRODUCT_NOT_FOUND: [404, 'Product not found'],
  RECS_CART_NOT_FOUND: [404, 'Cart not found'],
});

/** Why one event of a batch was rejected (the batch itself is still accepted: 202). */
export const RECS_REJECTION = {
  RECS_EVENT_UNKNOWN_TYPE: 'type must be one of view, search, add_to_cart, remove_from_cart, purchase, click_recommendation',
  RECS_EVENT_SESSION_REQUIRED: 'sessionId is required (1–128 characters: letters, digits, _ - . :)',
  RECS_EVENT_PRODUCT_REQUIRED: 'productId or sku is required for this type',
  RECS_EVENT_INVALID_PRODUCT_ID: 'productId is not a product id (prod_…)',
  RECS_EVENT_UNKNOWN_SKU: 'no product has this sku',
  RECS_EVENT_QUERY_REQUIRED: 'query is required for search events',
  RECS_EVENT_INVALID_RECOMMENDATION_ID: 'recommendationId is not a recommendation id (rec_…) from a recommendations response',
  RECS_EVENT_INVALID_TIME: 'occurredAt must be an ISO date-time, not in the future and within the retention period',
} as const;

export type RecsRejectionCode = keyof typeof RECS_REJECTION;
