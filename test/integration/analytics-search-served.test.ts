import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { signInActors } from '../helpers/actors.js';
import { client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

const NOTHING = 'qqxz vorp';

for (const engine of DATABASES) {
  describe(`analytics: searches served and queries with no results [${engine}]`, () => {
    let app: TestApp;
    let owner: string;
    let http: ReturnType<typeof client>;
    let from = '';
    let to = '';

    const report = (query: Record<string, string> = {}) => http.get(`/admin/analytics/search?${new URLSearchParams({ from, to, ...query })}`, { token: owner });
    const storeSearch = async (query: string, status = 200) => {
      const res = await http.get(`/store/search?${query}`);
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res.body;
    };
    const logged = () => app.db.selectFrom('searchQueryLog').select(['query', 'results', 'locale', 'sessionId']).orderBy('id').execute();

    before(async () => {
      // With the store cache on: repeated searches are answered from it and must count all the same.
      app = await buildTestApp(engine, { STORE_CACHE_TTL_MS: '60000' });
      owner = (await signInActors(app)).owner.token;
      http = client(app.server);
      const s = shop(app, owner);
      await s.product('PHONE-1', { cny: 10000, stock: 5, title: 'Smart Phone' });
      await s.product('PHONE-2', { cny: 2000, stock: 5, title: 'Phone Case' });
      await app.dispatcher.drain();
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      from = day(-1);
      to = day(1);
    });
    after(() => app?.close());

    test('each search served is logged in the background: normalised query, total, locale, session', async () => {
      const first = await storeSearch('q=Phone&limit=1&sessionId=s1');
      assert.equal(first.total, 2);
      assert.ok(first.nextCursor);
      // The same query for other shoppers comes from the cache (sessionId is not part of the key).
      assert.equal((await storeSearch('q=Phone&limit=1&sessionId=s2')).total, 2);
      assert.equal((await storeSearch('q=Phone&limit=1')).total, 2);
      assert.equal((await storeSearch('q=Phone&limit=1&sessionId=')).total, 2);
      assert.equal((await storeSearch(`q=${encodeURIComponent('  QQXZ   Vorp ')}&locale=en-US&sessionId=s1`)).total, 0);
      assert.equal((await storeSearch(`q=${encodeURIComponent(NOTHING)}`)).total, 0);
      // Not searches: a later page, browsing without text, blank text, suggestions, a rejected request.
      await storeSearch(`q=Phone&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
      await storeSearch('sort=newest');
      await storeSearch('q=%20%20');
      assert.equal((await http.get('/store/search/suggest?q=pho')).status, 200);
      await storeSearch('q=phone&currency=EUR', 400);
      await storeSearch(`q=phone&sessionId=${'x'.repeat(201)}`, 400);

      // Nothing reaches the table until the buffer is flushed.
      assert.deepEqual(await logged(), []);
      assert.equal(app.modules.search.searchLogStats().pending, 6);
      assert.equal(await app.modules.search.flushSearchLog(), 6);
      assert.deepEqual(await logged(), [
        { query: 'phone', results: 2, locale: 'zh-CN', sessionId: 's1' },
        { query: 'phone', results: 2, locale: 'zh-CN', sessionId: 's2' },
        { query: 'phone', results: 2, locale: 'zh-CN', sessionId: null },
        { query: 'phone', results: 2, locale: 'zh-CN', sessionId: null },
        { query: NOTHING, results: 0, locale: 'en-US', sessionId: 's1' },
        { query: NOTHING, results: 0, locale: 'zh-CN', sessionId: null },
      ]);
      assert.deepEqual(app.modules.search.searchLogStats(), { pending: 0, dropped: 0, failed: 0 });
    });

    test('the fold counts served and no-result searches apart from search events; the report lists the no-result query', async () => {
      // A storefront search event for the same text: it counts in `searches`, not in `served`.
      const sent = await http.post('/store/events', { events: [{ type: 'search', query: ' QQXZ  VORP', sessionId: 's1', occurredAt: new Date().toISOString() }] });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      assert.equal(await app.modules.analytics.foldBehaviour({ settleMs: 0 }), 1);
      // Rows written within the settle time are left for a later fold.
      assert.equal(await app.modules.analytics.foldSearches(), 0);
      assert.equal(await app.modules.analytics.foldSearches({ settleMs: 0 }), 6);

      const res = await report();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = res.body;
      assert.equal(body.searches, 1);
      assert.equal(body.served, 6);
      assert.equal(body.noResults, 2);
      assert.equal(body.noResultRate, 0.3333);
      assert.deepEqual(body.queriesWithNoResults, [{ query: NOTHING, searches: 2, served: 2 }]);
      assert.ok(!body.queriesWithNoResults.some((q: { query: string }) => q.query === 'phone'));
      // Search events and served searches share the query key, and neither inflates the other.
      assert.deepEqual(body.topQueries, [{ query: NOTHING, searches: 1, clicks: 0, clickThroughRate: 0 }]);

      const csv = await report({ format: 'csv' });
      assert.equal(csv.status, 200);
      assert.deepEqual((csv.body as string).split('\r\n'), ['query,searches,clicks,click_through_rate,served,list', `${NOTHING},1,0,0,,top`, `${NOTHING},2,,,2,no_results`, '']);

      // A period without the searches: empty, not null.
      const old = await report({ from: '2020-01-01', to: '2020-01-31' });
      assert.deepEqual([old.body.served, old.body.noResults, old.body.noResultRate, old.body.queriesWithNoResults], [0, 0, null, []]);
    });

    test('a second fold changes nothing', async () => {
      const before = (await report()).body;
      assert.equal(await app.modules.analytics.foldSearches({ settleMs: 0 }), 0);
      assert.deepEqual((await report()).body, before);
      const state = await app.db.selectFrom('analyticsState').select('watermark').where('id', '=', 'searches').executeTakeFirstOrThrow();
      const last = await app.db.selectFrom('searchQueryLog').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(String(state.watermark), String(last.id));
    });

    test('concurrent folds count each search once', { skip: engine !== 'postgres' && 'PGlite serialises' }, async () => {
      for (let i = 0; i < 300; i++) app.modules.search.recordSearch({ q: i % 3 === 0 ? 'Phone' : 'No Such Thing' }, undefined, i % 3 === 0 ? 2 : 0, `c${i}`);
      assert.equal(await app.modules.search.flushSearchLog(), 300);
      const folded = await Promise.all(Array.from({ length: 6 }, () => app.modules.analytics.foldSearches({ settleMs: 0 })));
      let total = folded.reduce((a, b) => a + b, 0);
      // Folds that found the watermark locked return 0; whatever is left is folded afterwards.
      for (let n = await app.modules.analytics.foldSearches({ settleMs: 0 }); n > 0; n = await app.modules.analytics.foldSearches({ settleMs: 0 })) total += n;
      assert.equal(total, 300);
      const body = (await report()).body;
      assert.equal(body.served, 306);
      assert.equal(body.noResults, 202);
      assert.deepEqual(body.queriesWithNoResults, [
        { query: 'no such thing', searches: 200, served: 200 },
        { query: NOTHING, searches: 2, served: 2 },
      ]);
    });

    test('logged searches older than the retention are deleted', async () => {
      const old = new Date(Date.now() - 200 * 86_400_000);
      await app.db.insertInto('searchQueryLog').values({ query: 'ancient', results: 0, locale: 'zh-CN', sessionId: null, searchedAt: old }).execute();
      const count = async () => Number((await app.db.selectFrom('searchQueryLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      assert.equal(await app.modules.search.pruneSearchLog(app.modules.recommendations.limits.retentionDays), 1);
      assert.equal(await app.modules.search.pruneSearchLog(), 0);
      assert.equal(await count(), before - 1);
      assert.equal(await app.db.selectFrom('searchQueryLog').select('id').where('query', '=', 'ancient').executeTakeFirst(), undefined);
    });
  });
}
