import type { ColumnType, Generated } from 'kysely';

/** JSON stored in a jsonb column: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type TextArray = ColumnType<string[], string[], string[]>;

export type CartStatus = 'active' | 'completed' | 'merged';

/** A postal address as a cart keeps it (jsonb, camelCase keys). */
export interface CartAddress {
  firstName: string;
  lastName: string;
  company: string | null;
  phone: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string;
}

/**
 * Table `cart`. The id is the guest's capability (128 random bits), so it is not a ULID. At most
 * one `active` cart per customer (partial unique index `cart_one_active_per_customer`).
 */
export interface CartTable {
  id: string;
  status: Generated<CartStatus>;
  customerId: string | null;
  email: string | null;
  currency: string;
  locale: string;
  shippingAddress: Json<CartAddress | null> | null;
  billingAddress: Json<CartAddress | null> | null;
  shippingMethodId: string | null;
  /** Coupon codes as entered; the promotions module interprets them. */
  codes: ColumnType<string[], string[] | undefined, string[]>;
  /** The cart this one's items were folded into (status `merged`). */
  mergedIntoId: string | null;
  /** The order placed from it (status `completed`). */
  orderId: string | null;
  completedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/**
 * Table `cart_item`: one line per SKU of a cart. Prices are never stored: every read prices
 * from the catalog. The product fields are a snapshot from when the line was last written,
 * shown only when the catalog no longer knows the SKU.
 */
export interface CartItemTable {
  id: string;
  cartId: string;
  sku: string;
  quantity: number;
  productId: string;
  variantId: string;
  productHandle: string;
  title: string;
  variantTitle: string | null;
  image: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type ShippingType = 'flat' | 'weight';

export interface WeightTier {
  /** Inclusive upper bound of the cart weight this tier covers. */
  upToGrams: number;
  amount: number;
}

/**
 * Table `shipping_method`. `currency` null means any currency; the CHECK allows that only for a
 * free flat method (the built-in `ship_default`).
 */
export interface ShippingMethodTable {
  id: string;
  name: string;
  /** ISO alpha-2 codes; empty = everywhere. */
  countries: TextArray;
  currency: string | null;
  type: ShippingType;
  amount: Generated<number>;
  freeOver: number | null;
  weightTiers: Json<WeightTier[]>;
  active: Generated<boolean>;
  position: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `tax_rate`: one per country and optional region (unique, region case-insensitive). */
export interface TaxRateTable {
  id: string;
  name: string;
  country: string;
  region: string | null;
  /** Basis points: 1300 = 13 %. */
  rate: number;
  pricesIncludeTax: boolean;
  appliesToShipping: boolean;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    cart: CartTable;
    cartItem: CartItemTable;
    shippingMethod: ShippingMethodTable;
    taxRate: TaxRateTable;
  }
}
