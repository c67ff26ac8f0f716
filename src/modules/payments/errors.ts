import { defineErrors } from '../../platform/errors.js';

export const paymentError = defineErrors({
  PAYMENT_INVALID_INPUT: [400, 'Invalid payment request'],
  PAYMENT_PROVIDER_UNAVAILABLE: [400, 'Payment provider not available'],
  PAYMENT_SIGNATURE_INVALID: [400, 'Notification signature invalid'],
  PAYMENT_NOTIFICATION_MALFORMED: [400, 'Notification malformed'],
  PAYMENT_NOTIFICATION_STALE: [400, 'Notification too old'],
  PAYMENT_REFUND_INVALID_AMOUNT: [400, 'Refund amount must be positive'],
  PAYMENT_NOT_FOUND: [404, 'Payment not found'],
  PAYMENT_ORDER_NOT_PAYABLE: [409, 'Order cannot be paid'],
  PAYMENT_REFUND_EXCEEDS_CAPTURED: [409, 'Refund exceeds what is left to refund'],
  PAYMENT_IDEMPOTENCY_KEY_REUSED: [422, 'Idempotency key reused with a different request'],
  PAYMENT_PROVIDER_ERROR: [502, 'Payment provider error'],
});
