import { sql, type Expression, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { SkuOffer, SkuOffersJson } from '../catalog/index.js';
import type { Availability } from '../inventory/index.js';
import { noDiscounts, type CartDeps, type DiscountResult } from './deps.js';
import { matchTaxRate, quoteShipping, type ShippingRule } from './rules.js';
import type { PricedCart, PricedCartItem } from './schemas.js';
import type { CartItemTable, CartTable, ShippingMethodTable, TaxRateTable } from './tables.js';
import { computeTotals } from './totals.js';

export type CartRow = Selectable<CartTable>;
export type ShippingMethodRow = Selectable<ShippingMethodTable>;
/** A cart line as pricing sees it (the `cart_item` row without its cart and timestamps). */
export type CartLine = Omit<Selectable<CartItemTable>, 'cartId' | 'createdAt' | 'updatedAt'>;
/** A shipping method as pricing sees it: the rule and its name. */
export type MethodRule = ShippingRule & { name: string };
/** A tax rate as pricing sees it. */
export type TaxRateRule = Pick<Selectable<TaxRateTable>, 'country' | 'region' | 'rate' | 'pricesIncludeTax' | 'appliesToShipping'>;

type Reason = NonNullable<PricedCartItem['unavailableReason']>;

/**
 * Everything a cart is priced from besides the catalog and the stock: the row, its lines (in id
 * order, as `order by id` returns them), the row of its chosen shipping method (null without
 * one or when it is gone) and the tax rates of its shipping country (empty without an address).
 */
export interface CartData {
  cart: CartRow;
  lines: CartLine[];
  method: MethodRule | null;
  rates: TaxRateRule[];
}

/** The catalog offers and stock levels of a cart's SKUs. */
export interface CartStock {
  offers: Map<string, SkuOffer>;
  levels: Map<string, Availability>;
}

/**
 * A cart with what it is priced from: `stock` covers every line's SKU when given (else pricing
 * reads it), and `discounts` is the discount engine's preloaded value when it was read with it.
 */
export interface CartRead extends CartData {
  stock?: CartStock;
  discounts?: unknown;
}

/** A cart as `selectCartData` reads it: its stock is always there, `methods` empty unless asked for. */
export type FullCartRead = CartRead & { stock: CartStock; methods: MethodRule[] };

/** A cart line joined with what the catalog and the stock say about it now. */
export interface LineState {
  item: CartLine;
  offer: SkuOffer | undefined;
  /** Catalog price in the cart currency; 0 when there is none. */
  unitPrice: number;
  reason: Reason | null;
}

/** A cart's lines priced now, with the figures shipping depends on. */
export interface CartState {
  lines: LineState[];
  /** Σ unitPrice × quantity, before discounts. */
  subtotal: number;
  /** Σ weight × quantity (a variant without a weight counts 0). */
  weightGrams: number;
}

// The reads below put a cart's lines, its chosen shipping method, its tax rates, and the offers,
// stock and promotions it is priced from into one statement as json columns (SQL round trips are
// what a cart request costs). The keys are spelled out in camelCase: the CamelCasePlugin leaves
// keys inside json values alone.

type Sql<T> = RawBuilder<T> | Expression<T>;

/** The lines of cart `cartId` as a json array, in id order. */
function linesJson(cartId: Sql<string> | string): RawBuilder<CartLine[]> {
  return sql<CartLine[]>`(select coalesce(json_agg(json_build_object(
      'id', i.id, 'sku', i.sku, 'quantity', i.quantity, 'productId', i.product_id, 'variantId', i.variant_id,
      'productHandle', i.product_handle, 'title', i.title, 'variantTitle', i.variant_title, 'image', i.image) order by i.id), '[]'::json)
    from cart_item i where i.cart_id = ${cartId})`;
}

const methodObject = sql`json_build_object('id', m.id, 'name', m.name, 'countries', m.countries, 'currency', m.currency, 'type', m.type,
  'amount', m.amount, 'freeOver', m.free_over, 'weightTiers', m.weight_tiers, 'active', m.active)`;

/** The shipping method `methodId` as a json object, or null. */
function methodJson(methodId: Sql<string | null> | string | null): RawBuilder<MethodRule | null> {
  return sql<MethodRule | null>`(select ${methodObject} from shipping_method m where m.id = ${methodId})`;
}

/** The active shipping methods in display order, as a json array. */
const activeMethodsJson = sql<MethodRule[]>`(select coalesce(json_agg(${methodObject} order by m.position, m.id), '[]'::json) from shipping_method m where m.active)`;

/** The tax rates of `country` as a json array (empty for null). */
function ratesJson(country: Sql<string | null> | string | null): RawBuilder<TaxRateRule[]> {
  return sql<TaxRateRule[]>`(select coalesce(json_agg(json_build_object('country', t.country, 'region', t.region, 'rate', t.rate,
      'pricesIncludeTax', t.prices_include_tax, 'appliesToShipping', t.applies_to_shipping)), '[]'::json)
    from tax_rate t where t.country = ${country})`;
}

/** The stock levels of `skus` as a json array, from inventory's `inventory_sku_availability` view (its public SQL contract). */
function levelsJson(skus: Sql<string[]>): RawBuilder<(Availability & { sku: string })[]> {
  return sql<(Availability & { sku: string })[]>`(select coalesce(json_agg(json_build_object('sku', a.sku, 'onHand', a.on_hand, 'reserved', a.reserved,
      'available', a.available, 'allowBackorder', a.allow_backorder, 'lowStockThreshold', a.low_stock_threshold)), '[]'::json)
    from inventory_sku_availability a where a.sku = any(${skus}))`;
}

/** What `selectCartData` reads besides the cart and what it is priced from. */
export interface CartReadOptions {
  /** Every active shipping method (display order), as `methods`. */
  methods?: boolean;
  /** The discount engine's candidates, when it can preload them. */
  discounts?: boolean;
  /** One more SKU to read the offer and stock of (a SKU being added). */
  sku?: string;
}

/**
 * Cart rows with everything they are priced from, in one statement: the lines, the chosen
 * shipping method, the tax rates, the catalog offers and stock of the lines' SKUs (and
 * `options.sku`), and with the options the active methods and the discount engine's candidates.
 * Unlocked; add the `where`. For a cart this transaction has locked, run it after the lock (a
 * statement that waited for a row lock sees the other tables as they were when it started).
 */
export function selectCartData(deps: CartDeps, db: Kysely<Database>, options: CartReadOptions = {}) {
  const lineSkus = sql<string[]>`array(select i.sku from cart_item i where i.cart_id = cart.id)`;
  const skus = options.sku === undefined ? lineSkus : sql<string[]>`array_append(${lineSkus}, ${options.sku}::text)`;
  const preload = options.discounts ? deps.discounts?.preload : undefined;
  return db
    .selectFrom('cart')
    .selectAll('cart')
    .select([
      linesJson(sql<string>`cart.id`).as('lines'),
      methodJson(sql<string | null>`cart.shipping_method_id`).as('method'),
      ratesJson(sql<string | null>`cart.shipping_address ->> 'country'`).as('rates'),
      deps.catalog.skuOffersJson(skus, sql<string>`cart.currency`, sql<string>`cart.locale`).as('offers'),
      levelsJson(skus).as('levels'),
    ])
    .$if(options.methods === true, (qb) => qb.select(activeMethodsJson.as('methods')))
    .$if(preload !== undefined, (qb) => qb.select(preload!({ customerId: sql<string | null>`cart.customer_id`, codes: sql<string[]>`cart.codes` }).as('discounts')));
}

export type CartDataRow = CartRow & { lines: CartLine[]; method: MethodRule | null; rates: TaxRateRule[]; offers: SkuOffersJson; levels: (Availability & { sku: string })[]; methods?: MethodRule[]; discounts?: unknown };

/**
 * Splits a row of `selectCartData` into the cart row and what it is priced from. Offers are read
 * only when there are SKUs, as `loadStock` does (a cart in a currency the shop stopped selling
 * still reads while it is empty).
 */
export function toCartRead(deps: CartDeps, row: CartDataRow, withSku = false): FullCartRead {
  const { lines, method, rates, offers, levels, methods, discounts, ...cart } = row;
  const stock: CartStock = {
    offers: lines.length === 0 && !withSku ? new Map() : deps.catalog.readSkuOffers(offers, cart.currency),
    levels: new Map(levels.map(({ sku, ...level }) => [sku, level])),
  };
  return { cart, lines, method, rates, stock, discounts, methods: methods ?? [] };
}

/**
 * The cart `cartId` with everything it is priced from (`selectCartData`), or undefined. For a
 * cart locked by this transaction, this is the statement after the lock.
 */
export async function readCart(deps: CartDeps, db: Kysely<Database>, cartId: string, options: CartReadOptions = {}): Promise<FullCartRead | undefined> {
  const row = await selectCartData(deps, db, options).where('cart.id', '=', cartId).executeTakeFirst();
  return row && toCartRead(deps, row as CartDataRow, options.sku !== undefined);
}

/** Orders lines as `order by id` does (line ids are prefixed ULIDs: code-unit order is collation order). */
export function byId(a: CartLine, b: CartLine): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Catalog offers in the cart currency and stock for `skus`, one lookup each (none for no SKUs). */
export async function loadStock(deps: CartDeps, db: Kysely<Database>, cart: CartRow, skus: readonly string[]): Promise<CartStock> {
  if (skus.length === 0) return { offers: new Map(), levels: new Map() };
  const unique = [...new Set(skus)];
  const [offers, levels] = await Promise.all([deps.catalog.lookupSkus(db, unique, cart.currency, cart.locale), deps.inventory.availability(db, unique)]);
  return { offers, levels };
}

/**
 * The lines priced from the catalog offers and checked against stock. A line is unavailable when
 * its SKU is unknown, its product unpublished, it has no price in the cart currency, or stock
 * (without backorder) is below its quantity.
 */
export function cartState(lines: readonly CartLine[], stock: CartStock): CartState {
  let subtotal = 0;
  let weightGrams = 0;
  const states = lines.map((item): LineState => {
    const offer = stock.offers.get(item.sku);
    const level = stock.levels.get(item.sku);
    const unitPrice = offer?.unitPrice ?? 0;
    let reason: Reason | null = null;
    if (!offer) reason = 'not_found';
    else if (!offer.published) reason = 'unpublished';
    else if (offer.unitPrice === null) reason = 'no_price';
    else if (!level || (!level.allowBackorder && level.available < item.quantity)) reason = 'insufficient_stock';
    subtotal += unitPrice * item.quantity;
    weightGrams += (offer?.weightGrams ?? 0) * item.quantity;
    return { item, offer, unitPrice, reason };
  });
  return { lines: states, subtotal, weightGrams };
}

/** Shares of `promotions` that fit in `cap`, in their order (a discount is never more than the line). */
function fitPromotions(promotions: { id: string; name: string; amount: number }[], cap: number) {
  let left = cap;
  const out: { id: string; name: string; amount: number }[] = [];
  for (const p of promotions) {
    const amount = Math.min(Math.max(0, Math.floor(p.amount)), left);
    if (amount > 0) out.push({ id: p.id, name: p.name, amount });
    left -= amount;
  }
  return out;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** The chosen shipping method with its amount for the cart, or null when none is chosen or it no longer applies. */
function chosenShipping(data: CartData, state: CartState): { id: string; name: string; amount: number } | null {
  const { cart, method } = data;
  if (!cart.shippingMethodId || !method || method.id !== cart.shippingMethodId) return null;
  const ctx = { currency: cart.currency, country: cart.shippingAddress?.country ?? null, subtotal: state.subtotal, weightGrams: state.weightGrams };
  const amount = quoteShipping(method, ctx);
  return amount === null ? null : { id: method.id, name: method.name, amount };
}

/** Asks the discount engine about the lines that can be bought (the others get no discount). */
function evaluateDiscounts(deps: CartDeps, db: Kysely<Database>, read: CartRead, buyable: LineState[], shipping: { id: string; amount: number } | null): Promise<DiscountResult> {
  const { cart } = read;
  const lines = buyable.map(({ item, offer, unitPrice }) => ({
    id: item.id,
    sku: item.sku,
    productId: offer!.productId,
    categoryIds: offer!.categoryIds,
    collectionIds: offer!.collectionIds,
    brand: offer!.brand,
    quantity: item.quantity,
    unitPrice,
    subtotal: unitPrice * item.quantity,
  }));
  const input = {
    cartId: cart.id,
    customerId: cart.customerId,
    currency: cart.currency,
    codes: cart.codes,
    lines,
    subtotal: lines.reduce((s, l) => s + l.subtotal, 0),
    shipping: shipping ? { methodId: shipping.id, amount: shipping.amount } : null,
  };
  return (deps.discounts ?? noDiscounts).evaluate(input, db, read.discounts);
}

/**
 * Prices a cart: catalog prices and stock (`data.stock` when read with the cart, else read now),
 * the chosen shipping method (while it applies), the tax rate matching the shipping address, the
 * discount engine (given its preloaded candidates when they were read with the cart), then
 * `computeTotals`. Reads only through `db`, so it can run inside a checkout transaction.
 */
export async function priceCart(deps: CartDeps, db: Kysely<Database>, data: CartRead): Promise<PricedCart> {
  const { cart } = data;
  const state = cartState(data.lines, data.stock ?? (await loadStock(deps, db, cart, data.lines.map((l) => l.sku))));
  const shipping = chosenShipping(data, state);
  const rate = matchTaxRate(data.rates, cart.shippingAddress);
  const buyable = state.lines.filter((l) => l.reason === null);
  const discounts = await evaluateDiscounts(deps, db, data, buyable, shipping);
  const byLine = new Map(discounts.lines.map((d) => [d.lineId, d]));
  const buyableIds = new Set(buyable.map((l) => l.item.id));

  const totals = computeTotals({
    lines: state.lines.map(({ item, unitPrice }) => ({
      id: item.id,
      unitPrice,
      quantity: item.quantity,
      discount: buyableIds.has(item.id) ? (byLine.get(item.id)?.amount ?? 0) : 0,
    })),
    shipping: shipping ? { amount: shipping.amount, discount: discounts.shippingDiscount } : null,
    tax: rate ? { rate: rate.rate, inclusive: rate.pricesIncludeTax, appliesToShipping: rate.appliesToShipping } : null,
  });

  const items = state.lines.map(({ item, offer, unitPrice, reason }, i): PricedCartItem => {
    const t = totals.lines[i]!;
    return {
      id: item.id,
      sku: item.sku,
      productId: offer?.productId ?? item.productId,
      variantId: offer?.variantId ?? item.variantId,
      productHandle: offer?.productHandle ?? item.productHandle,
      title: offer?.title ?? item.title,
      variantTitle: offer ? offer.variantTitle : item.variantTitle,
      image: offer ? offer.image : item.image,
      quantity: item.quantity,
      unitPrice,
      compareAtPrice: offer?.compareAtPrice ?? null,
      subtotal: t.subtotal,
      discountTotal: t.discountTotal,
      taxTotal: t.taxTotal,
      taxRate: t.taxRate,
      total: t.total,
      available: reason === null,
      unavailableReason: reason,
      promotions: fitPromotions(byLine.get(item.id)?.promotions ?? [], t.discountTotal),
    };
  });

  return {
    id: cart.id,
    status: cart.status,
    customerId: cart.customerId,
    email: cart.email,
    currency: cart.currency,
    locale: cart.locale,
    shippingAddress: cart.shippingAddress,
    billingAddress: cart.billingAddress,
    shippingMethodId: cart.shippingMethodId,
    shippingMethod: shipping,
    items,
    subtotal: totals.subtotal,
    discountTotal: totals.discountTotal,
    shippingDiscount: totals.shippingDiscount,
    shippingTotal: totals.shippingTotal,
    shippingTax: totals.shippingTax,
    taxTotal: totals.taxTotal,
    taxInclusive: totals.taxInclusive,
    total: totals.total,
    appliedPromotions: discounts.applied.filter((p) => p.amount > 0),
    codes: cart.codes,
    createdAt: iso(cart.createdAt),
    updatedAt: iso(cart.updatedAt),
  };
}
