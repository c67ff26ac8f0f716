import type { ColumnType, Generated } from 'kysely';

/** jsonb: written as a JSON string, read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'delivered' | 'completed' | 'cancelled' | 'partially_refunded' | 'refunded';
export type PaymentStatus = 'unpaid' | 'paid' | 'partially_refunded' | 'refunded';
export type FulfillmentStatus = 'unfulfilled' | 'partially_shipped' | 'shipped' | 'delivered';
export type ActorType = 'customer' | 'guest' | 'staff' | 'system';
export type ReturnStatus = 'requested' | 'approved' | 'rejected' | 'received';

export interface OrderAddress {
  firstName: string;
  lastName: string;
  company?: string | null;
  phone?: string | null;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  country: string;
}

export interface AppliedPromotion {
  id: string;
  name: string;
  code: string | null;
  amount: number;
}

/** Table `orders`: one placed order; amounts in minor units of `currency`. */
export interface OrdersTable {
  id: string;
  number: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  fulfillmentStatus: FulfillmentStatus;
  customerId: string | null;
  email: string;
  currency: string;
  locale: string;
  /** Units of `currency` per unit of `baseCurrency` when the order was placed; null when equal or unset. */
  baseCurrency: string;
  exchangeRate: string | null;
  subtotal: number;
  discountTotal: number;
  shippingDiscount: number;
  shippingTotal: number;
  taxTotal: number;
  taxInclusive: boolean;
  total: number;
  paidTotal: Generated<number>;
  refundedTotal: Generated<number>;
  shippingAddress: Json<OrderAddress | null>;
  billingAddress: Json<OrderAddress | null>;
  shippingMethod: Json<{ id: string; name: string; amount: number } | null>;
  promotions: Json<AppliedPromotion[]>;
  codes: ColumnType<string[], string[], string[]>;
  cartId: string | null;
  reservationId: string | null;
  /** SHA-256 of the guest access token; null for customer orders. */
  accessTokenHash: string | null;
  paymentDueAt: Date;
  paidAt: Date | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `order_line`: a line as sold (title, SKU, price, tax, discount copied at checkout). */
export interface OrderLineTable {
  id: string;
  orderId: string;
  position: number;
  sku: string;
  productId: string;
  variantId: string;
  productHandle: string;
  title: string;
  variantTitle: string | null;
  image: string | null;
  quantity: number;
  unitPrice: number;
  /**
   * The regular unit price `unitPrice` replaced, when the line was sold below it outside any
   * promotion (a flash sale's markdown); null for lines sold at the regular price (carts).
   */
  listUnitPrice: ColumnType<number | null, number | null | undefined, number | null>;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  /** Basis points (1300 = 13%). */
  taxRate: number;
  total: number;
  promotions: Json<{ id: string; name: string; amount: number }[]>;
  shippedQuantity: Generated<number>;
  returnedQuantity: Generated<number>;
  refundedQuantity: Generated<number>;
  refundedTotal: Generated<number>;
}

export interface OrderHistoryTable {
  id: string;
  orderId: string;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  actorType: ActorType;
  actorId: string | null;
  note: string | null;
  createdAt: Generated<Date>;
}

export interface OrderShipmentTable {
  id: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  createdBy: string | null;
  createdAt: Generated<Date>;
}

export interface OrderShipmentLineTable {
  shipmentId: string;
  lineId: string;
  quantity: number;
}

export interface OrderReturnTable {
  id: string;
  orderId: string;
  status: ReturnStatus;
  reason: string;
  note: string | null;
  rejectReason: string | null;
  refundAmount: number | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface OrderReturnLineTable {
  returnId: string;
  lineId: string;
  quantity: number;
  reason: string | null;
}

export interface OrderNoteTable {
  id: string;
  orderId: string;
  staffId: string;
  body: string;
  createdAt: Generated<Date>;
}

/** Table `order_idempotency`: checkout keys, so a replayed request returns the first order. */
export interface OrderIdempotencyTable {
  key: string;
  requestHash: string;
  orderId: string;
  /** The guest access token handed out with the order, so a replay can hand it out again. */
  accessToken: string | null;
  createdAt: Generated<Date>;
}

/** Table `order_transaction`: money the order has taken in or given back, as payments reported it. */
export interface OrderTransactionTable {
  id: string;
  orderId: string;
  kind: 'payment' | 'refund';
  provider: string;
  reference: string;
  amount: number;
  currency: string;
  note: string | null;
  createdAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    orders: OrdersTable;
    orderLine: OrderLineTable;
    orderHistory: OrderHistoryTable;
    orderShipment: OrderShipmentTable;
    orderShipmentLine: OrderShipmentLineTable;
    orderReturn: OrderReturnTable;
    orderReturnLine: OrderReturnLineTable;
    orderNote: OrderNoteTable;
    orderIdempotency: OrderIdempotencyTable;
    orderTransaction: OrderTransactionTable;
  }
}
