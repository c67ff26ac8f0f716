import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { flash } from '../helpers/flash.js';
import { assertProblem } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

for (const engine of DATABASES) {
  describe(`flash sales [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;
    let f: ReturnType<typeof flash>;

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();

    before(async () => {
      // One long window so the per-customer rate test cannot straddle two windows; the IP rate
      // would otherwise count every test's attempts (all come from 127.0.0.1).
      app = await buildTestApp(engine, { FLASH_SALE_RATE_WINDOW_SECONDS: '3600', FLASH_SALE_RATE_PER_IP: '100000', FLASH_SALE_RATE_PER_CUSTOMER: '20' });
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
      f = flash(app, actors.owner.token);
      await s.product('FS-TEE', { cny: 9900, stock: 50, title: 'Flash tee' });
    });
    after(() => app.close());

    test('admin: create, validate, list, get, patch before start, cancel; permissions', async () => {
      const http = f.http;
      const startsAt = new Date(Date.now() + 3_600_000).toISOString();
      const endsAt = new Date(Date.now() + 7_200_000).toISOString();
      const body = { sku: 'FS-TEE', price: 1990, quantity: 10, startsAt, endsAt, perCustomerLimit: 2 };
      const created = await http.post('/admin/flash-sales', body, { token: actors.owner.token });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'scheduled');
      assert.equal(created.body.currency, 'CNY');
      assert.equal(created.body.title, 'Flash tee');
      assert.equal(created.body.remaining, 10);
      const id = created.body.id as string;

      assertProblem(await http.post('/admin/flash-sales', { ...body, sku: 'NOPE' }, { token: actors.owner.token }), 400, 'FLASH_SALE_INVALID');
      assertProblem(await http.post('/admin/flash-sales', { ...body, endsAt: startsAt }, { token: actors.owner.token }), 400, 'FLASH_SALE_INVALID');
      assertProblem(await http.post('/admin/flash-sales', { ...body, quantity: 0 }, { token: actors.owner.token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/admin/flash-sales', body, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.post('/admin/flash-sales', body, { token: actors.customerToken }), 403, 'AUTH_FORBIDDEN');

      const patched = await http.patch(`/admin/flash-sales/${id}`, { price: 1890, quantity: 12 }, { token: actors.owner.token });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.price, 1890);
      assert.equal(patched.body.quantity, 12);
      const got = await http.get(`/admin/flash-sales/${id}`, { token: actors.owner.token });
      assert.equal(got.body.price, 1890);
      const list = await http.get('/admin/flash-sales?status=scheduled', { token: actors.owner.token });
      assert.ok(list.body.items.some((x: { id: string }) => x.id === id));
      assertProblem(await http.get('/admin/flash-sales/fls_nope', { token: actors.owner.token }), 404, 'FLASH_SALE_NOT_FOUND');

      const cancelled = await http.post(`/admin/flash-sales/${id}/cancel`, {}, { token: actors.owner.token });
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.status, 'cancelled');
      assertProblem(await http.post(`/admin/flash-sales/${id}/cancel`, {}, { token: actors.owner.token }), 409, 'FLASH_SALE_NOT_ACTIVE');

      const live = await f.sale('FS-TEE', { quantity: 3 });
      assertProblem(await http.patch(`/admin/flash-sales/${live.id}`, { price: 1 }, { token: actors.owner.token }), 409, 'FLASH_SALE_ALREADY_STARTED');
      assert.deepEqual(await level('FS-TEE'), { onHand: 50, reserved: 3 });
      // Cancelling a live sale gives its unsold units back to stock.
      await http.post(`/admin/flash-sales/${live.id}/cancel`, {}, { token: actors.owner.token });
      assert.deepEqual(await level('FS-TEE'), { onHand: 50, reserved: 0 });
    });

    test('store: lists upcoming and live sales with remaining units; not active → 409', async () => {
      const upcoming = await f.sale('FS-TEE', { quantity: 4, startsAt: new Date(Date.now() + 600_000), live: false });
      const live = await f.sale('FS-TEE', { quantity: 2, price: 990 });
      const list = await f.http.get('/store/flash-sales');
      assert.equal(list.status, 200);
      const byId = new Map(list.body.items.map((x: { id: string }) => [x.id, x]));
      assert.equal((byId.get(upcoming.id) as { status: string }).status, 'scheduled');
      assert.deepEqual(
        (({ status, remaining, price, title }) => ({ status, remaining, price, title }))(byId.get(live.id) as { status: string; remaining: number; price: number; title: string }),
        { status: 'live', remaining: 2, price: 990, title: 'Flash tee' },
      );
      assertProblem(await f.buy(upcoming.id, actors.customerToken), 409, 'FLASH_SALE_NOT_ACTIVE');
      assertProblem(await f.buy('fls_nope', actors.customerToken), 404, 'FLASH_SALE_NOT_FOUND');
      assertProblem(await f.http.post(`/store/flash-sales/${live.id}/orders`, { quantity: 1 }), 401, 'AUTH_REQUIRED');
      await f.http.post(`/admin/flash-sales/${live.id}/cancel`, {}, { token: actors.owner.token });
      await f.http.post(`/admin/flash-sales/${upcoming.id}/cancel`, {}, { token: actors.owner.token });
    });

    test('purchase at the flash price, pay → paid, stock committed; limit and sold out → 409', async () => {
      const sale = await f.sale('FS-TEE', { quantity: 3, price: 1990, limit: 2 });
      assertProblem(await f.http.post(`/store/flash-sales/${sale.id}/orders`, { quantity: 1 }), 401, 'AUTH_REQUIRED');
      const [a, b] = await f.customers(2, 'buyer');
      const bought = await f.buy(sale.id, a!.token, 2);
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.equal(bought.body.status, 'pending_payment');
      assert.equal(bought.body.total, 2 * 1990);
      assert.deepEqual(
        bought.body.items.map((i: { sku: string; quantity: number; unitPrice: number }) => [i.sku, i.quantity, i.unitPrice]),
        [['FS-TEE', 2, 1990]],
      );
      assertProblem(await f.buy(sale.id, a!.token, 1), 409, 'FLASH_SALE_LIMIT_REACHED');
      assertProblem(await f.buy(sale.id, b!.token, 2), 409, 'FLASH_SALE_SOLD_OUT');
      assertProblem(await f.buy(sale.id, b!.token, 3), 409, 'FLASH_SALE_LIMIT_REACHED');
      const one = await f.buy(sale.id, b!.token, 1);
      assert.equal(one.status, 201, JSON.stringify(one.body));
      assertProblem(await f.buy(sale.id, b!.token, 1), 409, 'FLASH_SALE_SOLD_OUT');
      // Known sold out, the crowd is answered before its session is looked up; before that, a
      // caller without a session is refused as usual.
      assertProblem(await f.http.post(`/store/flash-sales/${sale.id}/orders`, { quantity: 1 }), 409, 'FLASH_SALE_SOLD_OUT');
      assert.deepEqual(await level('FS-TEE'), { onHand: 50, reserved: 3 });

      await s.paySandbox(bought.body.id, { token: a!.token });
      const paid = await f.http.get(`/store/orders/${bought.body.id}`, { token: a!.token });
      assert.equal(paid.body.status, 'paid');
      assert.deepEqual(await level('FS-TEE'), { onHand: 48, reserved: 1 });
      const state = await f.dbState(sale.id);
      assert.equal(state.sale.sold, 3);
      assert.equal(state.activeUnits, 3);
      await f.http.post(`/admin/flash-sales/${sale.id}/cancel`, {}, { token: actors.owner.token });
      // The unpaid order keeps its unit; cancelling it after the sale ended returns it to general stock.
      await f.http.post(`/store/orders/${one.body.id}/cancel`, {}, { token: b!.token });
      assert.deepEqual(await level('FS-TEE'), { onHand: 48, reserved: 0 });
      assert.equal((await f.dbState(sale.id)).sale.sold, 2);
    });

    test('unpaid flash orders expire back into the sale; the end returns the unsold rest', async () => {
      await s.product('FS-MUG', { cny: 4900, stock: 10 });
      const sale = await f.sale('FS-MUG', { quantity: 2 });
      const [a, b, c] = await f.customers(3, 'expiry');
      const order = await f.buy(sale.id, a!.token);
      assert.equal(order.status, 201);
      const due = (await app.db.selectFrom('orders').select('paymentDueAt').where('id', '=', order.body.id).executeTakeFirstOrThrow()).paymentDueAt;
      const minutes = (new Date(due).getTime() - Date.now()) / 60_000;
      assert.ok(minutes > 9 && minutes <= 10, `due in ${minutes} min`);
      assert.equal((await f.buy(sale.id, b!.token)).status, 201);
      assertProblem(await f.buy(sale.id, c!.token), 409, 'FLASH_SALE_SOLD_OUT');

      await app.db.updateTable('orders').set({ paymentDueAt: new Date(Date.now() - 1000) }).where('id', '=', order.body.id).execute();
      await app.modules.orders.sweep();
      assert.equal((await f.http.get(`/store/orders/${order.body.id}`, { token: a!.token })).body.status, 'cancelled');
      // The unit went back to the sale, not to general stock.
      assert.deepEqual(await level('FS-MUG'), { onHand: 10, reserved: 2 });
      assert.equal((await f.dbState(sale.id)).sale.sold, 1);
      assert.equal((await f.buy(sale.id, c!.token)).status, 201);
      assertProblem(await f.buy(sale.id, a!.token), 409, 'FLASH_SALE_SOLD_OUT');

      // A released purchase is released once, even if the hook ran again.
      await app.dispatcher.drain();
      // End of sale: nothing unsold here, so reserved stays with the two unpaid orders.
      await app.db.updateTable('flashSale').set({ startsAt: new Date(Date.now() - 120_000), endsAt: new Date(Date.now() - 1000) }).where('id', '=', sale.id).execute();
      await app.modules.flashSales.sweep();
      assert.equal((await f.dbState(sale.id)).sale.status, 'ended');
      assert.deepEqual(await level('FS-MUG'), { onHand: 10, reserved: 2 });

      const rest = await f.sale('FS-MUG', { quantity: 5 });
      assert.equal((await f.buy(rest.id, a!.token)).status, 201);
      assert.deepEqual(await level('FS-MUG'), { onHand: 10, reserved: 7 });
      await app.db.updateTable('flashSale').set({ startsAt: new Date(Date.now() - 120_000), endsAt: new Date(Date.now() - 1000) }).where('id', '=', rest.id).execute();
      await app.modules.flashSales.sweep();
      // 4 unsold units went back; 3 stay reserved by unpaid orders.
      assert.deepEqual(await level('FS-MUG'), { onHand: 10, reserved: 3 });
      assertProblem(await f.buy(rest.id, b!.token), 409, 'FLASH_SALE_NOT_ACTIVE');
      const reservation = await app.db
        .selectFrom('flashSale')
        .innerJoin('inventoryReservation', 'inventoryReservation.id', 'flashSale.reservationId')
        .select('inventoryReservation.status')
        .where('flashSale.id', '=', rest.id)
        .executeTakeFirstOrThrow();
      assert.equal(reservation.status, 'released');
    });

    test('rate limit per customer → 429 with Retry-After', async () => {
      await s.product('FS-RATE', { cny: 100, stock: 5 });
      // Units left, so every attempt after the first is counted (a sold-out sale is refused before counting).
      const sale = await f.sale('FS-RATE', { quantity: 3, limit: 1 });
      const [a] = await f.customers(1, 'rate');
      const results = [];
      for (let i = 0; i < 21; i++) results.push(await f.buy(sale.id, a!.token));
      assert.equal(results.filter((r) => r.status === 201).length, 1);
      const last = results.at(-1)!;
      assertProblem(last, 429, 'FLASH_SALE_RATE_LIMITED');
      assert.ok(Number(last.headers['retry-after']) >= 1, String(last.headers['retry-after']));
      assert.equal(results.filter((r) => r.status === 429).length, 1);
    });
  });
}
