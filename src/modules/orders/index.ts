import type { Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { createPoller } from '../../platform/poller.js';
import type { Logger } from 'pino';
import { checkout, type CheckoutInput } from './checkout.js';
import type { CancelHook, OrderActor, OrderDeps, Viewer } from './deps.js';
import { placeDirectOrder, type DirectOrderInput } from './direct.js';
import { orderError } from './errors.js';
import * as lifecycle from './lifecycle.js';
import { addNote, listOrders } from './queries.js';
import * as returns from './returns.js';
import type { AdminOrderQuery, OrderView, ReturnRequestBody, ShipBody } from './schemas.js';
import { sweepOrders } from './sweep.js';
import type { ReturnStatus } from './tables.js';
import { buildOrderView, findVisible, loadOrderView, type OrderRow } from './views.js';

export { orderMigrations } from './migrations.js';
export { orderStoreRoutes, orderAdminRoutes } from './routes.js';
export { orderError } from './errors.js';
export { hasPlacedOrder } from './queries.js';
export { OrderSchema, OrderSummarySchema } from './schemas.js';
export type { OrderView, OrderLineView } from './schemas.js';
export type { CartPort, CheckoutCart, OrderActor, OrderDeps, Viewer } from './deps.js';
export type { CancelHook } from './deps.js';
export type { DirectOrderInput, DirectOrderLine } from './direct.js';
export type { PaymentOutcome } from './lifecycle.js';
export type { OrderStatus } from './tables.js';

/** What payments may read about an order before charging it. */
export interface PayableOrder {
  id: string;
  number: string;
  status: string;
  currency: string;
  total: number;
  paidTotal: number;
  refundedTotal: number;
  customerId: string | null;
  email: string;
  locale: string;
}

/**
 * Orders: checkout from a cart, the order state machine with its history and events, shipments,
 * returns, notes, and the clock that cancels unpaid orders and closes delivered ones. Payments
 * report captures and refunds through `applyPayment` / `applyRefund` inside their transactions.
 */
export function createOrdersModule(moduleDeps: OrderDeps & { log: Logger }) {
  // Hooks registered later (`onCancel`) join the deps every cancellation sees.
  const cancelHooks: CancelHook[] = [...(moduleDeps.cancelHooks ?? [])];
  const deps = { ...moduleDeps, cancelHooks };
  const view = async (row: OrderRow, staff = false, accessToken?: string | null): Promise<OrderView> => {
    const v = await loadOrderView(deps.db, row, { staff });
    return accessToken ? { ...v, accessToken } : v;
  };
  const poller = createPoller(async () => (await sweepOrders(deps)) > 0, { pollMs: deps.config.sweepIntervalMs, log: deps.log, what: 'order sweep' });

  return {
    /**
     * Places an order from a cart (see POST /store/carts/:id/checkout). Returns the order view
     * (with `accessToken` for guests) and whether this call created it or replayed a key.
     */
    async checkout(input: CheckoutInput): Promise<{ order: OrderView; created: boolean }> {
      const result = await checkout(deps, input);
      // A new order is answered from what was just written; a replay reads it back.
      const order = result.written
        ? buildOrderView(result.order, { ...result.written, shipments: [], shipmentLines: [], returns: [], returnLines: [], notes: [] })
        : await loadOrderView(deps.db, result.order);
      return { order: result.accessToken ? { ...order, accessToken: result.accessToken } : order, created: result.created };
    },
    /** An order as its viewer may see it (staff see history actors and notes). 404 ORDER_NOT_FOUND. */
    async get(orderId: string, viewer: Viewer): Promise<OrderView> {
      return view(await findVisible(deps.db, orderId, viewer), viewer.kind === 'staff');
    },
    /** A customer's orders, newest first. */
    listForCustomer: (customerId: string, page: { limit: number; cursor?: string }) => listOrders(deps.db, { ...page, customerId }),
    /** Staff search over all orders. */
    list: (query: AdminOrderQuery) => listOrders(deps.db, query),
    async cancel(orderId: string, viewer: Viewer, actor: OrderActor, reason: string | null): Promise<OrderView> {
      return view(await lifecycle.cancelOrder(deps, orderId, viewer, actor, reason), viewer.kind === 'staff');
    },
    async receive(orderId: string, viewer: Viewer, actor: OrderActor): Promise<OrderView> {
      return view(await lifecycle.receiveOrder(deps, orderId, viewer, actor));
    },
    async ship(orderId: string, body: ShipBody, actor: OrderActor): Promise<OrderView> {
      return view(await lifecycle.shipOrder(deps, orderId, body, actor), true);
    },
    requestReturn: (orderId: string, viewer: Viewer, actor: OrderActor, body: ReturnRequestBody) => returns.requestReturn(deps, orderId, viewer, actor, body),
    approveReturn: (returnId: string, actor: OrderActor) => returns.approveReturn(deps, returnId, actor),
    rejectReturn: (returnId: string, actor: OrderActor, reason: string) => returns.rejectReturn(deps, returnId, actor, reason),
    receiveReturn: (returnId: string, actor: OrderActor, options: { restock: boolean; refund: boolean }) => returns.receiveReturn(deps, returnId, actor, options),
    listReturns: (query: { limit: number; cursor?: string; status?: ReturnStatus }) => returns.listReturns(deps.db, query),
    async addNote(orderId: string, actor: OrderActor, body: string): Promise<OrderView> {
      await findVisible(deps.db, orderId, { kind: 'staff' });
      await deps.db.transaction().execute(async (trx) => {
        const id = newId('onote');
        await addNote(trx, { id, orderId, staffId: actor.id!, body });
        await deps.audit.record(trx, { actorId: actor.id, action: 'order.note', targetType: 'order', targetId: orderId, data: { noteId: id }, ip: actor.ip ?? null });
      });
      return this.get(orderId, { kind: 'staff' });
    },

    /** The order as payments need it; 404 ORDER_NOT_FOUND unless `viewer` may see it. */
    async forPayment(db: Kysely<Database>, orderId: string, viewer: Viewer): Promise<PayableOrder> {
      const o = await findVisible(db, orderId, viewer);
      return {
        id: o.id,
        number: o.number,
        status: o.status,
        currency: o.currency,
        total: o.total,
        paidTotal: o.paidTotal,
        refundedTotal: o.refundedTotal,
        customerId: o.customerId,
        email: o.email,
        locale: o.locale,
      };
    },
    /**
     * A captured payment, inside the payment's transaction: `paid` when the order was waiting
     * for exactly this amount (stock committed, sale counted, `order.paid`); otherwise
     * `already_paid`, `order_cancelled` or `amount_mismatch`, changing nothing.
     */
    applyPayment: (trx: Tx, input: { orderId: string; paymentId: string; provider: string; amount: number; currency: string }) => lifecycle.applyPayment(deps, trx, input),
    /** A refund the provider confirmed, inside its transaction; idempotent on `refundId`. */
    applyRefund: (trx: Tx, input: { orderId: string; refundId: string; provider: string; amount: number; reason: string; lines?: { lineId: string; quantity: number }[] }) =>
      lifecycle.applyRefund(trx, input),
    /** Each line's exact share for refunding some of its units. 400 ORDER_INVALID_LINES. */
    refundableLines: (db: Kysely<Database>, orderId: string, lines: { lineId: string; quantity: number }[]) => lifecycle.refundableLines(db, orderId, lines),
    /**
     * The lines of a customer's order, each `eligible` for review once the order was received
     * (delivered or completed). 404 ORDER_NOT_FOUND for someone else's order.
     */
    async reviewableLines(db: Kysely<Database>, orderId: string, customerId: string) {
      const order = await findVisible(db, orderId, { kind: 'customer', customerId });
      const eligible = order.fulfillmentStatus === 'delivered' && ['delivered', 'completed', 'partially_refunded'].includes(order.status);
      const lines = await lifecycle.orderLines(db, orderId);
      return lines.map((l) => ({ lineId: l.id, sku: l.sku, productId: l.productId, eligible }));
    },

    /**
     * Writes a `pending_payment` order from priced lines without a cart, inside the caller's
     * transaction (flash sales). The units must already be reserved under `reservationId`.
     * Free shipping, no tax; a line's `listUnitPrice` (the regular price it replaced) is kept on
     * the line and in its events. Publishes `order.placed`. Throws 400 ORDER_INVALID_LINES.
     */
    placeDirectOrder: (trx: Tx, input: DirectOrderInput) => placeDirectOrder(deps, trx, input),
    /**
     * Registers a hook every cancellation runs in its transaction, after locking the order and
     * before releasing its stock (see `CancelHook`).
     */
    onCancel(hook: CancelHook): void {
      cancelHooks.push(hook);
    },
    /** One pass of the order clock (tests and CLI); the background loop runs it periodically. */
    sweep: () => sweepOrders(deps),
    startSweeper: poller.start,
    stopSweeper: poller.stop,
    notFound: (orderId: string) => orderError('ORDER_NOT_FOUND', { detail: `No order ${orderId}` }),
  };
}

export type Orders = ReturnType<typeof createOrdersModule>;
