import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

for (const engine of DATABASES) {
  describe(`service basics [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
    });
    after(() => app.close());

    test('healthz and readyz', async () => {
      const http = client(app.server);
      assert.equal((await http.get('/healthz')).status, 200);
      const ready = await http.get('/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
    });

    test('GET /store/shop: the locales and currencies the shop serves, from its configuration', async () => {
      const shop = await buildTestApp(engine, { BAZAAR_DEFAULT_LOCALE: 'en-GB', BAZAAR_LOCALES: 'en-GB,zh-CN,ja-JP', BAZAAR_DEFAULT_CURRENCY: 'GBP', BAZAAR_CURRENCIES: 'EUR,CNY', BAZAAR_TIME_ZONE: 'Europe/London' });
      try {
        const res = await client(shop.server).get('/store/shop');
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { defaultLocale: 'en-GB', locales: ['en-GB', 'zh-CN', 'ja-JP'], defaultCurrency: 'GBP', currencies: ['GBP', 'EUR', 'CNY'], timeZone: 'Europe/London' });
        // What it lists is what the store accepts.
        assert.equal((await client(shop.server).get('/store/categories?locale=ja-JP')).status, 200);
        assertProblem(await client(shop.server).get('/store/categories?locale=fr-FR'), 400, 'CATALOG_UNKNOWN_LOCALE');
      } finally {
        await shop.close();
      }
    });

    test('authentication is checked before the body: no token and a bad body → 401', async () => {
      const http = client(app.server);
      assertProblem(await http.patch('/store/me', { nonsense: true }), 401, 'AUTH_REQUIRED');
      assertProblem(await http.post('/admin/staff', {}), 401, 'AUTH_REQUIRED');
      assertProblem(await http.call('PATCH', '/store/me', { raw: '{not json' }), 401, 'AUTH_REQUIRED');
    });

    test('updated and deleted row counts are reported on every engine', async () => {
      const http = client(app.server);
      const reg = await http.post('/store/auth/register', { email: 'count@example.com', password: 'password-123' });
      await http.post('/store/auth/login', { email: 'count@example.com', password: 'password-123' });
      const revoked = await app.modules.auth.revokeSubjectSessions(app.db, 'customer', reg.body.customer.id);
      assert.equal(revoked, 2);
      const res = await app.db.deleteFrom('authSession').where('subjectId', '=', reg.body.customer.id).executeTakeFirst();
      assert.equal(Number(res.numDeletedRows), 2);
    });
  });
}
