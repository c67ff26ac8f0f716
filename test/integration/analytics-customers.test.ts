import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DomainEvent } from '../../src/platform/events/index.js';
import { newId } from '../../src/platform/ids.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { signInActors } from '../helpers/actors.js';
import { client } from '../helpers/http.js';

/**
 * New vs returning customers, cohorts and the shop's time zone, from order events delivered to
 * the analytics subscriber directly (late and out of order, as at-least-once delivery allows),
 * and the behaviour fold under two concurrent callers.
 */
for (const engine of DATABASES) {
  describe(`analytics customers and time zone [${engine}]`, () => {
    let app: TestApp;
    let owner: string;
    let http: ReturnType<typeof client>;
    let handlers: Map<string, (e: DomainEvent) => Promise<void>>;
    let n = 0;

    before(async () => {
      app = await buildTestApp(engine, { BAZAAR_TIME_ZONE: 'Asia/Shanghai' });
      owner = (await signInActors(app)).owner.token;
      http = client(app.server);
      handlers = new Map(app.modules.analytics.subscriptions());
    });

    after(async () => {
      await app?.close();
    });

    /** Delivers `order.paid` for a customer at an instant. */
    async function paid(customerId: string, at: string, total: number) {
      n++;
      const lines = [{ lineId: `oli_t${n}`, productId: 'prod_t', sku: 'T', quantity: 1, total }];
      const payload = { orderId: `ord_t${n}`, customerId, currency: 'CNY', baseCurrency: 'CNY', exchangeRate: null, total, discountTotal: 0, codes: [], promotions: [], lines };
      const event = { id: `evt_t${String(n).padStart(4, '0')}`, name: 'order.paid', payload, createdAt: new Date(at) };
      await handlers.get('order.paid')!(event);
      return event;
    }

    const report = async (name: string, query: Record<string, string>) => {
      const res = await http.get(`/admin/analytics/${name}?${new URLSearchParams(query)}`, { token: owner });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    test('days, months and customers follow the shop’s time zone; late events re-file customers', async () => {
      await paid('cus_1', '2026-01-10T03:00:00Z', 1000);
      await paid('cus_1', '2026-02-05T03:00:00Z', 2000);
      await paid('cus_1', '2026-02-06T03:00:00Z', 2000);
      await paid('cus_1', '2026-03-20T03:00:00Z', 3000);
      await paid('cus_2', '2026-02-10T03:00:00Z', 4000);
      // 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai.
      await paid('cus_3', '2026-01-31T17:30:00Z', 5000);
      // cus_2's January payment arrives after the February one.
      const late = await paid('cus_2', '2026-01-20T03:00:00Z', 6000);
      // Redelivery changes nothing.
      await handlers.get('order.paid')!(late);

      const jan = await report('overview', { from: '2026-01-01', to: '2026-01-31' });
      assert.equal(jan.timeZone, 'Asia/Shanghai');
      assert.deepEqual([jan.figures.gmv.value, jan.figures.paidOrders.value, jan.figures.newCustomers.value, jan.figures.returningCustomers.value], [7000, 2, 2, 0]);

      const feb = await report('overview', { from: '2026-02-01', to: '2026-02-28' });
      assert.deepEqual([feb.figures.gmv.value, feb.figures.paidOrders.value, feb.figures.newCustomers.value, feb.figures.returningCustomers.value], [13000, 4, 1, 2]);
      assert.equal(feb.figures.gmv.previous, 7000);
      assert.equal(feb.figures.gmv.change, 0.8571);
      assert.deepEqual(feb.previous, { from: '2026-01-04', to: '2026-01-31' });

      const quarter = await report('overview', { from: '2026-01-01', to: '2026-03-31', granularity: 'month' });
      assert.deepEqual(
        quarter.series.map((b: any) => [b.bucket, b.gmv, b.newCustomers, b.returningCustomers]),
        [
          ['2026-01-01 00:00:00', 7000, 2, 0],
          ['2026-02-01 00:00:00', 13000, 1, 2],
          ['2026-03-01 00:00:00', 3000, 0, 1],
        ],
      );
      // Over the whole quarter each customer counts once.
      assert.deepEqual([quarter.figures.newCustomers.value, quarter.figures.returningCustomers.value], [3, 0]);

      const daily = await report('overview', { from: '2026-02-01', to: '2026-02-01', granularity: 'hour' });
      assert.equal(daily.series.length, 24);
      assert.deepEqual(
        daily.series.filter((b: any) => b.gmv > 0).map((b: any) => [b.bucket, b.gmv, b.newCustomers]),
        [['2026-02-01 01:00:00', 5000, 1]],
      );

      const cohorts = await report('cohorts', { from: '2026-01-01', to: '2026-03-31' });
      assert.deepEqual(cohorts.cohorts, [
        {
          cohort: '2026-01',
          customers: 2,
          months: [
            { month: '2026-02', offset: 1, customers: 2, rate: 1 },
            { month: '2026-03', offset: 2, customers: 1, rate: 0.5 },
          ],
        },
        { cohort: '2026-02', customers: 1, months: [] },
      ]);
    });

    test('long periods read whole months and partial edge days alike', async () => {
      const units = async (from: string, to: string) => {
        const body = await report('products', { from, to });
        return body.topByRevenue.map((p: any) => [p.productId, p.units, p.revenue]);
      };
      // Payments (local days): 10 Jan, 20 Jan, 1 Feb, 5 Feb, 6 Feb, 10 Feb, 20 Mar.
      assert.deepEqual(await units('2026-01-01', '2026-03-31'), [['prod_t', 7, 23000]]);
      assert.deepEqual(await units('2026-01-15', '2026-03-10'), [['prod_t', 5, 19000]]);
      assert.deepEqual(await units('2026-01-11', '2026-02-05'), [['prod_t', 3, 13000]]);
      assert.deepEqual(await units('2026-02-01', '2026-02-28'), [['prod_t', 4, 13000]]);
      assert.deepEqual(await units('2026-02-07', '2026-03-19'), [['prod_t', 1, 4000]]);
    });

    test('retention forgets old event ids and activity long before a customer’s latest, and the reports stay right', async () => {
      const count = async (grain: 'hour' | 'day' | 'month', customer: string) =>
        Number((await app.db.selectFrom('analyticsCustomerActivity').select((eb) => eb.fn.countAll<string>().as('n')).where('grain', '=', grain).where('customerId', '=', customer).executeTakeFirstOrThrow()).n);
      await paid('cus_r', '2027-01-05T03:00:00Z', 100);
      await paid('cus_r', '2027-01-06T03:00:00Z', 100);
      await paid('cus_r', '2028-03-01T03:00:00Z', 100);
      assert.equal(await count('day', 'cus_r'), 3);
      // Ids folded more than 30 days ago go; a later event folds as before.
      await app.db.updateTable('analyticsEvent').set({ processedAt: new Date(Date.now() - 31 * 86_400_000) }).where('eventId', '<', 'evt_t0002').execute();
      while (await app.modules.analytics.prune()) {
        // more
      }
      assert.equal(Number((await app.db.selectFrom('analyticsEvent').select((eb) => eb.fn.countAll<string>().as('n')).where('eventId', '<', 'evt_t0002').executeTakeFirstOrThrow()).n), 0);
      // January 2027 is more than 400 days before March 2028: only the latest day and hour stay.
      assert.equal(await count('day', 'cus_r'), 1);
      assert.equal(await count('hour', 'cus_r'), 1);
      assert.equal(await count('month', 'cus_r'), 2);
      // The next payment is still returning; a payment arriving a year late counts in GMV only.
      await paid('cus_r', '2028-03-09T03:00:00Z', 100);
      await paid('cus_r', '2027-01-07T03:00:00Z', 100);
      const march = await report('overview', { from: '2028-03-01', to: '2028-03-31' });
      assert.deepEqual([march.figures.gmv.value, march.figures.newCustomers.value, march.figures.returningCustomers.value], [200, 0, 1]);
      const jan = await report('overview', { from: '2027-01-01', to: '2027-01-31' });
      assert.deepEqual([jan.figures.gmv.value, jan.figures.paidOrders.value, jan.figures.newCustomers.value], [300, 3, 1]);
    });

    test('two folds at once: one claims the watermark, nothing is counted twice', async () => {
      const now = Date.now();
      const products = Array.from({ length: 4 }, () => newId('prod'));
      const events = Array.from({ length: 40 }, (_, i) => ({ type: 'view', productId: products[i % 4], sessionId: `fold-${i % 10}`, occurredAt: new Date(now - 60_000 + i * 100).toISOString() }));
      const sent = await http.post('/store/events', { events });
      assert.equal(sent.body.accepted, 40, JSON.stringify(sent.body));
      const folded = await Promise.all([app.modules.analytics.foldBehaviour({ settleMs: 0 }), app.modules.analytics.foldBehaviour({ settleMs: 0 })]);
      assert.equal(folded[0]! + folded[1]!, 40);
      assert.equal(await app.modules.analytics.foldBehaviour({ settleMs: 0 }), 0);
      const localDate = (t: number) => new Date(t).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
      const funnel = await report('funnel', { from: localDate(now - 86_400_000), to: localDate(now) });
      assert.deepEqual(funnel.steps.slice(0, 2).map((s: any) => s.count), [10, 10]);
      assert.equal(funnel.series.reduce((sum: number, b: any) => sum + b.views, 0), 40);
    });
  });
}
