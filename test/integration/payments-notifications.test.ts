import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DATABASES } from '../helpers/app.js';
import { assertProblem } from '../helpers/http.js';
import { addOrder, count, createHarness, eventId, type Harness, MERCHANT, notify, orderRow, pay, setOrderStatus, sign, startPayment, TOKENS } from './payments-fixtures.js';

for (const engine of DATABASES) {
  describe(`payments: starting a payment [${engine}]`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(engine);
    });
    after(() => h.close());

    test('201 with the action; the amount and currency come from the order; the gateway is told our notify URL', async () => {
      const orderId = await addOrder(h.db, { total: 12345, currency: 'USD' });
      const res = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox', returnUrl: 'https://shop.test/thanks' }, { token: TOKENS.customer });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { payment, action } = res.body;
      assert.match(payment.id, /^pay_[0-9A-Z]{26}$/);
      assert.deepEqual(
        [payment.orderId, payment.provider, payment.status, payment.amount, payment.currency, payment.capturedAmount, payment.refundedAmount],
        [orderId, 'sandbox', 'pending', 12345, 'USD', 0, 0],
      );
      assert.deepEqual(action, { type: 'redirect', url: `https://gateway.test/pay/${payment.id}` });
      assert.deepEqual(payment.action, action);
      assert.equal('gatewayReference' in payment, false, 'the store view has no gateway reference');
      const call = h.sandbox.state.createCalls.at(-1)!;
      assert.deepEqual(call, { paymentId: payment.id, amount: 12345, currency: 'USD', notifyUrl: 'https://shop.test/webhooks/payments/sandbox' });
      const row = await h.db.selectFrom('payment').selectAll().where('id', '=', payment.id).executeTakeFirstOrThrow();
      assert.equal(row.gatewayReference, `gw_${payment.id}`);
    });

    test('an existing pending payment of the same provider is returned with 200, without calling the gateway again', async () => {
      const orderId = await addOrder(h.db, { total: 5000 });
      const first = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer });
      assert.equal(first.status, 201);
      const calls = h.sandbox.state.createCalls.length;
      const again = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.payment.id, first.body.payment.id);
      assert.deepEqual(again.body.action, first.body.action);
      assert.equal(h.sandbox.state.createCalls.length, calls);
      const other = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'stripe' }, { token: TOKENS.customer });
      assert.equal(other.status, 201, 'another provider is another attempt');
      const list = await h.http.get(`/store/orders/${orderId}/payments`, { token: TOKENS.customer });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.items.map((p: any) => p.provider),
        ['sandbox', 'stripe'],
      );
      assert.equal(list.body.nextCursor, null);
    });

    test('guests use the order token; other viewers get 404; no credentials 401; staff tokens 403', async () => {
      const orderId = await addOrder(h.db, { total: 800, customerId: null, guestToken: 'guest-secret' });
      const guest = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { headers: { 'x-order-token': 'guest-secret' } });
      assert.equal(guest.status, 201, JSON.stringify(guest.body));
      const viaQuery = await h.http.get(`/store/orders/${orderId}/payments?token=guest-secret`);
      assert.equal(viaQuery.status, 200);
      assert.equal(viaQuery.body.items.length, 1);
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { headers: { 'x-order-token': 'wrong' } }), 404, 'ORDER_NOT_FOUND');
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer }), 404, 'ORDER_NOT_FOUND');
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }), 401, 'AUTH_REQUIRED');
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: 'nonsense' }), 401, 'AUTH_REQUIRED');
      assertProblem(await h.http.get(`/store/orders/${orderId}/payments`, { token: TOKENS.staff }), 403, 'AUTH_FORBIDDEN');
      const mine = await addOrder(h.db, { total: 800 });
      assertProblem(await h.http.get(`/store/orders/${mine}/payments`, { token: TOKENS.otherCustomer }), 404, 'ORDER_NOT_FOUND');
    });

    test('unknown provider 400, order not pending payment 409, bad bodies 400', async () => {
      const orderId = await addOrder(h.db, { total: 900 });
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'alipay' }, { token: TOKENS.customer }), 400, 'PAYMENT_PROVIDER_UNAVAILABLE');
      for (const body of [{}, { provider: 'sandbox', amount: 1 }, { provider: 'sandbox', returnUrl: 'javascript:alert(1)' }]) {
        assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, body, { token: TOKENS.customer }), 400, 'VALIDATION_FAILED');
      }
      await setOrderStatus(h.db, orderId, 'paid');
      assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer }), 409, 'PAYMENT_ORDER_NOT_PAYABLE');
      assert.equal(await count(h.db, 'payment', sql`order_id = ${orderId}`), 0);
    });

    test('a gateway failure marks the payment failed and answers 502; a new attempt starts afresh', async () => {
      const orderId = await addOrder(h.db, { total: 700 });
      h.sandbox.state.failCreate = true;
      try {
        assertProblem(await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer }), 502, 'PAYMENT_PROVIDER_ERROR');
      } finally {
        h.sandbox.state.failCreate = false;
      }
      const rows = await h.db.selectFrom('payment').selectAll().where('orderId', '=', orderId).execute();
      assert.deepEqual(
        rows.map((r) => r.status),
        ['failed'],
      );
      assert.match(rows[0]!.failureReason!, /gateway down/);
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.failed' and payload->>'paymentId' = ${rows[0]!.id}`), 1);
      const retry = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer });
      assert.equal(retry.status, 201);
      assert.notEqual(retry.body.payment.id, rows[0]!.id);
    });
  });

  describe(`payments: gateway notifications [${engine}]`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(engine);
    });
    after(() => h.close());

    const notifications = () => count(h.db, 'payment_notification');
    const paymentOf = (id: string) => h.db.selectFrom('payment').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('a signed success pays the order once: payment succeeded, captured, verdict applied, events in the outbox', async () => {
      const orderId = await addOrder(h.db, { total: 10000 });
      const payment = await startPayment(h, orderId);
      const before = h.calls.applyPayment;
      const res = await pay(h, payment);
      assert.deepEqual(res.body, { received: true });
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const row = await paymentOf(payment.id);
      assert.deepEqual([row.status, Number(row.capturedAmount), row.appliedToOrder, row.refundDue], ['succeeded', 10000, true, false]);
      assert.ok(row.succeededAt);
      assert.equal(h.calls.applyPayment, before + 1);
      assert.deepEqual(await orderRow(h.db, orderId), { status: 'paid', paidTotal: 10000, refundedTotal: 0, paidBy: payment.id });
      const n = await h.db.selectFrom('paymentNotification').selectAll().where('paymentId', '=', payment.id).execute();
      assert.deepEqual(
        n.map((r) => [r.verdict, r.status, Number(r.amount), r.currency]),
        [['applied', 'succeeded', 10000, 'CNY']],
      );
      assert.equal((n[0]!.payload as any).paymentId, payment.id);
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.succeeded' and payload->>'paymentId' = ${payment.id} and payload->>'outcome' = 'paid'`), 1);
    });

    test('a forged signature is 400 PAYMENT_SIGNATURE_INVALID and writes nothing', async () => {
      const orderId = await addOrder(h.db, { total: 3000 });
      const payment = await startPayment(h, orderId);
      const body = JSON.stringify({ id: eventId(), paymentId: payment.id, status: 'succeeded', amount: 3000, currency: 'CNY' });
      const [notes, events] = [await notifications(), await count(h.db, 'event_outbox')];
      assertProblem(await notify(h, {} as any, { body, signature: sign(body, undefined, 'not-the-secret') }), 400, 'PAYMENT_SIGNATURE_INVALID');
      assertProblem(await notify(h, {} as any, { body, signature: sign(body.replace('3000', '1'), undefined) }), 400, 'PAYMENT_SIGNATURE_INVALID');
      const unsigned = await h.http.call('POST', '/webhooks/payments/sandbox', { raw: body, headers: { 'content-type': 'application/json' } });
      assertProblem(unsigned, 400, 'PAYMENT_SIGNATURE_INVALID');
      assert.equal(await notifications(), notes);
      assert.equal(await count(h.db, 'event_outbox'), events);
      assert.equal((await paymentOf(payment.id)).status, 'pending');
      assert.equal((await orderRow(h.db, orderId)).status, 'pending_payment');
    });

    test('a stale timestamp is 400 PAYMENT_NOTIFICATION_STALE; a malformed body 400 PAYMENT_NOTIFICATION_MALFORMED; nothing written', async () => {
      const orderId = await addOrder(h.db, { total: 3000 });
      const payment = await startPayment(h, orderId);
      const notes = await notifications();
      const notice = { id: eventId(), paymentId: payment.id, status: 'succeeded' as const, amount: 3000, currency: 'CNY' };
      assertProblem(await notify(h, notice, { t: Math.floor(Date.now() / 1000) - 3600 }), 400, 'PAYMENT_NOTIFICATION_STALE');
      assertProblem(await notify(h, notice, { body: 'not json{' }), 400, 'PAYMENT_NOTIFICATION_MALFORMED');
      assert.equal(await notifications(), notes);
      assert.equal((await paymentOf(payment.id)).status, 'pending');
    });

    test('unknown or disabled provider on the webhook: 400 PAYMENT_PROVIDER_UNAVAILABLE', async () => {
      assertProblem(await notify(h, { id: eventId(), paymentId: 'pay_x', status: 'succeeded', amount: 1, currency: 'CNY' }, { provider: 'alipay' }), 400, 'PAYMENT_PROVIDER_UNAVAILABLE');
    });

    test('form-encoded and unknown content types reach the provider as raw bytes', async () => {
      const body = 'a=1&b=2';
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream']) {
        const res = await h.http.call('POST', '/webhooks/payments/sandbox', { raw: body, headers: { 'content-type': type, 'fake-signature': sign(body) } });
        assertProblem(res, 400, 'PAYMENT_NOTIFICATION_MALFORMED');
      }
    });

    test('a replayed notification has one effect; every replay is acknowledged', async () => {
      const orderId = await addOrder(h.db, { total: 4200 });
      const payment = await startPayment(h, orderId);
      const notice = { id: eventId(), paymentId: payment.id, status: 'succeeded' as const, amount: 4200, currency: 'CNY' };
      const before = h.calls.applyPayment;
      for (let i = 0; i < 3; i++) {
        const res = await notify(h, notice);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { received: true });
      }
      assert.equal(h.calls.applyPayment, before + 1);
      assert.equal(await count(h.db, 'payment_notification', sql`payment_id = ${payment.id}`), 1);
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.succeeded' and payload->>'paymentId' = ${payment.id}`), 1);
      // A different event saying the same thing: recorded as a duplicate, no second effect.
      await pay(h, payment);
      assert.equal(h.calls.applyPayment, before + 1);
      const verdicts = await h.db.selectFrom('paymentNotification').select('verdict').where('paymentId', '=', payment.id).orderBy('receivedAt').orderBy('id').execute();
      assert.deepEqual(
        verdicts.map((v) => v.verdict),
        ['applied', 'duplicate'],
      );
    });

    test('a wrong amount, currency or merchant is suspicious: acknowledged, order untouched, warning logged', async () => {
      const orderId = await addOrder(h.db, { total: 9900 });
      const payment = await startPayment(h, orderId);
      const before = h.calls.applyPayment;
      const cases = [
        { amount: 1, currency: 'CNY' },
        { amount: 9900, currency: 'USD' },
        { amount: 9900, currency: 'CNY', merchantId: 'someone-else' },
      ];
      for (const c of cases) {
        const res = await notify(h, { id: eventId(), paymentId: payment.id, status: 'succeeded', ...c });
        assert.equal(res.status, 200);
      }
      assert.equal(h.calls.applyPayment, before);
      assert.equal((await paymentOf(payment.id)).status, 'pending');
      assert.equal((await orderRow(h.db, orderId)).status, 'pending_payment');
      const rows = await h.db.selectFrom('paymentNotification').select(['verdict', 'reason']).where('paymentId', '=', payment.id).orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => r.verdict),
        ['suspicious', 'suspicious', 'suspicious'],
      );
      assert.match(rows.map((r) => r.reason).join(' | '), /amount 1 differs.*currency USD.*merchant someone-else/);
      assert.ok(h.warnings.some((w: any) => /suspicious/.test(w.msg) && w.paymentId === payment.id));
      // The genuine notification still pays it.
      await pay(h, payment);
      assert.equal((await orderRow(h.db, orderId)).status, 'paid');
      assert.equal(MERCHANT, 'merchant-1');
    });

    test('a notification for an unknown payment is recorded as ignored and acknowledged', async () => {
      const res = await notify(h, { id: eventId(), paymentId: 'pay_01JDB4X8K3M0Q9W2E5R7T6Y1U3', status: 'succeeded', amount: 1, currency: 'CNY' });
      assert.equal(res.status, 200);
      const row = await h.db.selectFrom('paymentNotification').selectAll().where('paymentId', '=', 'pay_01JDB4X8K3M0Q9W2E5R7T6Y1U3').executeTakeFirstOrThrow();
      assert.equal(row.verdict, 'ignored');
    });

    test('an event the provider does not handle is acknowledged and not stored', async () => {
      const notes = await notifications();
      const res = await notify(h, { id: eventId(), paymentId: 'pay_x', status: 'unhandled' as any, amount: 1, currency: 'CNY' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { received: true });
      assert.equal(await notifications(), notes);
    });

    test('failure marks a pending payment failed; a failure after success never downgrades it', async () => {
      const orderId = await addOrder(h.db, { total: 2500 });
      const payment = await startPayment(h, orderId);
      await pay(h, payment);
      const late = await notify(h, { id: eventId(), paymentId: payment.id, status: 'failed', amount: 2500, currency: 'CNY' });
      assert.equal(late.status, 200);
      assert.equal((await paymentOf(payment.id)).status, 'succeeded');
      assert.equal((await orderRow(h.db, orderId)).status, 'paid');
      const last = await h.db.selectFrom('paymentNotification').select(['verdict', 'reason']).where('paymentId', '=', payment.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(last.verdict, 'ignored');
      assert.match(last.reason!, /not downgraded/);

      const other = await addOrder(h.db, { total: 2500 });
      const p2 = await startPayment(h, other);
      await notify(h, { id: eventId(), paymentId: p2.id, status: 'cancelled', amount: 2500, currency: 'CNY' });
      const failed = await paymentOf(p2.id);
      assert.deepEqual([failed.status, failed.failureReason], ['cancelled', 'gateway reported cancelled']);
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.failed' and payload->>'paymentId' = ${p2.id}`), 1);
      // Money taken after all (a late success) is still recorded and applied.
      await pay(h, p2);
      assert.equal((await paymentOf(p2.id)).status, 'succeeded');
      assert.equal((await orderRow(h.db, other)).status, 'paid');
    });

    test('paid after cancellation, or paid twice: flagged for refund, refund_due set, payment.refund_required published', async () => {
      const cancelled = await addOrder(h.db, { total: 6000 });
      const p1 = await startPayment(h, cancelled);
      await setOrderStatus(h.db, cancelled, 'cancelled');
      await pay(h, p1);
      const row1 = await paymentOf(p1.id);
      assert.deepEqual([row1.status, row1.refundDue, row1.appliedToOrder], ['succeeded', true, false]);
      assert.equal((await orderRow(h.db, cancelled)).status, 'cancelled');

      const twice = await addOrder(h.db, { total: 6000 });
      const a = await startPayment(h, twice, 'sandbox');
      const b = await startPayment(h, twice, 'stripe');
      await pay(h, a);
      await pay(h, b, 'stripe');
      const rowB = await paymentOf(b.id);
      assert.deepEqual([rowB.status, rowB.refundDue, rowB.appliedToOrder], ['succeeded', true, false]);
      assert.equal((await orderRow(h.db, twice)).paidBy, a.id);

      const verdicts = await h.db.selectFrom('paymentNotification').select(['paymentId', 'verdict']).where('paymentId', 'in', [p1.id, a.id, b.id]).orderBy('id').execute();
      assert.deepEqual(
        verdicts.map((v) => v.verdict),
        ['flagged_for_refund', 'applied', 'flagged_for_refund'],
      );
      const required = await h.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'payment.refund_required').execute();
      assert.deepEqual(required.map((r) => (r.payload as any).paymentId).sort(), [p1.id, b.id].sort());
    });
  });
}
