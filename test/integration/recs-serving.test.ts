import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

interface Item {
  productId: string;
  handle: string;
  title: string;
  price?: { amount: number; currency: string };
  reason: string;
  recommendationId: string;
}

for (const engine of DATABASES) {
  describe(`recommendation serving (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    let http: ReturnType<typeof client>;
    let fixtures: ReturnType<typeof shop>;
    const p: Record<string, string> = {};
    let clock = Date.now() - 3_600_000;
    const at = () => new Date((clock += 1000)).toISOString();

    /** Sends each session's product events in order (`!X` = a purchase of X). */
    async function sessions(prefix: string, count: number, steps: string[], token?: string) {
      const events = [];
      for (let i = 0; i < count; i++) {
        for (const s of steps) {
          const purchase = s.startsWith('!');
          events.push({ type: purchase ? 'purchase' : 'view', productId: p[purchase ? s.slice(1) : s]!, sessionId: `${prefix}-${i}`, occurredAt: at() });
        }
      }
      for (let i = 0; i < events.length; i += 100) {
        const res = await http.post('/store/events', { events: events.slice(i, i + 100) }, { token });
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.accepted, Math.min(100, events.length - i), JSON.stringify(res.body));
      }
    }
    const ids = (items: Item[]) => items.map((i) => i.productId);

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      actors = await signInActors(app);
      fixtures = shop(app, actors.owner.token);
      for (const [key, stock] of [['A', 50], ['B', 50], ['C', 50], ['D', 50], ['E', 50], ['F', 0], ['G', 50]] as const) {
        p[key] = (await fixtures.product(`SRV-${key}`, { cny: 1000, stock })).id;
      }
      const draft = await http.patch(`/admin/products/${p.G}`, { status: 'draft' }, { token: actors.owner.token });
      assert.equal(draft.status, 200, JSON.stringify(draft.body));
    });
    after(async () => {
      await app.close();
    });

    test('a new shop answers every endpoint with a list (from fallbacks), never an error', async () => {
      await app.modules.recommendations.train();
      for (const url of ['/store/products/srv-a/similar', '/store/products/srv-a/bought-together?limit=5', '/store/recommendations', '/store/recommendations?sessionId=nobody']) {
        const res = await http.get(url);
        assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
        assert.ok(Array.isArray(res.body.items));
      }
      const cart = await http.post('/store/carts', { currency: 'CNY' });
      assert.equal(cart.status, 201, JSON.stringify(cart.body));
      const recs = await http.get(`/store/carts/${cart.body.id}/recommendations`);
      assert.equal(recs.status, 200, JSON.stringify(recs.body));
      assert.ok(Array.isArray(recs.body.items));
    });

    test('unknown (or unpublished) products and unknown carts are 404', async () => {
      assertProblem(await http.get('/store/products/no-such-thing/similar'), 404, 'RECS_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/products/no-such-thing/bought-together'), 404, 'RECS_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/products/srv-g/similar'), 404, 'RECS_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/carts/cart_01JDB4X8K3M0Q9W2E5R7T6Y1V3/recommendations'), 404, 'RECS_CART_NOT_FOUND');
      assert.equal((await http.get('/store/products/srv-a/similar?limit=0')).status, 400);
    });

    test('after train(), sessions viewing A then B make B the top "similar" for A; unavailable products are dropped', async () => {
      await sessions('ab', 12, ['A', 'B']);
      await sessions('af', 10, ['A', 'F']);
      await sessions('ag', 10, ['A', 'G']);
      await sessions('ac', 4, ['A', 'C']);
      const before = await http.get('/store/products/srv-a/similar');
      assert.notEqual(before.body.items[0]?.reason, 'similar_to', 'nothing is learnt before train()');
      await app.modules.recommendations.train();
      const res = await http.get('/store/products/srv-a/similar?limit=3');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const items = res.body.items as Item[];
      assert.equal(items[0]!.productId, p.B);
      assert.equal(items[0]!.handle, 'srv-b');
      assert.equal(items[0]!.title, 'Product SRV-B');
      assert.deepEqual(items[0]!.price, { amount: 1000, currency: 'CNY' });
      assert.equal(items[0]!.reason, 'similar_to');
      assert.match(items[0]!.recommendationId, /^rec_[0-9A-Z]{26}$/);
      assert.ok(ids(items).includes(p.C!));
      for (const gone of [p.A, p.F, p.G]) assert.ok(!ids(items).includes(gone!), `${gone} must not be recommended`);
      assert.ok(items.length <= 3);
      // Deterministic apart from the recommendation ids.
      const again = await http.get('/store/products/srv-a/similar?limit=3');
      assert.deepEqual(ids(again.body.items), ids(items));
    });

    test('bought-together follows co-purchases; cart recommendations exclude the cart’s items', async () => {
      await sessions('buy-ad', 6, ['!A', '!D']);
      await sessions('buy-ae', 3, ['!A', '!E']);
      await sessions('buy-ac', 2, ['!A', '!C']);
      await app.modules.recommendations.train();
      const bt = await http.get('/store/products/srv-a/bought-together');
      assert.equal(bt.status, 200, JSON.stringify(bt.body));
      const items = bt.body.items as Item[];
      assert.equal(items[0]!.productId, p.D);
      assert.equal(items[0]!.reason, 'bought_with');
      assert.ok(!ids(items).includes(p.A!));

      const cart = await fixtures.readyCart([
        ['SRV-A', 1],
        ['SRV-D', 1],
      ]);
      const res = await http.get(`/store/carts/${cart.id}/recommendations?limit=5`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const recs = res.body.items as Item[];
      assert.ok(recs.length > 0);
      assert.equal(recs[0]!.productId, p.E);
      assert.equal(recs[0]!.reason, 'bought_with');
      for (const inCart of [p.A, p.D, p.F, p.G]) assert.ok(!ids(recs).includes(inCart!));
    });

    test('"for you" excludes just-bought and unavailable items; works for a session and a customer', async () => {
      await sessions('me', 1, ['A', '!B']);
      const res = await http.get('/store/recommendations?sessionId=me-0&limit=4');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const items = res.body.items as Item[];
      assert.ok(items.length > 0);
      assert.equal(items[0]!.reason, 'because_you_viewed');
      for (const gone of [p.A, p.B, p.F, p.G]) assert.ok(!ids(items).includes(gone!), `${gone} must not be recommended`);
      const again = await http.get('/store/recommendations?sessionId=me-0&limit=4');
      assert.deepEqual(ids(again.body.items), ids(items));

      await sessions('cust', 1, ['A', '!C'], actors.customerToken);
      const mine = await http.get('/store/recommendations', { token: actors.customerToken });
      assert.equal(mine.status, 200, JSON.stringify(mine.body));
      const picks = ids(mine.body.items as Item[]);
      assert.ok(picks.length > 0);
      for (const gone of [p.A, p.C, p.F, p.G]) assert.ok(!picks.includes(gone!));
      assert.ok(picks.includes(p.B!), 'B followed A for many shoppers');

      // Anonymous without a session: trending only.
      const anon = await http.get('/store/recommendations');
      assert.equal(anon.status, 200);
      for (const item of anon.body.items as Item[]) assert.equal(item.reason, 'trending');
      assertProblem(await http.get('/store/recommendations', { token: 'not-a-token' }), 401, 'AUTH_REQUIRED');
    });
  });
}
