import type { DomainEvent, EventHandler } from '../../platform/events/index.js';
import { AppError } from '../../platform/errors.js';
import { withDefaults, type PaymentsDeps, type Viewer } from './deps.js';
import * as notifications from './notifications.js';
import * as reconciliation from './reconcile.js';
import * as refunds from './refunds.js';
import type { PaymentListQuery } from './schemas.js';
import * as service from './service.js';

export { paymentMigrations } from './migrations.js';
export { paymentStoreRoutes, paymentWebhookRoutes, paymentAdminRoutes } from './routes.js';
export { paymentError } from './errors.js';
export { runReconcileCli, type ReconcileCliApp, type SweepResult } from './reconcile.js';
export {
  AdminPaymentSchema,
  PaymentSchema,
  RefundSchema,
  type AdminPayment,
  type Mismatch,
  type Payment,
  type PaymentDetail,
  type Reconciliation,
  type Refund,
} from './schemas.js';
export type { ApplyPaymentOutcome, OrdersPort, PayableOrder, PaymentsDeps, RefundLineInput, Viewer } from './deps.js';
export type { PaymentRequest, PaymentStart } from './service.js';
export type { NotificationResult } from './notifications.js';
export type { RefundActor, RefundOrderInput, RefundOutcome } from './refunds.js';
export type { NotificationVerdict, PaymentStatus, RefundStatus } from './tables.js';
// The provider layer's public surface: createProviders, the sandbox gateway routes and migrations, ProviderError, types.
export * from './providers/index.js';

/** Payload of `order.refund_requested`, as the orders module publishes it. */
interface RefundRequested {
  orderId: string;
  amount: number;
  reason: string;
  reference?: string | null;
  lines?: { lineId: string; quantity: number }[];
}

/**
 * Payments: attempts through pluggable providers, verified gateway notifications, refunds and
 * reconciliation. Tables `payment`, `payment_notification`, `payment_refund`. Network calls to
 * gateways never happen inside a database transaction: intent is recorded and committed first,
 * the gateway is called with our id as its idempotency key, and the answer is recorded after.
 */
export function createPaymentsModule(deps: PaymentsDeps) {
  const ctx = withDefaults(deps);

  /** Business refusals are final; anything else is retried by the dispatcher. */
  async function finalOnRefusal(what: string, event: DomainEvent, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        ctx.log.error({ err, eventId: event.id, event: event.name }, `${what} refused; needs staff attention`);
        return;
      }
      throw err;
    }
  }

  return {
    /**
     * Starts paying an order with `provider`: the amount and currency are the order's total less
     * what is paid. Returns the payment, the shopper's next `action`, and `created: false` when an
     * existing pending payment of that provider was reused. Throws 400
     * `PAYMENT_PROVIDER_UNAVAILABLE`, 404 `ORDER_NOT_FOUND` (not visible to `viewer`), 409
     * `PAYMENT_ORDER_NOT_PAYABLE` (not pending payment), 502 `PAYMENT_PROVIDER_ERROR` (the
     * payment is then `failed`).
     */
    createPayment: (orderId: string, viewer: Viewer, input: service.PaymentRequest) => service.createPayment(ctx, orderId, viewer, input),

    /** An order's payments for a viewer who may see it, oldest first. Throws 404 `ORDER_NOT_FOUND`. */
    listOrderPayments: (orderId: string, viewer: Viewer) => service.listOrderPayments(ctx, orderId, viewer),

    /**
     * Verifies (signature first) and applies a gateway notification once per gateway event id;
     * returns the verdict and the acknowledgement to send. Throws 400 `PAYMENT_SIGNATURE_INVALID`,
     * `PAYMENT_NOTIFICATION_MALFORMED`, `PAYMENT_NOTIFICATION_STALE`, `PAYMENT_PROVIDER_UNAVAILABLE`
     * — having written nothing — and 502 `PAYMENT_PROVIDER_ERROR`.
     */
    handleNotification: (provider: string, raw: Buffer, headers: Record<string, string | string[] | undefined>) =>
      notifications.handleNotification(ctx, provider, raw, headers),

    /**
     * Refunds `amount` of an order through the gateways that captured it (idempotent on
     * `idempotencyKey` and on `reference`). Never exceeds captured − refunded, under any
     * concurrency. Throws 400 `PAYMENT_REFUND_INVALID_AMOUNT`, 404 `ORDER_NOT_FOUND`, 409
     * `PAYMENT_REFUND_EXCEEDS_CAPTURED`, 422 `PAYMENT_IDEMPOTENCY_KEY_REUSED`.
     */
    refundOrder: (input: refunds.RefundOrderInput) => refunds.refundOrder(ctx, input),

    /** An order's refund requests, oldest first. */
    refundsOf: (orderId: string) => refunds.refundsOf(ctx, orderId),

    /** Staff view of an order's payments (for the orders admin detail), oldest first. */
    paymentsFor: (orderId: string) => service.paymentsFor(ctx, orderId),

    /** A page of payments, newest first, filtered by order, status, provider or `refundDue`. */
    listPayments: (query: PaymentListQuery) => service.listPayments(ctx, query),

    /** A payment with its notifications and refunds. Throws 404 `PAYMENT_NOT_FOUND`. */
    getPayment: (id: string) => service.getPayment(ctx, id),

    /**
     * Our succeeded payments and refunds of a UTC day against the gateway's records. Throws 400
     * `PAYMENT_PROVIDER_UNAVAILABLE` / `PAYMENT_INVALID_INPUT`, 502 `PAYMENT_PROVIDER_ERROR`.
     */
    reconcile: (provider: string, day: string) => reconciliation.reconcile(ctx, provider, day),

    /**
     * The sweep for lost notifications: queries the gateway for payments pending longer than
     * `pendingAfterMinutes` and applies final answers like notifications; retries pending refunds.
     * Schedule it periodically (any process; it is idempotent).
     */
    reconcilePending: (options?: { limit?: number }) => reconciliation.reconcilePending(ctx, options),

    /**
     * Event handlers to register with the dispatcher: `order.refund_requested` refunds the order
     * (idempotent on the event's `reference`), `payment.refund_required` gives back a payment the
     * order did not count. Business refusals are logged, not retried.
     */
    subscriptions(): [string, EventHandler][] {
      return [
        [
          'order.refund_requested',
          (event) =>
            finalOnRefusal('order refund', event, () => {
              const p = event.payload as RefundRequested;
              return refunds.refundOrder(ctx, {
                orderId: p.orderId,
                amount: p.amount,
                reason: p.reason,
                reference: p.reference ?? `event:${event.id}`,
                lines: p.lines,
                actor: { type: 'system', id: null },
              });
            }),
        ],
        [
          'payment.refund_required',
          (event) =>
            finalOnRefusal('refund of an uncounted payment', event, () => {
              const p = event.payload as { paymentId: string; reason?: string };
              return refunds.refundDuePayment(ctx, p.paymentId, p.reason === 'already_paid' ? 'order was already paid' : 'order was cancelled before payment');
            }),
        ],
      ];
    },
  };
}

export type Payments = ReturnType<typeof createPaymentsModule>;
