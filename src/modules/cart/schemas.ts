import { Type, type Static, type TSchema } from 'typebox';
import { Locale, Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Money = (description?: string) => Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, ...(description ? { description } : {}) });

/** ISO 3166-1 alpha-2; accepted in any case, stored and returned upper-case. */
export const CountryCode = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 country code (upper-cased)' });
/** ISO 4217 code in upper case. */
export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' });
const EmailInput = Type.String({ pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$', maxLength: 254, description: 'Email; trimmed and lower-cased' });
const Phone = Type.String({ pattern: '^\\+?[0-9 ()-]{5,32}$' });
const Sku = Type.String({ minLength: 1, maxLength: 100, description: 'Stock keeping unit' });
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Units; the shop caps a line (CART_QUANTITY_LIMIT)' });

export const CartCodeBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const CartCodeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const CartParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const CartItemParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), itemId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const CartAddressInput = Type.Object(
  {
    firstName: Text(100),
    lastName: Text(100),
    company: Type.Optional(Nullable(Text(200))),
    phone: Type.Optional(Nullable(Phone)),
    line1: Text(300),
    line2: Type.Optional(Nullable(Text(300))),
    city: Text(100),
    region: Type.Optional(Nullable(Text(100))),
    postalCode: Type.Optional(Nullable(Text(20))),
    country: CountryCode,
  },
  { additionalProperties: false, description: 'A postal address; `region` is a state or province (tax rates can match it)' },
);
export type CartAddressInput = Static<typeof CartAddressInput>;

export const CartAddressSchema = Type.Object({
  firstName: Type.String(),
  lastName: Type.String(),
  company: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  line1: Type.String(),
  line2: Nullable(Type.String()),
  city: Type.String(),
  region: Nullable(Type.String()),
  postalCode: Nullable(Type.String()),
  country: Type.String(),
});

export const CreateCartBody = Type.Object(
  { currency: CurrencyCode, locale: Type.Optional(Locale) },
  { additionalProperties: false, description: '`currency` must be one the shop sells in; `locale` one it serves (default: the shop default).' },
);
export type CreateCartBody = Static<typeof CreateCartBody>;

export const UpdateCartBody = Type.Object(
  {
    email: Type.Optional(Nullable(EmailInput)),
    shippingAddress: Type.Optional(Nullable(CartAddressInput)),
    billingAddress: Type.Optional(Nullable(CartAddressInput)),
    shippingMethodId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    shippingAddressId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A saved address of the signed-in customer, copied as the shipping address' })),
    billingAddressId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A saved address of the signed-in customer, copied as the billing address' })),
  },
  { additionalProperties: false, minProperties: 1, description: 'Fields given are set; `null` clears one. A saved address id stands in for the address itself.' },
);
export type UpdateCartBody = Static<typeof UpdateCartBody>;

export const AddItemBody = Type.Object({ sku: Sku, quantity: Quantity }, { additionalProperties: false });
export type AddItemBody = Static<typeof AddItemBody>;
export const UpdateItemBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });
export type UpdateItemBody = Static<typeof UpdateItemBody>;

const PromotionShare = Type.Object({ id: Type.String(), name: Type.String(), amount: Type.Integer() });

export const UnavailableReason = Type.Union(
  [Type.Literal('not_found'), Type.Literal('unpublished'), Type.Literal('no_price'), Type.Literal('insufficient_stock')],
  { description: 'Why the line cannot be checked out as it is' },
);

export const CartItemSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  productId: Type.String(),
  variantId: Type.String(),
  productHandle: Type.String(),
  title: Type.String({ description: 'Product title in the cart locale (as last seen when the catalog no longer has the SKU)' }),
  variantTitle: Nullable(Type.String()),
  image: Nullable(Type.String()),
  quantity: Type.Integer(),
  unitPrice: Type.Integer({ description: 'From the catalog in the cart currency; 0 when the SKU is not sold in it' }),
  compareAtPrice: Nullable(Type.Integer()),
  subtotal: Type.Integer({ description: 'unitPrice × quantity' }),
  discountTotal: Type.Integer(),
  taxTotal: Type.Integer(),
  taxRate: Type.Integer({ description: 'Basis points (1300 = 13 %)' }),
  total: Type.Integer({ description: 'subtotal − discountTotal (+ taxTotal when prices exclude tax)' }),
  available: Type.Boolean({ description: 'Published, priced in the cart currency and in stock for this quantity' }),
  unavailableReason: Nullable(UnavailableReason),
  promotions: Type.Array(PromotionShare),
});

/** A cart priced from the catalog at the moment of reading. */
export const PricedCartSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('completed'), Type.Literal('merged')]),
  customerId: Nullable(Type.String()),
  email: Nullable(Type.String()),
  currency: Type.String(),
  locale: Type.String(),
  shippingAddress: Nullable(CartAddressSchema),
  billingAddress: Nullable(CartAddressSchema),
  shippingMethodId: Nullable(Type.String({ description: 'The method chosen, even when it no longer applies' })),
  shippingMethod: Nullable(Type.Object({ id: Type.String(), name: Type.String(), amount: Type.Integer() }, { description: 'The chosen method while it applies to the cart; null otherwise' })),
  items: Type.Array(CartItemSchema),
  subtotal: Type.Integer(),
  discountTotal: Type.Integer({ description: 'Line discounts + shippingDiscount' }),
  shippingDiscount: Type.Integer(),
  shippingTotal: Type.Integer({ description: 'Before the shipping discount' }),
  shippingTax: Type.Integer(),
  taxTotal: Type.Integer({ description: 'Line taxes + shippingTax' }),
  taxInclusive: Type.Boolean({ description: 'Prices include tax (taxTotal is contained, not added)' }),
  total: Type.Integer({ description: 'subtotal + shippingTotal − discountTotal (+ taxTotal when not taxInclusive)' }),
  appliedPromotions: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), code: Nullable(Type.String()), amount: Type.Integer() })),
  codes: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PricedCart = Static<typeof PricedCartSchema>;
export type PricedCartItem = Static<typeof CartItemSchema>;

export const ShippingOptionSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('flat'), Type.Literal('weight')]),
  amount: Type.Integer({ description: 'What this method costs for the cart now, in the cart currency' }),
  currency: Type.String(),
});
export type ShippingOption = Static<typeof ShippingOptionSchema>;

const WeightTierSchema = Type.Object(
  { upToGrams: Type.Integer({ minimum: 0, maximum: 100_000_000 }), amount: Money() },
  { additionalProperties: false, description: 'Applies to carts weighing at most upToGrams' },
);

export const ShippingMethodSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  countries: Type.Array(Type.String(), { description: 'Empty = everywhere' }),
  currency: Nullable(Type.String({ description: 'null = any currency (free methods only)' })),
  type: Type.Union([Type.Literal('flat'), Type.Literal('weight')]),
  amount: Type.Integer(),
  freeOver: Nullable(Type.Integer()),
  weightTiers: Type.Array(Type.Object({ upToGrams: Type.Integer(), amount: Type.Integer() })),
  active: Type.Boolean(),
  position: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ShippingMethod = Static<typeof ShippingMethodSchema>;

const shippingFields = {
  name: Text(200),
  countries: Type.Array(CountryCode, { maxItems: 300, description: 'Empty = everywhere' }),
  currency: Nullable(CurrencyCode),
  type: Type.Union([Type.Literal('flat'), Type.Literal('weight')]),
  amount: Money('Flat amount in minor units (flat methods)'),
  freeOver: Nullable(Money('Free when the cart subtotal (before discounts) reaches this')),
  weightTiers: Type.Array(WeightTierSchema, { maxItems: 50 }),
  active: Type.Boolean(),
  position: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
};

export const CreateShippingMethodBody = Type.Object(
  {
    name: shippingFields.name,
    countries: Type.Optional(shippingFields.countries),
    currency: shippingFields.currency,
    type: shippingFields.type,
    amount: Type.Optional(shippingFields.amount),
    freeOver: Type.Optional(shippingFields.freeOver),
    weightTiers: Type.Optional(shippingFields.weightTiers),
    active: Type.Optional(shippingFields.active),
    position: Type.Optional(shippingFields.position),
  },
  {
    additionalProperties: false,
    description: 'Flat methods charge `amount`; weight methods the first of `weightTiers` covering the cart weight. `currency: null` (any currency) only for a free flat method.',
  },
);
export type CreateShippingMethodBody = Static<typeof CreateShippingMethodBody>;

export const UpdateShippingMethodBody = Type.Partial(Type.Object(shippingFields), { additionalProperties: false, minProperties: 1 });
export type UpdateShippingMethodBody = Static<typeof UpdateShippingMethodBody>;

export const TaxRateSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  country: Type.String(),
  region: Nullable(Type.String()),
  rate: Type.Integer({ description: 'Basis points (1300 = 13 %)' }),
  pricesIncludeTax: Type.Boolean(),
  appliesToShipping: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TaxRate = Static<typeof TaxRateSchema>;

const taxFields = {
  name: Text(200),
  country: CountryCode,
  region: Nullable(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'State or province; null = the whole country' })),
  rate: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Basis points (1300 = 13 %)' }),
  pricesIncludeTax: Type.Boolean(),
  appliesToShipping: Type.Boolean(),
};

export const CreateTaxRateBody = Type.Object(
  { ...taxFields, region: Type.Optional(taxFields.region) },
  { additionalProperties: false, description: 'One rate per country and region (region null = the whole country).' },
);
export type CreateTaxRateBody = Static<typeof CreateTaxRateBody>;

export const UpdateTaxRateBody = Type.Partial(Type.Object(taxFields), { additionalProperties: false, minProperties: 1 });
export type UpdateTaxRateBody = Static<typeof UpdateTaxRateBody>;
