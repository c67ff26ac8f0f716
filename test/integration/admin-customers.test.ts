import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

/** Registered through the store API; `%` and `_` are LIKE wildcards unless escaped. */
const CUSTOMERS = [
  { key: 'alice', email: 'alice@example.com', name: 'Alice Zhang' },
  { key: 'bob', email: 'bob@shop.test', name: 'Bob Stone' },
  { key: 'dan', email: 'dan@example.com', name: 'Deal 100% Dan' },
  { key: 'eve', email: 'eve_under@example.com', name: 'Eve' },
  { key: 'frank', email: '  Frank@EXAMPLE.com ', name: undefined },
] as const;

for (const engine of DATABASES) {
  describe(`admin customers [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let ownerToken: string;
    let supportToken: string;
    let operatorToken: string;
    const ids: Record<string, string> = {};
    const tokens: Record<string, string> = {};

    async function staffLogin(email: string, password: string): Promise<string> {
      const res = await http.post('/admin/auth/login', { email, password });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.token;
    }

    /** Emails of the customers matching `q`, sorted. */
    async function search(q: string, token = ownerToken): Promise<string[]> {
      const res = await http.get(`/admin/customers?q=${encodeURIComponent(q)}&limit=100`, { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.nextCursor, null);
      return res.body.items.map((c: any) => c.email).sort();
    }

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner('owner@example.com', 'owner-password-1');
      ownerToken = await staffLogin('owner@example.com', 'owner-password-1');
      for (const role of ['support', 'operator'] as const) {
        const res = await http.post('/admin/staff', { email: `${role}@example.com`, name: role, role, password: `${role}-password-1` }, { token: ownerToken });
        assert.equal(res.status, 201);
      }
      supportToken = await staffLogin('support@example.com', 'support-password-1');
      operatorToken = await staffLogin('operator@example.com', 'operator-password-1');
      for (const c of CUSTOMERS) {
        const res = await http.post('/store/auth/register', { email: c.email, password: `${c.key}-password-1`, ...(c.name ? { name: c.name } : {}) });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        ids[c.key] = res.body.customer.id;
        tokens[c.key] = res.body.token;
      }
    });
    after(() => app.close());

    test('lists every customer newest first without private fields', async () => {
      const res = await http.get('/admin/customers', { token: ownerToken });
      assert.equal(res.status, 200);
      assert.equal(res.body.nextCursor, null);
      assert.deepEqual(
        res.body.items.map((c: any) => c.id),
        CUSTOMERS.map((c) => ids[c.key]).reverse(),
      );
      const frank = res.body.items.find((c: any) => c.id === ids.frank);
      assert.equal(frank.email, 'frank@example.com');
      assert.equal(frank.name, null);
      for (const c of res.body.items) {
        assert.deepEqual(Object.keys(c).sort(), ['createdAt', 'email', 'id', 'locale', 'name', 'phone', 'updatedAt']);
      }
    });

    test('?q= matches email or name substrings, case-insensitively', async () => {
      assert.deepEqual(await search('ALICE'), ['alice@example.com']);
      assert.deepEqual(await search('zHaNg'), ['alice@example.com'], 'name only');
      assert.deepEqual(await search('stone'), ['bob@shop.test'], 'name only');
      assert.deepEqual(await search('Shop.Test'), ['bob@shop.test']);
      assert.deepEqual(await search('example.com'), ['alice@example.com', 'dan@example.com', 'eve_under@example.com', 'frank@example.com']);
      assert.deepEqual(await search('  bob  '), ['bob@shop.test'], 'trimmed');
      assert.deepEqual(await search('nobody-here'), []);
    });

    test('% and _ in ?q= match literally, not as wildcards', async () => {
      assert.deepEqual(await search('%'), ['dan@example.com']);
      assert.deepEqual(await search('100%'), ['dan@example.com']);
      assert.deepEqual(await search('a%e'), []);
      assert.deepEqual(await search('_'), ['eve_under@example.com']);
      assert.deepEqual(await search('e_u'), ['eve_under@example.com']);
      assert.deepEqual(await search('b_b'), []);
      assert.deepEqual(await search('\\'), []);
    });

    test('pagination walks every customer once, with and without ?q=', async () => {
      for (const [q, expected] of [
        ['', 5],
        ['example', 4],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const params = new URLSearchParams({ limit: '2', ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) });
          const res = await http.get(`/admin/customers?${params}`, { token: ownerToken });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.ok(res.body.items.length <= 2);
          seen.push(...res.body.items.map((c: any) => c.id));
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        assert.equal(seen.length, expected, `q=${q}`);
        assert.equal(new Set(seen).size, seen.length, 'no duplicates');
        assert.deepEqual(seen, [...seen].sort().reverse(), 'newest first');
        assert.equal(pages, Math.ceil(expected / 2));
      }
      assertProblem(await http.get('/admin/customers?cursor=%%%', { token: ownerToken }), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http.get('/admin/customers?limit=101', { token: ownerToken }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/admin/customers?q=', { token: ownerToken }), 400, 'VALIDATION_FAILED');
    });

    test('support and operator roles can read customers', async () => {
      assert.deepEqual(await search('alice', supportToken), ['alice@example.com']);
      assert.deepEqual(await search('alice', operatorToken), ['alice@example.com']);
      const detail = await http.get(`/admin/customers/${ids.bob}`, { token: supportToken });
      assert.equal(detail.status, 200);
      assert.equal(detail.body.email, 'bob@shop.test');
    });

    test('GET /admin/customers/:id includes the address book', async () => {
      const created = await http.post(
        '/store/me/addresses',
        { name: 'Alice Zhang', country: 'cn', city: 'Shanghai', line1: '1 Nanjing Road', postalCode: '200000' },
        { token: tokens.alice },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const res = await http.get(`/admin/customers/${ids.alice}`, { token: ownerToken });
      assert.equal(res.status, 200);
      assert.equal(res.body.id, ids.alice);
      assert.equal(res.body.name, 'Alice Zhang');
      assert.equal(res.body.passwordHash, undefined);
      assert.equal(res.body.addresses.length, 1);
      assert.equal(res.body.addresses[0].id, created.body.id);
      assert.equal(res.body.addresses[0].country, 'CN');
      assert.equal(res.body.addresses[0].isDefaultShipping, true);
      const bob = await http.get(`/admin/customers/${ids.bob}`, { token: ownerToken });
      assert.deepEqual(bob.body.addresses, []);
    });

    test('unknown customer → 404 USER_NOT_FOUND; customers and anonymous callers are refused', async () => {
      assertProblem(await http.get('/admin/customers/cus_00000000000000000000000000', { token: ownerToken }), 404, 'USER_NOT_FOUND');
      assertProblem(await http.get('/admin/customers', { token: tokens.alice }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get(`/admin/customers/${ids.alice}`, { token: tokens.alice }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/customers'), 401, 'AUTH_REQUIRED');
      // Reads are not audited.
      const audited = await app.db.selectFrom('auditLog').select('action').where('targetId', '=', ids.alice!).execute();
      assert.deepEqual(audited, []);
    });
  });
}
