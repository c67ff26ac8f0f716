import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { SkuOffer } from '../catalog/index.js';
import type { CartDeps } from './deps.js';
import { cartError } from './errors.js';
import type { CartRow } from './pricing.js';

const now = sql<Date>`now()`;

/**
 * The catalog offer for a SKU the cart may take: known, published, priced in the cart currency.
 * `field` names the request field the problem is reported on.
 */
async function sellableOffer(deps: CartDeps, trx: Tx, cart: CartRow, sku: string, field: string): Promise<SkuOffer> {
  const offer = (await deps.catalog.lookupSkus(trx, [sku], cart.currency, cart.locale)).get(sku);
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
async function checkStock(deps: CartDeps, trx: Tx, sku: string, quantity: number): Promise<void> {
  const level = (await deps.inventory.availability(trx, [sku])).get(sku);
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
 * (CART_INSUFFICIENT_STOCK). The caller holds the cart's lock.
 */
export async function addItem(deps: CartDeps, trx: Tx, cart: CartRow, input: { sku: string; quantity: number }): Promise<void> {
  const offer = await sellableOffer(deps, trx, cart, input.sku, '/sku');
  const existing = await trx.selectFrom('cartItem').select(['id', 'quantity']).where('cartId', '=', cart.id).where('sku', '=', input.sku).executeTakeFirst();
  const quantity = (existing?.quantity ?? 0) + input.quantity;
  checkQuantityLimit(deps, input.sku, quantity, existing?.quantity ?? 0);
  if (!existing) {
    const { n } = await trx.selectFrom('cartItem').select((eb) => eb.fn.countAll<number>().as('n')).where('cartId', '=', cart.id).executeTakeFirstOrThrow();
    if (Number(n) >= deps.config.maxLines) {
      throw cartError('CART_LINE_LIMIT', { detail: `A cart holds at most ${deps.config.maxLines} different SKUs`, fields: [{ field: '/sku', message: 'the cart is full' }] });
    }
  }
  await checkStock(deps, trx, input.sku, quantity);
  if (existing) {
    await trx.updateTable('cartItem').set({ quantity, ...snapshot(offer), updatedAt: now }).where('id', '=', existing.id).execute();
  } else {
    await trx.insertInto('cartItem').values({ id: newId('line'), cartId: cart.id, sku: input.sku, quantity, ...snapshot(offer) }).execute();
  }
}

/**
 * Sets a line's quantity. Raising it checks the catalog and stock as adding does; lowering it
 * always works. Throws CART_ITEM_NOT_FOUND, CART_QUANTITY_LIMIT.
 */
export async function setItemQuantity(deps: CartDeps, trx: Tx, cart: CartRow, itemId: string, quantity: number): Promise<void> {
  const item = await trx.selectFrom('cartItem').select(['id', 'sku', 'quantity']).where('id', '=', itemId).where('cartId', '=', cart.id).executeTakeFirst();
  if (!item) throw cartError('CART_ITEM_NOT_FOUND');
  checkQuantityLimit(deps, item.sku, quantity, 0);
  let offer: SkuOffer | null = null;
  if (quantity > item.quantity) {
    offer = await sellableOffer(deps, trx, cart, item.sku, '/quantity');
    await checkStock(deps, trx, item.sku, quantity);
  }
  await trx.updateTable('cartItem').set({ quantity, ...(offer ? snapshot(offer) : {}), updatedAt: now }).where('id', '=', item.id).execute();
}

/** Removes a line. Throws CART_ITEM_NOT_FOUND. */
export async function removeItem(trx: Tx, cart: CartRow, itemId: string): Promise<void> {
  const row = await trx.deleteFrom('cartItem').where('id', '=', itemId).where('cartId', '=', cart.id).returning('id').executeTakeFirst();
  if (!row) throw cartError('CART_ITEM_NOT_FOUND');
}
