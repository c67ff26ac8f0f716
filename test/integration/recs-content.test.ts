import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

for (const engine of DATABASES) {
  describe(`recommendations without behaviour fall back to content [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
    });
    after(() => app.close());

    test('a new shop: "similar" lists products sharing the category, then the brand, never the product itself', async () => {
      const http = client(app.server);
      const token = actors.owner.token;
      const shoes = (await http.post('/admin/categories', { handle: 'shoes', name: 'Shoes' }, { token })).body.id as string;
      const hats = (await http.post('/admin/categories', { handle: 'hats', name: 'Hats' }, { token })).body.id as string;
      const product = async (handle: string, categoryIds: string[], brand: string) => {
        const res = await http.post(
          '/admin/products',
          { handle, title: handle, brand, status: 'published', categoryIds, variants: [{ sku: handle.toUpperCase(), prices: [{ currency: 'CNY', amount: 1000 }] }] },
          { token },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal((await http.call('PUT', `/admin/inventory/${handle.toUpperCase()}`, { body: { onHand: 5 }, token })).status, 200);
      };
      await product('runner', [shoes], 'Swift');
      await product('trail', [shoes], 'Other');
      await product('cap', [hats], 'Swift');
      await product('beanie', [hats], 'Wool');
      await app.modules.recommendations.train();

      const res = await http.get('/store/products/runner/similar?limit=3');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const handles = res.body.items.map((i: { handle: string }) => i.handle);
      // Same category first, then same brand; the product itself and unrelated items never as "similar_to".
      assert.deepEqual(handles.slice(0, 2), ['trail', 'cap']);
      assert.ok(!handles.includes('runner'));
      assert.deepEqual(
        res.body.items.slice(0, 2).map((i: { reason: string }) => i.reason),
        ['similar_to', 'similar_to'],
      );
      assert.ok(res.body.items.slice(2).every((i: { reason: string; handle: string }) => i.reason === 'trending' || i.handle === 'beanie'));
    });

    test('a batch is accepted as {events: [...]} or as the bare array', async () => {
      const http = client(app.server);
      const one = { type: 'search', query: 'hat', sessionId: 'bare-1' };
      const wrapped = await http.post('/store/events', { events: [one] });
      const bare = await http.post('/store/events', [one, { type: 'teleport', sessionId: 'bare-1' }]);
      assert.equal(wrapped.status, 202, JSON.stringify(wrapped.body));
      assert.equal(bare.status, 202, JSON.stringify(bare.body));
      assert.equal(bare.body.accepted, 1);
      assert.equal(bare.body.rejected[0].index, 1);
    });
  });
}
