import { timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { hashToken } from '../../platform/tokens.js';
import type { Viewer } from './deps.js';
import { orderError } from './errors.js';
import type { OrderHistoryTable, OrderLineTable, OrderNoteTable, OrderReturnTable, OrderShipmentTable, OrdersTable } from './tables.js';
import type { OrderHistoryEntry, OrderLineView, OrderReturnView, OrderView } from './schemas.js';

export type OrderRow = Selectable<OrdersTable>;
export type LineRow = Selectable<OrderLineTable>;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `viewer` may see the order; everyone else gets the same 404 as for a missing one. */
export function canView(order: Pick<OrderRow, 'customerId' | 'accessTokenHash'>, viewer: Viewer): boolean {
  if (viewer.kind === 'staff') return true;
  if (viewer.kind === 'customer') return order.customerId === viewer.customerId;
  return order.accessTokenHash !== null && viewer.token.length > 0 && viewer.token.length <= 200 && sameHash(order.accessTokenHash, hashToken(viewer.token));
}

/** The order row if `viewer` may see it; 404 ORDER_NOT_FOUND otherwise. */
export async function findVisible(db: Kysely<Database>, orderId: string, viewer: Viewer): Promise<OrderRow> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!row || !canView(row, viewer)) throw orderError('ORDER_NOT_FOUND', { detail: `No order ${orderId}` });
  return row;
}

export function lineView(l: LineRow): OrderLineView {
  return {
    id: l.id,
    sku: l.sku,
    productId: l.productId,
    variantId: l.variantId,
    productHandle: l.productHandle,
    title: l.title,
    variantTitle: l.variantTitle,
    image: l.image,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    listUnitPrice: l.listUnitPrice,
    subtotal: l.subtotal,
    discountTotal: l.discountTotal,
    taxTotal: l.taxTotal,
    taxRate: l.taxRate,
    total: l.total,
    promotions: l.promotions,
    shippedQuantity: l.shippedQuantity,
    returnedQuantity: l.returnedQuantity,
    refundedQuantity: l.refundedQuantity,
    refundedTotal: l.refundedTotal,
  };
}

/** A return request with its units. */
export function returnView(r: Selectable<OrderReturnTable>, items: { lineId: string; quantity: number; reason: string | null }[]): OrderReturnView {
  return {
    id: r.id,
    orderId: r.orderId,
    status: r.status,
    reason: r.reason,
    note: r.note,
    rejectReason: r.rejectReason,
    refundAmount: r.refundAmount,
    items: items.map((l) => ({ lineId: l.lineId, quantity: l.quantity, reason: l.reason })),
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

/** The summary lists show: no lines, shipments or history. */
export function summaryView(o: OrderRow) {
  return {
    id: o.id,
    number: o.number,
    status: o.status,
    paymentStatus: o.paymentStatus,
    fulfillmentStatus: o.fulfillmentStatus,
    customerId: o.customerId,
    email: o.email,
    currency: o.currency,
    subtotal: o.subtotal,
    discountTotal: o.discountTotal,
    shippingTotal: o.shippingTotal,
    taxTotal: o.taxTotal,
    total: o.total,
    paidTotal: o.paidTotal,
    refundedTotal: o.refundedTotal,
    createdAt: iso(o.createdAt)!,
    updatedAt: iso(o.updatedAt)!,
  };
}

/**
 * The full order: lines, shipments, returns and history, in five queries however many lines.
 * `staff` adds who made each change and the staff notes.
 */
export async function loadOrderView(db: Kysely<Database>, order: OrderRow, options: { staff?: boolean } = {}): Promise<OrderView> {
  const [lines, shipments, shipmentLines, returns, returnLines, history, notes] = await Promise.all([
    db.selectFrom('orderLine').selectAll().where('orderId', '=', order.id).orderBy('position').execute(),
    db.selectFrom('orderShipment').selectAll().where('orderId', '=', order.id).orderBy('id').execute(),
    db
      .selectFrom('orderShipmentLine as sl')
      .innerJoin('orderShipment as s', 's.id', 'sl.shipmentId')
      .select(['sl.shipmentId', 'sl.lineId', 'sl.quantity'])
      .where('s.orderId', '=', order.id)
      .execute(),
    db.selectFrom('orderReturn').selectAll().where('orderId', '=', order.id).orderBy('id').execute(),
    db
      .selectFrom('orderReturnLine as rl')
      .innerJoin('orderReturn as r', 'r.id', 'rl.returnId')
      .select(['rl.returnId', 'rl.lineId', 'rl.quantity', 'rl.reason'])
      .where('r.orderId', '=', order.id)
      .execute(),
    db.selectFrom('orderHistory').selectAll().where('orderId', '=', order.id).orderBy('id').execute(),
    options.staff ? db.selectFrom('orderNote').selectAll().where('orderId', '=', order.id).orderBy('id').execute() : Promise.resolve([]),
  ]);
  return buildOrderView(order, { lines, shipments, shipmentLines, returns, returnLines, history, notes }, options);
}

/** What an order view is made of, as read from the order's tables. */
export interface OrderParts {
  lines: LineRow[];
  shipments: Selectable<OrderShipmentTable>[];
  shipmentLines: { shipmentId: string; lineId: string; quantity: number }[];
  returns: Selectable<OrderReturnTable>[];
  returnLines: { returnId: string; lineId: string; quantity: number; reason: string | null }[];
  history: Selectable<OrderHistoryTable>[];
  notes: Selectable<OrderNoteTable>[];
}

/** Assembles the view from rows already at hand (a fresh order needs no read back). */
export function buildOrderView(order: OrderRow, parts: OrderParts, options: { staff?: boolean } = {}): OrderView {
  const { lines, shipments, shipmentLines, returns, returnLines, history, notes } = parts;
  const returnViews = returns.map((r) =>
    returnView(
      r,
      returnLines.filter((l) => l.returnId === r.id),
    ),
  );
  const historyView: OrderHistoryEntry[] = history.map((h) => ({
    from: h.fromStatus,
    to: h.toStatus,
    actorType: h.actorType,
    actorId: options.staff ? h.actorId : null,
    note: h.note,
    at: iso(h.createdAt)!,
  }));
  return {
    ...summaryView(order),
    locale: order.locale,
    items: lines.map(lineView),
    shippingDiscount: order.shippingDiscount,
    taxInclusive: order.taxInclusive,
    baseCurrency: order.baseCurrency,
    exchangeRate: order.exchangeRate === null ? null : String(order.exchangeRate),
    shippingAddress: order.shippingAddress,
    billingAddress: order.billingAddress,
    shippingMethod: order.shippingMethod,
    promotions: order.promotions,
    codes: order.codes,
    shipments: shipments.map((s) => ({
      id: s.id,
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
      items: shipmentLines.filter((l) => l.shipmentId === s.id).map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
      createdAt: iso(s.createdAt)!,
    })),
    returns: returnViews,
    history: historyView,
    notes: options.staff ? notes.map((n) => ({ id: n.id, staffId: n.staffId, body: n.body, createdAt: iso(n.createdAt)! })) : undefined,
    paymentDueAt: iso(order.paymentDueAt)!,
    paidAt: iso(order.paidAt),
    shippedAt: iso(order.shippedAt),
    deliveredAt: iso(order.deliveredAt),
    completedAt: iso(order.completedAt),
    cancelledAt: iso(order.cancelledAt),
    cancelReason: order.cancelReason,
  };
}
