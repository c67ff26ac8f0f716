import type { Selectable } from 'kysely';
import type { AdminPayment, Notification, Payment, Refund, RefundPart } from './schemas.js';
import type { PaymentNotificationTable, PaymentRefundTable, PaymentTable } from './tables.js';

export type PaymentRow = Selectable<PaymentTable>;
export type RefundRow = Selectable<PaymentRefundTable>;
export type NotificationRow = Selectable<PaymentNotificationTable>;

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

/** A payment as its shopper sees it. */
export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.orderId,
    provider: row.provider,
    status: row.status,
    amount: Number(row.amount),
    currency: row.currency,
    capturedAmount: Number(row.capturedAmount),
    refundedAmount: Number(row.refundedAmount),
    action: row.action ?? null,
    failureReason: row.failureReason,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A payment as staff see it. */
export function toAdminPayment(row: PaymentRow): AdminPayment {
  return {
    ...toPayment(row),
    gatewayReference: row.gatewayReference,
    refundDue: row.refundDue,
    appliedToOrder: row.appliedToOrder,
    succeededAt: isoOrNull(row.succeededAt),
  };
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    provider: row.provider,
    gatewayEventId: row.gatewayEventId,
    paymentId: row.paymentId,
    status: row.status,
    amount: row.amount === null ? null : Number(row.amount),
    currency: row.currency,
    verdict: row.verdict,
    reason: row.reason,
    receivedAt: iso(row.receivedAt),
  };
}

export function toRefundPart(row: RefundRow): RefundPart {
  return {
    id: row.id,
    requestId: row.requestId,
    paymentId: row.paymentId,
    orderId: row.orderId,
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    reference: row.reference,
    gatewayRefundId: row.gatewayRefundId,
    failureReason: row.failureReason,
    lines: row.lines ?? null,
    createdBy: row.createdBy,
    completedAt: isoOrNull(row.completedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A refund request from its parts (the first part, by id, is the lead row). */
export function toRefund(rows: readonly RefundRow[]): Refund {
  const parts = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  const lead = parts.find((p) => p.id === p.requestId) ?? parts[0];
  if (!lead) throw new Error('A refund has at least one part');
  const statuses = new Set(parts.map((p) => p.status));
  const status: Refund['status'] = statuses.has('pending') ? 'pending' : statuses.size === 1 ? (lead.status as 'succeeded' | 'failed') : 'partially_succeeded';
  return {
    id: lead.requestId,
    orderId: lead.orderId,
    amount: parts.reduce((sum, p) => sum + Number(p.amount), 0),
    currency: lead.currency,
    status,
    reason: lead.reason,
    reference: lead.reference,
    lines: lead.lines ?? null,
    createdBy: lead.createdBy,
    parts: parts.map(toRefundPart),
    createdAt: iso(lead.createdAt),
  };
}
