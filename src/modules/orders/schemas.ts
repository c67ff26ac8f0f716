import { Type, type Static } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Money = Type.Integer({ minimum: 0, description: 'Minor units of the order currency' });

export const OrderStatusSchema = Type.Enum(['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'partially_refunded', 'refunded']);
const PaymentStatusSchema = Type.Enum(['unpaid', 'paid', 'partially_refunded', 'refunded']);
const FulfillmentStatusSchema = Type.Enum(['unfulfilled', 'partially_shipped', 'shipped', 'delivered']);

const AddressOut = Type.Object({
  firstName: Type.String(),
  lastName: Type.String(),
  company: Type.Optional(Nullable(Type.String())),
  phone: Type.Optional(Nullable(Type.String())),
  line1: Type.String(),
  line2: Type.Optional(Nullable(Type.String())),
  city: Type.String(),
  region: Type.Optional(Nullable(Type.String())),
  postalCode: Type.Optional(Nullable(Type.String())),
  country: Type.String(),
});

const PromotionShare = Type.Object({ id: Type.String(), name: Type.String(), amount: Money });

export const OrderLineSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  productId: Type.String(),
  variantId: Type.String(),
  productHandle: Type.String(),
  title: Type.String(),
  variantTitle: Nullable(Type.String()),
  image: Nullable(Type.String()),
  quantity: Type.Integer(),
  unitPrice: Money,
  listUnitPrice: Nullable(
    Type.Integer({
      minimum: 0,
      description: 'The regular unit price `unitPrice` replaced (a flash sale: the catalog price at purchase); null when the line was sold at the regular price',
    }),
  ),
  subtotal: Money,
  discountTotal: Money,
  taxTotal: Money,
  taxRate: Type.Integer({ description: 'Basis points: 1300 = 13%' }),
  total: Money,
  promotions: Type.Array(PromotionShare),
  shippedQuantity: Type.Integer(),
  returnedQuantity: Type.Integer(),
  refundedQuantity: Type.Integer(),
  refundedTotal: Money,
});
export type OrderLineView = Static<typeof OrderLineSchema>;

const summaryProps = {
  id: Type.String(),
  number: Type.String(),
  status: OrderStatusSchema,
  paymentStatus: PaymentStatusSchema,
  fulfillmentStatus: FulfillmentStatusSchema,
  customerId: Nullable(Type.String()),
  email: Type.String(),
  currency: Type.String(),
  subtotal: Money,
  discountTotal: Money,
  shippingTotal: Money,
  taxTotal: Money,
  total: Money,
  paidTotal: Money,
  refundedTotal: Money,
  createdAt: Timestamp,
  updatedAt: Timestamp,
};
export const OrderSummarySchema = Type.Object(summaryProps, { $id: 'OrderSummary' });

const ReturnStatusSchema = Type.Enum(['requested', 'approved', 'rejected', 'received']);
export const OrderReturnSchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  status: ReturnStatusSchema,
  reason: Type.String(),
  note: Nullable(Type.String()),
  rejectReason: Nullable(Type.String()),
  refundAmount: Nullable(Money),
  items: Type.Array(Type.Object({ lineId: Type.String(), quantity: Type.Integer(), reason: Nullable(Type.String()) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type OrderReturnView = Static<typeof OrderReturnSchema>;

const HistoryEntry = Type.Object({
  from: Nullable(OrderStatusSchema),
  to: OrderStatusSchema,
  actorType: Type.Enum(['customer', 'guest', 'staff', 'system']),
  actorId: Nullable(Type.String()),
  note: Nullable(Type.String()),
  at: Timestamp,
});
export type OrderHistoryEntry = Static<typeof HistoryEntry>;

export const OrderSchema = Type.Object(
    {
      ...summaryProps,
      locale: Type.String(),
      items: Type.Array(OrderLineSchema),
      shippingDiscount: Money,
      taxInclusive: Type.Boolean(),
      baseCurrency: Type.String(),
      exchangeRate: Nullable(Type.String({ description: 'Units of the order currency per unit of the base currency when placed' })),
      shippingAddress: Nullable(AddressOut),
      billingAddress: Nullable(AddressOut),
      shippingMethod: Nullable(Type.Object({ id: Type.String(), name: Type.String(), amount: Money })),
      promotions: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), code: Nullable(Type.String()), amount: Money })),
      codes: Type.Array(Type.String()),
      shipments: Type.Array(
        Type.Object({
          id: Type.String(),
          carrier: Type.String(),
          trackingNumber: Type.String(),
          items: Type.Array(Type.Object({ lineId: Type.String(), quantity: Type.Integer() })),
          createdAt: Timestamp,
        }),
      ),
      returns: Type.Array(OrderReturnSchema),
      history: Type.Array(HistoryEntry),
      notes: Type.Optional(Type.Array(Type.Object({ id: Type.String(), staffId: Type.String(), body: Type.String(), createdAt: Timestamp }))),
      paymentDueAt: Timestamp,
      paidAt: Nullable(Timestamp),
      shippedAt: Nullable(Timestamp),
      deliveredAt: Nullable(Timestamp),
      completedAt: Nullable(Timestamp),
      cancelledAt: Nullable(Timestamp),
      cancelReason: Nullable(Type.String()),
      accessToken: Type.Optional(Type.String({ description: 'Guest orders only, in the checkout response: send it as X-Order-Token to read, pay or cancel the order' })),
    },
  { $id: 'Order' },
);
export type OrderView = Static<typeof OrderSchema>;

export const CheckoutBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });

const LineQuantity = Type.Object({ lineId: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false });

export const ShipBody = Type.Object(
  {
    carrier: Type.String({ minLength: 1, maxLength: 100 }),
    trackingNumber: Type.String({ minLength: 1, maxLength: 100 }),
    lines: Type.Optional(Type.Array(LineQuantity, { minItems: 1, maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type ShipBody = Static<typeof ShipBody>;

export const ReturnRequestBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          lineId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          sku: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ReturnRequestBody = Static<typeof ReturnRequestBody>;

export const RejectReturnBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
export const ReceiveReturnBody = Type.Object(
  {
    restock: Type.Boolean({ default: true, description: 'Put the returned units back on hand (default true)' }),
    refund: Type.Boolean({ default: true, description: 'Refund the returned lines’ share through the payment provider (default true)' }),
  },
  { additionalProperties: false },
);

export const NoteBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false });

export const AdminOrderQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    status: Type.Optional(OrderStatusSchema),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Order number, email or id' })),
    customerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type AdminOrderQuery = Static<typeof AdminOrderQuery>;

export const ReturnListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    status: Type.Optional(ReturnStatusSchema),
  },
  { additionalProperties: false },
);
