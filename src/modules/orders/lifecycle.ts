import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import type { OrderActor, OrderDeps, Viewer } from './deps.js';
import { orderError } from './errors.js';
import type { ShipBody } from './schemas.js';
import { assertTransition, fulfillmentAfterShipping, lineRefundShare, paymentStatusAfterRefund, statusAfterRefund } from './state.js';
import type { OrderStatus, OrdersTable } from './tables.js';
import { canView, type LineRow, type OrderRow } from './views.js';

/** Event names per status an order enters. */
const EVENT_FOR: Partial<Record<OrderStatus, string>> = {
  paid: 'order.paid',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  completed: 'order.completed',
  cancelled: 'order.cancelled',
  partially_refunded: 'order.refunded',
  refunded: 'order.refunded',
};

/** Locks an order row for the rest of the transaction; 404 when missing or not the viewer's. */
export async function lockOrder(trx: Tx, orderId: string, viewer: Viewer = { kind: 'staff' }): Promise<OrderRow> {
  const row = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst();
  if (!row || !canView(row, viewer)) throw orderError('ORDER_NOT_FOUND', { detail: `No order ${orderId}` });
  return row;
}

export async function orderLines(db: Kysely<Database>, orderId: string): Promise<LineRow[]> {
  return db.selectFrom('orderLine').selectAll().where('orderId', '=', orderId).orderBy('position').execute();
}

/** What every order event carries, so subscribers (analytics, search, mail) need not read back. */
export function eventPayload(order: OrderRow, extra: Record<string, unknown> = {}) {
  return {
    orderId: order.id,
    number: order.number,
    status: order.status,
    customerId: order.customerId,
    currency: order.currency,
    baseCurrency: order.baseCurrency,
    exchangeRate: order.exchangeRate === null ? null : String(order.exchangeRate),
    subtotal: order.subtotal,
    discountTotal: order.discountTotal,
    shippingTotal: order.shippingTotal,
    taxTotal: order.taxTotal,
    total: order.total,
    paidTotal: order.paidTotal,
    refundedTotal: order.refundedTotal,
    codes: order.codes,
    promotions: order.promotions,
    ...extra,
  };
}

/**
 * Moves a locked order to `to` (guarded by the state machine), applying `set` in the same
 * UPDATE, and records the history entry and the event. Returns the updated row.
 */
export async function transition(
  trx: Tx,
  order: OrderRow,
  to: OrderStatus,
  actor: OrderActor,
  options: { note?: string | null; set?: Updateable<OrdersTable>; event?: Record<string, unknown> } = {},
): Promise<OrderRow> {
  assertTransition(order.status, to);
  // The history entry is written by the same statement (the row is locked: the update cannot miss).
  const entry = { id: newId('ohs'), orderId: order.id, fromStatus: order.status, toStatus: to, actorType: actor.type, actorId: actor.id, note: options.note ?? null };
  const updated = await trx
    .with('entry', (db) => db.insertInto('orderHistory').values(entry))
    .updateTable('orders')
    .set({ ...options.set, status: to, updatedAt: sql<Date>`now()` })
    .where('id', '=', order.id)
    .where('status', '=', order.status)
    .returningAll()
    .executeTakeFirst();
  // The row is locked, so the status cannot have moved under us.
  if (!updated) throw new Error(`order ${order.id} changed while locked`);
  const name = EVENT_FOR[to];
  if (name && (to !== order.status || to === 'shipped' || to === 'partially_refunded')) {
    await publish(trx, name, eventPayload(updated, { from: order.status, to, actorType: actor.type, actorId: actor.id, ...options.event }));
  }
  return updated;
}

/**
 * Cancels an order that has not shipped. Unpaid: its reserved stock goes back. Paid: the sold
 * units go back on hand and a refund of what was paid is requested from payments
 * (`order.refund_requested`, done outside this transaction).
 */
export async function cancelInTx(deps: OrderDeps, trx: Tx, order: OrderRow, actor: OrderActor, reason: string | null): Promise<OrderRow> {
  if (order.fulfillmentStatus !== 'unfulfilled') {
    throw orderError('ORDER_INVALID_TRANSITION', { detail: 'Shipped orders cannot be cancelled; request a return instead' });
  }
  assertTransition(order.status, 'cancelled');
  // A hook may take the units back first (a flash sale's pool); the reservation is then released.
  for (const hook of deps.cancelHooks ?? []) await hook(trx, order);
  if (order.reservationId) {
    const reservation = await deps.inventory.getReservation(trx, order.reservationId);
    if (reservation.status === 'active') await deps.inventory.release(trx, order.reservationId);
    else if (reservation.status === 'committed') {
      await deps.inventory.restock(trx, reservation.lines, order.id, 'order cancelled');
    }
  }
  // An order cancelled before payment gives its promotion uses (and campaign spend) back.
  if (order.paymentStatus === 'unpaid') await deps.promotions?.releaseUsage(trx, order.id);
  const refundDue = order.paidTotal - order.refundedTotal;
  const updated = await transition(trx, order, 'cancelled', actor, {
    note: reason,
    set: { cancelledAt: new Date(), cancelReason: reason },
    event: { reason, refundDue },
  });
  if (refundDue > 0) {
    await publish(trx, 'order.refund_requested', { orderId: order.id, amount: refundDue, currency: order.currency, reason: 'order cancelled', reference: `cancel:${order.id}` });
  }
  return updated;
}

export async function cancelOrder(deps: OrderDeps, orderId: string, viewer: Viewer, actor: OrderActor, reason: string | null): Promise<OrderRow> {
  return withTransaction(deps.db, async (trx) => {
    const order = await lockOrder(trx, orderId, viewer);
    // Shoppers may cancel before shipment; a paid order's refund follows automatically.
    const updated = await cancelInTx(deps, trx, order, actor, reason);
    if (actor.type === 'staff') {
      await deps.audit.record(trx, { actorId: actor.id, action: 'order.cancel', targetType: 'order', targetId: order.id, data: { reason }, ip: actor.ip ?? null });
    }
    return updated;
  });
}

export type PaymentOutcome = 'paid' | 'already_paid' | 'order_cancelled' | 'amount_mismatch';

/**
 * Applies a captured payment: a pending order whose total and currency match becomes paid, its
 * stock reservation is committed and the sale counted, all in the caller's transaction.
 * Anything else changes nothing and says why.
 */
export async function applyPayment(
  deps: OrderDeps,
  trx: Tx,
  input: { orderId: string; paymentId: string; provider: string; amount: number; currency: string },
): Promise<PaymentOutcome> {
  const order = await trx.selectFrom('orders').selectAll().where('id', '=', input.orderId).forUpdate().executeTakeFirst();
  if (!order) throw orderError('ORDER_NOT_FOUND', { detail: `No order ${input.orderId}` });
  if (order.status === 'cancelled') return 'order_cancelled';
  if (order.paymentStatus !== 'unpaid') return 'already_paid';
  if (input.currency !== order.currency || input.amount !== order.total) return 'amount_mismatch';
  if (order.reservationId) await deps.inventory.commit(trx, order.reservationId);
  // The payment is recorded by the statement that reads the lines (they cannot change: the order is locked).
  const lines = await trx
    .with('payment', (db) =>
      db
        .insertInto('orderTransaction')
        .values({ id: newId('otx'), orderId: order.id, kind: 'payment', provider: input.provider, reference: input.paymentId, amount: input.amount, currency: input.currency, note: null }),
    )
    .selectFrom('orderLine')
    .selectAll()
    .where('orderId', '=', order.id)
    .orderBy('position')
    .execute();
  await deps.catalog.recordSales(
    trx,
    lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
  );
  await transition(trx, order, 'paid', { type: 'system', id: null }, {
    note: `${input.provider} payment ${input.paymentId}`,
    set: { paymentStatus: 'paid', paidTotal: input.amount, paidAt: new Date() },
    event: { paymentId: input.paymentId, provider: input.provider, lines: lines.map((l) => ({ lineId: l.id, productId: l.productId, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, listUnitPrice: l.listUnitPrice, total: l.total })) },
  });
  return 'paid';
}

/**
 * The exact refund share of `units` of each line, counting what was already refunded of it.
 * Throws 400 ORDER_INVALID_LINES for unknown lines or more units than remain unrefunded.
 */
export function planLineRefunds(lines: LineRow[], wanted: { lineId: string; quantity: number }[]): { lineId: string; quantity: number; amount: number }[] {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const merged = new Map<string, number>();
  for (const w of wanted) merged.set(w.lineId, (merged.get(w.lineId) ?? 0) + w.quantity);
  return [...merged].map(([lineId, quantity], i) => {
    const line = byId.get(lineId);
    if (!line) throw orderError('ORDER_INVALID_LINES', { fields: [{ field: `/lines/${i}/lineId`, message: `is not a line of this order` }] });
    if (quantity > line.quantity - line.refundedQuantity) {
      throw orderError('ORDER_INVALID_LINES', { fields: [{ field: `/lines/${i}/quantity`, message: `only ${line.quantity - line.refundedQuantity} unrefunded` }] });
    }
    return { lineId, quantity, amount: lineRefundShare(line, line.refundedQuantity, quantity) };
  });
}

export async function refundableLines(db: Kysely<Database>, orderId: string, wanted: { lineId: string; quantity: number }[]) {
  return planLineRefunds(await orderLines(db, orderId), wanted);
}

/**
 * Records a refund the payment provider confirmed: the order's refunded total, each named
 * line's refunded units and amount, and the status (partially_refunded or refunded; a
 * cancelled order stays cancelled). Idempotent on `refundId`.
 */
export async function applyRefund(
  trx: Tx,
  input: { orderId: string; refundId: string; provider: string; amount: number; reason: string; lines?: { lineId: string; quantity: number }[] },
): Promise<void> {
  const order = await trx.selectFrom('orders').selectAll().where('id', '=', input.orderId).forUpdate().executeTakeFirst();
  if (!order) throw orderError('ORDER_NOT_FOUND', { detail: `No order ${input.orderId}` });
  const inserted = await trx
    .insertInto('orderTransaction')
    .values({ id: newId('otx'), orderId: order.id, kind: 'refund', provider: input.provider, reference: input.refundId, amount: input.amount, currency: order.currency, note: input.reason })
    .onConflict((oc) => oc.columns(['kind', 'reference']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return;
  if (input.lines?.length) {
    const lines = await orderLines(trx, order.id);
    const byId = new Map(lines.map((l) => [l.id, l]));
    for (const share of planLineRefunds(lines, input.lines)) {
      const line = byId.get(share.lineId)!;
      await trx
        .updateTable('orderLine')
        .set({ refundedQuantity: line.refundedQuantity + share.quantity, refundedTotal: Math.min(line.total, line.refundedTotal + share.amount) })
        .where('id', '=', line.id)
        .execute();
    }
  }
  const refunded = Math.min(order.paidTotal, order.refundedTotal + input.amount);
  const to = statusAfterRefund(order.status, refunded, order.paidTotal);
  const set = { refundedTotal: refunded, paymentStatus: paymentStatusAfterRefund(refunded, order.paidTotal) } as const;
  if (to === order.status && to === 'cancelled') {
    await trx.updateTable('orders').set({ ...set, updatedAt: sql<Date>`now()` }).where('id', '=', order.id).execute();
    await publish(trx, 'order.refunded', eventPayload({ ...order, ...set }, { refundId: input.refundId, amount: input.amount, reason: input.reason }));
    return;
  }
  await transition(trx, order, to, { type: 'system', id: null }, {
    note: `refund ${input.refundId}: ${input.reason}`,
    set,
    event: { refundId: input.refundId, amount: input.amount, reason: input.reason, lines: input.lines ?? [] },
  });
}

/** Ships some or all remaining units (one shipment, one carrier). Staff only. */
export async function shipOrder(deps: OrderDeps, orderId: string, body: ShipBody, actor: OrderActor): Promise<OrderRow> {
  return withTransaction(deps.db, async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (order.paymentStatus === 'unpaid' || !['paid', 'shipped', 'partially_refunded'].includes(order.status)) {
      throw orderError('ORDER_INVALID_TRANSITION', { detail: `An order that is ${order.status.replace('_', ' ')} cannot be shipped` });
    }
    const lines = await orderLines(trx, order.id);
    const byId = new Map(lines.map((l) => [l.id, l]));
    const wanted = body.lines ?? lines.filter((l) => l.shippedQuantity < l.quantity).map((l) => ({ lineId: l.id, quantity: l.quantity - l.shippedQuantity }));
    if (wanted.length === 0) throw orderError('ORDER_NOTHING_TO_SHIP', { detail: 'Every unit has shipped' });
    const merged = new Map<string, number>();
    for (const w of wanted) merged.set(w.lineId, (merged.get(w.lineId) ?? 0) + w.quantity);
    let i = 0;
    for (const [lineId, quantity] of merged) {
      const line = byId.get(lineId);
      if (!line) throw orderError('ORDER_INVALID_LINES', { fields: [{ field: `/lines/${i}/lineId`, message: 'is not a line of this order' }] });
      if (quantity > line.quantity - line.shippedQuantity) {
        throw orderError('ORDER_INVALID_LINES', { fields: [{ field: `/lines/${i}/quantity`, message: `only ${line.quantity - line.shippedQuantity} left to ship` }] });
      }
      line.shippedQuantity += quantity;
      i++;
    }
    const shipmentId = newId('shp');
    await trx.insertInto('orderShipment').values({ id: shipmentId, orderId: order.id, carrier: body.carrier, trackingNumber: body.trackingNumber, createdBy: actor.id }).execute();
    await trx
      .insertInto('orderShipmentLine')
      .values([...merged].map(([lineId, quantity]) => ({ shipmentId, lineId, quantity })))
      .execute();
    for (const lineId of merged.keys()) {
      const line = byId.get(lineId)!;
      await trx.updateTable('orderLine').set({ shippedQuantity: line.shippedQuantity }).where('id', '=', lineId).execute();
    }
    const fulfillment = fulfillmentAfterShipping(lines);
    const updated = await transition(trx, order, 'shipped', actor, {
      note: `${body.carrier} ${body.trackingNumber}`,
      set: { fulfillmentStatus: fulfillment, shippedAt: new Date() },
      event: { shipmentId, carrier: body.carrier, trackingNumber: body.trackingNumber, complete: fulfillment === 'shipped', lines: [...merged].map(([lineId, quantity]) => ({ lineId, quantity })) },
    });
    await deps.audit.record(trx, { actorId: actor.id, action: 'order.ship', targetType: 'order', targetId: order.id, data: { shipmentId, carrier: body.carrier }, ip: actor.ip ?? null });
    return updated;
  });
}

/** Confirms receipt of a fully shipped order (the shopper, or the sweep after N days). */
export async function receiveInTx(trx: Tx, order: OrderRow, actor: OrderActor): Promise<OrderRow> {
  if (order.fulfillmentStatus !== 'shipped') {
    throw orderError('ORDER_INVALID_TRANSITION', {
      detail: order.fulfillmentStatus === 'delivered' ? 'The order was already received' : 'The order has not fully shipped yet',
    });
  }
  return transition(trx, order, 'delivered', actor, { set: { fulfillmentStatus: 'delivered', deliveredAt: new Date() } });
}

export async function receiveOrder(deps: OrderDeps, orderId: string, viewer: Viewer, actor: OrderActor): Promise<OrderRow> {
  return withTransaction(deps.db, async (trx) => receiveInTx(trx, await lockOrder(trx, orderId, viewer), actor));
}
