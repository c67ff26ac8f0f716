import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Period } from './calendar.js';
import { moneySum, type Reporting } from './currency.js';
import { rollupSource } from './rollup.js';

/** Paid orders that used a promotion, a coupon code or a flash sale. */
export interface PromotionRow {
  kind: 'promotion' | 'code' | 'flash_sale';
  /** Promotion id, the code as entered, or the flash sale id. */
  key: string;
  name: string;
  orders: number;
  /** Totals of those orders (an order using two promotions counts in both). */
  revenue: number;
  /**
   * What the promotion took off (a code: every promotion applied through it; a flash sale: the
   * regular price minus the sale price of the units sold, Σ max(0, listUnitPrice − unitPrice) × quantity).
   */
  discount: number;
}

/** Revenue and discount per promotion, code and flash sale over the period, by revenue. One query. */
export async function promotionsReport(db: Kysely<Database>, r: Reporting, period: Period): Promise<{ items: PromotionRow[] }> {
  const { rows } = await sql<{ kind: PromotionRow['kind']; key: string; name: string; orders: string; revenue: string; discount: string }>`
    select kind, key, max(name) as name, sum(orders)::text as orders,
      round(${moneySum(r, 'revenue')})::text as revenue, round(${moneySum(r, 'discount')})::text as discount
    from ${rollupSource('analytics_promotion', ['kind', 'key', 'name', 'currency', 'orders', 'revenue', 'revenue_base', 'discount', 'discount_base'], period.from, period.to)}
    group by kind, key order by round(${moneySum(r, 'revenue')}) desc, kind, key`.execute(db);
  return { items: rows.map((x) => ({ kind: x.kind, key: x.key, name: x.name, orders: Number(x.orders), revenue: Number(x.revenue), discount: Number(x.discount) })) };
}
