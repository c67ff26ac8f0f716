/** Event names this module publishes through the outbox. */
export const REVIEW_EVENTS = {
  created: 'review.created',
  hidden: 'review.hidden',
  shown: 'review.shown',
} as const;

/** Payload of `review.created`: one event per review. */
export interface ReviewCreatedPayload {
  reviewId: string;
  productId: string;
  orderId: string;
  orderLineId: string;
  customerId: string;
  sku: string;
  rating: number;
}

/** Payload of `review.hidden` and `review.shown`. */
export interface ReviewModeratedPayload {
  reviewId: string;
  productId: string;
  staffId: string;
  reason: string | null;
}
