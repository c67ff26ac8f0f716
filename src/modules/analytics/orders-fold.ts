import { sql } from 'kysely';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import { localKeys, toBase, type LocalKeys } from './calendar.js';
import { recordCustomerActivity } from './customers.js';
import type { AnalyticsDeps } from './deps.js';
import { addCounts, addDaysAndMonths } from './rollup.js';

/** The part of the orders module's event payloads this module reads (see orders' `eventPayload`). */
export interface OrderEventPayload {
  orderId: string;
  customerId: string | null;
  currency: string;
  baseCurrency: string;
  exchangeRate: string | null;
  total: number;
  discountTotal: number;
  codes?: string[];
  promotions?: { id: string; name: string; code: string | null; amount: number }[];
  /**
   * `order.placed` and `order.paid`. `listUnitPrice` is the regular price a line's `unitPrice`
   * replaced (flash sales); both are absent from events written before orders recorded them.
   */
  lines?: { lineId: string; productId: string; quantity: number; total: number; unitPrice?: number; listUnitPrice?: number | null }[];
  /** `order.placed` of a direct order (`flash_sale`). */
  source?: string;
  sourceId?: string;
  /** `order.refunded`: this refund's amount. */
  amount?: number;
}

/** Order events this module follows. */
export const ANALYTICS_ORDER_EVENTS = ['order.placed', 'order.paid', 'order.refunded', 'order.cancelled'] as const;

const HOUR_KEYS = ['hour', 'currency'];

/**
 * Folds one order event into the rollups in one transaction, together with its id in
 * `analytics_event`: a redelivered event finds its id there and changes nothing.
 */
export async function foldOrderEvent(deps: AnalyticsDeps, zone: string, event: DomainEvent): Promise<void> {
  const p = event.payload as OrderEventPayload;
  const keys = localKeys(new Date(event.createdAt), zone);
  // Categories are read before the transaction: only the transaction may be used inside it.
  const categories = event.name === 'order.paid' && p.lines?.length ? await deps.productCategories([...new Set(p.lines.map((l) => l.productId))]) : new Map<string, readonly string[]>();
  // An order placed while no rate was set recorded none: the catalog's rate of now stands in.
  const rate = p.currency === p.baseCurrency ? null : (p.exchangeRate ?? (await deps.exchangeRate(p.currency)));
  if (p.currency !== p.baseCurrency && rate === null) deps.log.warn({ orderId: p.orderId, currency: p.currency }, 'no exchange rate: the order counts as 0 in other currencies');
  await withTransaction(deps.db, async (trx) => {
    const fresh = await trx.insertInto('analyticsEvent').values({ eventId: event.id }).onConflict((oc) => oc.doNothing()).returning('eventId').executeTakeFirst();
    if (!fresh) return;
    const at = new Date(event.createdAt);
    const base = (amount: number) => (p.currency !== p.baseCurrency && rate === null ? '0' : toBase(amount, p.currency, p.baseCurrency, rate));
    if (event.name === 'order.placed') {
      await upsertOrder(trx, p, { placedAt: at });
      await addCounts(trx, 'analytics_order_hour', HOUR_KEYS, ['placed_orders', 'placed_total', 'placed_total_base'], [[keys.hour, p.currency, 1, p.total, base(p.total)]]);
    } else if (event.name === 'order.paid') {
      await foldPaid(trx, p, keys, at, categories, base);
    } else if (event.name === 'order.refunded') {
      const amount = p.amount ?? 0;
      const before = await upsertOrder(trx, p, {});
      await trx.updateTable('analyticsOrder').set({ refundedTotal: sql<number>`refunded_total + ${amount}` }).where('orderId', '=', p.orderId).execute();
      await addCounts(trx, 'analytics_order_hour', HOUR_KEYS, ['refunds', 'refunds_base', 'refunded_orders'], [[keys.hour, p.currency, amount, base(amount), before.refundedTotal === 0 ? 1 : 0]]);
    } else if (event.name === 'order.cancelled') {
      await upsertOrder(trx, p, { cancelledAt: at });
      await addCounts(trx, 'analytics_order_hour', HOUR_KEYS, ['cancelled_orders'], [[keys.hour, p.currency, 1]]);
    }
  });
}

/** Creates or updates the order's row from an event; returns the row as it was before (defaults when new). */
async function upsertOrder(trx: Tx, p: OrderEventPayload, set: { placedAt?: Date; paidAt?: Date; cancelledAt?: Date }) {
  const before = await trx.selectFrom('analyticsOrder').select(['refundedTotal', 'source', 'sourceId']).where('orderId', '=', p.orderId).forUpdate().executeTakeFirst();
  if (!before) {
    await trx
      .insertInto('analyticsOrder')
      .values({
        orderId: p.orderId,
        customerId: p.customerId,
        currency: p.currency,
        baseCurrency: p.baseCurrency,
        exchangeRate: p.exchangeRate,
        total: p.total,
        discountTotal: p.discountTotal,
        source: p.source ?? null,
        sourceId: p.sourceId ?? null,
        placedAt: set.placedAt ?? null,
        paidAt: set.paidAt ?? null,
        cancelledAt: set.cancelledAt ?? null,
      })
      .execute();
    return { refundedTotal: 0, source: p.source ?? null, sourceId: p.sourceId ?? null };
  }
  if (Object.keys(set).length) await trx.updateTable('analyticsOrder').set(set).where('orderId', '=', p.orderId).execute();
  return { refundedTotal: Number(before.refundedTotal), source: before.source, sourceId: before.sourceId };
}

async function foldPaid(
  trx: Tx,
  p: OrderEventPayload,
  keys: LocalKeys,
  at: Date,
  categories: ReadonlyMap<string, readonly string[]>,
  base: (amount: number) => string,
): Promise<void> {
  const order = await upsertOrder(trx, p, { paidAt: at });
  await addCounts(trx, 'analytics_order_hour', HOUR_KEYS, ['paid_orders', 'gmv', 'gmv_base', 'discounts', 'discounts_base'], [
    [keys.hour, p.currency, 1, p.total, base(p.total), p.discountTotal, base(p.discountTotal)],
  ]);
  if (p.customerId) await recordCustomerActivity(trx, p.customerId, keys);

  // Products and categories: line totals (after line discounts), one order per product or category.
  const products = new Map<string, { units: number; revenue: number }>();
  const cats = new Map<string, { units: number; revenue: number }>();
  for (const line of p.lines ?? []) {
    const add = (m: Map<string, { units: number; revenue: number }>, id: string) => {
      const s = m.get(id) ?? { units: 0, revenue: 0 };
      s.units += line.quantity;
      s.revenue += line.total;
      m.set(id, s);
    };
    add(products, line.productId);
    for (const c of categories.get(line.productId) ?? []) add(cats, c);
  }
  const rows = (m: Map<string, { units: number; revenue: number }>) => [...m].map(([id, s]) => [keys.day, id, p.currency, s.units, 1, s.revenue, base(s.revenue)]);
  const salesCols = ['units', 'orders', 'revenue', 'revenue_base'];
  await addDaysAndMonths(trx, 'analytics_product_sales', ['day', 'product_id', 'currency'], salesCols, rows(products));
  await addDaysAndMonths(trx, 'analytics_category_sales', ['day', 'category_id', 'currency'], salesCols, rows(cats));

  // Promotions, coupon codes and flash sales: the whole order's total counts for each it used.
  const promo: (string | number)[][] = [];
  const row = (kind: string, key: string, name: string, discount: number) => [keys.day, p.currency, kind, key, 1, p.total, base(p.total), discount, base(discount), name];
  const byCode = new Map<string, number>();
  for (const applied of p.promotions ?? []) {
    promo.push(row('promotion', applied.id, applied.name, applied.amount));
    if (applied.code) byCode.set(applied.code, (byCode.get(applied.code) ?? 0) + applied.amount);
  }
  for (const code of p.codes ?? []) byCode.set(code, byCode.get(code) ?? 0);
  for (const [code, amount] of byCode) promo.push(row('code', code, code, amount));
  if (order.source === 'flash_sale' && order.sourceId) promo.push(row('flash_sale', order.sourceId, order.sourceId, sumMarkdowns(p.lines ?? [])));
  await addDaysAndMonths(trx, 'analytics_promotion', ['day', 'currency', 'kind', 'key'], ['orders', 'revenue', 'revenue_base', 'discount', 'discount_base'], promo, ['name']);
}

/**
 * What lines sold below their regular price took off it: Σ max(0, listUnitPrice − unitPrice) ×
 * quantity, in minor units of the order currency. Lines without a regular price count 0.
 */
export function sumMarkdowns(lines: readonly { quantity: number; unitPrice?: number; listUnitPrice?: number | null }[]): number {
  let sum = 0;
  for (const l of lines) {
    if (l.listUnitPrice === null || l.listUnitPrice === undefined || l.unitPrice === undefined) continue;
    sum += Math.max(0, l.listUnitPrice - l.unitPrice) * l.quantity;
  }
  return sum;
}
