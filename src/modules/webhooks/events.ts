/**
 * The domain events integrators may subscribe to, by module. Every event the shop publishes is
 * either here or in `INTERNAL_EVENTS` (`events.test.ts` checks the source tree), so a new event
 * is a decision, not an accident.
 */
export const WEBHOOK_EVENTS = [
  'order.placed',
  'order.paid',
  'order.shipped',
  'order.delivered',
  'order.completed',
  'order.cancelled',
  'order.refunded',
  'order.refund_requested',
  'order.return_requested',
  'order.return_approved',
  'order.return_rejected',
  'order.return_received',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.refund_failed',
  'payment.refund_required',
  'customer.registered',
  'customer.password_changed',
  'customer.password_reset',
  'customer.deleted',
  'catalog.product_created',
  'catalog.product_updated',
  'catalog.product_deleted',
  'catalog.sales_recorded',
  'catalog.category_created',
  'catalog.category_updated',
  'catalog.category_deleted',
  'catalog.attribute_updated',
  'catalog.collection_updated',
  'catalog.exchange_rate_updated',
  'review.created',
  'review.hidden',
  'review.shown',
  'flash_sale.purchase_released',
] as const;

/**
 * Events that never leave the shop, not even to `*` subscribers: `mail.requested` carries whole
 * emails, password reset codes and guest order links included.
 */
export const INTERNAL_EVENTS = ['mail.requested'] as const;

/** The event of `POST /admin/webhooks/:id/test`; never in the outbox. */
export const TEST_EVENT = 'webhook.test';

/** Subscribes an endpoint to every event of `WEBHOOK_EVENTS`, including ones added later. */
export const ALL_EVENTS = '*';

const PUBLIC = new Set<string>(WEBHOOK_EVENTS);

/** True for an event integrators may receive. */
export function isWebhookEvent(name: string): boolean {
  return PUBLIC.has(name);
}
