import { Type, type Static } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Status = Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended'), Type.Literal('cancelled')]);

const Sku = Type.String({ minLength: 1, maxLength: 100 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });

export const CreateFlashSaleBody = Type.Object(
  {
    sku: Sku,
    price: Type.Integer({ minimum: 0, description: 'Minor units of `currency`' }),
    currency: Type.Optional(Currency),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    startsAt: Timestamp,
    endsAt: Timestamp,
    perCustomerLimit: Type.Integer({ minimum: 1, maximum: 1000 }),
    campaignId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateFlashSaleBody = Static<typeof CreateFlashSaleBody>;

export const UpdateFlashSaleBody = Type.Partial(CreateFlashSaleBody, { additionalProperties: false, minProperties: 1 });
export type UpdateFlashSaleBody = Static<typeof UpdateFlashSaleBody>;

export const FlashSaleSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  price: Type.Integer(),
  currency: Type.String(),
  quantity: Type.Integer(),
  sold: Type.Integer(),
  remaining: Type.Integer(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  perCustomerLimit: Type.Integer(),
  status: Status,
  campaignId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type FlashSaleView = Static<typeof FlashSaleSchema>;

export const StoreFlashSaleSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  image: Type.Union([Type.String(), Type.Null()]),
  price: Type.Integer(),
  currency: Type.String(),
  quantity: Type.Integer(),
  remaining: Type.Integer(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  perCustomerLimit: Type.Integer(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('live')]),
});

export const AdminListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  },
  { additionalProperties: false },
);

export const PurchaseBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }) }, { additionalProperties: false });
