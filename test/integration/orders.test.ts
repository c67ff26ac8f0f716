import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTransaction } from '../../src/platform/db/index.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

for (const engine of DATABASES) {
  describe(`orders [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();
    /** Records a capture as a provider would report it, without going through a gateway. */
    const capture = (orderId: string, amount: number, currency = 'CNY') =>
      withTransaction(app.db, (trx) => app.modules.orders.applyPayment(trx, { orderId, paymentId: `pay_test_${orderId}`, provider: 'sandbox', amount, currency }));

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
      await s.product('TEE', { cny: 9900, usd: 1500, stock: 10 });
      await s.product('MUG', { cny: 4950, stock: 3 });
      await s.product('RARE', { cny: 100000, stock: 1 });
    });
    after(() => app.close());

    test('guest checkout: order as sold, stock reserved, confirmation mailed, idempotent replay', async () => {
      const cart = await s.readyCart([
        ['TEE', 2],
        ['MUG', 1],
      ]);
      const placed = await s.checkout(cart.id, { key: 'checkout-key-0001' });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const order = placed.body;
      assert.equal(order.status, 'pending_payment');
      assert.equal(order.paymentStatus, 'unpaid');
      assert.equal(order.customerId, null);
      assert.equal(order.email, 'guest@example.com');
      assert.equal(order.currency, 'CNY');
      assert.equal(order.subtotal, 2 * 9900 + 4950);
      assert.equal(order.total, cart.total);
      assert.deepEqual(
        order.items.map((i: { sku: string; quantity: number; unitPrice: number; total: number }) => [i.sku, i.quantity, i.unitPrice, i.total]),
        [
          ['TEE', 2, 9900, 19800],
          ['MUG', 1, 4950, 4950],
        ],
      );
      assert.match(order.number, /^\d+$/);
      assert.equal(typeof order.accessToken, 'string');
      assert.deepEqual(order.history.map((h: { to: string }) => h.to), ['pending_payment']);
      assert.deepEqual(await level('TEE'), { onHand: 10, reserved: 2 });
      await app.dispatcher.drain();
      assert.ok(app.mail.some((m) => m.to === 'guest@example.com' && m.subject.includes(order.number)));

      const replay = await s.checkout(cart.id, { key: 'checkout-key-0001' });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.id, order.id);
      assert.equal(replay.body.accessToken, order.accessToken);
      assert.deepEqual(await level('TEE'), { onHand: 10, reserved: 2 });

      assertProblem(await s.checkout(cart.id, { key: 'checkout-key-0001', body: { note: 'different' } }), 422, 'ORDER_IDEMPOTENCY_KEY_REUSED');
      const noKey = await s.http.post(`/store/carts/${cart.id}/checkout`, {});
      assertProblem(noKey, 400, 'ORDER_IDEMPOTENCY_KEY_REQUIRED');
      // A completed cart cannot be checked out again under a new key.
      const again = await s.checkout(cart.id, { key: 'checkout-key-0002' });
      assert.equal(again.status, 409, JSON.stringify(again.body));

      // The guest reads the order with its token; nobody else can.
      const mine = await s.http.get(`/store/orders/${order.id}`, { headers: { 'x-order-token': order.accessToken } });
      assert.equal(mine.status, 200);
      assert.equal(mine.body.accessToken, undefined);
      assert.equal((await s.http.get(`/store/orders/${order.id}?token=${order.accessToken}`)).status, 200);
      assertProblem(await s.http.get(`/store/orders/${order.id}`, { headers: { 'x-order-token': 'ordt_wrong' } }), 404, 'ORDER_NOT_FOUND');
      assertProblem(await s.http.get(`/store/orders/${order.id}`), 401, 'AUTH_REQUIRED');
      assertProblem(await s.http.get(`/store/orders/${order.id}`, { token: actors.customerToken }), 404, 'ORDER_NOT_FOUND');

      // Cancelling gives the stock back; a second cancel is an invalid transition.
      const cancelled = await s.http.post(`/store/orders/${order.id}/cancel`, { reason: 'changed my mind' }, { headers: { 'x-order-token': order.accessToken } });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      assert.deepEqual(await level('TEE'), { onHand: 10, reserved: 0 });
      assertProblem(await s.http.post(`/store/orders/${order.id}/cancel`, {}, { headers: { 'x-order-token': order.accessToken } }), 409, 'ORDER_INVALID_TRANSITION');
    });

    test('out of stock: 409 naming the lines, nothing reserved, nothing written', async () => {
      const a = await s.readyCart([['RARE', 1]]);
      const b = await s.readyCart([
        ['TEE', 1],
        ['RARE', 1],
      ]);
      assert.equal((await s.checkout(a.id)).status, 201);
      const before = await level('TEE');
      const orders = await app.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const res = await s.checkout(b.id);
      assertProblem(res, 409, 'ORDER_OUT_OF_STOCK');
      assert.match(res.body.detail, /RARE/);
      assert.deepEqual(res.body.fields, [{ field: '/items/1', message: 'RARE: 1 wanted, 0 available' }]);
      assert.deepEqual(await level('TEE'), before);
      const after = await app.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(orders.n));
      // The key was not used up by the failure: the same key works once stock arrives.
    });

    test('customer checkout, listing, paid → ship in parts → receive; guarded transitions', async () => {
      const cart = await s.readyCart(
        [
          ['TEE', 3],
          ['MUG', 1],
        ],
        { token: actors.customerToken },
      );
      const placed = await s.checkout(cart.id, { token: actors.customerToken });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const order = placed.body;
      assert.equal(order.email, 'shopper@example.com');
      assert.equal(order.accessToken, undefined);
      assert.ok(order.customerId);

      const list = await s.http.get('/store/orders?limit=5', { token: actors.customerToken });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((o: { id: string }) => o.id), [order.id]);

      // Nothing ships or is received before payment.
      const tee = order.items.find((i: { sku: string }) => i.sku === 'TEE');
      assertProblem(await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF1' }, { token: actors.owner.token }), 409, 'ORDER_INVALID_TRANSITION');
      assertProblem(await s.http.post(`/store/orders/${order.id}/receive`, {}, { token: actors.customerToken }), 409, 'ORDER_INVALID_TRANSITION');

      assert.equal(await capture(order.id, order.total + 1), 'amount_mismatch');
      assert.equal(await capture(order.id, order.total), 'paid');
      assert.equal(await capture(order.id, order.total), 'already_paid');
      const teeAfterPay = await level('TEE');
      assert.equal(teeAfterPay.reserved, 0, 'the reservation is committed on payment');

      const first = await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF100', lines: [{ lineId: tee.id, quantity: 2 }] }, { token: actors.owner.token });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.status, 'shipped');
      assert.equal(first.body.fulfillmentStatus, 'partially_shipped');
      assertProblem(await s.http.post(`/store/orders/${order.id}/receive`, {}, { token: actors.customerToken }), 409, 'ORDER_INVALID_TRANSITION');
      assertProblem(await s.http.post(`/store/orders/${order.id}/cancel`, {}, { token: actors.customerToken }), 409, 'ORDER_INVALID_TRANSITION');
      const tooMany = await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF101', lines: [{ lineId: tee.id, quantity: 2 }] }, { token: actors.owner.token });
      assertProblem(tooMany, 400, 'ORDER_INVALID_LINES');
      assertProblem(await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'X' }, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');

      const rest = await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF102' }, { token: actors.owner.token });
      assert.equal(rest.body.fulfillmentStatus, 'shipped');
      assert.equal(rest.body.shipments.length, 2);
      assert.deepEqual(rest.body.items.map((i: { shippedQuantity: number; quantity: number }) => i.shippedQuantity === i.quantity), [true, true]);
      assertProblem(await s.http.post(`/admin/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF103' }, { token: actors.owner.token }), 409, 'ORDER_NOTHING_TO_SHIP');

      const received = await s.http.post(`/store/orders/${order.id}/receive`, {}, { token: actors.customerToken });
      assert.equal(received.status, 200);
      assert.equal(received.body.status, 'delivered');
      assert.deepEqual(
        received.body.history.map((h: { to: string }) => h.to),
        ['pending_payment', 'paid', 'shipped', 'shipped', 'delivered'],
      );

      // Staff see the order with actors, notes and a payments list.
      const note = await s.http.post(`/admin/orders/${order.id}/notes`, { body: 'gift wrap' }, { token: actors.owner.token });
      assert.equal(note.status, 201);
      const detail = await s.http.get(`/admin/orders/${order.id}`, { token: actors.supportToken });
      assert.equal(detail.status, 200);
      assert.equal(detail.body.notes[0].body, 'gift wrap');
      assert.ok(Array.isArray(detail.body.payments));
      assert.ok(detail.body.history.some((h: { actorType: string; actorId: string }) => h.actorType === 'staff' && h.actorId === actors.owner.id));

      const search = await s.http.get(`/admin/orders?q=${order.number}`, { token: actors.supportToken });
      assert.deepEqual(search.body.items.map((o: { id: string }) => o.id), [order.id]);
      const delivered = await s.http.get('/admin/orders?status=delivered', { token: actors.supportToken });
      assert.ok(delivered.body.items.every((o: { status: string }) => o.status === 'delivered'));
      assertProblem(await s.http.get('/admin/orders', { token: actors.customerToken }), 403, 'AUTH_FORBIDDEN');

      // Return one tee: request → approve → receive restocks it and asks payments for the share.
      const ret = await s.http.post(`/store/orders/${order.id}/returns`, { items: [{ sku: 'TEE', quantity: 1 }], reason: 'too small' }, { token: actors.customerToken });
      assert.equal(ret.status, 201, JSON.stringify(ret.body));
      assertProblem(
        await s.http.post(`/store/orders/${order.id}/returns`, { items: [{ sku: 'TEE', quantity: 3 }], reason: 'all of them' }, { token: actors.customerToken }),
        409,
        'ORDER_RETURN_NOT_ALLOWED',
      );
      assert.equal((await s.http.post(`/admin/returns/${ret.body.id}/approve`, {}, { token: actors.owner.token })).body.status, 'approved');
      const onHand = (await level('TEE')).onHand;
      const back = await s.http.post(`/admin/returns/${ret.body.id}/receive`, {}, { token: actors.owner.token });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.status, 'received');
      assert.equal(back.body.refundAmount, Math.floor(tee.total / 3));
      assert.equal((await level('TEE')).onHand, onHand + 1);
      assertProblem(await s.http.post(`/admin/returns/${ret.body.id}/approve`, {}, { token: actors.owner.token }), 409, 'ORDER_RETURN_INVALID_TRANSITION');
      const requested = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'order.refund_requested').execute();
      assert.ok(requested.some((r) => (r.payload as { reference: string }).reference === `return:${ret.body.id}`));
    });

    test('the order clock: unpaid orders cancel after the deadline, once, with stock back', async () => {
      const cart = await s.readyCart([['MUG', 1]]);
      const order = (await s.checkout(cart.id)).body;
      assert.equal((await level('MUG')).reserved >= 1, true);
      const reservedBefore = (await level('MUG')).reserved;
      await app.db.updateTable('orders').set({ paymentDueAt: new Date(Date.now() - 1000) }).where('id', '=', order.id).execute();
      const changed = await Promise.all([app.modules.orders.sweep(), app.modules.orders.sweep()]);
      assert.ok(changed.reduce((a, b) => a + b, 0) >= 1);
      const after = await s.http.get(`/store/orders/${order.id}`, { headers: { 'x-order-token': order.accessToken } });
      assert.equal(after.body.status, 'cancelled');
      assert.equal(after.body.history.filter((h: { to: string }) => h.to === 'cancelled').length, 1);
      assert.equal((await level('MUG')).reserved, reservedBefore - 1);
      // A payment arriving after the cancellation changes nothing on the order.
      assert.equal(await capture(order.id, order.total), 'order_cancelled');
    });

    test('paid order cancelled by staff: units restocked and a full refund requested', async () => {
      const cart = await s.readyCart([['TEE', 1]]);
      const order = (await s.checkout(cart.id)).body;
      await capture(order.id, order.total);
      const onHand = (await level('TEE')).onHand;
      const res = await s.http.post(`/admin/orders/${order.id}/cancel`, { reason: 'customer called' }, { token: actors.owner.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'cancelled');
      assert.equal((await level('TEE')).onHand, onHand + 1);
      const requested = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'order.refund_requested').execute();
      const mine = requested.map((r) => r.payload as { reference: string; amount: number }).find((p) => p.reference === `cancel:${order.id}`);
      assert.equal(mine?.amount, order.total);
    });

    test('a signed-in shopper ships to a saved address; guests and other customers cannot use it', async () => {
      const reg = await s.http.post('/store/auth/register', { email: 'saved@example.com', password: 'savedpass123' });
      const token = reg.body.token as string;
      const saved = await s.http.post(
        '/store/me/addresses',
        { name: '李雷', phone: '13900000000', country: 'cn', province: '浙江省', city: '杭州市', district: '西湖区', line1: '文三路 1 号', postalCode: '310000' },
        { token },
      );
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      const cart = (await s.http.post('/store/carts', { currency: 'CNY' }, { token })).body;
      await s.http.post(`/store/carts/${cart.id}/items`, { sku: 'TEE', quantity: 1 }, { token });
      const set = await s.http.patch(`/store/carts/${cart.id}`, { shippingAddressId: saved.body.id, shippingMethodId: 'ship_default' }, { token });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.shippingAddress.firstName, '李雷');
      assert.equal(set.body.shippingAddress.region, '浙江省');
      assert.equal(set.body.shippingAddress.line2, '西湖区');
      assert.equal(set.body.shippingAddress.country, 'CN');
      const order = await s.checkout(cart.id, { token });
      assert.equal(order.status, 201, JSON.stringify(order.body));
      assert.equal(order.body.shippingAddress.city, '杭州市');

      const guest = (await s.http.post('/store/carts', { currency: 'CNY' })).body;
      assertProblem(await s.http.patch(`/store/carts/${guest.id}`, { shippingAddressId: saved.body.id }), 400, 'CART_ADDRESS_NOT_FOUND');
      const other = (await s.http.post('/store/carts', { currency: 'CNY' }, { token: actors.customerToken })).body;
      assertProblem(await s.http.patch(`/store/carts/${other.id}`, { shippingAddressId: saved.body.id }, { token: actors.customerToken }), 400, 'CART_ADDRESS_NOT_FOUND');
    });
  });
}
