import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

// Usage limits under real concurrency: PGlite runs one transaction at a time, so PostgreSQL only.
for (const engine of DATABASES.filter((e) => e === 'postgres')) {
  describe(`promotion usage limits under concurrency [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
    });
    after(() => app.close());

    test('100 parallel checkouts with a code limited to 10 uses: exactly 10 orders carry it, 90 × 409', async () => {
      const p = await s.product('PROMO-RACE', { cny: 10000, stock: 1000 });
      const created = await s.http.post(
        '/admin/coupons',
        { name: 'race', code: 'RACE10', usageLimit: 10, conditions: [{ type: 'products', productIds: [p.id] }, { type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 1000 }] },
        { token: actors.owner.token },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const carts: string[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const ready = await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const cart = await s.readyCart([['PROMO-RACE', 1]], { email: `racer${batch * 20 + i}@example.com` });
            const added = await s.http.post(`/store/carts/${cart.id}/coupons`, { code: 'RACE10' });
            assert.equal(added.status, 200, JSON.stringify(added.body));
            assert.equal(added.body.discountTotal, 1000);
            return cart.id;
          }),
        );
        carts.push(...ready);
      }
      const results = await Promise.all(carts.map((id) => s.checkout(id)));
      const placed = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      assert.equal(placed.length, 10, JSON.stringify(results.map((r) => r.status)));
      for (const r of refused) assertProblem(r, 409, 'PROMOTION_USAGE_LIMIT_REACHED');
      assert.ok(placed.every((r) => r.body.discountTotal === 1000 && r.body.codes[0] === 'RACE10'));
      const row = await app.db.selectFrom('promotion').select('usedCount').where('id', '=', created.body.id).executeTakeFirstOrThrow();
      assert.equal(row.usedCount, 10);
      const redemptions = await app.db.selectFrom('promotionRedemption').select('orderId').where('promotionId', '=', created.body.id).where('status', '=', 'reserved').execute();
      assert.deepEqual(redemptions.map((r) => r.orderId).sort(), placed.map((r) => r.body.id as string).sort());
      const orders = await app.db.selectFrom('orders').select('id').where(sql<boolean>`codes @> array['RACE10']`).execute();
      assert.equal(orders.length, 10);
      // Every refused checkout rolled back whole: no stock held for them.
      const level = await app.db.selectFrom('inventoryLevel').select('reserved').where('sku', '=', 'PROMO-RACE').executeTakeFirstOrThrow();
      assert.equal(level.reserved, 10);
    });

    test('a campaign budget holds under concurrency: never more discount than the budget', async () => {
      const p = await s.product('BUDGET-RACE', { cny: 10000, stock: 1000 });
      const camp = await s.http.post('/admin/campaigns', { name: 'race budget', budget: 5000, currency: 'CNY' }, { token: actors.owner.token });
      assert.equal(camp.status, 201);
      const promo = await s.http.post(
        '/admin/promotions',
        { name: 'budget 10', campaignId: camp.body.id, conditions: [{ type: 'products', productIds: [p.id] }, { type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 1000 }] },
        { token: actors.owner.token },
      );
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      const carts = await Promise.all(Array.from({ length: 20 }, (_, i) => s.readyCart([['BUDGET-RACE', 1]], { email: `budget${i}@example.com` })));
      const results = await Promise.all(carts.map((c) => s.checkout(c.id)));
      const discounted = results.filter((r) => r.status === 201 && r.body.discountTotal === 1000);
      assert.equal(discounted.length, 5, JSON.stringify(results.map((r) => [r.status, r.body.discountTotal ?? r.body.code])));
      for (const r of results.filter((x) => x.status !== 201)) assertProblem(r, 409, 'CAMPAIGN_BUDGET_EXHAUSTED');
      const report = await s.http.get(`/admin/campaigns/${camp.body.id}/report`, { token: actors.owner.token });
      assert.equal(report.body.discountSpent, 5000);
    });
  });
}
