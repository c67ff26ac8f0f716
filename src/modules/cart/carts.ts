import { randomBytes } from 'node:crypto';
import { sql, type DeleteQueryBuilder, type InsertQueryBuilder, type UpdateQueryBuilder } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import type { CartDeps } from './deps.js';
import { cartError } from './errors.js';
import { cartState, priceCart, readCart, selectCartData, toCartRead, type CartDataRow, type CartRead, type CartReadOptions, type CartRow, type FullCartRead } from './pricing.js';
import { quoteShipping } from './rules.js';
import type { CartAddressInput, CreateCartBody, PricedCart, ShippingOption, UpdateCartBody } from './schemas.js';
import type { CartAddress } from './tables.js';

/**
 * A cart id: `cart_` and 128 random bits in hex. Whoever holds a guest cart's id may use it, so
 * it must not be guessable or derivable from the time (a ULID's random part is incremented
 * within one millisecond).
 */
export function newCartId(): string {
  return `cart_${randomBytes(16).toString('hex')}`;
}

const now = sql<Date>`now()`;

/** A jsonb value, or SQL NULL (not JSON `null`) for none. */
const jsonOrNull = (value: CartAddress | null): string | null => (value ? JSON.stringify(value) : null);

/**
 * Folds `source`'s lines into `target` (quantities summed and capped at the line limit; new
 * lines only while the cart has room), fills the target's empty email, addresses and shipping
 * method from it, unites the codes, and marks `source` merged. Both rows are locked.
 */
async function fold(deps: CartDeps, trx: Tx, source: CartRow, target: CartRow): Promise<void> {
  await trx.updateTable('cart').set({ status: 'merged', mergedIntoId: target.id, updatedAt: now }).where('id', '=', source.id).execute();
  const [targetItems, sourceItems] = await Promise.all([
    trx.selectFrom('cartItem').select(['id', 'sku', 'quantity']).where('cartId', '=', target.id).execute(),
    trx.selectFrom('cartItem').select(['id', 'sku', 'quantity']).where('cartId', '=', source.id).orderBy('id').execute(),
  ]);
  const bySku = new Map(targetItems.map((i) => [i.sku, i]));
  let lines = targetItems.length;
  const max = deps.config.maxQuantity;
  for (const item of sourceItems) {
    const existing = bySku.get(item.sku);
    if (existing) {
      const quantity = Math.min(max, existing.quantity + item.quantity);
      if (quantity !== existing.quantity) await trx.updateTable('cartItem').set({ quantity, updatedAt: now }).where('id', '=', existing.id).execute();
    } else if (lines < deps.config.maxLines) {
      // The line moves with its id, so a client holding it keeps a valid reference.
      await trx.updateTable('cartItem').set({ cartId: target.id, quantity: Math.min(max, item.quantity), updatedAt: now }).where('id', '=', item.id).execute();
      lines++;
    }
  }
  const codes = [...new Set([...target.codes, ...source.codes])];
  await trx
    .updateTable('cart')
    .set({
      email: target.email ?? source.email,
      shippingAddress: jsonOrNull(target.shippingAddress ?? source.shippingAddress),
      billingAddress: jsonOrNull(target.billingAddress ?? source.billingAddress),
      shippingMethodId: target.shippingMethodId ?? source.shippingMethodId,
      codes,
    })
    .where('id', '=', target.id)
    .execute();
}

/**
 * Gives a guest cart (locked) to a customer, folding their other active cart into it. Adoptions
 * by one customer are serialised by a transaction-scoped advisory lock on the customer: two at
 * once would each see no other active cart, and the second would break the one-active-cart
 * index instead of merging into the first.
 */
async function adopt(deps: CartDeps, trx: Tx, cart: CartRow, customerId: string): Promise<CartRow> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`cart:${customerId}`}, 0))`.execute(trx);
  const previous = await trx
    .selectFrom('cart')
    .selectAll()
    .where('customerId', '=', customerId)
    .where('status', '=', 'active')
    .where('id', '!=', cart.id)
    .forUpdate()
    .executeTakeFirst();
  if (previous) await fold(deps, trx, previous, cart);
  return trx.updateTable('cart').set({ customerId, updatedAt: now }).where('id', '=', cart.id).returningAll().executeTakeFirstOrThrow();
}

/**
 * The cart as `customerId` (null: anonymous) may use it, locked: another customer's cart — and
 * any owned cart for an anonymous caller — is CART_NOT_FOUND; a signed-in customer touching an
 * active guest cart adopts it.
 */
async function openCart(deps: CartDeps, trx: Tx, id: string, customerId: string | null): Promise<CartRow> {
  const cart = await trx.selectFrom('cart').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!cart || (cart.customerId !== null && cart.customerId !== customerId)) throw cartError('CART_NOT_FOUND');
  if (cart.customerId === null && customerId !== null && cart.status === 'active') return adopt(deps, trx, cart, customerId);
  return cart;
}

function resolveLocale(deps: CartDeps, locale: string | undefined): string {
  if (locale === undefined) return deps.shop.defaultLocale;
  const hit = deps.shop.locales.find((l) => l.toLowerCase() === locale.toLowerCase());
  if (!hit) {
    throw cartError('CART_UNKNOWN_LOCALE', {
      detail: `Locale ${locale} is not served; use one of ${deps.shop.locales.join(', ')}`,
      fields: [{ field: '/locale', message: `must be one of ${deps.shop.locales.join(', ')}` }],
    });
  }
  return hit;
}

/** Creates a cart; with a customer it is theirs at once (their previous active cart folded in). */
export async function createCart(deps: CartDeps, body: CreateCartBody, customerId: string | null): Promise<PricedCart> {
  if (!deps.shop.currencies.includes(body.currency)) {
    throw cartError('CART_UNKNOWN_CURRENCY', {
      detail: `The shop sells in ${deps.shop.currencies.join(', ')}`,
      fields: [{ field: '/currency', message: `must be one of ${deps.shop.currencies.join(', ')}` }],
    });
  }
  const locale = resolveLocale(deps, body.locale);
  const values = { id: newCartId(), currency: body.currency, locale, customerId: null };
  if (!customerId) {
    // A guest cart is one insert (atomic alone) and has nothing to read yet: no lines, no
    // shipping method, no address.
    const cart = await deps.db.insertInto('cart').values(values).returningAll().executeTakeFirstOrThrow();
    return priceCart(deps, deps.db, { cart, lines: [], method: null, rates: [] });
  }
  const data = await withTransaction(deps.db, async (trx) => {
    const row = await trx.insertInto('cart').values(values).returningAll().executeTakeFirstOrThrow();
    return lockedCartData(deps, trx, (await adopt(deps, trx, row, customerId)).id);
  });
  return priceCart(deps, deps.db, data);
}

/**
 * A cart this transaction has locked (or created) with everything it is priced from, the
 * discount engine's candidates included: a statement of its own after the lock, since a
 * statement that waited for a row lock sees the other tables as they were before.
 */
export async function lockedCartData(deps: CartDeps, trx: Tx, cartId: string, options: Omit<CartReadOptions, 'discounts'> = {}): Promise<FullCartRead> {
  const read = await readCart(deps, trx, cartId, { ...options, discounts: true });
  if (!read) throw cartError('CART_NOT_FOUND');
  return read;
}

/**
 * The cart for a store request (adopting a guest cart for a signed-in customer) with everything
 * it is priced from, and with `withMethods` the active shipping methods instead of the discount
 * engine's candidates: one statement, unless the cart is adopted.
 */
async function visibleCart(deps: CartDeps, id: string, customerId: string | null, withMethods = false): Promise<FullCartRead> {
  const read = () => readCart(deps, deps.db, id, withMethods ? { methods: true } : { discounts: true });
  const found = await read();
  if (!found || (found.cart.customerId !== null && found.cart.customerId !== customerId)) throw cartError('CART_NOT_FOUND');
  if (found.cart.customerId === null && customerId !== null && found.cart.status === 'active') {
    await withTransaction(deps.db, (trx) => openCart(deps, trx, id, customerId));
    // Adopting may fold another cart in: read again (rare, so simply).
    const adopted = await read();
    if (!adopted) throw cartError('CART_NOT_FOUND');
    return adopted;
  }
  return found;
}

/** GET /store/carts/:id: the cart priced now. */
export async function viewCart(deps: CartDeps, id: string, customerId: string | null): Promise<PricedCart> {
  return priceCart(deps, deps.db, await visibleCart(deps, id, customerId));
}

/**
 * What a change leaves: the cart as written, with its lines, shipping method and tax rates, and
 * the catalog offers, stock and discount candidates it read under the lock.
 */
export type Changed = CartRead;

type LineWrite =
  | InsertQueryBuilder<Database, 'cartItem', { id: string }>
  | UpdateQueryBuilder<Database, 'cartItem', 'cartItem', { id: string }>
  | DeleteQueryBuilder<Database, 'cartItem', { id: string }>;

/**
 * Bumps the cart's `updated_at` and returns its row, in the same statement as `write` (a write
 * to its lines, `returning id`) when one is given.
 */
export async function touchCart(trx: Tx, cartId: string, write?: LineWrite): Promise<CartRow> {
  if (!write) return trx.updateTable('cart').set({ updatedAt: now }).where('id', '=', cartId).returningAll().executeTakeFirstOrThrow();
  return trx.with('line_write', () => write).updateTable('cart').set({ updatedAt: now }).where('id', '=', cartId).returningAll().executeTakeFirstOrThrow();
}

/**
 * Runs a change on an active cart the caller may use, in one transaction holding the cart's
 * lock (so a cart's writes are serialised). The change bumps `updated_at` and returns the cart
 * as it wrote it with what it read under the lock, which is priced after the commit without
 * reading anything again. Throws CART_NOT_FOUND, CART_NOT_ACTIVE.
 */
export async function changeCart(deps: CartDeps, id: string, customerId: string | null, change: (trx: Tx, cart: CartRow) => Promise<Changed>): Promise<PricedCart> {
  const changed = await withTransaction(deps.db, async (trx) => {
    const row = await openCart(deps, trx, id, customerId);
    if (row.status !== 'active') throw cartError('CART_NOT_ACTIVE', { detail: `The cart is ${row.status}` });
    return change(trx, row);
  });
  return priceCart(deps, deps.db, changed);
}

function toAddress(input: CartAddressInput): CartAddress {
  return {
    firstName: input.firstName,
    lastName: input.lastName,
    company: input.company ?? null,
    phone: input.phone ?? null,
    line1: input.line1,
    line2: input.line2 ?? null,
    city: input.city,
    region: input.region ?? null,
    postalCode: input.postalCode ?? null,
    country: input.country.toUpperCase(),
  };
}

/**
 * Replaces `shippingAddressId` / `billingAddressId` with copies of the customer's saved
 * addresses. Throws 400 CART_ADDRESS_NOT_FOUND for a guest or an id not in their address book.
 */
export async function resolveSavedAddresses(deps: CartDeps, customerId: string | null, body: UpdateCartBody): Promise<UpdateCartBody> {
  const { shippingAddressId, billingAddressId, ...rest } = body;
  const out: UpdateCartBody = { ...rest };
  for (const [key, id, target] of [
    ['shippingAddressId', shippingAddressId, 'shippingAddress'],
    ['billingAddressId', billingAddressId, 'billingAddress'],
  ] as const) {
    if (id === undefined) continue;
    const saved = customerId && deps.savedAddress ? await deps.savedAddress(customerId, id) : null;
    if (!saved) throw cartError('CART_ADDRESS_NOT_FOUND', { detail: customerId ? `No saved address ${id}` : 'Sign in to use a saved address', fields: [{ field: `/${key}`, message: 'unknown' }] });
    out[target] = saved;
  }
  return out;
}

/** The columns a details update sets: only the fields the body has (null clears). */
function detailChanges(body: UpdateCartBody) {
  return {
    ...(body.email !== undefined ? { email: body.email === null ? null : body.email.trim().toLowerCase() } : {}),
    ...(body.shippingAddress !== undefined ? { shippingAddress: jsonOrNull(body.shippingAddress && toAddress(body.shippingAddress)) } : {}),
    ...(body.billingAddress !== undefined ? { billingAddress: jsonOrNull(body.billingAddress && toAddress(body.billingAddress)) } : {}),
    updatedAt: now,
  };
}

/**
 * Sets email, addresses and the shipping method (null clears each), in one transaction holding
 * the cart's lock. A method must exist (CART_SHIPPING_METHOD_NOT_FOUND) and apply to the cart
 * with its new address (CART_SHIPPING_METHOD_UNAVAILABLE); both are checked on the cart as
 * written, and the transaction rolls back when they fail. Throws CART_NOT_FOUND, CART_NOT_ACTIVE.
 */
export async function updateCart(deps: CartDeps, id: string, customerId: string | null, body: UpdateCartBody): Promise<PricedCart> {
  const read = await withTransaction(deps.db, async (trx) => {
    // An unknown method id is written as null (no foreign-key error) and reported below.
    const method = body.shippingMethodId;
    const write = () =>
      trx
        .updateTable('cart')
        .set({
          ...detailChanges(body),
          ...(method !== undefined ? { shippingMethodId: method === null ? null : (eb) => eb.selectFrom('shippingMethod').select('id').where('id', '=', method) } : {}),
        })
        .where('id', '=', id);
    // The update takes the cart's lock itself when the cart is active and the caller's own (or a
    // guest cart for a guest): the usual case costs no separate lock statement. Anything else
    // (unknown, not active, another's, a guest cart to adopt) goes through `openCart`.
    const written = await write().where('status', '=', 'active').where('customerId', 'is not distinct from', customerId).returning('id').executeTakeFirst();
    if (!written) {
      const cart = await openCart(deps, trx, id, customerId);
      if (cart.status !== 'active') throw cartError('CART_NOT_ACTIVE', { detail: `The cart is ${cart.status}` });
      await write().execute();
    }
    const data = await lockedCartData(deps, trx, id);
    if (method) checkShippingMethod(data, method);
    return data;
  });
  return priceCart(deps, deps.db, read);
}

/** Throws unless the cart's chosen method is `methodId` and applies to the cart as it is. */
function checkShippingMethod(data: FullCartRead, methodId: string): void {
  const { cart, method, lines, stock } = data;
  if (!method || method.id !== methodId) {
    throw cartError('CART_SHIPPING_METHOD_NOT_FOUND', { detail: `No shipping method ${methodId}`, fields: [{ field: '/shippingMethodId', message: 'unknown' }] });
  }
  const country = cart.shippingAddress?.country ?? null;
  const state = cartState(lines, stock);
  if (quoteShipping(method, { currency: cart.currency, country, subtotal: state.subtotal, weightGrams: state.weightGrams }) === null) {
    throw cartError('CART_SHIPPING_METHOD_UNAVAILABLE', {
      detail: `${method.name} does not apply to this cart (${[cart.currency, country ?? 'no shipping address', `${state.weightGrams} g`].join(', ')})`,
      fields: [{ field: '/shippingMethodId', message: 'does not apply to this cart' }],
    });
  }
}

/**
 * Adds a coupon code, checked by the `validateCode` dependency inside the cart's transaction
 * (its 4xx pass through); a code already on the cart is kept once. Throws 409
 * CART_COUPONS_UNAVAILABLE without a validator.
 */
export async function addCode(deps: CartDeps, trx: Tx, cart: CartRow, code: string): Promise<Changed> {
  if (!deps.validateCode) throw cartError('CART_COUPONS_UNAVAILABLE');
  const stored = await deps.validateCode(trx, code, { customerId: cart.customerId, currency: cart.currency, codes: cart.codes });
  const codes = cart.codes.includes(stored) ? cart.codes : [...cart.codes, stored];
  await trx.updateTable('cart').set({ codes, updatedAt: now }).where('id', '=', cart.id).execute();
  return lockedCartData(deps, trx, cart.id);
}

/** Removes a coupon code (compared case-insensitively). Throws 404 CART_COUPON_NOT_IN_CART. */
export async function removeCode(deps: CartDeps, trx: Tx, cart: CartRow, code: string): Promise<Changed> {
  const wanted = code.trim().toUpperCase();
  if (!cart.codes.some((c) => c.toUpperCase() === wanted)) throw cartError('CART_COUPON_NOT_IN_CART', { detail: `The cart does not hold ${wanted}` });
  const codes = cart.codes.filter((c) => c.toUpperCase() !== wanted);
  await trx.updateTable('cart').set({ codes, updatedAt: now }).where('id', '=', cart.id).execute();
  return lockedCartData(deps, trx, cart.id);
}

/** The methods that apply to the cart now (its currency, shipping country and weight), with their amount. */
export async function shippingOptions(deps: CartDeps, id: string, customerId: string | null): Promise<ShippingOption[]> {
  const { cart, lines, stock, methods } = await visibleCart(deps, id, customerId, true);
  const state = cartState(lines, stock);
  const ctx = { currency: cart.currency, country: cart.shippingAddress?.country ?? null, subtotal: state.subtotal, weightGrams: state.weightGrams };
  return methods.flatMap((m) => {
    const amount = quoteShipping(m, ctx);
    return amount === null ? [] : [{ id: m.id, name: m.name, type: m.type, amount, currency: cart.currency }];
  });
}

/** The customer's active cart, priced. Throws CART_NOT_FOUND when they have none. */
export async function activeCartOf(deps: CartDeps, customerId: string): Promise<PricedCart> {
  const row = await selectCartData(deps, deps.db, { discounts: true }).where('cart.customerId', '=', customerId).where('cart.status', '=', 'active').executeTakeFirst();
  if (!row) throw cartError('CART_NOT_FOUND', { detail: 'You have no active cart' });
  return priceCart(deps, deps.db, toCartRead(deps, row as CartDataRow));
}

/** Any cart by id, priced (no access check: for modules, not for store requests). */
export async function getCart(deps: CartDeps, db: CartDeps['db'], id: string): Promise<PricedCart> {
  const read = await readCart(deps, db, id, { discounts: true });
  if (!read) throw cartError('CART_NOT_FOUND');
  return priceCart(deps, db, read);
}

/** Locks the cart row and prices it inside `trx`. Throws CART_NOT_FOUND, CART_NOT_ACTIVE. */
export async function lockForCheckout(deps: CartDeps, trx: Tx, id: string): Promise<PricedCart> {
  const cart = await trx.selectFrom('cart').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!cart) throw cartError('CART_NOT_FOUND');
  if (cart.status !== 'active') throw cartError('CART_NOT_ACTIVE', { detail: `The cart is ${cart.status}` });
  return priceCart(deps, trx, await lockedCartData(deps, trx, cart.id));
}

/** Marks an active cart completed by `orderId`. Throws CART_NOT_FOUND, CART_NOT_ACTIVE. */
export async function markCompleted(trx: Tx, id: string, orderId: string): Promise<void> {
  const row = await trx
    .updateTable('cart')
    .set({ status: 'completed', orderId, completedAt: now, updatedAt: now })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .returning('id')
    .executeTakeFirst();
  if (row) return;
  const cart = await trx.selectFrom('cart').select('status').where('id', '=', id).executeTakeFirst();
  if (!cart) throw cartError('CART_NOT_FOUND');
  throw cartError('CART_NOT_ACTIVE', { detail: `The cart is ${cart.status}` });
}

const REASONS: Record<string, string> = {
  not_found: 'is no longer sold',
  unpublished: 'is not for sale',
  no_price: 'has no price in the cart currency',
  insufficient_stock: 'is not in stock for this quantity',
};

/** What keeps a priced cart from checkout; empty when it is ready. */
export function checkoutProblems(cart: PricedCart): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (cart.status !== 'active') problems.push({ field: '/status', message: `the cart is ${cart.status}` });
  if (cart.items.length === 0) problems.push({ field: '/items', message: 'the cart is empty' });
  for (const [i, item] of cart.items.entries()) {
    if (!item.available) problems.push({ field: `/items/${i}`, message: `${item.sku} ${REASONS[item.unavailableReason ?? ''] ?? 'is not available'}` });
  }
  if (cart.customerId === null && !cart.email) problems.push({ field: '/email', message: 'is required for a guest checkout' });
  if (!cart.shippingAddress) problems.push({ field: '/shippingAddress', message: 'is required' });
  if (!cart.shippingMethodId) problems.push({ field: '/shippingMethodId', message: 'is required' });
  else if (!cart.shippingMethod) problems.push({ field: '/shippingMethodId', message: 'the chosen method does not apply to this cart' });
  return problems;
}
