import { defineErrors } from '../../platform/errors.js';

export const reviewError = defineErrors({
  REVIEW_INVALID_INPUT: [400, 'Invalid review request'],
  REVIEW_LINE_NOT_IN_ORDER: [400, 'The order has no such item'],
  REVIEW_NOT_FOUND: [404, 'Review not found'],
  REVIEW_PRODUCT_NOT_FOUND: [404, 'Product not found'],
  REVIEW_ORDER_NOT_DELIVERED: [409, 'The order has not been delivered yet'],
  REVIEW_ALREADY_EXISTS: [409, 'This item has already been reviewed'],
  REVIEW_OWN_REVIEW: [409, 'Customers cannot vote for their own review'],
});
