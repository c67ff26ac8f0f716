import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { statementCeilings } from '../helpers/statements.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client, type Call } from '../helpers/http.js';
import { ADDRESS } from '../helpers/shop.js';

/**
 * SQL round trips bound guest checkout's throughput (docs/benchmarks.md, "Checkout"), so the
 * number of statements each step from checkout to a paid order sends is part of its contract.
 * Counted on PostgreSQL at the `pg` client (every statement Kysely sends, `begin` and `commit`
 * included) while one guest order of two lines goes through: checkout, start a sandbox payment,
 * press Pay, then the job that posts the signed notification to the shop's own webhook (claiming
 * the job, applying the payment, finishing the job).
 */
// Checkout (13): begin, the key claimed, commit; the cart locked and priced 2 (as lockForCheckout:
// the lock, then one read with offers, stock and promotions); stock locked 2 and reserved 1; the
// store's stock display 1; the order with its first history entry, its lines, its two events, the
// cart completed 4.
// Start payment (4): the order read, the attempt inserted, the sandbox charge, the gateway's answer.
// Pay (4): begin, the charge settled, the notification job queued, commit.
// Notification (16): the job claimed and finished 2; begin, commit; the event recorded with its
// payment locked 1; the order locked 1; stock committed 4 (reservation, lines, levels, writes);
// the payment recorded with the lines read 1; the sale counted 2; the order paid with its history
// 1 and its event 1; the payment settled with the verdict and its event 1.
const CEILINGS = {
  checkout: 13,
  startPayment: 4,
  pay: 4,
  notification: 16,
};

if (DATABASES.includes('postgres')) {
  describe('checkout → paid: SQL statements per step [postgres]', () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    const sql = statementCeilings(CEILINGS);
    const step = sql.step;
    const expect = (res: Call, status: number): Call => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res;
    };

    before(async () => {
      sql.install();
      app = await buildTestApp('postgres');
      http = client(app.server);
      const token = (await signInActors(app)).owner.token;
      for (const [sku, amount] of [['QB-TEE', 9900], ['QB-MUG', 2500]] as const) {
        expect(await http.post('/admin/products', { handle: sku.toLowerCase(), title: sku, status: 'published', variants: [{ sku, weightGrams: 300, prices: [{ currency: 'CNY', amount }] }] }, { token }), 201);
        expect(await http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand: 100 }, token }), 200);
      }
      expect(await http.post('/admin/tax-rates', { name: 'CN VAT', country: 'CN', rate: 1300, pricesIncludeTax: true, appliesToShipping: true }, { token }), 201);
      expect(await http.post('/admin/shipping-methods', { name: 'Courier', countries: ['CN'], currency: 'CNY', type: 'flat', amount: 1200 }, { token }), 201);
    });
    after(async () => {
      sql.restore();
      await app?.close();
    });

    /** A guest cart with two lines, an email, an address and the courier chosen. */
    async function readyCart(): Promise<string> {
      const id = expect(await http.post('/store/carts', { currency: 'CNY' }), 201).body.id as string;
      expect(await http.post(`/store/carts/${id}/items`, { sku: 'QB-TEE', quantity: 2 }), 200);
      expect(await http.post(`/store/carts/${id}/items`, { sku: 'QB-MUG', quantity: 1 }), 200);
      expect(await http.patch(`/store/carts/${id}`, { email: 'qb@example.com', shippingAddress: ADDRESS }), 200);
      const options = expect(await http.get(`/store/carts/${id}/shipping-methods`), 200).body.items as { id: string; name: string }[];
      expect(await http.patch(`/store/carts/${id}`, { shippingMethodId: options.find((m) => m.name === 'Courier')!.id }), 200);
      return id;
    }

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();

    test('a guest order from checkout to paid stays within its statement ceilings', async (t) => {
      for (let round = 0; round < 2; round++) {
        const cartId = await readyCart();
        const placed = await step('checkout', async () =>
          expect(await http.post(`/store/carts/${cartId}/checkout`, {}, { headers: { 'idempotency-key': `qb-checkout-${round}` } }), 201),
        );
        const order = placed.body;
        assert.deepEqual(order.items.map((i: any) => [i.sku, i.quantity]), [['QB-TEE', 2], ['QB-MUG', 1]]);
        assert.equal(order.status, 'pending_payment');
        const headers = { 'x-order-token': order.accessToken as string };

        const started = await step('startPayment', async () => expect(await http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { headers }), 201));
        assert.deepEqual([started.body.payment.amount, started.body.payment.status], [order.total, 'pending']);
        const paymentId = started.body.payment.id as string;

        const pressed = await step('pay', async () => expect(await http.post(`/sandbox/pay/${paymentId}`, { result: 'succeeded' }), 200));
        assert.equal(pressed.body.status, 'succeeded');

        assert.equal(await step('notification', () => app.jobs.runOnce()), true);
        assert.equal(await app.jobs.runOnce(), false, 'one notification job, delivered at once');
        const paid = expect(await http.get(`/store/orders/${order.id}`, { headers }), 200).body;
        assert.deepEqual([paid.status, paid.paidTotal], ['paid', order.total]);
      }
      assert.deepEqual(await level('QB-TEE'), { onHand: 96, reserved: 0 });
      assert.deepEqual(await level('QB-MUG'), { onHand: 98, reserved: 0 });
      const events = await app.db.selectFrom('eventOutbox').select('name').orderBy('id').execute();
      t.diagnostic(`events: ${events.map((e) => e.name).join(', ')}`);
      t.diagnostic(`statements per step: ${JSON.stringify(sql.seen)}`);
    });
  });
}
