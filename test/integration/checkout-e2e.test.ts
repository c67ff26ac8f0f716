import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { ADDRESS, shop } from '../helpers/shop.js';

for (const engine of DATABASES) {
  describe(`the money path end to end [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
    });
    after(() => app.close());

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();

    test('register → cart → address → shipping → checkout → sandbox pay → ship → receive → review → partial refund', async () => {
      const http = client(app.server);
      const s = shop(app, actors.owner.token);
      const owner = actors.owner.token;
      await s.product('E2E-TEE', { cny: 12900, stock: 20, weightGrams: 200 });
      await s.product('E2E-CAP', { cny: 5900, stock: 5, weightGrams: 100 });
      // Staff configure a flat-rate method for China and a 13% VAT included in prices.
      const method = await http.post('/admin/shipping-methods', { name: '顺丰', countries: ['CN'], currency: 'CNY', type: 'flat', amount: 1200, freeOver: 99900 }, { token: owner });
      assert.equal(method.status, 201, JSON.stringify(method.body));
      const vat = await http.post('/admin/tax-rates', { name: 'VAT', country: 'CN', rate: 1300, pricesIncludeTax: true, appliesToShipping: true }, { token: owner });
      assert.equal(vat.status, 201, JSON.stringify(vat.body));

      const reg = await http.post('/store/auth/register', { email: 'e2e@example.com', password: 'e2e-password-1' });
      assert.equal(reg.status, 201);
      const token = reg.body.token as string;
      const cart = (await http.post('/store/carts', { currency: 'CNY', locale: 'zh-CN' }, { token })).body;
      assert.equal((await http.post(`/store/carts/${cart.id}/items`, { sku: 'E2E-TEE', quantity: 2 }, { token })).status, 200);
      assert.equal((await http.post(`/store/carts/${cart.id}/items`, { sku: 'E2E-CAP', quantity: 1 }, { token })).status, 200);
      assert.equal((await http.patch(`/store/carts/${cart.id}`, { shippingAddress: ADDRESS }, { token })).status, 200);
      const methods = await http.get(`/store/carts/${cart.id}/shipping-methods`, { token });
      const sf = methods.body.items.find((m: { id: string }) => m.id === method.body.id);
      assert.equal(sf.amount, 1200);
      const ready = await http.patch(`/store/carts/${cart.id}`, { shippingMethodId: method.body.id }, { token });
      assert.equal(ready.status, 200, JSON.stringify(ready.body));
      const priced = ready.body;
      assert.equal(priced.subtotal, 2 * 12900 + 5900);
      assert.equal(priced.shippingTotal, 1200);
      assert.equal(priced.taxInclusive, true);
      assert.equal(priced.total, priced.subtotal + priced.shippingTotal);
      // VAT included: each line's tax is its share, and the lines plus shipping tax add up.
      const lineTax = priced.items.reduce((sum: number, i: { taxTotal: number }) => sum + i.taxTotal, 0);
      assert.equal(lineTax + priced.shippingTax, priced.taxTotal);
      assert.equal(priced.items.reduce((sum: number, i: { total: number }) => sum + i.total, 0) + priced.shippingTotal, priced.total);

      const placed = await s.checkout(cart.id, { token, key: 'e2e-checkout-1' });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const order = placed.body;
      assert.equal(order.total, priced.total);
      assert.equal(order.taxTotal, priced.taxTotal);
      assert.deepEqual(await level('E2E-TEE'), { onHand: 20, reserved: 2 });

      await s.paySandbox(order.id, { token });
      const paid = (await http.get(`/store/orders/${order.id}`, { token })).body;
      assert.equal(paid.status, 'paid');
      assert.equal(paid.paidTotal, order.total);
      assert.deepEqual(await level('E2E-TEE'), { onHand: 18, reserved: 0 });
      assert.deepEqual(await level('E2E-CAP'), { onHand: 4, reserved: 0 });

      const shipped = await http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF123456' }, { token: owner });
      assert.equal(shipped.body.status, 'shipped');
      const received = await http.post(`/store/orders/${order.id}/receive`, {}, { token });
      assert.equal(received.body.status, 'delivered');

      const review = await http.post(`/store/orders/${order.id}/reviews`, { items: [{ sku: 'E2E-TEE', rating: 5, title: '好', body: '质量很好' }] }, { token });
      assert.equal(review.status, 201, JSON.stringify(review.body));
      const reviews = await http.get('/store/products/e2e-tee/reviews');
      assert.equal(reviews.body.ratingCount, 1);
      assert.equal(reviews.body.ratingAverage, 5);

      const cap = order.items.find((i: { sku: string }) => i.sku === 'E2E-CAP');
      const refund = await http.post(`/admin/orders/${order.id}/refunds`, { amount: cap.total, lines: [{ lineId: cap.id, quantity: 1 }], reason: 'damaged' }, { token: owner });
      assert.equal(refund.status, 201, JSON.stringify(refund.body));
      await app.jobs.drain();
      await app.dispatcher.drain();
      const after = (await http.get(`/admin/orders/${order.id}`, { token: owner })).body;
      assert.equal(after.status, 'partially_refunded');
      assert.equal(after.refundedTotal, cap.total);
      assert.equal(after.items.find((i: { sku: string }) => i.sku === 'E2E-CAP').refundedTotal, cap.total);
      assert.ok(after.payments.length >= 1);
      const over = await http.post(`/admin/orders/${order.id}/refunds`, { amount: order.total, reason: 'too much' }, { token: owner });
      assert.equal(over.status, 409, JSON.stringify(over.body));
    });
  });
}
