import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { OrderActor, OrderDeps, Viewer } from './deps.js';
import { orderError } from './errors.js';
import { lockOrder, orderLines, planLineRefunds } from './lifecycle.js';
import type { OrderReturnView, ReturnRequestBody } from './schemas.js';
import type { ReturnStatus } from './tables.js';
import { returnView } from './views.js';

/** Statuses from which a shopper may ask to send goods back. */
const RETURNABLE = new Set(['shipped', 'delivered', 'completed', 'partially_refunded']);

export async function loadReturn(db: Kysely<Database>, returnId: string): Promise<OrderReturnView> {
  const r = await db.selectFrom('orderReturn').selectAll().where('id', '=', returnId).executeTakeFirst();
  if (!r) throw orderError('ORDER_RETURN_NOT_FOUND', { detail: `No return ${returnId}` });
  const items = await db.selectFrom('orderReturnLine').select(['lineId', 'quantity', 'reason']).where('returnId', '=', returnId).orderBy('lineId').execute();
  return returnView(r, items);
}

/**
 * A shopper asks to return shipped units (by line id or SKU). Units already returned or in an
 * open return do not count twice. Throws 409 ORDER_RETURN_NOT_ALLOWED, 400 ORDER_INVALID_LINES.
 */
export async function requestReturn(deps: OrderDeps, orderId: string, viewer: Viewer, actor: OrderActor, body: ReturnRequestBody): Promise<OrderReturnView> {
  const id = await withTransaction(deps.db, async (trx) => {
    const order = await lockOrder(trx, orderId, viewer);
    if (!RETURNABLE.has(order.status) || order.fulfillmentStatus === 'unfulfilled') {
      throw orderError('ORDER_RETURN_NOT_ALLOWED', { detail: `An order that is ${order.status.replace('_', ' ')} has nothing to return` });
    }
    const lines = await orderLines(trx, order.id);
    const open = await trx
      .selectFrom('orderReturnLine as rl')
      .innerJoin('orderReturn as r', 'r.id', 'rl.returnId')
      .select(['rl.lineId', sql<number>`sum(rl.quantity)::int`.as('quantity')])
      .where('r.orderId', '=', order.id)
      .where('r.status', 'in', ['requested', 'approved'])
      .groupBy('rl.lineId')
      .execute();
    const pending = new Map(open.map((o) => [o.lineId, Number(o.quantity)]));
    const wanted = new Map<string, { quantity: number; reason: string | null }>();
    body.items.forEach((item, i) => {
      const line = item.lineId ? lines.find((l) => l.id === item.lineId) : lines.find((l) => l.sku === item.sku);
      if (!line) throw orderError('ORDER_INVALID_LINES', { fields: [{ field: `/items/${i}`, message: 'names no line of this order (give lineId or sku)' }] });
      const prev = wanted.get(line.id);
      const quantity = (prev?.quantity ?? 0) + item.quantity;
      const returnable = line.shippedQuantity - line.returnedQuantity - (pending.get(line.id) ?? 0);
      if (quantity > returnable) {
        throw orderError('ORDER_RETURN_NOT_ALLOWED', { fields: [{ field: `/items/${i}/quantity`, message: `only ${Math.max(0, returnable)} of ${line.sku} can be returned` }] });
      }
      wanted.set(line.id, { quantity, reason: item.reason ?? prev?.reason ?? null });
    });
    const returnId = newId('ret');
    await trx.insertInto('orderReturn').values({ id: returnId, orderId: order.id, status: 'requested', reason: body.reason, note: body.note ?? null, rejectReason: null, refundAmount: null }).execute();
    await trx
      .insertInto('orderReturnLine')
      .values([...wanted].map(([lineId, w]) => ({ returnId, lineId, quantity: w.quantity, reason: w.reason })))
      .execute();
    await publish(trx, 'order.return_requested', { orderId: order.id, returnId, customerId: order.customerId, reason: body.reason, actorType: actor.type });
    return returnId;
  });
  return loadReturn(deps.db, id);
}

async function moveReturn(
  deps: OrderDeps,
  returnId: string,
  from: ReturnStatus[],
  to: ReturnStatus,
  actor: OrderActor,
  apply: (ctx: { orderId: string; lines: { lineId: string; quantity: number }[] }) => Promise<Record<string, unknown>>,
): Promise<OrderReturnView> {
  await withTransaction(deps.db, async (trx) => {
    const r = await trx.selectFrom('orderReturn').selectAll().where('id', '=', returnId).forUpdate().executeTakeFirst();
    if (!r) throw orderError('ORDER_RETURN_NOT_FOUND', { detail: `No return ${returnId}` });
    if (!from.includes(r.status)) throw orderError('ORDER_RETURN_INVALID_TRANSITION', { detail: `A return that is ${r.status} cannot be ${to}` });
    const lines = await trx.selectFrom('orderReturnLine').select(['lineId', 'quantity']).where('returnId', '=', returnId).execute();
    const extra = await apply({ orderId: r.orderId, lines });
    await trx
      .updateTable('orderReturn')
      .set({ status: to, updatedAt: sql<Date>`now()`, ...extra })
      .where('id', '=', returnId)
      .execute();
    await publish(trx, `order.return_${to}`, { orderId: r.orderId, returnId, ...extra });
    await deps.audit.record(trx, { actorId: actor.id, action: `order.return.${to}`, targetType: 'order_return', targetId: returnId, data: { orderId: r.orderId, ...extra }, ip: actor.ip ?? null });
  });
  return loadReturn(deps.db, returnId);
}

export const approveReturn = (deps: OrderDeps, returnId: string, actor: OrderActor) => moveReturn(deps, returnId, ['requested'], 'approved', actor, async () => ({}));

export const rejectReturn = (deps: OrderDeps, returnId: string, actor: OrderActor, reason: string) =>
  moveReturn(deps, returnId, ['requested', 'approved'], 'rejected', actor, async () => ({ rejectReason: reason }));

/**
 * The goods are back: the units count as returned, go back on hand (`restock`), and the lines'
 * share of what was paid is refunded through payments (`order.refund_requested`, `refund`).
 */
export function receiveReturn(deps: OrderDeps, returnId: string, actor: OrderActor, options: { restock: boolean; refund: boolean }): Promise<OrderReturnView> {
  return withTransaction(deps.db, (trx) =>
    moveReturn({ ...deps, db: trx }, returnId, ['requested', 'approved'], 'received', actor, async ({ orderId, lines }) => {
      const order = await lockOrder(trx, orderId);
      const orderLineRows = await orderLines(trx, orderId);
      for (const l of lines) {
        await trx
          .updateTable('orderLine')
          .set((eb) => ({ returnedQuantity: eb('returnedQuantity', '+', l.quantity) }))
          .where('id', '=', l.lineId)
          .execute();
      }
      if (options.restock) {
        const bySku = lines.map((l) => ({ sku: orderLineRows.find((o) => o.id === l.lineId)!.sku, quantity: l.quantity }));
        await deps.inventory.restock(trx, bySku, returnId, 'return received');
      }
      if (!options.refund || order.paidTotal - order.refundedTotal <= 0) return { refundAmount: 0 };
      const shares = planLineRefunds(orderLineRows, lines);
      const amount = Math.min(
        shares.reduce((sum, s) => sum + s.amount, 0),
        order.paidTotal - order.refundedTotal,
      );
      if (amount > 0) {
        await publish(trx, 'order.refund_requested', { orderId, amount, currency: order.currency, reason: 'return received', reference: `return:${returnId}`, lines });
      }
      return { refundAmount: amount };
    }),
  );
}

export async function listReturns(db: Kysely<Database>, query: { limit: number; cursor?: string; status?: ReturnStatus }) {
  let q = db.selectFrom('orderReturn').select('id').orderBy('id', 'desc').limit(query.limit + 1);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.cursor) q = q.where('id', '<', String(decodeCursor(query.cursor, 1)[0]));
  const rows = await q.execute();
  const page = toPage(rows, query.limit, (r) => r.id, (r) => [r.id]);
  return { items: await Promise.all(page.items.map((id) => loadReturn(db, id))), nextCursor: page.nextCursor };
}
