import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

/** Rounds a non-negative rational num/den half away from zero (as the reports round once). */
const roundDiv = (num: bigint, den: bigint) => Number((num * 2n + den) / (2n * den));

for (const engine of DATABASES) {
  describe(`analytics reports [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let owner: string;
    let http: ReturnType<typeof client>;
    let s: ReturnType<typeof shop>;
    const ids = {} as Record<'category' | 'a' | 'b' | 'promo' | 'o1' | 'o2' | 'o3' | 'o4' | 'o5', string>;
    let from = '';
    let to = '';

    const report = (name: string, query: Record<string, string> = {}, token = owner, headers: Record<string, string> = {}) =>
      http.get(`/admin/analytics/${name}?${new URLSearchParams({ from, to, ...query })}`, { token, headers });

    /** Places a cart as `token` (or a guest) and pays it unless told not to. */
    async function order(lines: [string, number][], options: { token?: string; currency?: string; coupon?: string; pay?: boolean }) {
      const cart = await s.readyCart(lines, { token: options.token, currency: options.currency });
      if (options.coupon) assert.equal((await http.post(`/store/carts/${cart.id}/coupons`, { code: options.coupon }, { token: options.token })).status, 200);
      const placed = await s.checkout(cart.id, { token: options.token });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const orderId = placed.body.order?.id ?? placed.body.id;
      if (options.pay !== false) await s.paySandbox(orderId, { token: options.token, orderToken: placed.body.accessToken });
      return orderId as string;
    }

    async function settle() {
      await app.jobs.drain();
      await app.dispatcher.drain();
      await app.jobs.drain();
      await app.dispatcher.drain();
    }

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      owner = actors.owner.token;
      http = client(app.server);
      s = shop(app, owner);
      for (const [currency, amount] of [['CNY', 1000], ['USD', 500]] as const) {
        const m = await http.post('/admin/shipping-methods', { name: `flat ${currency}`, countries: ['CN'], currency, type: 'flat', amount }, { token: owner });
        assert.equal(m.status, 201, JSON.stringify(m.body));
      }
      assert.equal((await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.14' }, token: owner })).status, 200);
      const category = await http.post('/admin/categories', { handle: 'phones', name: 'Phones' }, { token: owner });
      assert.equal(category.status, 201, JSON.stringify(category.body));
      ids.category = category.body.id;
      ids.a = (await s.product('PHONE', { cny: 10000, usd: 1500, stock: 100, title: 'Phone' })).id;
      ids.b = (await s.product('CASE', { cny: 5000, usd: 777, stock: 100, title: 'Case' })).id;
      assert.equal((await http.patch(`/admin/products/${ids.a}`, { categoryIds: [ids.category] }, { token: owner })).status, 200);
      const promo = await http.post('/admin/promotions', { name: 'Ten off', code: 'SAVE10', conditions: [{ type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 1000 }] }, { token: owner });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      ids.promo = promo.body.id;

      const alice = actors.customerToken;
      const bob = (await http.post('/store/auth/register', { email: 'bob@example.com', password: 'bobpassword1' })).body.token as string;
      ids.o1 = await order([['PHONE', 2]], { token: alice, coupon: 'SAVE10' });
      // A USD checkout hangs on PGlite (orders' writeOrder reads the exchange rate outside its
      // transaction, and PGlite has one connection), so the second currency is PostgreSQL-only.
      ids.o2 = await order([['CASE', 1]], { token: alice, currency: engine === 'postgres' ? 'USD' : 'CNY' });
      ids.o3 = await order([['CASE', 1]], { token: bob });
      ids.o4 = await order([['PHONE', 1]], { pay: false });
      ids.o5 = await order([['PHONE', 1], ['CASE', 3]], { token: bob });
      // A partial refund, an unpaid cancellation, a paid cancellation (refunded in full).
      const refund = await http.post(`/admin/orders/${ids.o3}/refunds`, { amount: 2000, reason: 'damaged' }, { token: owner });
      assert.equal(refund.status, 201, JSON.stringify(refund.body));
      assert.equal((await http.post(`/admin/orders/${ids.o4}/cancel`, {}, { token: owner })).status, 200);
      assert.equal((await http.post(`/admin/orders/${ids.o5}/cancel`, {}, { token: owner })).status, 200);
      await settle();

      const now = Date.now();
      const at = (minutes: number) => new Date(now - 60 * 60_000 + minutes * 60_000).toISOString();
      const events = [
        { type: 'view', productId: ids.a, sessionId: 's1', occurredAt: at(0) },
        { type: 'add_to_cart', productId: ids.a, sessionId: 's1', occurredAt: at(1) },
        { type: 'search', query: 'Phone', sessionId: 's1', occurredAt: at(2) },
        { type: 'view', productId: ids.b, sessionId: 's1', occurredAt: at(10) },
        { type: 'view', productId: ids.a, sessionId: 's2', occurredAt: at(3) },
        { type: 'view', productId: ids.a, sessionId: 's2', occurredAt: at(4) },
        { type: 'search', query: 'red, "big" shoes', sessionId: 's2', occurredAt: at(5) },
        // A view 40 minutes after the search is no click-through.
        { type: 'view', productId: ids.b, sessionId: 's2', occurredAt: at(45) },
        { type: 'search', query: '  phone ', sessionId: 's3', occurredAt: at(6) },
      ];
      const sent = await http.post('/store/events', { events });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      assert.equal(sent.body.accepted, events.length, JSON.stringify(sent.body));
      // Purchases recorded from order.paid (no session) are read too, and skipped by the funnel.
      const purchases = await app.db.selectFrom('recsEvent').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'purchase').executeTakeFirstOrThrow();
      assert.equal(await app.modules.analytics.foldBehaviour({ settleMs: 0 }), events.length + Number(purchases.n));
      // The shop runs in UTC by default: a three-day window around today holds everything.
      const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
      from = day(-1);
      to = day(1);
    });

    after(async () => {
      await app?.close();
    });

    /** Expected figures recomputed from the orders table. */
    async function expected(currency: 'CNY' | 'USD') {
      const rows = await app.db.selectFrom('orders').select(['id', 'currency', 'exchangeRate', 'total', 'discountTotal', 'refundedTotal', 'paidAt', 'customerId']).execute();
      // Exact rationals: CNY amounts, and USD amounts at the order's rate (0.14 USD per CNY).
      const sum = (pick: (o: (typeof rows)[number]) => number) => {
        let cny = 0n;
        let usd = 0n;
        for (const o of rows) {
          if (o.currency === 'CNY') cny += BigInt(pick(o));
          else {
            assert.equal(Number(o.exchangeRate), 0.14);
            usd += BigInt(pick(o));
          }
        }
        // In CNY: cny + usd / 0.14. In USD: usd + cny × 0.14.
        return currency === 'CNY' ? { num: cny * 14n + usd * 100n, den: 14n } : { num: usd * 100n + cny * 14n, den: 100n };
      };
      const paid = rows.filter((o) => o.paidAt !== null);
      const gmv = sum((o) => (o.paidAt ? o.total : 0));
      const refunds = sum((o) => o.refundedTotal);
      const discounts = sum((o) => (o.paidAt ? o.discountTotal : 0));
      return {
        gmv: roundDiv(gmv.num, gmv.den),
        refunds: roundDiv(refunds.num, refunds.den),
        discounts: roundDiv(discounts.num, discounts.den),
        netRevenue: roundDiv(gmv.num - refunds.num, gmv.den),
        paidOrders: paid.length,
        averageOrderValue: roundDiv(gmv.num, gmv.den * BigInt(paid.length)),
        placedOrders: rows.length,
        customers: new Set(paid.map((o) => o.customerId).filter(Boolean)).size,
      };
    }

    test('overview: figures match the orders table to the minor unit, in both currencies', async () => {
      for (const currency of ['CNY', 'USD'] as const) {
        const res = await report('overview', { currency });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const f = res.body.figures;
        const want = await expected(currency);
        assert.equal(f.gmv.value, want.gmv, `gmv ${currency}`);
        assert.equal(f.refunds.value, want.refunds, `refunds ${currency}`);
        assert.equal(f.discounts.value, want.discounts, `discounts ${currency}`);
        assert.equal(f.netRevenue.value, want.netRevenue, `net ${currency}`);
        assert.equal(f.averageOrderValue.value, want.averageOrderValue, `aov ${currency}`);
        assert.equal(f.paidOrders.value, 4);
        assert.equal(f.placedOrders.value, 5);
        assert.equal(f.cancelledOrders.value, 2);
        assert.equal(f.refundedOrders.value, 2);
        assert.equal(f.newCustomers.value, want.customers);
        assert.equal(f.newCustomers.value, 2);
        assert.equal(f.returningCustomers.value, 0);
        assert.deepEqual(f.gmv.previous, 0);
        assert.equal(f.gmv.change, null);
        assert.equal(res.body.currency, currency);
        assert.equal(res.body.timeZone, 'UTC');
        // The series adds up to the totals.
        assert.equal(res.body.series.length, 3);
        assert.equal(res.body.series.reduce((n: number, b: any) => n + b.paidOrders, 0), 4);
        assert.equal(res.body.series.reduce((n: number, b: any) => n + b.newCustomers, 0), 2);
      }
      const hourly = await report('overview', { granularity: 'hour' });
      assert.equal(hourly.status, 200);
      assert.equal(hourly.body.series.length, 72);
      assert.equal(hourly.body.series.reduce((n: number, b: any) => n + b.paidOrders, 0), 4);
      assert.equal(hourly.body.series.reduce((n: number, b: any) => n + b.placedOrders, 0), 5);
    });

    test('funnel: sessions → views → cart → checkout → paid', async () => {
      const res = await report('funnel');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.steps.map((x: any) => [x.step, x.count]),
        [
          ['sessions', 3],
          ['product_views', 2],
          ['add_to_cart', 1],
          ['checkout', 5],
          ['paid', 4],
        ],
      );
      assert.equal(res.body.steps[1].conversion, 0.6667);
      assert.equal(res.body.steps[4].conversion, 0.8);
      assert.equal(res.body.overallConversion, 1.3333);
    });

    test('products: revenue and units from paid lines, conversion, categories', async () => {
      const res = await report('products', { minViewers: '1' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const { rows } = await sql<{ productId: string; units: number; cny: string }>`
        select l.product_id, sum(l.quantity)::int as units, sum(l.total)::text as cny
        from order_line l join orders o on o.id = l.order_id
        where o.paid_at is not null and o.currency = 'CNY' group by l.product_id`.execute(app.db);
      const usd = await sql<{ productId: string; units: number; total: string }>`
        select l.product_id, sum(l.quantity)::int as units, sum(l.total)::text as total
        from order_line l join orders o on o.id = l.order_id
        where o.paid_at is not null and o.currency = 'USD' group by l.product_id`.execute(app.db);
      const a = res.body.topByRevenue.find((p: any) => p.productId === ids.a);
      const b = res.body.topByRevenue.find((p: any) => p.productId === ids.b);
      const cnyOf = (id: string) => BigInt(rows.find((r) => r.productId === id)?.cny ?? '0');
      const usdOf = (id: string) => BigInt(usd.rows.find((r) => r.productId === id)?.total ?? '0');
      assert.equal(a.revenue, roundDiv(cnyOf(ids.a) * 14n + usdOf(ids.a) * 100n, 14n));
      assert.equal(b.revenue, roundDiv(cnyOf(ids.b) * 14n + usdOf(ids.b) * 100n, 14n));
      assert.equal(a.units, 3);
      assert.equal(b.units, 5);
      assert.equal(a.title, 'Phone');
      assert.deepEqual([a.views, a.viewers, a.addToCarts, a.orders, a.conversion], [3, 2, 1, 2, 1]);
      assert.equal(res.body.topByUnits[0].productId, ids.b);
      assert.deepEqual(
        res.body.categoriesByRevenue.map((c: any) => [c.categoryId, c.name, c.units, c.revenue]),
        [[ids.category, 'Phones', 3, a.revenue]],
      );
      assert.ok(res.body.viewedNotBought.length >= 1);
    });

    test('promotions: coupon code and promotion with revenue and discount', async () => {
      const res = await report('promotions');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const o1 = await app.db.selectFrom('orders').select(['total', 'discountTotal']).where('id', '=', ids.o1).executeTakeFirstOrThrow();
      const code = res.body.items.find((i: any) => i.kind === 'code');
      const promo = res.body.items.find((i: any) => i.kind === 'promotion');
      assert.deepEqual(code, { kind: 'code', key: 'SAVE10', name: 'SAVE10', orders: 1, revenue: o1.total, discount: 1000 });
      assert.deepEqual(promo, { kind: 'promotion', key: ids.promo, name: 'Ten off', orders: 1, revenue: o1.total, discount: 1000 });
      assert.equal(o1.discountTotal, 1000);
    });

    test('cohorts and search', async () => {
      const cohorts = await report('cohorts');
      assert.equal(cohorts.status, 200, JSON.stringify(cohorts.body));
      assert.equal(cohorts.body.cohorts.reduce((n: number, c: any) => n + c.customers, 0), 2);

      const search = await report('search');
      assert.equal(search.status, 200, JSON.stringify(search.body));
      assert.equal(search.body.searches, 3);
      assert.equal(search.body.clicks, 1);
      assert.deepEqual(search.body.topQueries[0], { query: 'phone', searches: 2, clicks: 1, clickThroughRate: 0.5 });
      assert.deepEqual(search.body.queriesWithoutClicks.map((q: any) => q.query), ['red, "big" shoes']);
      assert.deepEqual(search.body.queriesWithNoResults, []);
    });

    test('CSV: ?format=csv or Accept: text/csv, one quoted table', async () => {
      const csv = await report('overview', { format: 'csv' });
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const lines = (csv.body as string).trimEnd().split('\r\n');
      assert.equal(lines[0], 'bucket,currency,gmv,net_revenue,discounts,refunds,paid_orders,placed_orders,cancelled_orders,refunded_orders,average_order_value,refund_rate,new_customers,returning_customers');
      assert.equal(lines.length, 4);
      const json = await report('overview');
      assert.equal(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[2]), 0), json.body.figures.gmv.value);

      const search = await report('search', {}, owner, { accept: 'text/csv' });
      assert.match(String(search.headers['content-type']), /^text\/csv/);
      assert.ok((search.body as string).includes('"red, ""big"" shoes",1,0,0,,top\r\n'), search.body as string);
      for (const name of ['funnel', 'products', 'cohorts', 'promotions']) {
        const res = await report(name, { format: 'csv' });
        assert.equal(res.status, 200, name);
        assert.match(String(res.headers['content-type']), /^text\/csv/);
      }
    });

    test('permissions: analytics:read only', async () => {
      assertProblem(await report('overview', {}, actors.supportToken), 403, 'AUTH_FORBIDDEN');
      assertProblem(await report('overview', {}, actors.customerToken), 403, 'AUTH_FORBIDDEN');
      const anonymous = await http.get(`/admin/analytics/overview?from=${from}&to=${to}`);
      assert.equal(anonymous.status, 401);
    });

    test('bad input: 400 with a stable code, never 500', async () => {
      assertProblem(await report('overview', { from: '2026-02-30' }), 400, 'ANALYTICS_INVALID_RANGE');
      assertProblem(await report('overview', { from: 'yesterday' }), 400, 'ANALYTICS_INVALID_RANGE');
      assertProblem(await report('funnel', { from: '2026-03-02', to: '2026-03-01' }), 400, 'ANALYTICS_INVALID_RANGE');
      assertProblem(await report('overview', { from: '2026-01-01', to: '2026-03-01', granularity: 'hour' }), 400, 'ANALYTICS_RANGE_TOO_LARGE');
      assertProblem(await report('overview', { granularity: 'year' }), 400, 'VALIDATION_FAILED');
      assertProblem(await report('overview', { currency: 'XYZ' }), 400, 'ANALYTICS_UNKNOWN_CURRENCY');
      assertProblem(await report('products', { currency: 'EUR' }), 400, 'ANALYTICS_NO_EXCHANGE_RATE');
      assertProblem(await report('overview', { currency: 'usd' }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/admin/analytics/overview', { token: owner }), 400, 'VALIDATION_FAILED');
    });

    test('idempotent: an event delivered twice and a second fold change nothing', async () => {
      const before = (await report('overview')).body;
      const beforeProducts = (await report('products', { minViewers: '1' })).body;
      const events = await app.db.selectFrom('eventOutbox').select(['id', 'name', 'payload', 'createdAt']).where('name', 'like', 'order.%').orderBy('id').execute();
      const handlers = new Map(app.modules.analytics.subscriptions());
      let redelivered = 0;
      for (const e of events) {
        const handler = handlers.get(e.name);
        if (!handler) continue;
        await handler({ id: e.id, name: e.name, payload: e.payload, createdAt: e.createdAt });
        redelivered++;
      }
      assert.ok(redelivered >= 10);
      assert.equal(await app.modules.analytics.foldBehaviour({ settleMs: 0 }), 0);
      assert.deepEqual((await report('overview')).body, before);
      assert.deepEqual((await report('products', { minViewers: '1' })).body, beforeProducts);
    });
  });
}
