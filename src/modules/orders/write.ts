import { sql, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { publishAll } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import { MAIL_REQUESTED, type MailMessage } from '../../platform/mail.js';
import { formatMoney } from '../../platform/money.js';
import { hashToken } from '../../platform/tokens.js';
import type { OrderDeps } from './deps.js';
import { eventPayload } from './lifecycle.js';
import type { AppliedPromotion, OrderAddress, OrderHistoryTable } from './tables.js';
import type { LineRow, OrderRow } from './views.js';

/** A line as sold: what checkout and direct orders both write. */
export interface SoldLine {
  sku: string;
  productId: string;
  variantId: string;
  productHandle: string;
  title: string;
  variantTitle: string | null;
  image: string | null;
  quantity: number;
  unitPrice: number;
  /** The regular unit price `unitPrice` replaced (a flash sale's markdown); null when sold at it. */
  listUnitPrice: number | null;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  taxRate: number;
  total: number;
  promotions: { id: string; name: string; amount: number }[];
}

/** Everything a new `pending_payment` order is written from. */
export interface NewOrder {
  id: string;
  customerId: string | null;
  email: string;
  currency: string;
  locale: string;
  totals: { subtotal: number; discountTotal: number; shippingDiscount: number; shippingTotal: number; taxTotal: number; taxInclusive: boolean; total: number };
  shippingAddress: OrderAddress | null;
  billingAddress: OrderAddress | null;
  shippingMethod: { id: string; name: string; amount: number } | null;
  promotions: AppliedPromotion[];
  codes: string[];
  cartId: string | null;
  reservationId: string;
  /** A guest's access token (stored hashed; put in the confirmation link). */
  accessToken: string | null;
  paymentDueMinutes: number;
  lines: SoldLine[];
  history: { actorType: 'customer' | 'guest'; note: string | null };
  /** Extra fields for `order.placed` (where the order came from). */
  event?: Record<string, unknown>;
}

/**
 * Writes a placed order in the caller's transaction: the order (number from its sequence, the
 * exchange rate of the moment), its lines as sold, the first history entry, `order.placed` and
 * the confirmation mail. Returns the rows as written, so the caller can answer without reading back.
 */
export async function writeOrder(
  deps: OrderDeps,
  trx: Tx,
  o: NewOrder,
): Promise<{ order: OrderRow; lines: LineRow[]; history: Selectable<OrderHistoryTable>[] }> {
  // Inside the transaction: PGlite has one connection, and a read through the root handle would wait for this transaction.
  const ctx = await deps.catalog.priceContext(o.currency, trx);
  const entry = { id: newId('ohs'), orderId: o.id, fromStatus: null, toStatus: 'pending_payment' as const, actorType: o.history.actorType, actorId: o.customerId, note: o.history.note };
  // The first history entry goes in with the order, in one statement.
  const order = await trx
    .with('firstEntry', (db) => db.insertInto('orderHistory').values(entry))
    .insertInto('orders')
    .values({
      id: o.id,
      number: sql<string>`nextval('order_number_seq')::text`,
      status: 'pending_payment',
      paymentStatus: 'unpaid',
      fulfillmentStatus: 'unfulfilled',
      customerId: o.customerId,
      email: o.email,
      currency: o.currency,
      locale: o.locale,
      baseCurrency: ctx.base,
      exchangeRate: ctx.rate,
      ...o.totals,
      shippingAddress: JSON.stringify(o.shippingAddress),
      billingAddress: JSON.stringify(o.billingAddress ?? o.shippingAddress),
      shippingMethod: JSON.stringify(o.shippingMethod),
      promotions: JSON.stringify(o.promotions),
      codes: o.codes,
      cartId: o.cartId,
      reservationId: o.reservationId,
      accessTokenHash: o.accessToken ? hashToken(o.accessToken) : null,
      paymentDueAt: new Date(Date.now() + o.paymentDueMinutes * 60_000),
      paidAt: null,
      shippedAt: null,
      deliveredAt: null,
      completedAt: null,
      cancelledAt: null,
      cancelReason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const lines = await trx
    .insertInto('orderLine')
    .values(
      o.lines.map((l, position) => ({
        id: newId('oli'),
        orderId: o.id,
        position,
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
        promotions: JSON.stringify(l.promotions),
      })),
    )
    .returningAll()
    .execute();
  lines.sort((a, b) => a.position - b.position);
  // The entry's created_at defaulted to now(), the transaction's start time, as the order's did.
  const history: Selectable<OrderHistoryTable>[] = [{ ...entry, createdAt: order.createdAt }];
  // `order.placed`, then the confirmation mail (the outbox order), in one statement.
  await publishAll(trx, [
    [
      'order.placed',
      eventPayload(order, {
        email: order.email,
        ...o.event,
        lines: lines.map((l) => ({ lineId: l.id, productId: l.productId, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, listUnitPrice: l.listUnitPrice, total: l.total })),
      }),
    ],
    [MAIL_REQUESTED, confirmationMail(deps, order, o.accessToken, o.paymentDueMinutes)],
  ]);
  return { order, lines, history };
}

/** The confirmation mail of a placed order, as `queueMail` would queue it. */
function confirmationMail(deps: OrderDeps, order: OrderRow, accessToken: string | null, dueMinutes: number): MailMessage {
  const link = `${deps.config.publicUrl}/store/orders/${order.id}${accessToken ? `?token=${accessToken}` : ''}`;
  const total = formatMoney({ amount: order.total, currency: order.currency });
  const zh = order.locale.toLowerCase().startsWith('zh');
  return {
    to: order.email,
    subject: zh ? `订单 ${order.number} 已提交` : `Order ${order.number} received`,
    text: zh
      ? `您的订单 ${order.number} 已提交，应付 ${total}。请在 ${dueMinutes} 分钟内完成支付。\n订单详情：${link}\n`
      : `Thank you. Order ${order.number} is placed; ${total} is due within ${dueMinutes} minutes.\nYour order: ${link}\n`,
    template: 'order_confirmation',
  };
}
