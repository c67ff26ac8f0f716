import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SANDBOX_MERCHANT_ID, signSandboxPayload } from '../../src/modules/payments/index.js';
import { newId } from '../../src/platform/ids.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, type Call } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

// The whole money path under real concurrency, through HTTP. PGlite runs one transaction at a
// time, so races can only be shown on PostgreSQL.
for (const engine of DATABASES.filter((e) => e === 'postgres')) {
  describe(`checkout and payment under concurrency [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
    });
    after(() => app.close());

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();
    const statuses = (results: Call[]) => results.map((r) => r.status).sort((a, b) => a - b);
    const outboxCount = async (name: string, orderId: string) =>
      (await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', name).execute()).filter((e) => (e.payload as { orderId?: string }).orderId === orderId).length;

    /** A guest order of `quantity` × `sku`, placed through HTTP. */
    async function placeGuestOrder(sku: string, quantity: number) {
      const cart = await s.readyCart([[sku, quantity]]);
      const placed = await s.checkout(cart.id);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      return placed.body as { id: string; total: number; currency: string; accessToken: string; status: string };
    }

    test('200 checkouts race for 5 units: exactly 5 orders, 195 × 409 ORDER_OUT_OF_STOCK, stock exact', async () => {
      await s.product('RACE-200', { cny: 1990, stock: 5 });
      // 200 different guest carts of one unit each, prepared before the race in small batches.
      const carts: string[] = [];
      for (let batch = 0; batch < 200 / 20; batch++) {
        const ready = await Promise.all(Array.from({ length: 20 }, (_, i) => s.readyCart([['RACE-200', 1]], { email: `racer${batch * 20 + i}@example.com` })));
        carts.push(...ready.map((c) => c.id));
      }
      assert.equal(new Set(carts).size, 200);
      assert.deepEqual(await level('RACE-200'), { onHand: 5, reserved: 0 });

      const results = await Promise.all(carts.map((id) => s.checkout(id)));
      const created = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      assert.equal(created.length, 5, JSON.stringify(statuses(results)));
      assert.equal(refused.length, 195);
      for (const r of refused) {
        assertProblem(r, 409, 'ORDER_OUT_OF_STOCK');
        assert.deepEqual(r.body.fields, [{ field: '/items/0', message: 'RACE-200: 1 wanted, 0 available' }]);
      }
      assert.equal(new Set(created.map((r) => r.body.id)).size, 5);
      assert.ok(created.every((r) => r.body.status === 'pending_payment'));

      assert.deepEqual(await level('RACE-200'), { onHand: 5, reserved: 5 });
      const lines = await app.db.selectFrom('orderLine').innerJoin('orders', 'orders.id', 'orderLine.orderId').select(['orders.id', 'orderLine.quantity']).where('orderLine.sku', '=', 'RACE-200').execute();
      assert.equal(new Set(lines.map((l) => l.id)).size, 5, 'orders table has exactly 5 orders of the SKU');
      assert.deepEqual(
        lines.map((l) => l.quantity),
        [1, 1, 1, 1, 1],
      );
      const reservations = await app.db
        .selectFrom('inventoryReservation')
        .select('id')
        .where('status', '=', 'active')
        .where(
          'reference',
          'in',
          created.map((r) => r.body.id as string),
        )
        .execute();
      assert.equal(reservations.length, 5);
      const moves = await app.db.selectFrom('inventoryMovement').select('id').where('sku', '=', 'RACE-200').where('kind', '=', 'reserve').execute();
      assert.equal(moves.length, 5, 'the losers left no reserve movement behind');
      // The losers' carts are still open: nothing of theirs was completed.
      const completed = await app.db.selectFrom('orders').select('cartId').where('cartId', 'in', carts).execute();
      assert.equal(completed.length, 5);
    });

    test('one checkout replayed with one Idempotency-Key from 10 parallel requests: one order, one reservation', async () => {
      await s.product('IDEM-10', { cny: 2500, stock: 10 });
      const cart = await s.readyCart([['IDEM-10', 2]]);
      const key = `idem-race-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => s.checkout(cart.id, { key })));
      assert.deepEqual(statuses(results), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201], JSON.stringify(results.map((r) => r.body)));
      const ids = new Set(results.map((r) => r.body.id));
      assert.equal(ids.size, 1);
      const orderId = [...ids][0] as string;
      // Every replay hands back the guest's access token too.
      assert.equal(new Set(results.map((r) => r.body.accessToken)).size, 1);
      assert.equal(typeof results[0]!.body.accessToken, 'string');

      const orders = await app.db.selectFrom('orders').select('id').where('cartId', '=', cart.id).execute();
      assert.deepEqual(
        orders.map((o) => o.id),
        [orderId],
      );
      const reservations = await app.db.selectFrom('inventoryReservation').select('id').where('reference', '=', orderId).execute();
      assert.equal(reservations.length, 1);
      assert.deepEqual(await level('IDEM-10'), { onHand: 10, reserved: 2 });
      assert.equal(await outboxCount('order.placed', orderId), 1);
    });

    test('one cart checked out by 10 parallel requests under 10 different keys: one order, nine 409', async () => {
      await s.product('SAME-CART', { cny: 1500, stock: 50 });
      const cart = await s.readyCart([['SAME-CART', 1]]);
      const results = await Promise.all(Array.from({ length: 10 }, () => s.checkout(cart.id)));
      const created = results.filter((r) => r.status === 201);
      assert.equal(created.length, 1, JSON.stringify(statuses(results)));
      for (const r of results.filter((x) => x.status !== 201)) assertProblem(r, 409, 'CART_NOT_ACTIVE');
      const orders = await app.db.selectFrom('orders').select('id').where('cartId', '=', cart.id).execute();
      assert.deepEqual(
        orders.map((o) => o.id),
        [created[0]!.body.id],
      );
      assert.deepEqual(await level('SAME-CART'), { onHand: 50, reserved: 1 });
    });

    test('one signed sandbox notification POSTed 20 times at once: 20 × 2xx, exactly one payment transition', async () => {
      await s.product('WEBHOOK-20', { cny: 3300, stock: 7 });
      const order = await placeGuestOrder('WEBHOOK-20', 3);
      assert.deepEqual(await level('WEBHOOK-20'), { onHand: 7, reserved: 3 });
      const started = await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { headers: { 'x-order-token': order.accessToken } });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const paymentId = started.body.payment.id as string;
      assert.equal(started.body.payment.status, 'pending');
      assert.equal(started.body.payment.amount, order.total);
      const charge = await app.db.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', paymentId).executeTakeFirstOrThrow();

      // Exactly the body the sandbox notifier sends for a paid charge (sandbox-gateway.ts paymentNotification).
      const body = JSON.stringify({
        id: newId('sevt'),
        type: 'payment.succeeded',
        paymentId,
        chargeId: charge.id,
        amount: charge.amount,
        currency: charge.currency,
        merchantId: SANDBOX_MERCHANT_ID,
        occurredAt: new Date().toISOString(),
      });
      const signature = signSandboxPayload(app.config.payments.sandbox.secret.reveal(), body, Math.floor(Date.now() / 1000));
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          s.http.call('POST', '/webhooks/payments/sandbox', { raw: body, headers: { 'content-type': 'application/json', 'bazaar-signature': signature } }),
        ),
      );
      assert.ok(
        results.every((r) => r.status >= 200 && r.status < 300),
        JSON.stringify(results.map((r) => [r.status, r.body])),
      );
      assert.ok(results.every((r) => r.body.received === true));

      const payment = await app.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
      assert.equal(payment.status, 'succeeded');
      assert.equal(Number(payment.capturedAmount), order.total);
      assert.equal(payment.appliedToOrder, true);
      assert.equal(payment.refundDue, false);
      const notes = await app.db.selectFrom('paymentNotification').select('verdict').where('paymentId', '=', paymentId).execute();
      assert.deepEqual(
        notes.map((n) => n.verdict),
        ['applied'],
      );
      const history = await app.db.selectFrom('orderHistory').select('toStatus').where('orderId', '=', order.id).execute();
      assert.equal(history.filter((h) => h.toStatus === 'paid').length, 1);
      assert.equal(await outboxCount('order.paid', order.id), 1);
      assert.equal(await outboxCount('payment.succeeded', order.id), 1);
      assert.equal(await outboxCount('payment.refund_required', order.id), 0);
      const transactions = await app.db.selectFrom('orderTransaction').select('amount').where('orderId', '=', order.id).where('kind', '=', 'payment').execute();
      assert.deepEqual(
        transactions.map((t) => Number(t.amount)),
        [order.total],
      );
      // Stock committed once: on hand down by the 3 units exactly once, nothing left reserved.
      assert.deepEqual(await level('WEBHOOK-20'), { onHand: 4, reserved: 0 });
      const row = await app.db.selectFrom('orders').select(['status', 'paidTotal', 'reservationId']).where('id', '=', order.id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'paid');
      assert.equal(Number(row.paidTotal), order.total);
      const commits = await app.db.selectFrom('inventoryMovement').select('deltaOnHand').where('sku', '=', 'WEBHOOK-20').where('kind', '=', 'commit').execute();
      assert.deepEqual(
        commits.map((c) => Number(c.deltaOnHand)),
        [-3],
      );
    });

    test('20 parallel refunds of 30% of the paid total: at most 3 succeed, never more than was paid', async () => {
      await s.product('REFUND-20', { cny: 10000, stock: 5 });
      const order = await placeGuestOrder('REFUND-20', 1);
      const paymentId = await s.paySandbox(order.id, { orderToken: order.accessToken });
      const paid = await s.http.get(`/admin/orders/${order.id}`, { token: actors.owner.token });
      assert.equal(paid.body.status, 'paid', JSON.stringify(paid.body));
      const total = paid.body.paidTotal as number;
      assert.equal(total, order.total);
      const amount = Math.floor(total * 0.3);

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => s.http.post(`/admin/orders/${order.id}/refunds`, { amount, reason: `parallel refund ${i}` }, { token: actors.owner.token })),
      );
      const ok = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      assert.ok(ok.length <= 3, JSON.stringify(statuses(results)));
      assert.equal(ok.length, 3, `the capture covers exactly three 30% refunds: ${JSON.stringify(statuses(results))}`);
      for (const r of refused) assertProblem(r, 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
      assert.ok(ok.every((r) => r.body.status === 'succeeded' && r.body.amount === amount), JSON.stringify(ok.map((r) => r.body)));

      const refunded = (await app.db.selectFrom('paymentRefund').select(['amount', 'status']).where('orderId', '=', order.id).execute()).filter((r) => r.status !== 'failed');
      const sum = refunded.reduce((a, r) => a + Number(r.amount), 0);
      assert.ok(sum <= total, `refunded ${sum} of ${total}`);
      assert.equal(sum, 3 * amount);
      const payment = await app.db.selectFrom('payment').select(['refundedAmount', 'capturedAmount']).where('id', '=', paymentId).executeTakeFirstOrThrow();
      assert.equal(Number(payment.refundedAmount), 3 * amount);
      assert.ok(Number(payment.refundedAmount) <= Number(payment.capturedAmount));
      const charge = await app.db.selectFrom('sandboxCharge').select(['refundedAmount', 'amount']).where('merchantPaymentId', '=', paymentId).executeTakeFirstOrThrow();
      assert.equal(Number(charge.refundedAmount), 3 * amount, 'the gateway gave back exactly what we recorded');

      // The gateway's refund notifications change nothing more.
      await app.jobs.drain();
      await app.dispatcher.drain();
      const after = await s.http.get(`/admin/orders/${order.id}`, { token: actors.owner.token });
      assert.equal(after.body.refundedTotal, 3 * amount);
      assert.equal(after.body.status, 'partially_refunded');
      assert.ok(after.body.refundedTotal <= after.body.paidTotal);
    });

    // Each refund re-checks its lines under the payments' locks, counting units promised to
    // pending refunds, so parallel refunds of one line cannot all reach the gateway.
    test('parallel refunds of the same order line: the line is refunded once, at the gateway too', async () => {
      await s.product('LINE-ONE', { cny: 1000, stock: 5 });
      await s.product('LINE-BIG', { cny: 50000, stock: 5 });
      const cart = await s.readyCart([
        ['LINE-ONE', 1],
        ['LINE-BIG', 1],
      ]);
      const placed = await s.checkout(cart.id);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const order = placed.body as { id: string; accessToken: string; total: number; items: { id: string; sku: string; total: number }[] };
      const paymentId = await s.paySandbox(order.id, { orderToken: order.accessToken });
      const line = order.items.find((i) => i.sku === 'LINE-ONE')!;

      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          s.http.post(`/admin/orders/${order.id}/refunds`, { amount: line.total, lines: [{ lineId: line.id, quantity: 1 }], reason: `damaged ${i}` }, { token: actors.owner.token }),
        ),
      );
      await app.jobs.drain();
      await app.dispatcher.drain();
      // Whatever is still pending is old enough for the status sweep, which must not choke on it.
      await app.db
        .updateTable('paymentRefund')
        .set({ createdAt: new Date(Date.now() - 3_600_000), attemptedAt: null })
        .where('orderId', '=', order.id)
        .where('status', '=', 'pending')
        .execute();
      let sweep = 'ok';
      await app.modules.payments.reconcilePending().catch((err: { code?: string; message: string }) => {
        sweep = `threw ${err.code ?? err.message}`;
      });

      const charge = await app.db.selectFrom('sandboxCharge').select('refundedAmount').where('merchantPaymentId', '=', paymentId).executeTakeFirstOrThrow();
      const payment = await app.db.selectFrom('payment').select('refundedAmount').where('id', '=', paymentId).executeTakeFirstOrThrow();
      const row = await app.db.selectFrom('orders').select('refundedTotal').where('id', '=', order.id).executeTakeFirstOrThrow();
      const parts = await app.db.selectFrom('paymentRefund').select('status').where('orderId', '=', order.id).execute();
      const lineRow = await app.db.selectFrom('orderLine').select(['refundedQuantity', 'refundedTotal']).where('id', '=', line.id).executeTakeFirstOrThrow();
      assert.deepEqual(
        {
          accepted: results.filter((r) => r.status === 201).length,
          refused: results.filter((r) => r.status === 400 || r.status === 409).length,
          refundedAtGateway: Number(charge.refundedAmount),
          refundedOnPayment: Number(payment.refundedAmount),
          refundedOnOrder: Number(row.refundedTotal),
          pendingParts: parts.filter((p) => p.status === 'pending').length,
          line: [Number(lineRow.refundedQuantity), Number(lineRow.refundedTotal)],
          sweep,
        },
        {
          accepted: 1,
          refused: 4,
          refundedAtGateway: line.total,
          refundedOnPayment: line.total,
          refundedOnOrder: line.total,
          pendingParts: 0,
          line: [1, line.total],
          sweep: 'ok',
        },
        `HTTP answers: ${JSON.stringify(results.map((r) => [r.status, r.body.code ?? r.body.status]))}`,
      );
    });
  });
}
