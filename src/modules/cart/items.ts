import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { SkuOffer } from '../catalog/index.js';
import type { Availability } from '../inventory/index.js';
import { lockedCartData, touchCart, type Changed } from './carts.js';
import type { CartDeps } from './deps.js';
import { cartError } from './errors.js';
import { byId, type CartLine, type CartRow } from './pricing.js';

const now = sql<Date>`now()`;

/**
 * The catalog offer for a SKU the cart may take: known, published, priced in the cart currency.
 * `field` names the request field the problem is reported on.
 */
function sellableOffer(offer: SkuOffer | undefined, cart: CartRow, sku: string, field: string): SkuOffer {
  if (!offer) throw cartError('CART_SKU_NOT_FOUND', { detail: `No product has the SKU ${sku}`, fields: [{ field, message: 'unknown SKU' }] });
  if (!offer.published) throw cartError('CART_ITEM_UNAVAILABLE', { detail: `${sku} is not for sale`, fields: [{ field, message: 'not for sale' }] });
  if (offer.unitPrice === null) {
    throw cartError('CART_PRICE_UNAVAILABLE', { detail: `${sku} is not sold in ${cart.currency}`, fields: [{ field, message: `no price in ${cart.currency}` }] });
  }
  return offer;
}

function checkQuantityLimit(deps: CartDeps, sku: string, quantity: number, inCart: number): void {
  const max = deps.config.maxQuantity;
  if (quantity <= max) return;
  throw cartError('CART_QUANTITY_LIMIT', {
    detail: `At most ${max} of ${sku} per cart${inCart ? ` (the cart has ${inCart})` : ''}`,
    fields: [{ field: '/quantity', message: `the line may hold at most ${max}` }],
  });
}

/** Stock for `quantity` of a SKU now: available units, or any amount for a backorder item. */
function checkStock(level: Availability | undefined, sku: string, quantity: number): void {
  if (level?.allowBackorder) return;
  const available = Math.max(0, level?.available ?? 0);
  if (available >= quantity) return;
  throw cartError('CART_INSUFFICIENT_STOCK', {
    detail: `Only ${available} of ${sku} available, ${quantity} requested`,
    fields: [{ field: '/quantity', message: `${available} of ${sku} available` }],
  });
}

const snapshot = (offer: SkuOffer) => ({
  productId: offer.productId,
  variantId: offer.variantId,
  productHandle: offer.productHandle,
  title: offer.title,
  variantTitle: offer.variantTitle,
  image: offer.image,
});

/**
 * Adds units of a SKU: a SKU already in the cart grows its line. Checks the catalog
 * (CART_SKU_NOT_FOUND, CART_ITEM_UNAVAILABLE, CART_PRICE_UNAVAILABLE), the limits
 * (CART_QUANTITY_LIMIT, CART_LINE_LIMIT) and stock for the line's new quantity
 * (CART_INSUFFICIENT_STOCK). The caller holds the cart's lock. The offers and stock are read for
 * every SKU of the cart at once, so the answer is priced from them.
 */
export async function addItem(deps: CartDeps, trx: Tx, cart: CartRow, input: { sku: string; quantity: number }): Promise<Changed> {
  const data = await lockedCartData(deps, trx, cart.id, { sku: input.sku });
  const { stock } = data;
  const offer = sellableOffer(stock.offers.get(input.sku), cart, input.sku, '/sku');
  const existing = data.lines.find((l) => l.sku === input.sku);
  const quantity = (existing?.quantity ?? 0) + input.quantity;
  checkQuantityLimit(deps, input.sku, quantity, existing?.quantity ?? 0);
  if (!existing && data.lines.length >= deps.config.maxLines) {
    throw cartError('CART_LINE_LIMIT', { detail: `A cart holds at most ${deps.config.maxLines} different SKUs`, fields: [{ field: '/sku', message: 'the cart is full' }] });
  }
  checkStock(stock.levels.get(input.sku), input.sku, quantity);
  let lines: CartLine[];
  let row: CartRow;
  if (existing) {
    const line = { ...existing, quantity, ...snapshot(offer) };
    row = await touchCart(trx, cart.id, trx.updateTable('cartItem').set({ quantity, ...snapshot(offer), updatedAt: now }).where('id', '=', existing.id).returning('id'));
    lines = data.lines.map((l) => (l.id === existing.id ? line : l));
  } else {
    const line = { id: newId('line'), sku: input.sku, quantity, ...snapshot(offer) };
    row = await touchCart(trx, cart.id, trx.insertInto('cartItem').values({ ...line, cartId: cart.id }).returning('id'));
    lines = [...data.lines, line].sort(byId);
  }
  return { ...data, cart: row, lines };
}

/**
 * Sets a line's quantity. Raising it checks the catalog and stock as adding does; lowering it
 * always works. Throws CART_ITEM_NOT_FOUND, CART_QUANTITY_LIMIT.
 */
export async function setItemQuantity(deps: CartDeps, trx: Tx, cart: CartRow, itemId: string, quantity: number): Promise<Changed> {
  const data = await lockedCartData(deps, trx, cart.id);
  const item = data.lines.find((l) => l.id === itemId);
  if (!item) throw cartError('CART_ITEM_NOT_FOUND');
  checkQuantityLimit(deps, item.sku, quantity, 0);
  let offer: SkuOffer | null = null;
  if (quantity > item.quantity) {
    offer = sellableOffer(data.stock.offers.get(item.sku), cart, item.sku, '/quantity');
    checkStock(data.stock.levels.get(item.sku), item.sku, quantity);
  }
  const changes = { quantity, ...(offer ? snapshot(offer) : {}) };
  const row = await touchCart(trx, cart.id, trx.updateTable('cartItem').set({ ...changes, updatedAt: now }).where('id', '=', item.id).returning('id'));
  return { ...data, cart: row, lines: data.lines.map((l) => (l.id === item.id ? { ...l, ...changes } : l)) };
}

/** Removes a line. Throws CART_ITEM_NOT_FOUND. */
export async function removeItem(deps: CartDeps, trx: Tx, cart: CartRow, itemId: string): Promise<Changed> {
  const data = await lockedCartData(deps, trx, cart.id);
  if (!data.lines.some((l) => l.id === itemId)) throw cartError('CART_ITEM_NOT_FOUND');
  const row = await touchCart(trx, cart.id, trx.deleteFrom('cartItem').where('id', '=', itemId).where('cartId', '=', cart.id).returning('id'));
  return { ...data, cart: row, lines: data.lines.filter((l) => l.id !== itemId) };
}
