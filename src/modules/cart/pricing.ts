import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { SkuOffer } from '../catalog/index.js';
import { noDiscounts, type CartDeps, type DiscountResult } from './deps.js';
import { matchTaxRate, quoteShipping, type ShippingRule } from './rules.js';
import type { PricedCart, PricedCartItem } from './schemas.js';
import type { CartItemTable, CartTable, ShippingMethodTable } from './tables.js';
import { computeTotals } from './totals.js';

export type CartRow = Selectable<CartTable>;
type ItemRow = Selectable<CartItemTable>;
export type ShippingMethodRow = Selectable<ShippingMethodTable>;

type Reason = NonNullable<PricedCartItem['unavailableReason']>;

/** A cart line joined with what the catalog and the stock say about it now. */
export interface LineState {
  item: ItemRow;
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

export function toShippingRule(row: ShippingMethodRow): ShippingRule {
  return { ...row, weightTiers: row.weightTiers ?? [] };
}

/** Active shipping methods in display order. */
export async function activeShippingMethods(db: Kysely<Database>): Promise<ShippingMethodRow[]> {
  return db.selectFrom('shippingMethod').selectAll().where('active', '=', true).orderBy('position').orderBy('id').execute();
}

/**
 * The lines of a cart priced from the catalog and checked against stock, in one lookup each.
 * A line is unavailable when its SKU is unknown, its product unpublished, it has no price in the
 * cart currency, or stock (without backorder) is below its quantity.
 */
export async function loadCartState(deps: CartDeps, db: Kysely<Database>, cart: CartRow): Promise<CartState> {
  const items = await db.selectFrom('cartItem').selectAll().where('cartId', '=', cart.id).orderBy('id').execute();
  const skus = items.map((i) => i.sku);
  const [offers, stock] = skus.length
    ? await Promise.all([deps.catalog.lookupSkus(db, skus, cart.currency, cart.locale), deps.inventory.availability(db, skus)])
    : [new Map<string, SkuOffer>(), new Map()];
  let subtotal = 0;
  let weightGrams = 0;
  const lines = items.map((item): LineState => {
    const offer = offers.get(item.sku);
    const level = stock.get(item.sku);
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
  return { lines, subtotal, weightGrams };
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
async function chosenShipping(db: Kysely<Database>, cart: CartRow, state: CartState): Promise<{ id: string; name: string; amount: number } | null> {
  if (!cart.shippingMethodId) return null;
  const method = await db.selectFrom('shippingMethod').selectAll().where('id', '=', cart.shippingMethodId).executeTakeFirst();
  if (!method) return null;
  const ctx = { currency: cart.currency, country: cart.shippingAddress?.country ?? null, subtotal: state.subtotal, weightGrams: state.weightGrams };
  const amount = quoteShipping(toShippingRule(method), ctx);
  return amount === null ? null : { id: method.id, name: method.name, amount };
}

/** Asks the discount engine about the lines that can be bought (the others get no discount). */
function evaluateDiscounts(deps: CartDeps, db: Kysely<Database>, cart: CartRow, buyable: LineState[], shipping: { id: string; amount: number } | null): Promise<DiscountResult> {
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
  return (deps.discounts ?? noDiscounts).evaluate(input, db);
}

/**
 * Prices a cart now: catalog prices and stock, the chosen shipping method (while it applies),
 * the tax rate matching the shipping address, the discount engine, then `computeTotals`.
 * Reads only through `db`, so it can run inside a checkout transaction.
 */
export async function priceCart(deps: CartDeps, db: Kysely<Database>, cart: CartRow): Promise<PricedCart> {
  const state = await loadCartState(deps, db, cart);
  const address = cart.shippingAddress;
  const shipping = await chosenShipping(db, cart, state);
  const rates = address ? await db.selectFrom('taxRate').selectAll().where('country', '=', address.country).execute() : [];
  const rate = matchTaxRate(rates, address);
  const buyable = state.lines.filter((l) => l.reason === null);
  const discounts = await evaluateDiscounts(deps, db, cart, buyable, shipping);
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
