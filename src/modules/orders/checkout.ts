import { createHash } from 'node:crypto';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { newToken } from '../../platform/tokens.js';
import type { OrderDeps } from './deps.js';
import { writeOrder } from './write.js';
import { orderError } from './errors.js';
import type { LineRow, OrderRow } from './views.js';
import type { OrderHistoryTable } from './tables.js';
import type { Selectable } from 'kysely';

export interface CheckoutInput {
  cartId: string;
  idempotencyKey: string | undefined;
  body: { note?: string };
  /** The signed-in customer, if any. */
  customerId: string | null;
}

export interface CheckoutResult {
  order: OrderRow;
  /** A new order's lines and first history entry, as written (null for a replay). */
  written: { lines: LineRow[]; history: Selectable<OrderHistoryTable>[] } | null;
  /** False when the key was seen before and this is the first request's order. */
  created: boolean;
  /** Guest orders: the token that reads, pays and cancels the order. */
  accessToken: string | null;
}

const KEY_PATTERN = /^[\x21-\x7e]{8,200}$/;

function requestHash(input: CheckoutInput): string {
  return createHash('sha256').update(JSON.stringify([input.cartId, input.customerId, input.body.note ?? null])).digest('hex');
}

/**
 * Places an order from a cart, in one transaction: claims the idempotency key, locks and
 * re-prices the cart, reserves stock for every line (all or nothing), writes the order with a
 * copy of each line as sold, completes the cart and publishes `order.placed`. A key already
 * used for the same request returns that order (`created: false`); for another request, 422.
 */
export async function checkout(deps: OrderDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const key = input.idempotencyKey;
  if (!key) throw orderError('ORDER_IDEMPOTENCY_KEY_REQUIRED', { detail: 'Checkout needs an Idempotency-Key header (8–200 visible ASCII characters), the same on every retry' });
  if (!KEY_PATTERN.test(key)) {
    throw orderError('ORDER_IDEMPOTENCY_KEY_REQUIRED', { detail: 'The Idempotency-Key must be 8–200 visible ASCII characters', fields: [{ field: 'headers:/idempotency-key', message: 'is malformed' }] });
  }
  const hash = requestHash(input);
  // Read before the transaction: the customers module reads on its own handle.
  const customerEmail = input.customerId ? (await deps.customers.get(input.customerId)).email : null;
  // The order's customer is the signed-in one: a cart owned by anyone else is refused below.
  const accessToken = input.customerId ? null : newToken('ordt_');
  return withTransaction(deps.db, async (trx) => {
    const orderId = newId('ord');
    // A concurrent request with the same key waits here until the first commits or rolls back.
    const claimed = await trx
      .insertInto('orderIdempotency')
      .values({ key, requestHash: hash, orderId, accessToken })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) return replay(trx, key, hash);

    const cart = await deps.cart.lockForCheckout(trx, input.cartId);
    if (cart.customerId !== null && cart.customerId !== input.customerId) {
      // Someone else's cart: the same answer as for a missing one.
      throw orderError('ORDER_NOT_FOUND', { detail: `No cart ${input.cartId}` });
    }
    const customerId = input.customerId;
    const email = cart.email ?? customerEmail;
    const problems = deps.cart.checkoutProblems(cart).filter((p) => {
      if (p.field === '/email') return !email;
      // Stock is decided by the reservation below, under lock, with a 409 naming the lines.
      const line = /^\/items\/(\d+)$/.exec(p.field);
      return !(line && cart.items[Number(line[1])]?.unavailableReason === 'insufficient_stock');
    });
    if (!email && !problems.some((p) => p.field === '/email')) problems.push({ field: '/email', message: 'is required for guest checkout' });
    if (problems.length) throw orderError('ORDER_CHECKOUT_INCOMPLETE', { detail: problems.map((p) => `${p.field} ${p.message}`).join('; '), fields: problems });

    const reserved = await deps.inventory.reserve(
      trx,
      cart.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
      orderId,
    );
    if (!reserved.ok) {
      const fields = reserved.shortages.map((s) => {
        const index = cart.items.findIndex((i) => i.sku === s.sku);
        return { field: `/items/${index}`, message: `${s.sku}: ${s.requested} wanted, ${Math.max(0, s.available)} available` };
      });
      throw orderError('ORDER_OUT_OF_STOCK', { detail: `Out of stock: ${reserved.shortages.map((s) => s.sku).join(', ')}`, fields });
    }
    // Counted in this transaction under the promotions' row locks: a limit reached meanwhile is a 409 and undoes it all.
    await deps.promotions?.recordUsage(trx, { orderId, customerId, currency: cart.currency, total: cart.total, applied: cart.appliedPromotions, codes: cart.codes });

    const written = await writeOrder(deps, trx, {
      id: orderId,
      customerId,
      email: email!,
      currency: cart.currency,
      locale: cart.locale,
      totals: {
        subtotal: cart.subtotal,
        discountTotal: cart.discountTotal,
        shippingDiscount: cart.shippingDiscount,
        shippingTotal: cart.shippingTotal,
        taxTotal: cart.taxTotal,
        taxInclusive: cart.taxInclusive,
        total: cart.total,
      },
      shippingAddress: cart.shippingAddress,
      billingAddress: cart.billingAddress,
      shippingMethod: cart.shippingMethod,
      promotions: cart.appliedPromotions,
      codes: cart.codes,
      cartId: cart.id,
      reservationId: reserved.reservationId,
      accessToken,
      paymentDueMinutes: deps.config.paymentTimeoutMinutes,
      // A cart line is sold at the catalog's regular price: nothing was marked down outside the
      // promotions (already in discountTotal). A compare-at price is shop-set display, not a price
      // the shopper would otherwise have paid, so it is not recorded as one.
      lines: cart.items.map((l) => ({ ...l, listUnitPrice: null })),
      history: { actorType: customerId ? 'customer' : 'guest', note: input.body.note ?? null },
    });
    await deps.cart.markCompleted(trx, cart.id, orderId);
    return { order: written.order, created: true, accessToken, written: { lines: written.lines, history: written.history } };
  });
}

async function replay(trx: Tx, key: string, hash: string): Promise<CheckoutResult> {
  const row = await trx.selectFrom('orderIdempotency').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
  if (row.requestHash !== hash) throw orderError('ORDER_IDEMPOTENCY_KEY_REUSED', { detail: 'Use a new Idempotency-Key for a different checkout' });
  const order = await trx.selectFrom('orders').selectAll().where('id', '=', row.orderId).executeTakeFirstOrThrow();
  return { order, created: false, accessToken: row.accessToken, written: null };
}
