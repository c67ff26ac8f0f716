import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createRecommendationsModule } from '../../src/modules/recommendations/index.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

interface Item {
  productId: string;
  handle: string;
  reason: string;
  recommendationId: string;
}

for (const engine of DATABASES) {
  describe(`recommendation models in tables, impressions and clicks (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    let http: ReturnType<typeof client>;
    const p: Record<string, string> = {};
    let clock = Date.now() - 3_600_000;
    const at = () => new Date((clock += 1000)).toISOString();

    async function sessions(prefix: string, count: number, steps: string[]) {
      const events = [];
      for (let i = 0; i < count; i++) for (const s of steps) events.push({ type: 'view', productId: p[s]!, sessionId: `${prefix}-${i}`, occurredAt: at() });
      for (let i = 0; i < events.length; i += 100) assert.equal((await http.post('/store/events', events.slice(i, i + 100))).status, 202);
    }

    /** Another API process on the same database: its own caches and model state. */
    const otherProcess = () =>
      createRecommendationsModule({
        db: app.db,
        log: app.log,
        resolveSkus: async () => new Map(),
        productIdByHandle: (handle) => app.modules.catalog.productIdByHandle(handle),
        cards: async (ids) =>
          new Map(ids.map((id) => [id, { handle: id, title: id, price: null, image: null, inStock: true, published: true }])),
      });

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      actors = await signInActors(app);
      const fixtures = shop(app, actors.owner.token);
      for (const key of ['A', 'B', 'C', 'D']) p[key] = (await fixtures.product(`MOD-${key}`, { cny: 500, stock: 20 })).id;
    });
    after(() => app.close());

    test('training writes versioned model tables; other processes serve the new version; unchanged rows are not rewritten', async () => {
      const recs = app.modules.recommendations;
      assert.equal((await recs.modelStatus()).version, 0);
      await sessions('ab', 8, ['A', 'B']);
      const first = await recs.train({ force: true });
      assert.equal(first.outcome, 'trained');
      assert.equal(first.version, 1);
      assert.ok(first.rowsWritten > 0);
      assert.equal(first.events, 16);
      const rows = await app.db.selectFrom('recsNeighbour').select(['kind', 'productId', 'neighbours']).where('kind', '=', 'similar').where('productId', '=', p.A!).execute();
      assert.equal(rows[0]?.neighbours[0], p.B);

      // Nothing new: a scheduled run skips; a forced one rewrites only what changed.
      assert.equal((await recs.train()).outcome, 'skipped');
      const again = await recs.train({ force: true });
      assert.equal(again.outcome, 'trained');
      assert.equal(again.version, 2);
      assert.ok(again.rowsWritten < first.rowsWritten, `${again.rowsWritten} < ${first.rowsWritten}`);

      const other = otherProcess();
      const seen = await other.similar('mod-a', { limit: 3 });
      assert.equal(seen[0]?.productId, p.B);
      assert.equal(seen[0]?.reason, 'similar_to');

      // New behaviour: A is now followed by C far more often. The other process picks the new version up.
      await sessions('ac', 30, ['A', 'C']);
      const third = await recs.train();
      assert.equal(third.outcome, 'trained');
      assert.equal((await other.modelStatus()).version, third.version);
      assert.equal((await other.similar('mod-a', { limit: 3 }))[0]?.productId, p.C);
    });

    test('one process trains at a time: a held lease answers busy, an expired one is taken over', async () => {
      const recs = app.modules.recommendations;
      await sql`update recs_model set lease_owner = 'someone', lease_until = now() + interval '1 minute' where id = 'current'`.execute(app.db);
      assert.equal((await recs.train({ force: true })).outcome, 'busy');
      assertProblem(await http.post('/admin/recommendations/train', {}, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      const busy = await http.post('/admin/recommendations/train', {}, { token: actors.owner.token });
      assert.equal(busy.status, 200, JSON.stringify(busy.body));
      assert.equal(busy.body.outcome, 'busy');
      await sql`update recs_model set lease_until = now() - interval '1 second' where id = 'current'`.execute(app.db);
      const res = await http.post('/admin/recommendations/train', {}, { token: actors.owner.token });
      assert.equal(res.body.outcome, 'trained');
      const status = await http.get('/admin/recommendations/status', { token: actors.owner.token });
      assert.equal(status.status, 200, JSON.stringify(status.body));
      assert.equal(status.body.version, res.body.version);
      assert.ok(status.body.events >= 76);
      assertProblem(await http.get('/admin/recommendations/status', { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      const lease = await app.db.selectFrom('recsModel').select(['leaseOwner']).where('id', '=', 'current').executeTakeFirstOrThrow();
      assert.equal(lease.leaseOwner, null, 'released after the run');
    });

    test('impressions are recorded per response and clicks with the recommendation id are counted', async () => {
      const shown = await http.get('/store/products/mod-a/similar?limit=2&sessionId=click-1');
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      const items = shown.body.items as Item[];
      assert.equal(items.length, 2);
      const forYou = await http.get('/store/recommendations?sessionId=ab-0&limit=2');
      assert.equal(forYou.status, 200);

      const click = await http.post('/store/events', [
        { type: 'click_recommendation', productId: items[0]!.productId, sessionId: 'click-1', recommendationId: items[0]!.recommendationId },
        { type: 'click_recommendation', productId: items[0]!.productId, sessionId: 'click-1', recommendationId: items[0]!.recommendationId },
        { type: 'click_recommendation', productId: items[1]!.productId, sessionId: 'click-1', recommendationId: 'rec_nope' },
      ]);
      assert.equal(click.status, 202, JSON.stringify(click.body));
      assert.equal(click.body.accepted, 2);
      assert.deepEqual(click.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[2, 'RECS_EVENT_INVALID_RECOMMENDATION_ID']]);
      const stored = await app.db.selectFrom('recsEvent').select(['recommendationId']).where('sessionId', '=', 'click-1').execute();
      assert.deepEqual(stored.map((s) => s.recommendationId), [items[0]!.recommendationId, items[0]!.recommendationId]);

      const report = await http.get('/admin/recommendations/performance', { token: actors.owner.token });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      const similar = (report.body.items as { surface: string; reason: string; impressions: number; clicks: number; ctr: number }[]).filter((r) => r.surface === 'similar');
      assert.equal(similar.reduce((n, r) => n + r.impressions, 0), 2);
      assert.equal(similar.reduce((n, r) => n + r.clicks, 0), 1, 'two clicks on one recommendation count once');
      const line = similar.find((r) => r.clicks === 1)!;
      assert.equal(line.reason, items[0]!.reason);
      assert.equal(line.ctr, 1 / line.impressions);
      assert.ok((report.body.items as { surface: string }[]).some((r) => r.surface === 'for_you'));
      const rows = await app.db.selectFrom('recsImpression').selectAll().where('recommendationId', '=', items[0]!.recommendationId).execute();
      assert.equal(rows[0]?.sessionId, 'click-1');
      assert.equal(rows[0]?.anchorId, p.A);
      assertProblem(await http.get('/admin/recommendations/performance', { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/recommendations/performance?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', { token: actors.owner.token }), 400, 'VALIDATION_FAILED');
    });

    test('a customer’s cart answers recommendations to that customer only', async () => {
      const cart = await http.post('/store/carts', { currency: 'CNY' }, { token: actors.customerToken });
      assert.equal(cart.status, 201, JSON.stringify(cart.body));
      assertProblem(await http.get(`/store/carts/${cart.body.id}/recommendations`), 404, 'RECS_CART_NOT_FOUND');
      assert.equal((await http.get(`/store/carts/${cart.body.id}/recommendations`, { token: actors.customerToken })).status, 200);
      const guest = await http.post('/store/carts', { currency: 'CNY' });
      assert.equal((await http.get(`/store/carts/${guest.body.id}/recommendations`)).status, 200);
    });

    test('forgetting a customer deletes their impressions too', async () => {
      assert.equal((await http.post('/store/events', [{ type: 'view', productId: p.A, sessionId: 'forget-1' }], { token: actors.customerToken })).status, 202);
      const mine = await http.get('/store/recommendations?limit=2', { token: actors.customerToken });
      assert.equal(mine.status, 200);
      assert.ok(mine.body.items.length > 0, JSON.stringify(mine.body));
      await app.modules.recommendations.flushImpressions();
      const me = await http.get('/store/me', { token: actors.customerToken });
      const customerId = me.body.id as string;
      const before = await app.db.selectFrom('recsImpression').select('recommendationId').where('customerId', '=', customerId).execute();
      assert.ok(before.length > 0);
      await app.modules.recommendations.forgetCustomer(customerId);
      assert.equal((await app.db.selectFrom('recsImpression').select('recommendationId').where('customerId', '=', customerId).execute()).length, 0);
    });
  });
}
