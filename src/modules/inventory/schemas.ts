import { Type, type Static } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

/** SKUs are free text chosen by the catalog (1–100 characters). */
export const Sku = Type.String({ minLength: 1, maxLength: 100, description: 'Stock keeping unit' });
/** Location codes: lower-case letters, digits, `-` and `_`, starting with a letter or digit. */
export const LocationCode = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,49}$', description: 'Location code, such as `default` or `warehouse-2`' });
const Quantity = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const Threshold = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });

export const LocationStockSchema = Type.Object({
  location: Type.String({ description: 'Location code' }),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer({ description: 'onHand − reserved; negative only for backordered items' }),
});

/** An item's stock: totals over every location, then each location that holds a level. */
export const StockSummarySchema = Type.Object({
  sku: Type.String(),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer({ description: 'onHand − reserved; negative only for backordered items' }),
  allowBackorder: Type.Boolean(),
  lowStockThreshold: Type.Integer(),
  locations: Type.Array(LocationStockSchema),
});
export type StockSummary = Static<typeof StockSummarySchema>;

export const SetStockBody = Type.Union(
  [
    Type.Object(
      { onHand: Quantity, location: Type.Optional(LocationCode) },
      { additionalProperties: false, title: 'Set', description: 'Sets the absolute quantity on hand (a stock count).' },
    ),
    Type.Object(
      {
        delta: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, not: { const: 0 }, description: 'Non-zero change to the quantity on hand' }),
        reason: Type.String({ minLength: 1, maxLength: 200 }),
        location: Type.Optional(LocationCode),
      },
      { additionalProperties: false, title: 'Adjust', description: 'Adds to or removes from the quantity on hand, with a reason.' },
    ),
  ],
  { description: 'Either `onHand` (absolute) or `delta` with a `reason`; `location` defaults to the default location.' },
);
export type SetStockBody = Static<typeof SetStockBody>;

export const UpdateItemBody = Type.Object(
  { allowBackorder: Type.Optional(Type.Boolean()), lowStockThreshold: Type.Optional(Threshold) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateItemBody = Static<typeof UpdateItemBody>;

export const MovementSchema = Type.Object({
  id: Type.String(),
  location: Type.String({ description: 'Location code' }),
  kind: Type.Union([Type.Literal('set'), Type.Literal('adjust'), Type.Literal('reserve'), Type.Literal('release'), Type.Literal('commit'), Type.Literal('import'), Type.Literal('restock')]),
  deltaOnHand: Type.Integer(),
  deltaReserved: Type.Integer(),
  onHandAfter: Type.Integer(),
  reservedAfter: Type.Integer(),
  reason: Type.Union([Type.String(), Type.Null()]),
  reference: Type.Union([Type.String(), Type.Null()], { description: 'Reservation id for reserve/release/commit' }),
  actorId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type Movement = Static<typeof MovementSchema>;

export const LocationSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  isDefault: Type.Boolean(),
  createdAt: Timestamp,
});
export type Location = Static<typeof LocationSchema>;

export const CreateLocationBody = Type.Object(
  { code: LocationCode, name: Type.String({ minLength: 1, maxLength: 200 }), isDefault: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type CreateLocationBody = Static<typeof CreateLocationBody>;
