import { defineErrors } from '../../platform/errors.js';

export const orderError = defineErrors({
  ORDER_NOT_FOUND: [404, 'Order not found'],
  ORDER_INVALID_TRANSITION: [409, 'The order cannot make this change in its current state'],
  ORDER_OUT_OF_STOCK: [409, 'Some lines are out of stock'],
  ORDER_CHECKOUT_INCOMPLETE: [400, 'The cart is not ready for checkout'],
  ORDER_IDEMPOTENCY_KEY_REQUIRED: [400, 'Send an Idempotency-Key header'],
  ORDER_IDEMPOTENCY_KEY_REUSED: [422, 'This Idempotency-Key was used with a different request'],
  ORDER_INVALID_LINES: [400, 'Invalid order lines'],
  ORDER_NOTHING_TO_SHIP: [409, 'Nothing left to ship'],
  ORDER_RETURN_NOT_FOUND: [404, 'Return not found'],
  ORDER_RETURN_INVALID_TRANSITION: [409, 'The return cannot make this change in its current state'],
  ORDER_RETURN_NOT_ALLOWED: [409, 'These lines cannot be returned'],
});
