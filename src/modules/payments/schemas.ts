import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Amount = Type.Integer({ description: 'Minor units (fen, cents)' });
const ProviderId = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'Provider id: `sandbox`, `alipay`, `stripe`' });

export const PaymentStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);
export const RefundStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]);

/** What the shopper does next: follow a URL, scan a QR code, or confirm in the browser with a client secret. */
export const PaymentActionSchema = Type.Union([
  Type.Object({ type: Type.Literal('redirect'), url: Type.String() }),
  Type.Object({ type: Type.Literal('qr_code'), content: Type.String() }),
  Type.Object({ type: Type.Literal('client_secret'), clientSecret: Type.String(), publishableKey: Type.Optional(Type.String()) }),
]);

const paymentFields = {
  id: Type.String({ examples: ['pay_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  orderId: Type.String(),
  provider: Type.String(),
  status: PaymentStatus,
  amount: Amount,
  currency: Type.String(),
  capturedAmount: Amount,
  refundedAmount: Amount,
  action: Nullable(PaymentActionSchema),
  failureReason: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

/** A payment as its shopper sees it. */
export const PaymentSchema = Type.Object(paymentFields);
export type Payment = Static<typeof PaymentSchema>;

/** A payment as staff see it. */
export const AdminPaymentSchema = Type.Object({
  ...paymentFields,
  gatewayReference: Nullable(Type.String()),
  refundDue: Type.Boolean({ description: 'Money was taken that the order did not count (paid after cancellation or paid twice)' }),
  appliedToOrder: Type.Boolean({ description: 'The order counted this payment' }),
  succeededAt: Nullable(Timestamp),
});
export type AdminPayment = Static<typeof AdminPaymentSchema>;

export const NotificationSchema = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  gatewayEventId: Type.String(),
  paymentId: Nullable(Type.String()),
  status: Type.String(),
  amount: Nullable(Amount),
  currency: Nullable(Type.String()),
  verdict: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('suspicious'), Type.Literal('ignored'), Type.Literal('flagged_for_refund')]),
  reason: Nullable(Type.String()),
  receivedAt: Timestamp,
});
export type Notification = Static<typeof NotificationSchema>;

const RefundLine = Type.Object({ lineId: Type.String(), quantity: Type.Integer(), amount: Nullable(Amount) });

/** One payment's share of a refund. */
export const RefundPartSchema = Type.Object({
  id: Type.String({ examples: ['ref_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  requestId: Type.String(),
  paymentId: Type.String(),
  orderId: Type.String(),
  amount: Amount,
  currency: Type.String(),
  status: RefundStatus,
  reason: Type.String(),
  reference: Nullable(Type.String()),
  gatewayRefundId: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  lines: Nullable(Type.Array(RefundLine)),
  createdBy: Nullable(Type.String()),
  completedAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type RefundPart = Static<typeof RefundPartSchema>;

/** A refund request: one or more parts, one per payment it draws on. */
export const RefundSchema = Type.Object({
  id: Type.String({ description: 'The request id (its first part’s id)' }),
  orderId: Type.String(),
  amount: Amount,
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('partially_succeeded')], {
    description: '`pending` while any part awaits the gateway; `partially_succeeded` when parts ended differently',
  }),
  reason: Type.String(),
  reference: Nullable(Type.String()),
  lines: Nullable(Type.Array(RefundLine)),
  createdBy: Nullable(Type.String()),
  parts: Type.Array(RefundPartSchema),
  createdAt: Timestamp,
});
export type Refund = Static<typeof RefundSchema>;

export const PaymentDetailSchema = Type.Object({
  ...AdminPaymentSchema.properties,
  notifications: Type.Array(NotificationSchema),
  refunds: Type.Array(RefundPartSchema),
});
export type PaymentDetail = Static<typeof PaymentDetailSchema>;

export const CreatePaymentBody = Type.Object(
  {
    provider: ProviderId,
    returnUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000, description: 'Where the gateway sends the shopper back' })),
  },
  { additionalProperties: false },
);
export type CreatePaymentBody = Static<typeof CreatePaymentBody>;

export const PaymentStartSchema = Type.Object({ payment: PaymentSchema, action: PaymentActionSchema });

export const OrderParams = Type.Object({ id: Id }, { additionalProperties: false });
export const ProviderParams = Type.Object({ provider: ProviderId }, { additionalProperties: false });

export const OrderAccessHeaders = Type.Object({
  'x-order-token': Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The guest access token of the order' })),
});
export const OrderAccessQuery = Type.Object(
  { token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The guest access token (alternative to X-Order-Token)' })) },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units, in the order currency' }),
    lines: Type.Optional(
      Type.Array(Type.Object({ lineId: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, { additionalProperties: false }), {
        maxItems: 500,
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type RefundBody = Static<typeof RefundBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\x21-\\x7E]{1,200}$', description: 'Same key and body → the same refund' })),
});

export const PaymentListQuery = Type.Object(
  {
    orderId: Type.Optional(Id),
    status: Type.Optional(PaymentStatus),
    provider: Type.Optional(ProviderId),
    refundDue: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type PaymentListQuery = Static<typeof PaymentListQuery>;

export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC day, YYYY-MM-DD' });
export const ReconciliationQuery = Type.Object({ provider: ProviderId, date: Day }, { additionalProperties: false });

const Side = Nullable(Type.Object({ status: Type.String(), amount: Amount, currency: Type.String() }));
export const MismatchSchema = Type.Object({
  kind: Type.Union([Type.Literal('missing_at_gateway'), Type.Literal('missing_locally'), Type.Literal('amount_mismatch'), Type.Literal('status_mismatch')]),
  type: Type.Union([Type.Literal('payment'), Type.Literal('refund')]),
  paymentId: Type.String(),
  refundId: Nullable(Type.String()),
  ours: Side,
  theirs: Side,
});
export type Mismatch = Static<typeof MismatchSchema>;

export const ReconciliationSchema = Type.Object({
  provider: Type.String(),
  date: Type.String(),
  ours: Type.Object({ payments: Type.Integer(), refunds: Type.Integer() }),
  theirs: Type.Object({ payments: Type.Integer(), refunds: Type.Integer() }),
  mismatches: Type.Array(MismatchSchema),
});
export type Reconciliation = Static<typeof ReconciliationSchema>;

export const PaymentListSchema = Type.Object({ items: Type.Array(AdminPaymentSchema), nextCursor: Nullable(Type.String()) });
export const StorePaymentListSchema = Type.Object({ items: Type.Array(PaymentSchema), nextCursor: Type.Null() });
