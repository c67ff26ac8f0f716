import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTransaction } from '../../src/platform/db/index.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

for (const engine of DATABASES) {
  describe(`catalog sales counters reach the store and search [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
      await app.modules.staff.ensureOwner('owner@example.com', 'ownerpass123');
      const owner = (await app.modules.staff.list({ limit: 1 })).items[0]!;
      await app.modules.catalog.seedDemo({ staffId: owner.id, ip: '127.0.0.1' });
      await app.dispatcher.drain();
    });
    after(() => app.close());

    test('recordSales raises best-seller rank in the listing and, after the outbox, in search', async () => {
      const http = client(app.server);
      const product = await app.db.selectFrom('catalogProduct').select('id').where('handle', '=', 'phones-3').executeTakeFirstOrThrow();
      const before = await http.get('/store/search?q=phone&sort=best_selling&limit=1');
      assert.notEqual(before.body.items[0]?.handle, 'phones-3');

      await withTransaction(app.db, (trx) => app.modules.catalog.recordSales(trx, [{ productId: product.id, quantity: 500 }]));
      const listing = await http.get('/store/products?category=phones&sort=best_selling&limit=1');
      assert.equal(listing.body.items[0].handle, 'phones-3');

      const events = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'catalog.sales_recorded').where('processedAt', 'is', null).execute();
      const payloads = events.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload) as { products: { productId: string; salesCount: number }[] });
      assert.ok(payloads.some((p) => p.products.some((x) => x.productId === product.id && x.salesCount >= 500)));
      await app.dispatcher.drain();
      const after = await http.get('/store/search?q=phone&sort=best_selling&limit=1');
      assert.equal(after.status, 200);
      assert.equal(after.body.items[0].handle, 'phones-3');
    });
  });
}
