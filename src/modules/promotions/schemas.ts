import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Obj = <T extends Record<string, TSchema>>(props: T, description?: string) => Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'Minor units (fen, cents)' });
const Bps = Type.Integer({ minimum: 1, maximum: 10_000, description: 'Basis points: 1000 = 10 %, 10000 = 100 %' });
const Ids = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const CodeString = Type.String({ pattern: '^\\s*[A-Za-z0-9_-]{3,40}\\s*$', description: 'Letters, digits, - and _; stored upper-case' });

export const TargetSchema = Obj(
  {
    productIds: Type.Optional(Ids),
    skus: Type.Optional(Ids),
    categoryIds: Type.Optional(Ids),
    collectionIds: Type.Optional(Ids),
    brands: Type.Optional(Ids),
  },
  'Lines matching any listed criterion; absent = every line',
);

export const ConditionSchema = Type.Union([
  Obj({ type: Type.Literal('min_subtotal'), amount: Money, currency: Type.Optional(Currency) }),
  Obj({ type: Type.Literal('min_quantity'), quantity: Type.Integer({ minimum: 1 }) }),
  Obj({ type: Type.Literal('products'), productIds: Ids }),
  Obj({ type: Type.Literal('categories'), categoryIds: Ids }),
  Obj({ type: Type.Literal('collections'), collectionIds: Ids }),
  Obj({ type: Type.Literal('brands'), brands: Ids }),
  Obj({ type: Type.Literal('logged_in') }),
  Obj({ type: Type.Literal('first_order') }),
  Obj({ type: Type.Literal('customers'), customerIds: Ids }),
  Obj({ type: Type.Literal('currency'), currencies: Type.Array(Currency, { minItems: 1, maxItems: 50 }) }),
  Obj({ type: Type.Literal('date_window'), startsAt: Type.Optional(Nullable(Timestamp)), endsAt: Type.Optional(Nullable(Timestamp)) }),
]);

const Tiers = <T extends TSchema>(value: T) => Type.Array(value, { minItems: 1, maxItems: 20 });

export const ActionSchema = Type.Union([
  Obj({ type: Type.Literal('percent_off_items'), bps: Bps, target: Type.Optional(TargetSchema) }),
  Obj({ type: Type.Literal('percent_off_order'), bps: Bps, maxAmount: Type.Optional(Money) }),
  Obj({ type: Type.Literal('amount_off_items'), amount: Money, target: Type.Optional(TargetSchema) }),
  Obj({ type: Type.Literal('amount_off_order'), amount: Money }),
  Obj({ type: Type.Literal('tiered_amount_off'), tiers: Tiers(Obj({ minSubtotal: Money, amount: Money })), target: Type.Optional(TargetSchema) }),
  Obj({ type: Type.Literal('tiered_percent_off'), tiers: Tiers(Obj({ minSubtotal: Money, bps: Bps })), target: Type.Optional(TargetSchema) }),
  Obj({
    type: Type.Literal('buy_x_get_y'),
    buy: Type.Integer({ minimum: 1, maximum: 1000 }),
    get: Type.Integer({ minimum: 1, maximum: 1000 }),
    bps: Type.Optional(Bps),
    maxApplications: Type.Optional(Type.Integer({ minimum: 1 })),
    target: Type.Optional(TargetSchema),
  }),
  Obj({ type: Type.Literal('free_shipping'), maxAmount: Type.Optional(Money) }),
  Obj({ type: Type.Literal('fixed_price'), price: Money, target: TargetSchema }),
]);

const promotionFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  code: Type.Optional(Nullable(CodeString)),
  priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000, description: 'Higher applies first and wins ties; default 0' })),
  stacking: Type.Optional(Type.Union([Type.Literal('exclusive'), Type.Literal('stackable')], { description: 'Default stackable' })),
  conditions: Type.Optional(Type.Array(ConditionSchema, { maxItems: 20 })),
  actions: Type.Array(ActionSchema, { minItems: 1, maxItems: 10 }),
  usageLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  perCustomerLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  claimable: Type.Optional(Type.Boolean({ description: 'Customers may claim a personal code into their wallet (coupons)' })),
  active: Type.Optional(Type.Boolean()),
  startsAt: Type.Optional(Nullable(Timestamp)),
  endsAt: Type.Optional(Nullable(Timestamp)),
  campaignId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
};

export const CreatePromotionBody = Obj(promotionFields, 'No `code` → automatic (on /admin/promotions); on /admin/coupons always a coupon');
export type CreatePromotionBody = Static<typeof CreatePromotionBody>;

export const UpdatePromotionBody = Type.Object(
  { ...promotionFields, name: Type.Optional(promotionFields.name), actions: Type.Optional(promotionFields.actions) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePromotionBody = Static<typeof UpdatePromotionBody>;

export const PromotionSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('automatic'), Type.Literal('coupon')]),
  code: Nullable(Type.String()),
  priority: Type.Integer(),
  stacking: Type.Union([Type.Literal('exclusive'), Type.Literal('stackable')]),
  conditions: Type.Array(ConditionSchema),
  actions: Type.Array(ActionSchema),
  usageLimit: Nullable(Type.Integer()),
  perCustomerLimit: Nullable(Type.Integer()),
  usedCount: Type.Integer(),
  claimable: Type.Boolean(),
  active: Type.Boolean(),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  campaignId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Promotion = Static<typeof PromotionSchema>;

export const PromotionListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    campaignId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    kind: Type.Optional(Type.Union([Type.Literal('automatic'), Type.Literal('coupon')])),
  },
  { additionalProperties: false },
);
export type PromotionListQuery = Static<typeof PromotionListQuery>;

export const GenerateCodesBody = Obj({ count: Type.Integer({ minimum: 1, maximum: 10_000 }), prefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{0,10}$' })) });
export const GeneratedCodesSchema = Type.Object({ codes: Type.Array(Type.String()) });
export const CodeListQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
export const CodeSchema = Type.Object({ code: Type.String(), customerId: Nullable(Type.String()), usedCount: Type.Integer(), claimedAt: Nullable(Timestamp), createdAt: Timestamp });

export const WalletEntrySchema = Type.Object({
  code: Type.String(),
  promotionId: Type.String(),
  name: Type.String(),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  claimedAt: Nullable(Timestamp),
  status: Type.Union([Type.Literal('available'), Type.Literal('used'), Type.Literal('expired')]),
});

export const PreviewBody = Obj({
  cart: Obj({
    currency: Currency,
    customerId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    codes: Type.Optional(Type.Array(CodeString, { maxItems: 10 })),
    lines: Type.Array(
      Obj({
        id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        sku: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        productId: Type.String({ minLength: 1, maxLength: 64 }),
        categoryIds: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
        collectionIds: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
        brand: Type.Optional(Nullable(Type.String())),
        quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        unitPrice: Money,
      }),
      { maxItems: 500 },
    ),
    shippingAmount: Type.Optional(Nullable(Money)),
  }),
  at: Type.Optional(Timestamp),
});
export type PreviewBody = Static<typeof PreviewBody>;

const Share = Type.Object({ id: Type.String(), name: Type.String(), amount: Type.Integer() });
export const PreviewSchema = Type.Object({
  subtotal: Type.Integer(),
  discountTotal: Type.Integer(),
  shippingDiscount: Type.Integer(),
  lines: Type.Array(Type.Object({ id: Type.String(), subtotal: Type.Integer(), discountTotal: Type.Integer(), promotions: Type.Array(Share) })),
  appliedPromotions: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), code: Nullable(Type.String()), amount: Type.Integer() })),
  considered: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      code: Nullable(Type.String()),
      status: Type.Union([Type.Literal('applied'), Type.Literal('not_eligible'), Type.Literal('not_chosen')]),
      amount: Type.Integer(),
      reason: Nullable(Type.String()),
    }),
  ),
});

const campaignFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  startsAt: Type.Optional(Nullable(Timestamp)),
  endsAt: Type.Optional(Nullable(Timestamp)),
  budget: Type.Optional(Nullable(Money)),
  currency: Type.Optional(Currency),
  active: Type.Optional(Type.Boolean()),
};
export const CreateCampaignBody = Obj(campaignFields, 'Budget: maximum total discount, in `currency` minor units (default: the shop currency)');
export type CreateCampaignBody = Static<typeof CreateCampaignBody>;
export const UpdateCampaignBody = Type.Object({ ...campaignFields, name: Type.Optional(campaignFields.name) }, { additionalProperties: false, minProperties: 1 });
export type UpdateCampaignBody = Static<typeof UpdateCampaignBody>;

export const CampaignSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  budget: Nullable(Type.Integer()),
  currency: Type.String(),
  spent: Type.Integer(),
  active: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Campaign = Static<typeof CampaignSchema>;

export const CampaignReportSchema = Type.Object({
  campaignId: Type.String(),
  currency: Type.String(),
  budget: Nullable(Type.Integer()),
  orders: Type.Integer({ description: 'Orders with at least one reserved redemption of the campaign' }),
  gmv: Type.Integer({ description: 'Σ order totals of those orders' }),
  discountSpent: Type.Integer(),
  redemptions: Type.Integer(),
  promotions: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), orders: Type.Integer(), gmv: Type.Integer(), discountSpent: Type.Integer(), redemptions: Type.Integer() })),
});

export const CouponBody = Obj({ code: CodeString });
export const CouponParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
