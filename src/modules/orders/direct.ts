import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { OrderDeps } from './deps.js';
import { orderError } from './errors.js';
import { writeOrder } from './write.js';
import type { OrderAddress } from './tables.js';
import type { OrderView } from './schemas.js';
import { buildOrderView, type OrderRow } from './views.js';

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
  /**
   * The regular unit price `unitPrice` replaces (a flash sale: the catalog's price in the order
   * currency), recorded so the markdown can be reported; null or absent when unknown.
   */
  listUnitPrice?: number | null;
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
 * `order.placed` and queues the confirmation mail. Each line keeps the regular price it replaced
 * (`listUnitPrice`) as given. Returns the row and the customer's view of the order. Throws 400
 * ORDER_INVALID_LINES for no lines, a non-positive quantity or a negative price.
 */
export async function placeDirectOrder(deps: OrderDeps, trx: Tx, input: DirectOrderInput): Promise<{ order: OrderRow; view: OrderView }> {
  const badPrice = (p: number | null | undefined) => p !== null && p !== undefined && (!Number.isSafeInteger(p) || p < 0);
  if (input.lines.length === 0 || input.lines.some((l) => !Number.isSafeInteger(l.quantity) || l.quantity <= 0 || l.unitPrice < 0 || badPrice(l.listUnitPrice))) {
    throw orderError('ORDER_INVALID_LINES', { detail: 'A direct order needs lines with positive quantities' });
  }
  const orderId = input.orderId ?? newId('ord');
  const subtotal = input.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  const { order, lines, history } = await writeOrder(deps, trx, {
    id: orderId,
    customerId: input.customerId,
    email: input.email,
    currency: input.currency,
    locale: input.locale,
    totals: { subtotal, discountTotal: 0, shippingDiscount: 0, shippingTotal: 0, taxTotal: 0, taxInclusive: true, total: subtotal },
    shippingAddress: input.shippingAddress,
    billingAddress: null,
    shippingMethod: { id: 'free', name: 'Free shipping', amount: 0 },
    promotions: [],
    codes: [],
    cartId: null,
    reservationId: input.reservationId,
    accessToken: null,
    paymentDueMinutes: input.paymentDueMinutes,
    lines: input.lines.map((l) => ({
      ...l,
      listUnitPrice: l.listUnitPrice ?? null,
      subtotal: l.quantity * l.unitPrice,
      discountTotal: 0,
      taxTotal: 0,
      taxRate: 0,
      total: l.quantity * l.unitPrice,
      promotions: [],
    })),
    history: { actorType: 'customer', note: `${input.source} ${input.sourceId}` },
    event: { source: input.source, sourceId: input.sourceId },
  });
  // The customer's view from the rows just written: answering needs no read after the commit.
  return { order, view: buildOrderView(order, { lines, history, shipments: [], shipmentLines: [], returns: [], returnLines: [], notes: [] }) };
}
