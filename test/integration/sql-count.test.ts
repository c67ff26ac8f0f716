/**
 * BAZAAR_SQL_COUNT=1: each request reports the SQL statements it sent in `bazaar-sql-statements`.
 * `npm run bench` reads that header on a large shop and fails when a count exceeds
 * bench/query-budget.json; here the same budgets hold for the store's catalog reads on a small
 * shop, on both engines, so a change that adds round trips to them fails CI too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { countStatements } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

const budget = JSON.parse(readFileSync(new URL('../../bench/query-budget.json', import.meta.url), 'utf8')) as Record<string, number>;

for (const engine of DATABASES) {
  describe(`SQL statements per request [${engine}]`, () => {
    let app: TestApp;
    let cartId: string;

    /** One request in its own counting scope: its status and the statements it reported. */
    async function counted(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; statements: number; body: string }> {
      // inject() dispatches when awaited: the async wrapper awaits it inside the scope.
      const { result } = countStatements(async () => app.server.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) }));
      const res = await result;
      const header = res.headers['bazaar-sql-statements'];
      assert.ok(header !== undefined, `${method} ${url}: no bazaar-sql-statements header`);
      return { status: res.statusCode, statements: Number(header), body: res.body };
    }

    before(async () => {
      app = await buildTestApp(engine, { BAZAAR_SQL_COUNT: '1' });
      const http = client(app.server);
      const { owner } = await signInActors(app);
      const dept = await http.post('/admin/categories', { handle: 'dept-1', name: '部门 1' }, { token: owner.token });
      assert.equal(dept.status, 201, JSON.stringify(dept.body));
      const leaf = await http.post('/admin/categories', { handle: 'dept-1-cat-0', name: '类目', parentId: dept.body.id }, { token: owner.token });
      assert.equal(leaf.status, 201, JSON.stringify(leaf.body));
      for (let p = 0; p < 25; p++) {
        const res = await http.post(
          '/admin/products',
          {
            handle: `product-${p}`,
            title: `Kite 耳机 Earbuds ${p}`,
            status: 'published',
            brand: 'Kite',
            categoryIds: [leaf.body.id],
            options: [{ name: '颜色', values: ['黑色', '白色'] }],
            variants: ['黑色', '白色'].map((colour, v) => ({ sku: `SKU-${p}-${v}`, options: { 颜色: colour }, prices: [{ currency: 'CNY', amount: 1900 + p * 100 + v }] })),
          },
          { token: owner.token },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal((await http.call('PUT', `/admin/inventory/SKU-${p}-0`, { body: { onHand: 20 }, token: owner.token })).status, 200);
      }
      await app.dispatcher.drain();
      cartId = (await http.post('/store/carts', { currency: 'CNY' })).body.id as string;
    });
    after(() => app?.close());

    test('a request outside a counting scope carries no count', async () => {
      const res = await app.server.inject({ method: 'GET', url: '/store/products?limit=20' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['bazaar-sql-statements'], undefined);
    });

    test('a listing page is one statement; the count is per request, not cumulative', async () => {
      const first = await counted('GET', '/store/products?limit=20');
      const second = await counted('GET', '/store/products?limit=20');
      assert.equal(first.status, 200, first.body);
      assert.equal(first.statements, 1);
      assert.equal(second.statements, 1);
    });

    const within: [name: string, method: 'GET' | 'POST', url: () => string, payload?: unknown][] = [
      ['GET /store/products (newest, 20)', 'GET', () => '/store/products?limit=20'],
      ['GET /store/products?category= (20, with subcategories)', 'GET', () => '/store/products?category=dept-1&limit=20'],
      ['GET /store/products/:handle (any of all)', 'GET', () => '/store/products/product-3'],
      ['GET /store/search?q=', 'GET', () => `/store/search?q=${encodeURIComponent('kite 耳机')}`],
      ['POST /store/carts/:id/items', 'POST', () => `/store/carts/${cartId}/items`, { sku: 'SKU-4-0', quantity: 1 }],
    ];
    for (const [name, method, url, payload] of within) {
      test(`${name}: within its budget of ${budget[name]} statements`, async () => {
        assert.ok(Number.isInteger(budget[name]), `bench/query-budget.json has no entry for ${name}`);
        const res = await counted(method, url(), payload);
        assert.ok(res.status < 300, `${res.status} ${res.body}`);
        assert.ok(res.statements > 0, 'nothing counted');
        assert.ok(res.statements <= budget[name]!, `${res.statements} statements, budget ${budget[name]}`);
      });
    }
  });
}
