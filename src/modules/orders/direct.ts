import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import { queueMail } from '../../platform/mail.js';
import { formatMoney } from '../../platform/money.js';
import type { OrderDeps } from './deps.js';
import { orderError } from './errors.js';
import { eventPayload } from './lifecycle.js';
import type { OrderAddress } from './tables.js';
import type { OrderRow } from './views.js';

/** A line of a direct order, priced by the caller (a flash sale's price), described by the catalog. */
export interface DirectOrderLine {
  sku: string;
  productId: string;
  variantId: string;
  productHandle: string;
  title: string;
  variantTitle: string | null;
  image: string | null;
  quantity: number;
  unitPrice: number;
}

export interface DirectOrderInput {
  /** Preset id (callers that must name the order before writing, e.g. as a reservation reference). */
  orderId?: string;
  customerId: string;
  email: string;
  currency: string;
  locale: string;
  lines: DirectOrderLine[];
  shippingAddress: OrderAddress | null;
  /** Minutes until the order clock cancels it unpaid. */
  paymentDueMinutes: number;
  /** An active inventory reservation already holding the lines' units; committed at payment. */
  reservationId: string;
  /** Where the order came from, for its history note (`flash_sale fls_…`). */
  source: string;
  sourceId: string;
}

/**
 * Writes a `pending_payment` order straight from priced lines, without a cart, in the caller's
 * transaction: free shipping, no tax, no promotions. The stock must already be reserved
 * (`reservationId`); payment commits it and cancellation releases it like any order. Publishes
 * `order.placed` and queues the confirmation mail. Throws 400 ORDER_INVALID_LINES for no lines
 * or a non-positive quantity.
 */
export async function placeDirectOrder(deps: OrderDeps, trx: Tx, input: DirectOrderInput): Promise<OrderRow> {
  if (input.lines.length === 0 || input.lines.some((l) => !Number.isSafeInteger(l.quantity) || l.quantity <= 0 || l.unitPrice < 0)) {
    throw orderError('ORDER_INVALID_LINES', { detail: 'A direct order needs lines with positive quantities' });
  }
  const orderId = input.orderId ?? newId('ord');
  const subtotal = input.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  const ctx = await deps.catalog.priceContext(input.currency);
  const order = await trx
    .insertInto('orders')
    .values({
      id: orderId,
      number: sql<string>`nextval('order_number_seq')::text`,
      status: 'pending_payment',
      paymentStatus: 'unpaid',
      fulfillmentStatus: 'unfulfilled',
      customerId: input.customerId,
      email: input.email,
      currency: input.currency,
      locale: input.locale,
      baseCurrency: ctx.base,
      exchangeRate: ctx.rate,
      subtotal,
      discountTotal: 0,
      shippingDiscount: 0,
      shippingTotal: 0,
      taxTotal: 0,
      taxInclusive: true,
      total: subtotal,
      shippingAddress: JSON.stringify(input.shippingAddress),
      billingAddress: JSON.stringify(input.shippingAddress),
      shippingMethod: JSON.stringify({ id: 'free', name: 'Free shipping', amount: 0 }),
      promotions: JSON.stringify([]),
      codes: [],
      cartId: null,
      reservationId: input.reservationId,
      accessTokenHash: null,
      paymentDueAt: new Date(Date.now() + input.paymentDueMinutes * 60_000),
      paidAt: null,
      shippedAt: null,
      deliveredAt: null,
      completedAt: null,
      cancelledAt: null,
      cancelReason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const lines = input.lines.map((l, position) => ({
    id: newId('oli'),
    orderId,
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
    subtotal: l.quantity * l.unitPrice,
    discountTotal: 0,
    taxTotal: 0,
    taxRate: 0,
    total: l.quantity * l.unitPrice,
    promotions: JSON.stringify([]),
  }));
  await trx.insertInto('orderLine').values(lines).execute();
  await trx
    .insertInto('orderHistory')
    .values({ id: newId('ohs'), orderId, fromStatus: null, toStatus: 'pending_payment', actorType: 'customer', actorId: input.customerId, note: `${input.source} ${input.sourceId}` })
    .execute();
  await publish(
    trx,
    'order.placed',
    eventPayload(order, {
      email: order.email,
      source: input.source,
      sourceId: input.sourceId,
      lines: lines.map((l) => ({ lineId: l.id, productId: l.productId, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, total: l.total })),
    }),
  );
  const total = formatMoney({ amount: order.total, currency: order.currency });
  const zh = order.locale.toLowerCase().startsWith('zh');
  await queueMail(trx, {
    to: order.email,
    subject: zh ? `订单 ${order.number} 已提交` : `Order ${order.number} received`,
    text: zh
      ? `您的订单 ${order.number} 已提交，应付 ${total}。请在 ${input.paymentDueMinutes} 分钟内完成支付。\n订单详情：${deps.config.publicUrl}/store/orders/${order.id}\n`
      : `Thank you. Order ${order.number} is placed; ${total} is due within ${input.paymentDueMinutes} minutes.\nYour order: ${deps.config.publicUrl}/store/orders/${order.id}\n`,
    template: 'order_confirmation',
  });
  return order;
}
