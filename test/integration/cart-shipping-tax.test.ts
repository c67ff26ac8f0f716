import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client, type Call } from '../helpers/http.js';

for (const engine of DATABASES) {
  describe(`cart: shipping methods and tax rates [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    let ownerId: string;
    let supportToken: string;
    let customerToken: string;

    const ok = (res: Call, status = 200) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res.body;
    };
    async function product(sku: string, prices: { currency: string; amount: number }[], weightGrams: number | null = null) {
      ok(await http.post('/admin/products', { handle: sku.toLowerCase(), title: sku, status: 'published', variants: [{ sku, weightGrams, prices }] }, { token }), 201);
      ok(await http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand: 1000 }, token }));
    }
    const newCart = async (currency = 'CNY') => ok(await http.post('/store/carts', { currency }), 201);
    const add = async (cartId: string, sku: string, quantity: number) => ok(await http.post(`/store/carts/${cartId}/items`, { sku, quantity }));
    const patch = (cartId: string, body: unknown) => http.patch(`/store/carts/${cartId}`, body);
    const options = async (cartId: string) => ok(await http.get(`/store/carts/${cartId}/shipping-methods`)).items.map((o: any) => [o.name, o.amount]);
    const method = async (body: Record<string, unknown>) => ok(await http.post('/admin/shipping-methods', body, { token }), 201);
    const address = (country: string, region?: string) => ({ firstName: 'Ann', lastName: 'Lee', line1: '1 Main St', city: 'Town', country, ...(region ? { region } : {}) });
    const audit = (action: string) => app.db.selectFrom('auditLog').selectAll().where('action', '=', action).orderBy('id').execute();

    /** The contract's identities, checked on every priced cart these tests see. */
    function assertAddsUp(cart: any) {
      const sum = (f: (i: any) => number) => cart.items.reduce((s: number, i: any) => s + f(i), 0);
      assert.equal(sum((i) => i.taxTotal) + cart.shippingTax, cart.taxTotal);
      assert.equal(sum((i) => i.total) + cart.shippingTotal - cart.shippingDiscount + (cart.taxInclusive ? 0 : cart.shippingTax), cart.total);
      assert.equal(cart.subtotal + cart.shippingTotal - cart.discountTotal + (cart.taxInclusive ? 0 : cart.taxTotal), cart.total);
    }

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      const actors = await signInActors(app);
      ({ token, id: ownerId } = actors.owner);
      ({ supportToken, customerToken } = actors);
      await product('BOOK', [{ currency: 'CNY', amount: 9900 }, { currency: 'USD', amount: 1400 }], 400);
      await product('LAMP', [{ currency: 'CNY', amount: 1005 }], 2000);
      await product('CHIP', [{ currency: 'CNY', amount: 1049 }]);
    });
    after(() => app.close());

    test('a new shop has one free method for every currency and country', async () => {
      const list = ok(await http.get('/admin/shipping-methods', { token: supportToken }));
      assert.equal(list.items.length, 1);
      assert.deepEqual({ ...list.items[0], createdAt: undefined, updatedAt: undefined }, {
        id: 'ship_default', name: 'Free shipping', countries: [], currency: null, type: 'flat', amount: 0, freeOver: null, weightTiers: [], active: true, position: 0,
        createdAt: undefined, updatedAt: undefined,
      });
      const usd = await newCart('USD');
      assert.deepEqual(await options(usd.id), [['Free shipping', 0]]);
      const cny = await newCart();
      await add(cny.id, 'BOOK', 1);
      assert.deepEqual(ok(await http.get(`/store/carts/${cny.id}/shipping-methods`)).items, [{ id: 'ship_default', name: 'Free shipping', type: 'flat', amount: 0, currency: 'CNY' }]);
      const chosen = ok(await patch(cny.id, { shippingMethodId: 'ship_default' }));
      assert.deepEqual([chosen.shippingMethod, chosen.shippingTotal, chosen.total], [{ id: 'ship_default', name: 'Free shipping', amount: 0 }, 0, 9900]);
    });

    test('staff manage shipping methods: validation, permissions, audit', async () => {
      const created = await method({ name: 'Express', countries: ['cn', 'HK', 'CN'], currency: 'CNY', type: 'flat', amount: 2000, freeOver: 50000, position: 5 });
      assert.match(created.id, /^ship_/);
      assert.deepEqual([created.countries, created.currency, created.amount, created.freeOver, created.weightTiers, created.active], [['CN', 'HK'], 'CNY', 2000, 50000, [], true]);
      const [entry] = await audit('shipping_method.created');
      assert.deepEqual([entry!.actorId, entry!.targetId], [ownerId, created.id]);

      const changed = ok(await http.patch(`/admin/shipping-methods/${created.id}`, { type: 'weight', weightTiers: [{ upToGrams: 5000, amount: 3000 }, { upToGrams: 1000, amount: 1500 }] }, { token }));
      assert.deepEqual([changed.type, changed.amount, changed.weightTiers], ['weight', 0, [{ upToGrams: 1000, amount: 1500 }, { upToGrams: 5000, amount: 3000 }]], 'tiers sorted; no flat amount');
      assert.equal((await audit('shipping_method.updated')).length, 1);

      for (const [body, field] of [
        [{ name: 'X', currency: null, type: 'flat', amount: 500 }, '/currency'],
        [{ name: 'X', currency: null, type: 'weight', weightTiers: [{ upToGrams: 1, amount: 0 }] }, '/currency'],
        [{ name: 'X', currency: null, type: 'flat', amount: 0, freeOver: 100 }, '/currency'],
        [{ name: 'X', currency: 'EUR', type: 'flat', amount: 500 }, '/currency'],
        [{ name: 'X', currency: 'CNY', type: 'weight' }, '/weightTiers'],
        [{ name: 'X', currency: 'CNY', type: 'weight', weightTiers: [{ upToGrams: 10, amount: 1 }, { upToGrams: 10, amount: 2 }] }, '/weightTiers'],
      ] as const) {
        const res = await http.post('/admin/shipping-methods', body, { token });
        assertProblem(res, 400, 'SHIPPING_METHOD_INVALID');
        assert.equal(res.body.fields[0].field, field);
      }
      assertProblem(await http.patch(`/admin/shipping-methods/${created.id}`, { currency: null }, { token }), 400, 'SHIPPING_METHOD_INVALID');
      for (const body of [{ name: 'X', type: 'flat', amount: 1 }, { name: 'X', currency: 'CNY', type: 'pigeon' }, { name: 'X', currency: 'CNY', type: 'flat', amount: -1 }, { name: 'X', currency: 'CNY', type: 'flat', countries: ['CHN'] }]) {
        assertProblem(await http.post('/admin/shipping-methods', body, { token }), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.patch(`/admin/shipping-methods/${created.id}`, {}, { token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/admin/shipping-methods', { name: 'X', currency: 'CNY', type: 'flat' }, { token: supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/shipping-methods', { token: customerToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/shipping-methods'), 401, 'AUTH_REQUIRED');
      assertProblem(await http.patch('/admin/shipping-methods/ship_nope', { name: 'Y' }, { token }), 404, 'SHIPPING_METHOD_NOT_FOUND');
      assertProblem(await http.delete('/admin/shipping-methods/ship_nope', { token }), 404, 'SHIPPING_METHOD_NOT_FOUND');

      // A cart that chose a deleted method loses the choice.
      const cart = await newCart();
      await add(cart.id, 'BOOK', 1);
      ok(await patch(cart.id, { shippingAddress: address('CN'), shippingMethodId: created.id }));
      assert.equal((await http.delete(`/admin/shipping-methods/${created.id}`, { token })).status, 204);
      const after = ok(await http.get(`/store/carts/${cart.id}`));
      assert.deepEqual([after.shippingMethodId, after.shippingMethod], [null, null]);
      assert.equal((await audit('shipping_method.deleted')).length, 1);
      assert.equal(ok(await http.get('/admin/shipping-methods', { token })).items.length, 1);
    });

    test('which methods a cart is offered: currency, country, weight, free-over threshold, active', async () => {
      const standard = await method({ name: 'CN standard', countries: ['CN'], currency: 'CNY', type: 'flat', amount: 1000, freeOver: 20000, position: 1 });
      const weight = await method({ name: 'By weight', currency: 'CNY', type: 'weight', weightTiers: [{ upToGrams: 1000, amount: 800 }, { upToGrams: 5000, amount: 1500 }], position: 2 });
      const hk = await method({ name: 'HK only', countries: ['HK'], currency: 'CNY', type: 'flat', amount: 3000, position: 3 });
      await method({ name: 'USD courier', currency: 'USD', type: 'flat', amount: 900, position: 4 });
      await method({ name: 'Paused', currency: 'CNY', type: 'flat', amount: 1, active: false, position: 5 });

      const cart = await newCart();
      await add(cart.id, 'BOOK', 1); // 400 g, 9900
      assert.deepEqual(await options(cart.id), [['Free shipping', 0], ['By weight', 800]], 'no address yet: only methods for everywhere');
      ok(await patch(cart.id, { shippingAddress: address('CN') }));
      assert.deepEqual(await options(cart.id), [['Free shipping', 0], ['CN standard', 1000], ['By weight', 800]]);
      await add(cart.id, 'LAMP', 1); // + 2000 g → 2400 g
      assert.deepEqual(await options(cart.id), [['Free shipping', 0], ['CN standard', 1000], ['By weight', 1500]]);
      await add(cart.id, 'BOOK', 1); // 19800 + 1005 ≥ 20000: standard is free; 2800 g
      assert.deepEqual(await options(cart.id), [['Free shipping', 0], ['CN standard', 0], ['By weight', 1500]]);
      await add(cart.id, 'LAMP', 2); // 6800 g: above every tier
      assert.deepEqual(await options(cart.id), [['Free shipping', 0], ['CN standard', 0]]);

      const usd = await newCart('USD');
      await add(usd.id, 'BOOK', 1);
      assert.deepEqual(await options(usd.id), [['Free shipping', 0], ['USD courier', 900]], 'methods in another currency are not offered');
      assertProblem(await patch(usd.id, { shippingMethodId: standard.id }), 409, 'CART_SHIPPING_METHOD_UNAVAILABLE');

      // Choosing: the method must apply to the cart with the address given in the same request.
      const c2 = await newCart();
      await add(c2.id, 'BOOK', 1);
      assertProblem(await patch(c2.id, { shippingMethodId: hk.id }), 409, 'CART_SHIPPING_METHOD_UNAVAILABLE');
      let body = ok(await patch(c2.id, { shippingAddress: address('hk'), shippingMethodId: hk.id }));
      assert.deepEqual([body.shippingMethod, body.shippingTotal, body.total], [{ id: hk.id, name: 'HK only', amount: 3000 }, 3000, 12900]);
      body = ok(await patch(c2.id, { shippingAddress: address('CN'), shippingMethodId: standard.id }));
      assert.deepEqual([body.shippingMethod.amount, body.total], [1000, 10900]);
      // An address change that rules the method out keeps the choice but charges nothing for it; checkout reports it.
      body = ok(await patch(c2.id, { shippingAddress: address('US') }));
      assert.deepEqual([body.shippingMethodId, body.shippingMethod, body.shippingTotal, body.total], [standard.id, null, 0, 9900]);
      ok(await http.patch(`/admin/shipping-methods/${weight.id}`, { active: false }, { token }));
      assertProblem(await patch(c2.id, { shippingMethodId: weight.id }), 409, 'CART_SHIPPING_METHOD_UNAVAILABLE');
      for (const m of [standard, weight, hk]) assert.equal((await http.delete(`/admin/shipping-methods/${m.id}`, { token })).status, 204);
    });

    test('staff manage tax rates: one per country and region, permissions, audit', async () => {
      const cn = ok(await http.post('/admin/tax-rates', { name: 'CN VAT', country: 'cn', rate: 1300, pricesIncludeTax: true, appliesToShipping: true }, { token }), 201);
      assert.match(cn.id, /^tax_/);
      assert.deepEqual([cn.country, cn.region, cn.rate], ['CN', null, 1300]);
      assertProblem(await http.post('/admin/tax-rates', { name: 'Again', country: 'CN', rate: 600, pricesIncludeTax: true, appliesToShipping: true }, { token }), 409, 'TAX_RATE_EXISTS');
      const qc = ok(await http.post('/admin/tax-rates', { name: 'QC', country: 'CA', region: 'Quebec', rate: 1498, pricesIncludeTax: false, appliesToShipping: true }, { token }), 201);
      assertProblem(await http.post('/admin/tax-rates', { name: 'qc', country: 'CA', region: 'QUEBEC', rate: 1, pricesIncludeTax: false, appliesToShipping: true }, { token }), 409, 'TAX_RATE_EXISTS');
      const ca = ok(await http.post('/admin/tax-rates', { name: 'CA GST', country: 'CA', region: null, rate: 500, pricesIncludeTax: false, appliesToShipping: false }, { token }), 201);
      assert.deepEqual(ok(await http.get('/admin/tax-rates', { token: supportToken })).items.map((r: any) => [r.country, r.region]), [['CA', null], ['CA', 'Quebec'], ['CN', null]]);
      assertProblem(await http.patch(`/admin/tax-rates/${qc.id}`, { region: null }, { token }), 409, 'TAX_RATE_EXISTS');
      assert.equal(ok(await http.patch(`/admin/tax-rates/${qc.id}`, { rate: 1497 }, { token })).rate, 1497);
      for (const body of [{ name: 'X', country: 'US', rate: 10001, pricesIncludeTax: false, appliesToShipping: false }, { name: 'X', country: 'US', rate: 12.5, pricesIncludeTax: false, appliesToShipping: false }, { name: 'X', country: 'USA', rate: 1, pricesIncludeTax: false, appliesToShipping: false }, { name: 'X', country: 'US', rate: 1 }, { name: 'X', country: 'US', region: ' ', rate: 1, pricesIncludeTax: false, appliesToShipping: false }]) {
        assertProblem(await http.post('/admin/tax-rates', body, { token }), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.post('/admin/tax-rates', { name: 'X', country: 'US', rate: 1, pricesIncludeTax: false, appliesToShipping: false }, { token: supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.patch('/admin/tax-rates/tax_nope', { rate: 1 }, { token }), 404, 'TAX_RATE_NOT_FOUND');
      assertProblem(await http.delete('/admin/tax-rates/tax_nope', { token }), 404, 'TAX_RATE_NOT_FOUND');
      assert.equal((await http.delete(`/admin/tax-rates/${ca.id}`, { token })).status, 204);
      assert.deepEqual((await audit('tax_rate.created')).map((e) => e.targetId), [cn.id, qc.id, ca.id]);
      assert.equal((await audit('tax_rate.updated')).length, 1);
      assert.equal((await audit('tax_rate.deleted')).length, 1);
      assert.equal((await audit('tax_rate.deleted'))[0]!.actorId, ownerId);
      // Restore CA country-wide for the next test.
      ok(await http.post('/admin/tax-rates', { name: 'CA GST', country: 'CA', rate: 500, pricesIncludeTax: false, appliesToShipping: false }, { token }), 201);
    });

    test('tax: none without an address; inclusive (contained, rounded per line) and exclusive (added), shipping when it applies', async () => {
      const flat = await method({ name: 'Flat', currency: 'CNY', type: 'flat', amount: 1000 });
      const cart = await newCart();
      await add(cart.id, 'BOOK', 1);
      await add(cart.id, 'LAMP', 1);
      await add(cart.id, 'CHIP', 1);
      let body = ok(await patch(cart.id, { shippingMethodId: flat.id }));
      assert.deepEqual([body.taxTotal, body.taxInclusive, body.items.map((i: any) => i.taxRate)], [0, false, [0, 0, 0]], 'no address: no tax yet');
      assert.equal(body.total, 9900 + 1005 + 1049 + 1000);

      // CN: 13 % included. 9900 → 1138.94 → 1139; 1005 → 115.62 → 116; 1049 → 120.68 → 121; shipping 1000 → 115.04 → 115.
      body = ok(await patch(cart.id, { shippingAddress: address('CN') }));
      assert.deepEqual(body.items.map((i: any) => [i.taxRate, i.taxTotal, i.total]), [[1300, 1139, 9900], [1300, 116, 1005], [1300, 121, 1049]]);
      assert.deepEqual([body.shippingTax, body.taxTotal, body.taxInclusive, body.total], [115, 1139 + 116 + 121 + 115, true, 9900 + 1005 + 1049 + 1000]);
      assertAddsUp(body);

      // Quebec: 14.97 % added, shipping taxed. 9900 → 1482.03 → 1482; 1005 → 150.45 → 150; 1049 → 157.04 → 157; 1000 → 149.7 → 150.
      body = ok(await patch(cart.id, { shippingAddress: address('CA', ' quebec') }));
      assert.deepEqual(body.items.map((i: any) => [i.taxRate, i.taxTotal, i.total]), [[1497, 1482, 11382], [1497, 150, 1155], [1497, 157, 1206]]);
      assert.deepEqual([body.shippingTax, body.taxTotal, body.taxInclusive], [150, 1482 + 150 + 157 + 150, false]);
      assert.equal(body.total, 9900 + 1005 + 1049 + 1000 + 1939);
      assertAddsUp(body);

      // Elsewhere in Canada: the country-wide 5 %, not on shipping; halves round up (1005 × 5 % = 50.25 → 50; 1049 → 52.45 → 52; 9900 → 495).
      body = ok(await patch(cart.id, { shippingAddress: address('CA', 'Ontario') }));
      assert.deepEqual(body.items.map((i: any) => i.taxTotal), [495, 50, 52]);
      assert.deepEqual([body.shippingTax, body.taxTotal, body.total], [0, 597, 9900 + 1005 + 1049 + 1000 + 597]);
      assertAddsUp(body);

      // A country without a rate: no tax.
      body = ok(await patch(cart.id, { shippingAddress: address('JP') }));
      assert.deepEqual([body.taxTotal, body.taxInclusive, body.total], [0, false, 12954]);

      // Exact halves round up: 10 % of 1005 = 100.5 → 101.
      const us = ok(await http.post('/admin/tax-rates', { name: 'US', country: 'US', rate: 1000, pricesIncludeTax: false, appliesToShipping: false }, { token }), 201);
      const c2 = await newCart();
      await add(c2.id, 'LAMP', 1);
      body = ok(await patch(c2.id, { shippingAddress: address('US') }));
      assert.deepEqual([body.items[0].taxTotal, body.total], [101, 1106]);
      ok(await http.patch(`/admin/tax-rates/${us.id}`, { pricesIncludeTax: true }, { token }));
      body = ok(await http.get(`/store/carts/${c2.id}`));
      assert.deepEqual([body.items[0].taxTotal, body.taxInclusive, body.total], [91, true, 1005], '1005 − 1005/1.1 = 91.36 → 91; read again, priced again');
    });
  });
}
