/**
 * Analytics reports over a year of 1,000,000 paid orders, on PostgreSQL. The built service runs
 * as its own process on a fresh database (shop zone Asia/Shanghai, base CNY, USD at a catalog
 * rate); this process connects to the same database and builds the year's rollups:
 *
 * - A year of orders is generated as staging rows (BENCH_ORDERS paid orders, 6 % more placed and
 *   cancelled unpaid, 4 % of paid orders refunded, ~BENCH_CUSTOMERS customers with repeat
 *   purchases and 10 % guests, BENCH_PRODUCTS products in 50 categories, 30 promotions, half of
 *   their uses through a coupon code, 10 flash sales, 15 % of orders in USD at a recorded rate).
 * - A sample of those orders (BENCH_FOLD_ORDERS) goes through the module's real order-event fold
 *   (`order.placed` / `paid` / `refunded` / `cancelled` with the payloads the orders module
 *   publishes, one event per transaction, as the outbox subscriber does); the fold rate is
 *   measured. The other orders' rollup rows are written with set-based SQL in the same shape
 *   the fold writes (hour, day and month keys in the shop's zone, `*_base` amounts at the
 *   order's rate, customer activity, grid and cohorts), before the sample is folded on top.
 * - Behaviour: BENCH_FOLD_SESSIONS storefront sessions are inserted as `recs_event` rows and
 *   folded by the module's behaviour fold (rate measured); the year's funnel, product-view and
 *   search rollups are generated with SQL (sessions about 30 per placed order).
 *
 * Then each report is timed over HTTP (whole year and one month, JSON and CSV, CNY and USD):
 * BENCH_WARMUP (3) requests, then BENCH_REQUESTS (30) sequential ones; p50 / p99 / max and
 * PASS when p99 < 200 ms. Also the rollup tables' row counts and the database size. Results go
 * to stdout as Markdown and to bench/results/analytics.json. `npm run bench:analytics` builds
 * first.
 *
 *   npm run bench:analytics
 *   BENCH_ORDERS=100000 BENCH_FOLD_ORDERS=2000 npm run bench:analytics
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { createAnalyticsModule, type BehaviourEventRow } from '../src/modules/analytics/index.js';
import { createDb } from '../src/platform/db/index.js';
import type { DomainEvent } from '../src/platform/events/index.js';
import { postJson, startServer } from './lib.js';

const PAID = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const FOLD_ORDERS = Number(process.env.BENCH_FOLD_ORDERS ?? 20_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 5_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 10_000);
const FOLD_SESSIONS = Number(process.env.BENCH_FOLD_SESSIONS ?? 5_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CATEGORIES = 50;
const BUDGET_MS = 200;
const ZONE = 'Asia/Shanghai';
const CANCELLED = Math.round(PAID * 0.06);
const TOTAL = PAID + CANCELLED;
/** Every K-th order goes through the real fold. */
const STRIDE = Math.max(1, Math.floor(TOTAL / Math.max(1, FOLD_ORDERS)));
/** The year: local dates in the shop's zone, inclusive. */
const YEAR = { from: '2025-11-27', to: '2026-11-26' };
const MONTH = { from: '2026-10-01', to: '2026-10-31' };
const WHOLE_MONTHS = { from: '2025-12-01', to: '2026-11-30' };
const USD_RATE = '0.1387';
const email = 'bench-analytics@example.com';
const password = 'bench-analytics-password-1';

for (const [name, v] of Object.entries({ PAID, FOLD_ORDERS, CUSTOMERS, PRODUCTS, QUERIES, FOLD_SESSIONS, REQUESTS })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench:analytics: ${name} must be a positive integer, got ${v}`);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmt = (n: number) => n.toLocaleString('en-US');
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const productId = (p: number) => `prod_bench_${p}`;
/** A product's categories (indexes into the 50 categories): one, and a second for every third product. */
const categoryIndexes = (p: number) => [...new Set(p % 3 === 0 ? [p % CATEGORIES, (p * 7 + 3) % CATEGORIES] : [p % CATEGORIES])];

/** Timed step, logged to stderr. */
const timings: Record<string, number> = {};
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await run();
  timings[name] = Math.round(performance.now() - t0);
  log(`  ${name}: ${(timings[name] / 1000).toFixed(1)} s`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Staging: a year of orders and their lines (unlogged tables, dropped before the reports run).

/** Local keys of a timestamptz column in the shop's zone, as the fold writes them. */
const local = (col: string) => `(${col} at time zone '${ZONE}')`;
const hourOf = (col: string) => `date_trunc('hour', ${local(col)})`;
const dayOf = (col: string) => `${local(col)}::date`;
/** An amount of the order's currency in base (CNY) minor units, 12 decimals, as the fold's `toBase`. */
const base = (amount: string, o = 'o') => `case when ${o}.currency = 'CNY' then (${amount})::numeric else round((${amount})::numeric(38,16) / ${o}.rate, 12) end`;

function stagingSql(categoryIds: string[]): string[] {
  const start = `(timestamp '${YEAR.from} 00:00' at time zone '${ZONE}')`;
  const end = `(timestamp '2026-11-27 00:00' at time zone '${ZONE}')`;
  return [
    `select setseed(0.2026)`,
    `drop table if exists bench_order, bench_draw, bench_line, bench_product_category`,
    // One draw per order; `t` is the payment time of a paid order and the placing time of a cancelled one.
    `create unlogged table bench_draw as
       select n, n > ${PAID} as cancelled, n % ${STRIDE} = 0 as sample,
         case when random() < 0.1 then null else 'cus_bench_' || floor(${CUSTOMERS} * power(random(), 1.5))::int end as customer_id,
         case when random() < 0.15 then 'USD' else 'CNY' end as currency,
         ${start} + make_interval(days => floor(365 * power(random(), 0.9))::int,
           hours => case when random() < 0.12 then floor(random() * 8)::int else 8 + floor(random() * 16)::int end, secs => random() * 3600) as t,
         30 + random() * 1200 as pay_delay, random() as r_promo, random() as r_pid, random() as r_code, random() as r_flash, random() as r_fs,
         random() as r_refund, random() as r_full, random() as r_rdelay, 1 + floor(power(random(), 2) * 4)::int as n_lines, random() < 0.3 as shipped
       from generate_series(1, ${TOTAL}) n`,
    // Promotions take 10 % off every line of the order.
    `create unlogged table bench_line as
       select n, i, product, qty, gross, case when promoted then gross - round(gross * 0.1)::bigint else gross end as total from (
         select d.n, d.r_flash >= 0.015 and d.r_promo < 0.2 as promoted, l.i, l.product, l.qty,
           l.qty * (case when d.currency = 'CNY' then 1990 + (l.product * 7919) % 49000 else round((1990 + (l.product * 7919) % 49000) * ${USD_RATE}) end)::bigint as gross
         from bench_draw d cross join lateral (
           select i, floor(${PRODUCTS} * power(random(), 2.2))::int as product, 1 + floor(power(random(), 3) * 3)::int as qty
           from generate_series(1, d.n_lines) i where d.n > 0) l) x`,
    `create unlogged table bench_order as
       select d.n, 'ord_bench_' || d.n as order_id, d.customer_id, d.currency, d.sample,
         case when d.currency = 'USD' then round((${USD_RATE} + 0.002 * sin(extract(epoch from d.t) / 2592000))::numeric, 4) end as rate,
         case when d.cancelled then d.t else d.t - make_interval(secs => d.pay_delay) end as placed_at,
         case when d.cancelled then null else d.t end as paid_at,
         case when d.cancelled then d.t + interval '30 minutes' end as cancelled_at,
         s.lines + case when d.shipped then (case when d.currency = 'CNY' then 1000 else 150 end) else 0 end as total,
         s.gross - s.lines as discount,
         case when d.r_flash >= 0.015 and d.r_promo < 0.2 then 1 + floor(30 * power(d.r_pid, 1.5))::int end as promo,
         d.r_flash >= 0.015 and d.r_promo < 0.2 and d.r_code < 0.5 as via_code,
         case when d.r_flash < 0.015 then 1 + floor(d.r_fs * 10)::int end as flash,
         case when not d.cancelled and d.r_refund < 0.04 then least(d.t + make_interval(days => 1 + floor(d.r_rdelay * 14)::int), ${end} - interval '1 minute') end as refunded_at,
         d.r_full
       from bench_draw d join (select n, sum(gross) as gross, sum(total) as lines from bench_line group by n) s using (n)`,
    `alter table bench_order add column refund_amount bigint`,
    `update bench_order set refund_amount = case when r_full < 0.6 then total else round(total * 0.3) end where refunded_at is not null`,
    `create unlogged table bench_product_category as
       select p as product, c.id as category_id from generate_series(0, ${PRODUCTS - 1}) p
       cross join lateral unnest(case when p % 3 = 0 and (p * 7 + 3) % ${CATEGORIES} <> p % ${CATEGORIES} then array[p % ${CATEGORIES}, (p * 7 + 3) % ${CATEGORIES}] else array[p % ${CATEGORIES}] end) as k(idx)
       join unnest(array[${categoryIds.map((id) => `'${id}'`).join(',')}]) with ordinality as c(id, ord) on c.ord = k.idx + 1`,
    `drop table bench_draw`,
    `analyze bench_order`,
    `analyze bench_line`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Rollup rows of the orders outside the sample, in the shape `foldOrderEvent` writes.

function orderRollupSql(): string[] {
  const rest = `not o.sample`;
  const paidOrderProducts = `select o.n, o.currency, o.rate, ${dayOf('o.paid_at')} as day, l.product, sum(l.qty) as units, sum(l.total) as revenue
    from bench_order o join bench_line l using (n) where ${rest} and o.paid_at is not null group by o.n, o.currency, o.rate, o.paid_at, l.product`;
  const promo = (kind: string, key: string, name: string, discount: string, where: string) =>
    `select ${dayOf('o.paid_at')} as day, o.currency, '${kind}' as kind, ${key} as key, ${name} as name, o.total as revenue, ${base('o.total')} as revenue_base,
       ${discount} as discount, ${base(discount)} as discount_base from bench_order o where ${rest} and o.paid_at is not null and ${where}`;
  const monthCopy = (table: string, keys: string, counts: string[]) =>
    `insert into ${table}_month (month, ${keys}, ${counts.join(', ')})
       select date_trunc('month', day)::date, ${keys}, ${counts.map((c) => `sum(${c})`).join(', ')} from ${table}_day group by 1, ${keys}`;
  return [
    // Events already folded, and what the module knows of each order.
    `insert into analytics_event (event_id)
       select o.order_id || ':placed' from bench_order o where ${rest}
       union all select o.order_id || ':paid' from bench_order o where ${rest} and o.paid_at is not null
       union all select o.order_id || ':refunded' from bench_order o where ${rest} and o.refunded_at is not null
       union all select o.order_id || ':cancelled' from bench_order o where ${rest} and o.cancelled_at is not null`,
    `insert into analytics_order (order_id, customer_id, currency, base_currency, exchange_rate, total, discount_total, refunded_total, source, source_id, placed_at, paid_at, cancelled_at)
       select o.order_id, o.customer_id, o.currency, 'CNY', o.rate, o.total, o.discount, coalesce(o.refund_amount, 0),
         case when o.flash is not null then 'flash_sale' end, 'fs_bench_' || o.flash, o.placed_at, o.paid_at, o.cancelled_at
       from bench_order o where ${rest}`,
    `insert into analytics_order_hour (hour, currency, placed_orders, placed_total, placed_total_base, paid_orders, gmv, gmv_base, discounts, discounts_base,
         refunds, refunds_base, refunded_orders, cancelled_orders)
       select hour, currency, sum(a), sum(b), sum(c), sum(d), sum(e), sum(f), sum(g), sum(h), sum(i), sum(j), sum(k), sum(l) from (
         select ${hourOf('o.placed_at')} as hour, o.currency, 1 as a, o.total as b, ${base('o.total')} as c, 0 as d, 0 as e, 0 as f, 0 as g, 0 as h, 0 as i, 0 as j, 0 as k, 0 as l
           from bench_order o where ${rest}
         union all
         select ${hourOf('o.paid_at')}, o.currency, 0, 0, 0, 1, o.total, ${base('o.total')}, o.discount, ${base('o.discount')}, 0, 0, 0, 0
           from bench_order o where ${rest} and o.paid_at is not null
         union all
         select ${hourOf('o.refunded_at')}, o.currency, 0, 0, 0, 0, 0, 0, 0, 0, o.refund_amount, ${base('o.refund_amount')}, 1, 0
           from bench_order o where ${rest} and o.refunded_at is not null
         union all
         select ${hourOf('o.cancelled_at')}, o.currency, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
           from bench_order o where ${rest} and o.cancelled_at is not null) x
       group by hour, currency`,
    // Customer activity per hour, day and month; the grid keys each period by its predecessor.
    `insert into analytics_customer_activity (grain, customer_id, at)
       select distinct g.grain, o.customer_id, date_trunc(g.grain, ${local('o.paid_at')})
       from bench_order o cross join (values ('hour'), ('day'), ('month')) g(grain)
       where ${rest} and o.paid_at is not null and o.customer_id is not null`,
    `insert into analytics_customer_grid (grain, at, prev_at, customers)
       select grain, at, coalesce(prev, '-infinity'), count(*) from (
         select grain, at, lag(at) over (partition by grain, customer_id order by at) as prev
         from analytics_customer_activity where grain in ('hour', 'day')) x
       group by grain, at, coalesce(prev, '-infinity')`,
    `insert into analytics_customer (customer_id, first_month)
       select customer_id, min(at)::date from analytics_customer_activity where grain = 'month' group by customer_id`,
    `insert into analytics_cohort (cohort, month, customers)
       select c.first_month, a.at::date, count(*) from analytics_customer_activity a join analytics_customer c using (customer_id)
       where a.grain = 'month' group by 1, 2`,
    // Sales per product and category (one order per product or category and order), then month copies.
    `insert into analytics_product_sales_day (day, product_id, currency, units, orders, revenue, revenue_base)
       select day, 'prod_bench_' || product, currency, sum(units), count(*), sum(revenue), sum(${base('revenue', 'x')}) from (${paidOrderProducts}) x
       group by day, product, currency`,
    `insert into analytics_category_sales_day (day, category_id, currency, units, orders, revenue, revenue_base)
       select day, category_id, currency, sum(units), count(*), sum(revenue), sum(${base('revenue', 'y')}) from (
         select x.n, x.day, pc.category_id, x.currency, x.rate, sum(x.units) as units, sum(x.revenue) as revenue
         from (${paidOrderProducts}) x join bench_product_category pc using (product) group by x.n, x.day, pc.category_id, x.currency, x.rate) y
       group by day, category_id, currency`,
    monthCopy('analytics_product_sales', 'product_id, currency', ['units', 'orders', 'revenue', 'revenue_base']),
    monthCopy('analytics_category_sales', 'category_id, currency', ['units', 'orders', 'revenue', 'revenue_base']),
    // Promotions: the promotion, the code it was applied through, the flash sale.
    `insert into analytics_promotion_day (day, currency, kind, key, name, orders, revenue, revenue_base, discount, discount_base)
       select day, currency, kind, key, max(name), count(*), sum(revenue), sum(revenue_base), sum(discount), sum(discount_base) from (
         ${promo('promotion', `'promo_bench_' || o.promo`, `'Promotion ' || o.promo`, 'o.discount', 'o.promo is not null')}
         union all ${promo('code', `'SAVE' || o.promo`, `'SAVE' || o.promo`, 'o.discount', 'o.via_code')}
         union all ${promo('flash_sale', `'fs_bench_' || o.flash`, `'fs_bench_' || o.flash`, '0', 'o.flash is not null')}) x
       group by day, currency, kind, key`,
    `insert into analytics_promotion_month (month, currency, kind, key, name, orders, revenue, revenue_base, discount, discount_base)
       select date_trunc('month', day)::date, currency, kind, key, max(name), sum(orders), sum(revenue), sum(revenue_base), sum(discount), sum(discount_base)
       from analytics_promotion_day group by 1, currency, kind, key`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Behaviour rollups for the year (funnel hours, product views, searches), generated.

const WORDS = ['phone', 'case', 'earbuds', 'charger', 'backpack', 'lamp', 'keyboard', 'mouse', 'bottle', 'jacket', 'shoes', 'watch', 'cable', 'speaker', 'tablet', 'stand',
  'red', 'black', 'white', 'mini', 'pro', 'wireless', 'usb-c', 'leather', 'kids', 'running', 'winter', 'gift', 'cheap', 'large', '耳机', '手机壳', '充电器', '背包', '台灯', '键盘', '水杯', '外套', '跑鞋', '手表'];

function behaviourRollupSql(): string[] {
  const words = `(array[${WORDS.map((w) => `'${w}'`).join(',')}])`;
  const days = `(select generate_series(date '${YEAR.from}', date '${YEAR.to}', interval '1 day')::date as d) dd`;
  return [
    `select setseed(0.11)`,
    // About 30 sessions per placed order in the hour; 62 % view a product, 12 % add to cart.
    `insert into analytics_behaviour_hour (hour, sessions, viewing_sessions, carting_sessions, views, add_to_carts, searches)
       select hour, s, round(s * 0.62), round(s * 0.12), round(s * 0.62 * 3.1), round(s * 0.12 * 1.4), round(s * 0.35) from (
         select hour, round(sum(placed_orders) * (25 + 10 * random()))::int as s from analytics_order_hour group by hour) x`,
    // Views per product and day: about 100,000 a day, popularity flatter than sales.
    `insert into analytics_product_view_day (day, product_id, views, viewers, add_to_carts)
       select day, 'prod_bench_' || p, v, greatest(1, round(v * 0.8)), floor(v * (0.05 + 0.1 * random())) from (
         select dd.d as day, p, floor(e * (0.5 + random()) + random())::int as v from ${days}
         cross join (select p, 100000 / sum(power(p + 10, -0.8)) over () * power(p + 10, -0.8) as e from generate_series(0, ${PRODUCTS - 1}) p) w) x
       where v > 0`,
    `insert into analytics_product_view_month (month, product_id, views, viewers, add_to_carts)
       select date_trunc('month', day)::date, product_id, sum(views), sum(viewers), sum(add_to_carts) from analytics_product_view_day group by 1, product_id`,
    // Searches per normalised query and day: about 30,000 a day over ${QUERIES} queries (Zipf); every 7th query is never clicked.
    `insert into analytics_search_day (day, query, searches, clicks)
       select day, query, s, case when q % 7 = 3 then 0 else floor(s * (0.2 + 0.4 * random())) end from (
         select dd.d as day, q, ${words}[1 + q % ${WORDS.length}] || ' ' || ${words}[1 + (q / ${WORDS.length}) % ${WORDS.length}]
             || case when q >= ${WORDS.length ** 2} then ' ' || (q / ${WORDS.length ** 2})::text else '' end as query,
           floor(e * (0.5 + random()) + random())::int as s
         from ${days} cross join (select q, 30000 / sum(1.0 / (q + 1)) over () / (q + 1) as e from generate_series(0, ${QUERIES - 1}) q) w) x
       where s > 0`,
    `insert into analytics_search_month (month, query, searches, clicks)
       select date_trunc('month', day)::date, query, sum(searches), sum(clicks) from analytics_search_day group by 1, query`,
  ];
}

/** Storefront sessions of the last three months as raw behaviour events, for the behaviour fold sample. */
function behaviourEventsSql(): string {
  const words = `(array[${WORDS.map((w) => `'${w}'`).join(',')}])`;
  // received_at is ahead of now, so the server's own poller (which reads events received 5 s ago)
  // leaves the sample to this process's timed fold.
  return `insert into recs_event (type, product_id, query, session_id, occurred_at, received_at)
    select case when r < 0.62 then 'view' when r < 0.74 then 'add_to_cart' when r < 0.9 then 'search' when r < 0.95 then 'remove_from_cart' else 'click_recommendation' end,
      case when r < 0.74 or r >= 0.9 then 'prod_bench_' || floor(${PRODUCTS} * power(random(), 1.5))::int end,
      case when r >= 0.74 and r < 0.9 then '  ' || initcap(${words}[1 + floor(random() * ${WORDS.length})::int]) || '   ' || ${words}[1 + floor(random() * ${WORDS.length})::int] end,
      'bench-session-' || s, start + make_interval(secs => i * 40), now() + interval '1 day'
    from (select s, (timestamp '2026-08-27 00:00' at time zone '${ZONE}') + make_interval(secs => random() * 90 * 86400) as start, 2 + floor(power(random(), 2) * 20)::int as n
          from generate_series(1, ${FOLD_SESSIONS}) s) ss
    cross join lateral (select i, random() as r from generate_series(1, ss.n) i where ss.n > 0) e
    order by start, s, i`;
}

// ---------------------------------------------------------------------------------------------
// The sample through the module's real folds.

interface SampleOrder {
  n: number;
  orderId: string;
  customerId: string | null;
  currency: string;
  rate: string | null;
  placedAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  refundedAt: Date | null;
  refundAmount: string | null;
  total: string;
  discount: string;
  promo: number | null;
  viaCode: boolean;
  flash: number | null;
  lines: { i: number; product: number; qty: number; total: string }[];
}

/** The events of a sampled order, with the payloads the orders module publishes (`eventPayload`). */
function orderEvents(o: SampleOrder): DomainEvent[] {
  const total = Number(o.total);
  const discountTotal = Number(o.discount);
  const promotions = o.promo === null ? [] : [{ id: `promo_bench_${o.promo}`, name: `Promotion ${o.promo}`, code: o.viaCode ? `SAVE${o.promo}` : null, amount: discountTotal }];
  const common = {
    orderId: o.orderId,
    number: `B${o.n}`,
    customerId: o.customerId,
    currency: o.currency,
    baseCurrency: 'CNY',
    exchangeRate: o.rate,
    subtotal: total + discountTotal,
    discountTotal,
    shippingTotal: 0,
    taxTotal: 0,
    total,
    codes: o.viaCode ? [`SAVE${o.promo}`] : [],
    promotions,
  };
  const lines = o.lines.map((l) => ({ lineId: `${o.orderId}_${l.i}`, productId: productId(l.product), sku: `${productId(l.product)}-sku`, quantity: l.qty, unitPrice: 0, total: Number(l.total) }));
  const events: DomainEvent[] = [
    {
      id: `${o.orderId}:placed`,
      name: 'order.placed',
      createdAt: o.placedAt,
      payload: { ...common, status: 'pending_payment', paidTotal: 0, refundedTotal: 0, lines, ...(o.flash === null ? {} : { source: 'flash_sale', sourceId: `fs_bench_${o.flash}` }) },
    },
  ];
  if (o.paidAt) events.push({ id: `${o.orderId}:paid`, name: 'order.paid', createdAt: o.paidAt, payload: { ...common, status: 'paid', paidTotal: total, refundedTotal: 0, lines, from: 'pending_payment', to: 'paid' } });
  if (o.refundedAt) {
    const amount = Number(o.refundAmount);
    events.push({
      id: `${o.orderId}:refunded`,
      name: 'order.refunded',
      createdAt: o.refundedAt,
      payload: { ...common, status: amount === total ? 'refunded' : 'partially_refunded', paidTotal: total, refundedTotal: amount, refundId: `rfd_${o.n}`, amount, reason: 'bench' },
    });
  }
  if (o.cancelledAt) events.push({ id: `${o.orderId}:cancelled`, name: 'order.cancelled', createdAt: o.cancelledAt, payload: { ...common, status: 'cancelled', paidTotal: 0, refundedTotal: 0, from: 'pending_payment', to: 'cancelled' } });
  return events;
}

// ---------------------------------------------------------------------------------------------

interface Scenario {
  report: string;
  period: string;
  query: string;
  format: 'json' | 'csv';
}

interface Row extends Scenario {
  p50: number;
  p99: number;
  max: number;
  bytes: number;
  pass: boolean;
  status: number;
}

const scenarios: Scenario[] = [];
const add = (report: string, period: string, query: string, format: 'json' | 'csv' = 'json') => scenarios.push({ report, period, query, format });
for (const [label, p] of [['year', YEAR], ['month', MONTH]] as const) {
  const range = `from=${p.from}&to=${p.to}`;
  add('overview', label, `${range}&granularity=day&currency=CNY`);
  add('overview', label, `${range}&granularity=month&currency=CNY`);
  add('overview', label, `${range}&granularity=day&currency=USD`);
  add('overview', label, `${range}&granularity=day&currency=CNY`, 'csv');
  if (label === 'month') add('overview', label, `${range}&granularity=hour&currency=CNY`);
  add('funnel', label, `${range}&granularity=day`);
  add('funnel', label, `${range}&granularity=month`);
  add('products', label, `${range}&granularity=day&currency=CNY`);
  add('products', label, `${range}&granularity=day&currency=USD`);
  add('cohorts', label, `${range}&granularity=month`);
  add('promotions', label, `${range}&granularity=day&currency=CNY`);
  add('promotions', label, `${range}&granularity=day&currency=USD`);
  add('search', label, `${range}&granularity=day`);
}
// Twelve whole months: read from the month rollups only, no partial months from the day rollups.
add('products', '12 whole months', `from=${WHOLE_MONTHS.from}&to=${WHOLE_MONTHS.to}&granularity=month&currency=CNY`);
add('search', '12 whole months', `from=${WHOLE_MONTHS.from}&to=${WHOLE_MONTHS.to}&granularity=month`);

async function timeScenario(url: string, token: string, s: Scenario): Promise<Row> {
  const target = `${url}/admin/analytics/${s.report}?${s.query}${s.format === 'csv' ? '&format=csv' : ''}`;
  const headers = { authorization: `Bearer ${token}` };
  let bytes = 0;
  let status = 0;
  const once = async () => {
    const t0 = performance.now();
    const res = await fetch(target, { headers });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    status = res.status;
    bytes = body.byteLength;
    if (!res.ok) throw new Error(`${target} → ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
    return ms;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const latencies: number[] = [];
  for (let i = 0; i < REQUESTS; i++) latencies.push(await once());
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 0.99);
  return { ...s, p50: round(percentile(latencies, 0.5)), p99: round(p99), max: round(latencies.at(-1) ?? 0), bytes, status, pass: p99 < BUDGET_MS };
}

const started = performance.now();
log(`bench:analytics: ${fmt(PAID)} paid orders (+${fmt(CANCELLED)} cancelled), ${fmt(Math.ceil(TOTAL / STRIDE))} through the real fold`);
const server = await startServer('postgres', 3960, { BAZAAR_ADMIN_EMAIL: email, BAZAAR_ADMIN_PASSWORD: password, BAZAAR_TIME_ZONE: ZONE, BAZAAR_DEFAULT_CURRENCY: 'CNY', BAZAAR_CURRENCIES: 'CNY,USD' });
const client = new pg.Client({ connectionString: server.databaseUrl });
const { db, close } = await createDb({ url: server.databaseUrl!, poolSize: 4 });
let result: Record<string, unknown>;
try {
  await client.connect();
  const { token } = await postJson(`${server.url}/admin/auth/login`, { email, password });
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const rateRes = await fetch(`${server.url}/admin/exchange-rates/CNY/USD`, { method: 'PUT', headers: auth, body: JSON.stringify({ rate: USD_RATE }) });
  if (!rateRes.ok) throw new Error(`exchange rate: ${rateRes.status} ${await rateRes.text()}`);
  const categoryIds: string[] = [];
  for (let c = 0; c < CATEGORIES; c++) categoryIds.push((await postJson(`${server.url}/admin/categories`, { handle: `bench-cat-${c}`, name: `类目 Category ${c}` }, token)).id);

  const analytics = createAnalyticsModule({
    db,
    log: pino({ level: 'warn' }),
    shop: { defaultCurrency: 'CNY', currencies: ['CNY', 'USD'], timeZone: ZONE },
    // The same read as recommendations' `eventsAfter`.
    behaviourEvents: async (trx, afterId, limit, receivedBefore): Promise<BehaviourEventRow[]> => {
      const rows = await trx
        .selectFrom('recsEvent')
        .select(['id', 'type', 'productId', 'sessionId', 'customerId', 'occurredAt', 'query'])
        .where('id', '>', afterId)
        .where('receivedAt', '<', receivedBefore)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, id: String(r.id) }));
    },
    productCategories: async (ids) => new Map(ids.map((id) => [id, categoryIndexes(Number(id.slice('prod_bench_'.length))).map((k) => categoryIds[k]!)])),
    exchangeRate: async (currency) => (currency === 'CNY' ? '1' : currency === 'USD' ? USD_RATE : null),
    productTitles: async () => new Map(),
    categoryNames: async () => new Map(categoryIds.map((id, k) => [id, `Category ${k}`])),
  });
  const handlers = new Map(analytics.subscriptions());

  log('staging a year of orders …');
  await step('stage orders', async () => {
    for (const q of stagingSql(categoryIds)) await client.query(q);
  });
  const staged = (await client.query(`select count(*)::int as orders, count(*) filter (where paid_at is not null)::int as paid, count(*) filter (where sample)::int as sample,
      count(distinct customer_id)::int as customers, (select count(*)::int from bench_line) as lines, (select count(distinct product)::int from bench_line) as products,
      count(*) filter (where refunded_at is not null)::int as refunded, count(*) filter (where cancelled_at is not null)::int as cancelled,
      count(*) filter (where promo is not null)::int as promoted, count(*) filter (where flash is not null)::int as flash, count(*) filter (where currency = 'USD')::int as usd
    from bench_order`)).rows[0] as Record<string, number>;
  log(`  ${JSON.stringify(staged)}`);

  log('generating the rollups of the orders outside the sample (set-based SQL) …');
  await step('generate order rollups', async () => {
    for (const q of orderRollupSql()) await client.query(q);
  });

  log('folding the sample through foldOrderEvent …');
  const sampleRows = (
    await client.query(`select o.n, o.order_id as "orderId", o.customer_id as "customerId", o.currency, o.rate::text as rate, o.placed_at as "placedAt", o.paid_at as "paidAt",
        o.cancelled_at as "cancelledAt", o.refunded_at as "refundedAt", o.refund_amount::text as "refundAmount", o.total::text as total, o.discount::text as discount,
        o.promo, o.via_code as "viaCode", o.flash,
        l.lines
      from bench_order o join (
        select n, json_agg(json_build_object('i', i, 'product', product, 'qty', qty, 'total', total::text) order by i) as lines
        from bench_line where n % ${STRIDE} = 0 group by n) l using (n)
      where o.sample`)
  ).rows as SampleOrder[];
  const events = sampleRows.flatMap(orderEvents).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const foldMs = await step('fold sample orders', async () => {
    const t0 = performance.now();
    for (const e of events) await handlers.get(e.name)!(e);
    return performance.now() - t0;
  });
  const orderFold = { orders: sampleRows.length, events: events.length, seconds: round(foldMs / 1000), ordersPerSecond: Math.round(sampleRows.length / (foldMs / 1000)), eventsPerSecond: Math.round(events.length / (foldMs / 1000)) };
  log(`  ${JSON.stringify(orderFold)}`);

  log('generating the behaviour rollups (set-based SQL) and folding a sample through foldBehaviour …');
  await step('generate behaviour rollups', async () => {
    for (const q of behaviourRollupSql()) await client.query(q);
  });
  const inserted = (await client.query(behaviourEventsSql())).rowCount ?? 0;
  const behaviourMs = await step('fold sample behaviour', async () => {
    const t0 = performance.now();
    while ((await analytics.foldBehaviour({ settleMs: -2 * 86_400_000 })) === analytics.batchSize);
    return performance.now() - t0;
  });
  const watermark = (await client.query(`select watermark::text from analytics_state where id = 'behaviour'`)).rows[0].watermark as string;
  const behaviourFold = { sessions: FOLD_SESSIONS, events: inserted, seconds: round(behaviourMs / 1000), eventsPerSecond: Math.round(inserted / (behaviourMs / 1000)), watermark };
  log(`  ${JSON.stringify(behaviourFold)}`);

  // The figures the reports must show: every order counted once, whichever path wrote it.
  const check = (await client.query(`select
      (select sum(paid_orders)::int from analytics_order_hour) as paid_orders,
      (select sum(placed_orders)::int from analytics_order_hour) as placed_orders,
      (select sum(gmv)::text from analytics_order_hour) as gmv,
      (select sum(total)::text from bench_order where paid_at is not null) as staged_gmv,
      (select sum(customers)::int from analytics_customer_grid where grain = 'day' and prev_at = '-infinity') as first_time_customers,
      (select sum(customers)::int from analytics_cohort where cohort = month) as cohort_customers,
      (select count(distinct customer_id)::int from bench_order where paid_at is not null and customer_id is not null) as staged_customers,
      (select sum(customers)::int from analytics_customer_grid where grain = 'day') as customer_days,
      (select count(*)::int from (select distinct customer_id, ${dayOf('paid_at')} from bench_order where paid_at is not null and customer_id is not null) x) as staged_customer_days,
      (select sum(orders)::int from analytics_product_sales_month) as product_orders,
      (select sum(units)::int from analytics_product_sales_day) as units,
      (select sum(qty)::int from bench_line l join bench_order o using (n) where o.paid_at is not null) as staged_units`)).rows[0] as Record<string, number | string>;
  log(`  check: ${JSON.stringify(check)}`);
  const consistent = check.paid_orders === PAID && check.gmv === check.staged_gmv && check.first_time_customers === check.staged_customers && check.cohort_customers === check.staged_customers && check.customer_days === check.staged_customer_days && check.units === check.staged_units;
  if (!consistent) log('  WARNING: the rollups do not add up to the staged orders');

  await step('drop staging, vacuum analyze', async () => {
    await client.query('drop table bench_order, bench_line, bench_product_category');
    await client.query('vacuum analyze');
  });

  const tables = (await client.query(`select c.relname as table, c.reltuples::bigint as estimate, pg_total_relation_size(c.oid) as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = current_schema() and c.relname like 'analytics_%' order by c.relname`)).rows as { table: string; bytes: string }[];
  const counts: { table: string; rows: number; mb: number }[] = [];
  for (const t of tables) counts.push({ table: t.table, rows: Number((await client.query(`select count(*) as n from ${t.table}`)).rows[0].n), mb: round(Number(t.bytes) / 1048576) });
  const dbMb = round(Number((await client.query('select pg_database_size(current_database()) as b')).rows[0].b) / 1048576);
  const recsEvents = Number((await client.query('select count(*) as n from recs_event')).rows[0].n);

  log('timing the reports over HTTP …');
  const rows: Row[] = [];
  await step('time reports', async () => {
    for (const s of scenarios) {
      const r = await timeScenario(server.url, token, s);
      rows.push(r);
      log(`  ${s.report} ${s.period} ${s.query.replace(/from=[^&]*&to=[^&]*&/, '')} ${s.format}: p50 ${r.p50} p99 ${r.p99} max ${r.max} ms, ${fmt(r.bytes)} B ${r.pass ? 'PASS' : 'FAIL'}`);
    }
  });
  const memory = server.memory();
  const pgVersion = (await client.query('show server_version')).rows[0].server_version as string;
  result = { staged, orderFold, behaviourFold, check, consistent, counts, dbMb, recsEvents, rows, memory, pgVersion };
} finally {
  await client.end().catch(() => {});
  await close().catch(() => {});
  await server.stop();
}

const r = result as {
  staged: Record<string, number>;
  orderFold: { orders: number; events: number; seconds: number; ordersPerSecond: number; eventsPerSecond: number };
  behaviourFold: { sessions: number; events: number; seconds: number; eventsPerSecond: number };
  consistent: boolean;
  counts: { table: string; rows: number; mb: number }[];
  dbMb: number;
  recsEvents: number;
  rows: Row[];
  memory: { rssMb: number; peakMb: number };
  pgVersion: string;
};
const cpus = os.cpus();
const meta = { date: new Date().toISOString(), cpus: cpus.length, cpu: cpus[0]?.model.trim(), node: process.version, postgres: r.pgVersion, zone: ZONE, year: YEAR, month: MONTH, requests: REQUESTS, warmup: WARMUP, totalSeconds: Math.round((performance.now() - started) / 1000), timings };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/analytics.json', JSON.stringify({ meta, ...r }, null, 2));

const s = r.staged;
console.log(`\n${meta.date.slice(0, 10)} · ${meta.cpus} × ${meta.cpu} · Node ${meta.node} · PostgreSQL ${meta.postgres} · ${meta.totalSeconds} s in all\n`);
console.log(`Year ${YEAR.from}..${YEAR.to} (${ZONE}): ${fmt(s.paid!)} paid orders, ${fmt(s.cancelled!)} cancelled, ${fmt(s.refunded!)} refunded, ${fmt(s.customers!)} customers, ${fmt(s.products!)} products sold, ${fmt(s.lines!)} lines, ${fmt(s.promoted!)} with a promotion, ${fmt(s.flash!)} flash-sale, ${fmt(s.usd!)} in USD.`);
console.log(`Folded by foldOrderEvent: ${fmt(r.orderFold.orders)} orders (${fmt(r.orderFold.events)} events) in ${r.orderFold.seconds} s = ${fmt(r.orderFold.ordersPerSecond)} orders/s (${fmt(r.orderFold.eventsPerSecond)} events/s), one event per transaction, sequential; the other ${fmt(s.orders! - r.orderFold.orders)} orders' rollup rows generated with SQL.`);
console.log(`Folded by foldBehaviour: ${fmt(r.behaviourFold.events)} events of ${fmt(r.behaviourFold.sessions)} sessions in ${r.behaviourFold.seconds} s = ${fmt(r.behaviourFold.eventsPerSecond)} events/s; the year's behaviour rollups generated with SQL.`);
console.log(`Rollups add up to the staged orders: ${r.consistent ? 'yes' : 'NO'}. Database ${fmt(r.dbMb)} MB. Server RSS ${r.memory.rssMb} MB (peak ${r.memory.peakMb}).\n`);
console.log('| report | period | query | format | p50 ms | p99 ms | max ms | bytes | p99 < 200 ms |');
console.log('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |');
for (const x of r.rows) console.log(`| ${x.report} | ${x.period} | ${x.query.replace(/from=[^&]*&to=[^&]*&/, '')} | ${x.format} | ${x.p50} | ${x.p99} | ${x.max} | ${fmt(x.bytes)} | ${x.pass ? 'PASS' : 'FAIL'} |`);
console.log('\n| table | rows | MB |');
console.log('| --- | ---: | ---: |');
for (const c of r.counts) console.log(`| \`${c.table}\` | ${fmt(c.rows)} | ${c.mb} |`);
