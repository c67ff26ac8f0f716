import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

const DAY = 86_400_000;

for (const engine of DATABASES) {
  describe(`analytics sessions are forgotten once idle (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
    });
    after(() => app.close());

    test('a session idle for 3 days leaves analytics_session; its counts stay in the funnel', async () => {
      const http = client(app.server);
      const productId = (await shop(app, actors.owner.token).product('SES-1', { cny: 100, stock: 1 })).id;
      const old = new Date(Date.now() - 5 * DAY);
      const sent = await http.post('/store/events', [
        { type: 'view', productId, sessionId: 'idle-1', occurredAt: old.toISOString() },
        { type: 'view', productId, sessionId: 'idle-1', occurredAt: new Date(old.getTime() + 60_000).toISOString() },
        { type: 'view', productId, sessionId: 'busy-1' },
      ]);
      assert.equal(sent.body.accepted, 3, JSON.stringify(sent.body));
      assert.equal(await app.modules.analytics.foldBehaviour({ settleMs: 0 }), 3);
      const kept = await app.db.selectFrom('analyticsSession').select(['sessionId', 'lastAt']).execute();
      assert.deepEqual(kept.map((k) => k.sessionId), ['busy-1']);

      const from = new Date(Date.now() - 7 * DAY).toISOString().slice(0, 10);
      const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
      const funnel = await http.get(`/admin/analytics/funnel?from=${from}&to=${to}`, { token: actors.owner.token });
      assert.equal(funnel.status, 200, JSON.stringify(funnel.body));
      assert.deepEqual(funnel.body.steps.slice(0, 2).map((s: { step: string; count: number }) => [s.step, s.count]), [['sessions', 2], ['product_views', 2]]);
    });
  });
}
