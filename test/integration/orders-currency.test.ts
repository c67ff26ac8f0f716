import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

for (const engine of DATABASES) {
  describe(`checkout in a currency other than the base (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
    });
    after(() => app.close());

    test('a USD order records the rate of the moment and is paid like any other', async () => {
      const http = client(app.server);
      const rate = await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.1385' }, token: actors.owner.token });
      assert.equal(rate.status, 200, JSON.stringify(rate.body));
      const fixtures = shop(app, actors.owner.token);
      await fixtures.product('FX-1', { cny: 1000, usd: 150, stock: 3 });
      const cart = await fixtures.readyCart([['FX-1', 2]], { currency: 'USD' });
      const placed = await fixtures.checkout(cart.id);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.currency, 'USD');
      assert.equal(placed.body.items[0].unitPrice, 150);
      const row = await app.db.selectFrom('orders').select(['currency', 'baseCurrency', 'exchangeRate']).where('id', '=', placed.body.id).executeTakeFirstOrThrow();
      assert.deepEqual([row.currency, row.baseCurrency, Number(row.exchangeRate)], ['USD', 'CNY', 0.1385]);
      await fixtures.paySandbox(placed.body.id, { orderToken: placed.body.accessToken });
      const paid = await http.get(`/store/orders/${placed.body.id}`, { headers: { 'x-order-token': placed.body.accessToken } });
      assert.equal(paid.body.status, 'paid', JSON.stringify(paid.body));
    });
  });
}
