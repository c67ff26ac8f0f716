import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

const DAY = 86_400_000;

for (const engine of DATABASES) {
  describe(`recommendation events (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    let http: ReturnType<typeof client>;
    let fixtures: ReturnType<typeof shop>;
    let productA: string;
    let productB: string;

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      actors = await signInActors(app);
      fixtures = shop(app, actors.owner.token);
      productA = (await fixtures.product('RECS-A', { cny: 1000, stock: 50 })).id;
      productB = (await fixtures.product('RECS-B', { cny: 2500, stock: 50 })).id;
    });
    after(async () => {
      await app.close();
    });

    const rows = (where: { sessionId?: string; customerId?: string; orderId?: string }) => {
      let q = app.db.selectFrom('recsEvent').selectAll().orderBy('id');
      if (where.sessionId) q = q.where('sessionId', '=', where.sessionId);
      if (where.customerId) q = q.where('customerId', '=', where.customerId);
      if (where.orderId) q = q.where('orderId', '=', where.orderId);
      return q.execute();
    };

    test('an anonymous batch is stored with one row per event; SKUs resolve to products', async () => {
      const res = await http.post('/store/events', {
        events: [
          { type: 'view', productId: productA, sessionId: 'sess-accept' },
          { type: 'search', query: ' earbuds ', sessionId: 'sess-accept' },
          { type: 'add_to_cart', sku: 'RECS-B', sessionId: 'sess-accept', occurredAt: new Date(Date.now() - 60_000).toISOString() },
          { type: 'click_recommendation', productId: productB, sessionId: 'sess-accept' },
        ],
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body, { accepted: 4, rejected: [] });
      const stored = await rows({ sessionId: 'sess-accept' });
      assert.deepEqual(
        stored.map((r) => [r.type, r.productId, r.query, r.customerId]),
        [
          ['view', productA, null, null],
          ['search', null, 'earbuds', null],
          ['add_to_cart', productB, null, null],
          ['click_recommendation', productB, null, null],
        ],
      );
      assert.equal(stored[2]!.sku, 'RECS-B');
      assert.ok(stored[2]!.occurredAt.getTime() < stored[2]!.receivedAt.getTime());
    });

    test('bad events are rejected one by one with reasons; the good ones are stored', async () => {
      const res = await http.post('/store/events', {
        events: [
          { type: 'like', productId: productA, sessionId: 'sess-reject' },
          { type: 'view', productId: productA },
          { type: 'view', sessionId: 'sess-reject' },
          { type: 'view', productId: productA, sessionId: 'sess-reject', occurredAt: new Date(Date.now() + 365 * DAY).toISOString() },
          { type: 'search', sessionId: 'sess-reject' },
          { type: 'view', productId: 'not-a-product', sessionId: 'sess-reject' },
          { type: 'add_to_cart', sku: 'NO-SUCH-SKU', sessionId: 'sess-reject' },
          { type: 'view', productId: productA, sessionId: 'sess-reject', occurredAt: 'yesterday' },
          { type: 'view', productId: productA, sessionId: 'sess-reject', occurredAt: new Date(Date.now() - 400 * DAY).toISOString() },
          { type: 'view', productId: productA, sessionId: 'has spaces' },
          { type: 'view', productId: productB, sessionId: 'sess-reject' },
        ],
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.accepted, 1);
      assert.deepEqual(
        res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
        [
          [0, 'RECS_EVENT_UNKNOWN_TYPE'],
          [1, 'RECS_EVENT_SESSION_REQUIRED'],
          [2, 'RECS_EVENT_PRODUCT_REQUIRED'],
          [3, 'RECS_EVENT_INVALID_TIME'],
          [4, 'RECS_EVENT_QUERY_REQUIRED'],
          [5, 'RECS_EVENT_INVALID_PRODUCT_ID'],
          [6, 'RECS_EVENT_UNKNOWN_SKU'],
          [7, 'RECS_EVENT_INVALID_TIME'],
          [8, 'RECS_EVENT_INVALID_TIME'],
          [9, 'RECS_EVENT_SESSION_REQUIRED'],
        ],
      );
      for (const r of res.body.rejected) assert.ok(r.message.length > 0);
      assert.deepEqual((await rows({ sessionId: 'sess-reject' })).map((r) => r.productId), [productB]);
    });

    test('a malformed body is 400 VALIDATION_FAILED; staff tokens 403; bad tokens 401', async () => {
      assertProblem(await http.post('/store/events', { events: 'nope' }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/events', { events: [] }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/events', { events: [{ type: 'view' }], extra: 1 }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.call('POST', '/store/events', { raw: '"nope"' }), 400, 'VALIDATION_FAILED');
      const tooMany = Array.from({ length: 101 }, () => ({ type: 'view', productId: productA, sessionId: 'sess-big' }));
      assertProblem(await http.post('/store/events', { events: tooMany }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/events', { events: [{ type: 'view', productId: productA, sessionId: 's', color: 'red' }] }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/events', { events: [{ type: 'view', productId: productA, sessionId: 's' }] }, { token: actors.owner.token }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.post('/store/events', { events: [{ type: 'view', productId: productA, sessionId: 's' }] }, { token: 'bzc_nonsense' }), 401, 'AUTH_REQUIRED');
      assert.equal((await rows({ sessionId: 's' })).length, 0);
    });

    test('anonymous events count for the customer once the session is used with their token', async () => {
      const anon = await http.post('/store/events', {
        events: [
          { type: 'view', productId: productA, sessionId: 'sess-login' },
          { type: 'search', query: 'mug', sessionId: 'sess-login' },
        ],
      });
      assert.equal(anon.status, 202);
      const me = await http.get('/store/me', { token: actors.customerToken });
      assert.equal(me.status, 200, JSON.stringify(me.body));
      const customerId = me.body.id as string;
      assert.equal((await app.modules.recommendations.customerEvents(customerId)).length, 0);

      const signedIn = await http.post('/store/events', { events: [{ type: 'add_to_cart', productId: productA, sessionId: 'sess-login' }] }, { token: actors.customerToken });
      assert.deepEqual(signedIn.body, { accepted: 1, rejected: [] });
      const link = await app.db.selectFrom('recsSessionCustomer').selectAll().where('sessionId', '=', 'sess-login').executeTakeFirstOrThrow();
      assert.equal(link.customerId, customerId);
      const history = await app.modules.recommendations.customerEvents(customerId);
      assert.deepEqual(
        history.map((e) => [e.type, e.customerId]),
        [
          ['view', null],
          ['search', null],
          ['add_to_cart', customerId],
        ],
      );
    });

    test('paid orders become purchases once per line, even when order.paid is delivered twice', async () => {
      const cart = await fixtures.readyCart(
        [
          ['RECS-A', 2],
          ['RECS-B', 1],
        ],
        { token: actors.customerToken },
      );
      const placed = await fixtures.checkout(cart.id, { token: actors.customerToken });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const orderId = placed.body.id as string;
      await fixtures.paySandbox(orderId, { token: actors.customerToken });
      await app.dispatcher.drain();

      const purchases = await rows({ orderId });
      assert.deepEqual(purchases.map((p) => [p.type, p.productId, p.quantity, p.sessionId]).sort(), [
        ['purchase', productA, 2, null],
        ['purchase', productB, 1, null],
      ]);
      assert.ok(purchases.every((p) => p.customerId === placed.body.customerId && p.orderLineId));

      const paid = await app.db.selectFrom('eventOutbox').selectAll().where('name', '=', 'order.paid').execute();
      const event = paid.find((e) => (e.payload as { orderId: string }).orderId === orderId)!;
      const handler = app.modules.recommendations.subscriptions().find(([name]) => name === 'order.paid')![1];
      await handler({ id: event.id, name: event.name, payload: event.payload, createdAt: event.createdAt });
      assert.equal((await rows({ orderId })).length, 2);
    });

    test('a session over the per-minute limit gets 429 with Retry-After; other sessions go on', async () => {
      const limit = app.modules.recommendations.limits.eventsPerMinute;
      // The window is the wall-clock minute: start well inside one so the test cannot straddle two.
      const toWindowEnd = 60_000 - (Date.now() % 60_000);
      if (toWindowEnd < 5_000) await new Promise((r) => setTimeout(r, toWindowEnd + 50));
      const batch = (sessionId: string) => ({ events: Array.from({ length: 100 }, () => ({ type: 'view', productId: productA, sessionId })) });
      for (let sent = 0; sent + 100 <= limit; sent += 100) assert.equal((await http.post('/store/events', batch('sess-flood'))).status, 202);
      const refused = await http.post('/store/events', batch('sess-flood'));
      assertProblem(refused, 429, 'RECS_RATE_LIMITED');
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, String(refused.headers['retry-after']));
      assert.equal((await rows({ sessionId: 'sess-flood' })).length, Math.floor(limit / 100) * 100);
      assert.equal((await http.post('/store/events', batch('sess-calm'))).status, 202);
    });

    test('compaction folds whole old days into daily counts and deletes them, idempotently', async () => {
      const tenDaysAgo = new Date(Date.now() - 10 * DAY);
      const at = (hours: number) => new Date(Date.UTC(tenDaysAgo.getUTCFullYear(), tenDaysAgo.getUTCMonth(), tenDaysAgo.getUTCDate(), hours)).toISOString();
      const res = await http.post('/store/events', {
        events: [
          { type: 'view', productId: productB, sessionId: 'sess-old-1', occurredAt: at(1) },
          { type: 'view', productId: productB, sessionId: 'sess-old-1', occurredAt: at(2) },
          { type: 'view', productId: productB, sessionId: 'sess-old-2', occurredAt: at(3) },
          { type: 'add_to_cart', productId: productB, sessionId: 'sess-old-2', occurredAt: at(4) },
          { type: 'purchase', productId: productB, sessionId: 'sess-old-2', occurredAt: at(5) },
          { type: 'search', query: 'old', sessionId: 'sess-old-2', occurredAt: at(6) },
        ],
      });
      assert.deepEqual(res.body, { accepted: 6, rejected: [] });
      const recent = (await rows({})).length - 6;
      const compacted = await app.modules.recommendations.compactEvents(new Date(Date.now() - 5 * DAY));
      assert.equal(compacted, 6);
      const daily = await app.db.selectFrom('recsItemDaily').selectAll().execute();
      assert.equal(daily.length, 1);
      assert.equal(daily[0]!.productId, productB);
      assert.deepEqual([daily[0]!.views, daily[0]!.carts, daily[0]!.purchases, daily[0]!.distinctSessions], [3, 1, 1, 2]);
      assert.equal((await rows({})).length, recent);

      assert.equal(await app.modules.recommendations.compactEvents(new Date(Date.now() - 5 * DAY)), 0);
      const again = await app.db.selectFrom('recsItemDaily').selectAll().execute();
      assert.deepEqual(again, daily);
    });

    test('forgetCustomer deletes their events and their linked sessions; customer.deleted does the same', async () => {
      const other = await http.post('/store/auth/register', { email: 'forget-me@example.com', password: 'forgetpass12' });
      assert.equal(other.status, 201, JSON.stringify(other.body));
      const token = other.body.token as string;
      const customerId = other.body.customer.id as string;
      await http.post('/store/events', { events: [{ type: 'view', productId: productA, sessionId: 'sess-forget' }] });
      await http.post('/store/events', { events: [{ type: 'view', productId: productB, sessionId: 'sess-forget' }] }, { token });
      await http.post('/store/events', { events: [{ type: 'view', productId: productB, sessionId: 'sess-keep' }] });
      assert.equal((await app.modules.recommendations.customerEvents(customerId)).length, 2);

      assert.equal(await app.modules.recommendations.forgetCustomer(customerId), 2);
      assert.equal((await app.modules.recommendations.customerEvents(customerId)).length, 0);
      assert.equal((await rows({ sessionId: 'sess-forget' })).length, 0);
      assert.equal((await rows({ sessionId: 'sess-keep' })).length, 1);
      assert.equal(await app.db.selectFrom('recsSessionCustomer').select('sessionId').where('customerId', '=', customerId).executeTakeFirst(), undefined);

      await http.post('/store/events', { events: [{ type: 'view', productId: productA, sessionId: 'sess-forget-2' }] }, { token });
      const handler = app.modules.recommendations.subscriptions().find(([name]) => name === 'customer.deleted')![1];
      await handler({ id: 'evt_test', name: 'customer.deleted', payload: { customerId }, createdAt: new Date() });
      assert.equal((await app.modules.recommendations.customerEvents(customerId)).length, 0);
    });
  });
}
