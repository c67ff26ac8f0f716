import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { statementCeilings } from '../helpers/statements.js';
import { withTransaction } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client, type Call } from '../helpers/http.js';

/**
 * SQL round trips are the main cost of a cart request, so the number of statements each store
 * cart route sends is part of its contract. Counted on PostgreSQL at the `pg` client (every
 * statement Kysely sends, `begin` and `commit` included) while one guest request runs.
 */
// "The cart read" is one statement: the cart row with its lines, chosen shipping method, tax
// rates, the catalog offers and stock of its SKUs and the promotions engine's candidates, as json
// columns. Under a lock it is a statement of its own after the lock (a statement that waited for
// a row lock sees the other tables as they were when it started).
const CEILINGS = {
  // The insert (a new guest cart has nothing to read).
  createCart: 1,
  // begin; the cart FOR UPDATE; the cart read (with the added SKU's offer and stock); the line
  // insert or update with the cart's updated_at bump (a data-modifying CTE); commit.
  addNewLine: 5,
  addToExistingLine: 5,
  // begin; the cart FOR UPDATE; the cart read; the line update with the bump; commit.
  setQuantity: 5,
  // begin; the cart FOR UPDATE; the cart read; the line delete with the bump; commit.
  removeLine: 5,
  // begin; the update, which takes the cart's lock (active and the caller's); the cart read; commit.
  patchAddress: 4,
  // The cart read with the active shipping methods (no lock, no promotions).
  shippingOptions: 1,
  // As patchAddress; the method is checked on the cart read and a failure rolls back.
  patchShippingMethod: 4,
  // The cart read.
  viewCart: 1,
  // begin; the cart FOR UPDATE; the cart read; commit (begin and commit are the caller's).
  lockForCheckout: 4,
};

if (DATABASES.includes('postgres')) {
  describe('cart: SQL statements per request [postgres]', () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    const sql = statementCeilings(CEILINGS);
    /** Runs one request, checks its status and that it stayed within its ceiling. */
    async function request(name: keyof typeof CEILINGS, fn: () => Promise<Call>, status = 200): Promise<any> {
      const res = await sql.step(name, fn);
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res.body;
    }

    before(async () => {
      sql.install();
      app = await buildTestApp('postgres');
      http = client(app.server);
      token = (await signInActors(app)).owner.token;
      for (const [sku, amount, weightGrams] of [['QA-TEE', 9900, 200], ['QA-MUG', 2500, 400]] as const) {
        const res = await http.post('/admin/products', { handle: sku.toLowerCase(), title: sku, status: 'published', variants: [{ sku, weightGrams, prices: [{ currency: 'CNY', amount }] }] }, { token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal((await http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand: 100 }, token })).status, 200);
      }
      assert.equal((await http.post('/admin/tax-rates', { name: 'CN VAT', country: 'CN', rate: 1300, pricesIncludeTax: true, appliesToShipping: true }, { token })).status, 201);
      assert.equal((await http.post('/admin/shipping-methods', { name: 'Courier', countries: ['CN'], currency: 'CNY', type: 'weight', weightTiers: [{ upToGrams: 5000, amount: 1200 }] }, { token })).status, 201);
    });
    after(async () => {
      sql.restore();
      await app?.close();
    });

    test('a guest cart from creation to checkout stays within its statement ceilings', async (t) => {
      const cart = await request('createCart', () => http.post('/store/carts', { currency: 'CNY' }), 201);
      assert.deepEqual([cart.items, cart.total], [[], 0]);
      const id = cart.id as string;

      let body = await request('addNewLine', () => http.post(`/store/carts/${id}/items`, { sku: 'QA-TEE', quantity: 1 }));
      assert.deepEqual(body.items.map((i: any) => [i.sku, i.quantity, i.unitPrice]), [['QA-TEE', 1, 9900]]);
      body = await request('addNewLine', () => http.post(`/store/carts/${id}/items`, { sku: 'QA-MUG', quantity: 1 }));
      assert.deepEqual(body.items.map((i: any) => [i.sku, i.quantity]), [['QA-TEE', 1], ['QA-MUG', 1]]);
      body = await request('addToExistingLine', () => http.post(`/store/carts/${id}/items`, { sku: 'QA-TEE', quantity: 2 }));
      assert.deepEqual([body.items[0].quantity, body.subtotal], [3, 3 * 9900 + 2500]);
      const mug = body.items[1].id as string;

      body = await request('patchAddress', () => http.patch(`/store/carts/${id}`, { email: 'qa@example.com', shippingAddress: { firstName: 'A', lastName: 'B', line1: 'x', city: 'y', country: 'CN' } }));
      assert.deepEqual([body.email, body.items[0].taxRate], ['qa@example.com', 1300]);

      const options = await request('shippingOptions', () => http.get(`/store/carts/${id}/shipping-methods`));
      const courier = options.items.find((m: any) => m.name === 'Courier');
      assert.deepEqual([courier.amount, options.items.length], [1200, 2]);

      body = await request('patchShippingMethod', () => http.patch(`/store/carts/${id}`, { shippingMethodId: courier.id }));
      assert.deepEqual([body.shippingMethod, body.shippingTotal, body.total], [{ id: courier.id, name: 'Courier', amount: 1200 }, 1200, 3 * 9900 + 2500 + 1200]);

      body = await request('setQuantity', () => http.patch(`/store/carts/${id}/items/${mug}`, { quantity: 2 }));
      assert.equal(body.items[1].quantity, 2);
      body = await request('removeLine', () => http.delete(`/store/carts/${id}/items/${mug}`));
      assert.deepEqual(body.items.map((i: any) => i.sku), ['QA-TEE']);

      const viewed = await request('viewCart', () => http.get(`/store/carts/${id}`));
      assert.deepEqual(viewed, body, 'a read prices the cart as the write answered it');

      const locked = await sql.step('lockForCheckout', () => withTransaction(app.db, (trx) => app.modules.cart.lockForCheckout(trx, id)));
      assert.deepEqual({ ...locked, updatedAt: undefined }, { ...viewed, updatedAt: undefined });

      t.diagnostic(`statements per request: ${JSON.stringify(sql.seen)}`);
    });
  });
}
