import { orderError } from './errors.js';
import type { FulfillmentStatus, OrderStatus, PaymentStatus } from './tables.js';

/**
 * The order state machine: from each status, the statuses it may move to. `partially_refunded`
 * keeps the fulfilment path open (the rest of the order still ships and arrives); `cancelled`
 * and `refunded` are final.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled', 'partially_refunded', 'refunded'],
  shipped: ['shipped', 'delivered', 'partially_refunded', 'refunded'],
  delivered: ['completed', 'partially_refunded', 'refunded'],
  completed: ['partially_refunded', 'refunded'],
  partially_refunded: ['shipped', 'delivered', 'completed', 'cancelled', 'partially_refunded', 'refunded'],
  cancelled: [],
  refunded: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 ORDER_INVALID_TRANSITION unless `from → to` is allowed. */
export function assertTransition(from: OrderStatus, to: OrderStatus, what = to): void {
  if (!canTransition(from, to)) {
    throw orderError('ORDER_INVALID_TRANSITION', { detail: `An order that is ${from.replace('_', ' ')} cannot be ${what.replace('_', ' ')}` });
  }
}

/** Where the headline status goes after a refund brings `refunded` of `paid`. Cancelled orders stay cancelled. */
export function statusAfterRefund(current: OrderStatus, refunded: number, paid: number): OrderStatus {
  if (current === 'cancelled') return current;
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

export function paymentStatusAfterRefund(refunded: number, paid: number): PaymentStatus {
  if (refunded <= 0) return 'paid';
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

/** Fulfilment after shipping: every unit out the door, or some. */
export function fulfillmentAfterShipping(lines: { quantity: number; shippedQuantity: number }[]): FulfillmentStatus {
  return lines.every((l) => l.shippedQuantity >= l.quantity) ? 'shipped' : 'partially_shipped';
}

/**
 * The amount to refund for `units` more units of a line whose `already` units were refunded:
 * the line total is spread over its units so refunding every unit, in any steps, gives back
 * exactly the line total (the remainder lands on the last units).
 */
export function lineRefundShare(line: { total: number; quantity: number }, already: number, units: number): number {
  const cumulative = (n: number) => Math.floor((line.total * n) / line.quantity);
  return cumulative(already + units) - cumulative(already);
}
