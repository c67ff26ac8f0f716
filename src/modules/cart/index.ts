import type { Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import * as carts from './carts.js';
import type { Actor, CartDeps } from './deps.js';
import * as items from './items.js';
import type {
  AddItemBody,
  CreateCartBody,
  CreateShippingMethodBody,
  CreateTaxRateBody,
  PricedCart,
  UpdateCartBody,
  UpdateShippingMethodBody,
  UpdateTaxRateBody,
} from './schemas.js';
import * as settings from './settings.js';

export { cartMigrations, DEFAULT_SHIPPING_METHOD_ID } from './migrations.js';
export { cartStoreRoutes, cartAdminRoutes } from './routes.js';
export { cartError } from './errors.js';
export { computeTotals, taxOn, type CartTotals, type LineTotals, type TotalsInput } from './totals.js';
export { noDiscounts, type CartDeps, type DiscountEngine, type DiscountInput, type DiscountLine, type DiscountResult } from './deps.js';
export {
  AddItemBody,
  CartAddressInput,
  CartAddressSchema,
  CartItemSchema,
  CreateCartBody,
  CreateShippingMethodBody,
  CreateTaxRateBody,
  PricedCartSchema,
  ShippingMethodSchema,
  ShippingOptionSchema,
  TaxRateSchema,
  UpdateCartBody,
  UpdateItemBody,
  UpdateShippingMethodBody,
  UpdateTaxRateBody,
  type PricedCart,
  type PricedCartItem,
  type ShippingMethod,
  type ShippingOption,
  type TaxRate,
} from './schemas.js';
export type { CartAddress, CartStatus } from './tables.js';

/**
 * Carts, shipping methods and tax rates. A cart keeps SKUs and quantities only: every read
 * prices it from the catalog (`catalog.skuOffersJson`), checks stock (inventory's
 * `inventory_sku_availability` view), applies the chosen shipping method, the tax rate of its
 * shipping address and the discount engine, and adds up with `computeTotals`; all of it is read
 * with the cart in one statement.
 *
 * Store access: a guest cart is usable by whoever holds its id (128 random bits); a signed-in
 * customer touching an active guest cart adopts it, folding their previous active cart into it;
 * an owned cart is CART_NOT_FOUND for anyone but its owner. Functions taking `customerId`
 * apply these rules; `get`, `lockForCheckout` and `markCompleted` are for modules and do not.
 */
export function createCartModule(deps: CartDeps) {
  return {
    /** A cart priced now, without access checks. Throws 404 CART_NOT_FOUND. */
    get: (db: Kysely<Database>, cartId: string): Promise<PricedCart> => carts.getCart(deps, db, cartId),

    /**
     * Locks the cart row (`FOR UPDATE`) and prices it from the catalog inside `trx`, for checkout.
     * Throws 404 CART_NOT_FOUND, 409 CART_NOT_ACTIVE (completed or merged).
     */
    lockForCheckout: (trx: Tx, cartId: string): Promise<PricedCart> => carts.lockForCheckout(deps, trx, cartId),

    /** Marks an active cart completed by an order. Throws 404 CART_NOT_FOUND, 409 CART_NOT_ACTIVE. */
    markCompleted: (trx: Tx, cartId: string, orderId: string): Promise<void> => carts.markCompleted(trx, cartId, orderId),

    /**
     * What keeps a priced cart from checkout, as field problems (empty = ready): not active, no
     * items, unavailable lines (`/items/<i>`), no email on a guest cart, no shipping address, no
     * shipping method or one that no longer applies.
     */
    checkoutProblems: (cart: PricedCart): FieldProblem[] => carts.checkoutProblems(cart),

    /**
     * Creates a cart in a currency the shop sells (400 CART_UNKNOWN_CURRENCY) and a locale it
     * serves (400 CART_UNKNOWN_LOCALE; default: the shop default). With a customer it is theirs,
     * their previous active cart folded in.
     */
    create: (body: CreateCartBody, customerId: string | null): Promise<PricedCart> => carts.createCart(deps, body, customerId),

    /** The cart as a store caller sees it (adopting a guest cart for a customer). Throws 404 CART_NOT_FOUND. */
    view: (cartId: string, customerId: string | null): Promise<PricedCart> => carts.viewCart(deps, cartId, customerId),

    /** The customer's active cart. Throws 404 CART_NOT_FOUND when there is none. */
    activeCartOf: (customerId: string): Promise<PricedCart> => carts.activeCartOf(deps, customerId),

    /**
     * Sets email, shipping/billing address and shipping method (null clears). Throws 404
     * CART_NOT_FOUND, 409 CART_NOT_ACTIVE, 400 CART_SHIPPING_METHOD_NOT_FOUND, 409
     * CART_SHIPPING_METHOD_UNAVAILABLE (currency, country or weight does not fit).
     */
    async update(cartId: string, customerId: string | null, body: UpdateCartBody): Promise<PricedCart> {
      // Saved addresses are read before the cart's transaction opens (another module's handle).
      const resolved = await carts.resolveSavedAddresses(deps, customerId, body);
      return carts.updateCart(deps, cartId, customerId, resolved);
    },

    /**
     * Adds units of a SKU (an existing line grows). Throws 404 CART_NOT_FOUND, 409 CART_NOT_ACTIVE,
     * 400 CART_SKU_NOT_FOUND, 409 CART_ITEM_UNAVAILABLE, 409 CART_PRICE_UNAVAILABLE, 409
     * CART_QUANTITY_LIMIT, 409 CART_LINE_LIMIT, 409 CART_INSUFFICIENT_STOCK.
     */
    addItem: (cartId: string, customerId: string | null, body: AddItemBody): Promise<PricedCart> =>
      carts.changeCart(deps, cartId, customerId, (trx, cart) => items.addItem(deps, trx, cart, body)),

    /** Sets a line's quantity (raising it re-checks catalog and stock). Throws as `addItem`, and 404 CART_ITEM_NOT_FOUND. */
    setItemQuantity: (cartId: string, customerId: string | null, itemId: string, quantity: number): Promise<PricedCart> =>
      carts.changeCart(deps, cartId, customerId, (trx, cart) => items.setItemQuantity(deps, trx, cart, itemId, quantity)),

    /** Removes a line. Throws 404 CART_NOT_FOUND, CART_ITEM_NOT_FOUND, 409 CART_NOT_ACTIVE. */
    removeItem: (cartId: string, customerId: string | null, itemId: string): Promise<PricedCart> =>
      carts.changeCart(deps, cartId, customerId, (trx, cart) => items.removeItem(deps, trx, cart, itemId)),

    /**
     * Enters a coupon code (checked by the promotions module's `validateCode`, whose 4xx pass
     * through: COUPON_NOT_FOUND, COUPON_EXPIRED, COUPON_USAGE_LIMIT_REACHED, …). Throws 404
     * CART_NOT_FOUND, 409 CART_NOT_ACTIVE, CART_COUPONS_UNAVAILABLE.
     */
    addCode: (cartId: string, customerId: string | null, code: string): Promise<PricedCart> =>
      carts.changeCart(deps, cartId, customerId, (trx, cart) => carts.addCode(deps, trx, cart, code)),

    /** Removes a coupon code. Throws 404 CART_NOT_FOUND, CART_COUPON_NOT_IN_CART, 409 CART_NOT_ACTIVE. */
    removeCode: (cartId: string, customerId: string | null, code: string): Promise<PricedCart> =>
      carts.changeCart(deps, cartId, customerId, (trx, cart) => carts.removeCode(deps, trx, cart, code)),

    /** Shipping methods that apply to the cart now, with their amount for it. Throws 404 CART_NOT_FOUND. */
    shippingOptions: (cartId: string, customerId: string | null) => carts.shippingOptions(deps, cartId, customerId),

    listShippingMethods: () => settings.listShippingMethods(deps),
    /** Audited `shipping_method.created`. Throws 400 SHIPPING_METHOD_INVALID. */
    createShippingMethod: (actor: Actor, body: CreateShippingMethodBody) => settings.createShippingMethod(deps, actor, body),
    /** Audited `shipping_method.updated`. Throws 404 SHIPPING_METHOD_NOT_FOUND, 400 SHIPPING_METHOD_INVALID. */
    updateShippingMethod: (actor: Actor, id: string, body: UpdateShippingMethodBody) => settings.updateShippingMethod(deps, actor, id, body),
    /** Audited `shipping_method.deleted`; carts that chose it lose the choice. Throws 404 SHIPPING_METHOD_NOT_FOUND. */
    deleteShippingMethod: (actor: Actor, id: string) => settings.deleteShippingMethod(deps, actor, id),

    listTaxRates: () => settings.listTaxRates(deps),
    /** Audited `tax_rate.created`. Throws 409 TAX_RATE_EXISTS (one per country and region). */
    createTaxRate: (actor: Actor, body: CreateTaxRateBody) => settings.createTaxRate(deps, actor, body),
    /** Audited `tax_rate.updated`. Throws 404 TAX_RATE_NOT_FOUND, 409 TAX_RATE_EXISTS. */
    updateTaxRate: (actor: Actor, id: string, body: UpdateTaxRateBody) => settings.updateTaxRate(deps, actor, id, body),
    /** Audited `tax_rate.deleted`. Throws 404 TAX_RATE_NOT_FOUND. */
    deleteTaxRate: (actor: Actor, id: string) => settings.deleteTaxRate(deps, actor, id),
  };
}

export type Cart = ReturnType<typeof createCartModule>;
