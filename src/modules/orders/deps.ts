import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import type { Audit } from '../audit/index.js';
import type { Inventory } from '../inventory/index.js';
import type { OrderAddress } from './tables.js';

/** The cart as checkout sees it: re-priced from the catalog at the moment of locking. */
export interface CheckoutCart {
  id: string;
  status: string;
  customerId: string | null;
  email: string | null;
  currency: string;
  locale: string;
  shippingAddress: OrderAddress | null;
  billingAddress: OrderAddress | null;
  shippingMethod: { id: string; name: string; amount: number } | null;
  items: {
    id: string;
    sku: string;
    productId: string;
    variantId: string;
    productHandle: string;
    title: string;
    variantTitle: string | null;
    image: string | null;
    quantity: number;
    unitPrice: number;
    subtotal: number;
    discountTotal: number;
    taxTotal: number;
    taxRate: number;
    total: number;
    promotions: { id: string; name: string; amount: number }[];
    /** Why the line cannot be bought now (`insufficient_stock`, `unpublished`, …), if so. */
    unavailableReason?: string | null;
  }[];
  subtotal: number;
  discountTotal: number;
  shippingDiscount: number;
  shippingTotal: number;
  taxTotal: number;
  taxInclusive: boolean;
  total: number;
  appliedPromotions: { id: string; name: string; code: string | null; amount: number }[];
  codes: string[];
}

/** What orders needs from the cart module. */
export interface CartPort {
  lockForCheckout(trx: Tx, cartId: string): Promise<CheckoutCart>;
  markCompleted(trx: Tx, cartId: string, orderId: string): Promise<void>;
  checkoutProblems(cart: CheckoutCart): FieldProblem[];
}

export interface OrderDeps {
  db: Kysely<Database>;
  cart: CartPort;
  inventory: Inventory;
  catalog: {
    recordSales(trx: Tx, lines: { productId: string; quantity: number }[]): Promise<void>;
    /** The currency, the shop's base and the rate between them; pass the transaction as `db` to read inside it. */
    priceContext(currency?: string, db?: Kysely<Database>): Promise<{ currency: string; base: string; rate: string | null }>;
  };
  customers: { get(customerId: string): Promise<{ email: string }> };
  audit: Audit;
  config: Config['orders'] & { publicUrl: string };
  /**
   * Called inside `cancelInTx` before the order's stock is released, in its transaction (flash
   * sales move an unpaid order's units back to the sale here). Registered with `orders.onCancel`.
   */
  cancelHooks?: CancelHook[];
  /**
   * Promotion usage (the promotions module, wired by the app): counted in checkout's
   * transaction, re-checking limits under lock (a 409 rolls the checkout back), and released
   * when an unpaid order is cancelled.
   */
  promotions?: {
    recordUsage(
      trx: Tx,
      input: { orderId: string; customerId: string | null; currency: string; total: number; applied: CheckoutCart['appliedPromotions']; codes: string[] },
    ): Promise<void>;
    releaseUsage(trx: Tx, orderId: string): Promise<void>;
  };
}

/** Who changes an order, for its history and the audit log. */
export interface OrderActor {
  type: 'customer' | 'guest' | 'staff' | 'system';
  id: string | null;
  ip?: string | null;
}

/** Who is looking at an order: its customer, a guest holding its access token, or staff. */
export type Viewer = { kind: 'customer'; customerId: string } | { kind: 'guest'; token: string } | { kind: 'staff' };

export const SYSTEM: OrderActor = { type: 'system', id: null };

/** Runs inside an order's cancellation, after the row is locked and before stock is released. */
export type CancelHook = (trx: Tx, order: { id: string; status: string; reservationId: string | null }) => Promise<void>;
