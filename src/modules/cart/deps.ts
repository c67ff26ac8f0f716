import type { Expression, Kysely, RawBuilder } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import type { Audit } from '../audit/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Inventory } from '../inventory/index.js';

/** One cart line as a discount engine sees it (only lines that can be bought). */
export interface DiscountLine {
  id: string;
  sku: string;
  productId: string;
  categoryIds: string[];
  collectionIds: string[];
  brand: string | null;
  quantity: number;
  unitPrice: number;
  subtotal: number;
}

/** What a discount engine is asked to price. */
export interface DiscountInput {
  cartId: string;
  customerId: string | null;
  currency: string;
  codes: string[];
  lines: DiscountLine[];
  /** Sum of the lines' subtotals. */
  subtotal: number;
  /** The chosen shipping method and its amount before discounts; null without one. */
  shipping: { methodId: string; amount: number } | null;
}

/** Discounts an engine grants: per line, on shipping, and the promotions that gave them. */
export interface DiscountResult {
  lines: { lineId: string; amount: number; promotions: { id: string; name: string; amount: number }[] }[];
  shippingDiscount: number;
  applied: { id: string; name: string; code: string | null; amount: number }[];
}

/**
 * The slot the promotions module fills. `db` is the handle the cart is being priced on — a
 * transaction during checkout — and an engine must read through it (on PGlite, touching another
 * handle inside a transaction waits forever). Amounts are integer minor units; a line's amount
 * is capped to its subtotal and the shipping discount to the shipping amount.
 */
export interface DiscountEngine {
  /** `preloaded`: the value of this engine's `preload` column, read for this cart; without it the engine reads for itself. */
  evaluate(input: DiscountInput, db: Kysely<Database>, preloaded?: unknown): Promise<DiscountResult>;
  /**
   * What `evaluate` would read for a cart, as one SQL expression (a scalar subquery) over the
   * cart's customer id and codes, so the cart reads it in the statement that reads its lines
   * (one round trip fewer). The cart hands the value back to `evaluate` as `preloaded`.
   */
  preload?(cart: { customerId: Expression<string | null>; codes: Expression<string[]> }): RawBuilder<unknown>;
}

/** The default engine: no discounts. */
export const noDiscounts: DiscountEngine = {
  async evaluate() {
    return { lines: [], shippingDiscount: 0, applied: [] };
  },
};

/** What the cart module needs from the rest of the system. */
export interface CartDeps {
  db: Kysely<Database>;
  catalog: Pick<Catalog, 'lookupSkus' | 'skuOffersJson' | 'readSkuOffers'>;
  inventory: Pick<Inventory, 'availability'>;
  audit: Audit;
  config: Config['cart'];
  shop: Config['shop'];
  discounts?: DiscountEngine;
  /**
   * Checks a coupon code entered on a cart and returns it as stored, or throws the promotions
   * module's 4xx (COUPON_NOT_FOUND, COUPON_EXPIRED, …). Reads through `db`, the cart's
   * transaction. Without it, codes cannot be entered (409 CART_COUPONS_UNAVAILABLE).
   */
  validateCode?: (db: Kysely<Database>, code: string, ctx: { customerId: string | null; currency: string; codes: readonly string[] }) => Promise<string>;
  /**
   * A signed-in customer's saved address as a cart address, or null when they have none with
   * that id (the customers module's address book, wired by the app).
   */
  savedAddress?: (customerId: string, addressId: string) => Promise<SavedAddress | null>;
}

/** A saved address in the cart's shape. */
export interface SavedAddress {
  firstName: string;
  lastName: string;
  phone: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  country: string;
}

/** Who performs an admin write, for the audit log. */
export interface Actor {
  staffId: string;
  ip: string;
}
