import type { ColumnType, Generated } from 'kysely';
import type { PaymentAction } from './providers/index.js';

export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
export type RefundStatus = 'pending' | 'succeeded' | 'failed';
export type NotificationVerdict = 'applied' | 'duplicate' | 'suspicious' | 'ignored' | 'flagged_for_refund';

/** A jsonb column: objects come back parsed, go in as JSON text. */
type Json<T> = ColumnType<T, string | null, string | null>;

/**
 * Table `payment`: one attempt to pay (part of) an order through one provider. The amount and
 * currency are copied from the order when the attempt starts. At most one `pending` attempt per
 * (order, provider) (partial unique index).
 */
export interface PaymentTable {
  id: string;
  orderId: string;
  provider: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  capturedAmount: Generated<number>;
  refundedAmount: Generated<number>;
  gatewayReference: string | null;
  action: Json<PaymentAction | null>;
  failureReason: string | null;
  /** Money was taken that the order did not count (paid after cancellation, or paid twice). */
  refundDue: Generated<boolean>;
  /** The order counted this payment (`applyPayment` answered `paid`); order refunds draw only on these. */
  appliedToOrder: Generated<boolean>;
  succeededAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `payment_notification`: every distinct gateway event, with what the core made of it. */
export interface PaymentNotificationTable {
  id: string;
  provider: string;
  gatewayEventId: string;
  /** The payment id the event names; it may be unknown (verdict `ignored`). */
  paymentId: string | null;
  status: string;
  amount: number | null;
  currency: string | null;
  verdict: NotificationVerdict;
  reason: string | null;
  payload: Json<unknown>;
  receivedAt: Generated<Date>;
}

/**
 * Table `payment_refund`: money given back from one payment. A refund request split over several
 * payments is several rows sharing `request_id` (the first row's id); only that first row carries
 * the request's `reference`, `idempotency_key` and `fingerprint`, so both stay UNIQUE.
 */
export interface PaymentRefundTable {
  id: string;
  requestId: string;
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string;
  reference: string | null;
  idempotencyKey: string | null;
  fingerprint: string | null;
  gatewayRefundId: string | null;
  failureReason: string | null;
  /** When a process last started asking the gateway; a lease so one asks at a time. */
  attemptedAt: Date | null;
  lines: Json<RefundLineRecord[] | null>;
  createdBy: string | null;
  completedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** A refunded order line as stored: what was asked plus the order's share of its total. */
export interface RefundLineRecord {
  lineId: string;
  quantity: number;
  amount: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    payment: PaymentTable;
    paymentNotification: PaymentNotificationTable;
    paymentRefund: PaymentRefundTable;
  }
}
