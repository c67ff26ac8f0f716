/** Events this module follows (it publishes none). */
export const RECS_FOLLOWED_EVENTS = {
  /** From orders: the order's lines become purchases. */
  orderPaid: 'order.paid',
  /**
   * Account deletion: no module publishes it yet. Whoever adds the deletion flow publishes
   * `customer.deleted` with `{ customerId }`, and this module forgets the customer's events.
   */
  customerDeleted: 'customer.deleted',
} as const;

/** The part of `order.paid`'s payload this module reads. */
export interface OrderPaidPayload {
  orderId: string;
  customerId: string | null;
  lines: { lineId: string; productId: string; sku: string; quantity: number; total: number }[];
}

/** Payload of `customer.deleted`. */
export interface CustomerDeletedPayload {
  customerId: string;
}
