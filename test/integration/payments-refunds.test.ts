import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { DomainEvent } from '../../src/platform/events/index.js';
import { DATABASES } from '../helpers/app.js';
import { assertProblem } from '../helpers/http.js';
import { addOrder, count, createHarness, eventId, type Harness, notify, orderRow, pay, setOrderStatus, startPayment, TOKENS } from './payments-fixtures.js';

for (const engine of DATABASES) {
  describe(`payments: refunds [${engine}]`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(engine);
    });
    after(() => h.close());

    async function paidOrder(total = 10000): Promise<{ orderId: string; paymentId: string }> {
      const orderId = await addOrder(h.db, { total });
      const payment = await startPayment(h, orderId);
      await pay(h, payment);
      return { orderId, paymentId: payment.id };
    }
    const refund = (orderId: string, body: unknown, key?: string, token = TOKENS.staff) =>
      h.http.post(`/admin/orders/${orderId}/refunds`, body, { token, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
    const paymentOf = (id: string) => h.db.selectFrom('payment').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const handler = (name: string) => h.payments.subscriptions().find(([n]) => n === name)![1];
    const event = (name: string, payload: unknown): DomainEvent => ({ id: `evt_${eventId()}`, name, payload, createdAt: new Date() });

    test('a refund goes through the gateway, then the payment and the order record it; audited', async () => {
      const { orderId, paymentId } = await paidOrder(10000);
      const res = await refund(orderId, { amount: 3000, reason: 'damaged', lines: [{ lineId: 'line_1', quantity: 2 }] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const r = res.body;
      assert.match(r.id, /^ref_[0-9A-Z]{26}$/);
      assert.deepEqual([r.orderId, r.amount, r.currency, r.status, r.reason, r.createdBy], [orderId, 3000, 'CNY', 'succeeded', 'damaged', 'stf_owner']);
      assert.deepEqual(r.lines, [{ lineId: 'line_1', quantity: 2, amount: 2000 }]);
      assert.equal(r.parts.length, 1);
      assert.deepEqual([r.parts[0].paymentId, r.parts[0].gatewayRefundId, r.parts[0].status], [paymentId, `gwr_${r.id}`, 'succeeded']);
      assert.deepEqual(h.sandbox.state.refundCalls.at(-1), { refundId: r.id, amount: 3000 });
      assert.equal(Number((await paymentOf(paymentId)).refundedAmount), 3000);
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 3000);
      const { rows } = await sql<any>`select * from test_order_refund where refund_id = ${r.id}`.execute(h.db);
      assert.deepEqual(rows[0].lines, [{ lineId: 'line_1', quantity: 2 }]);
      const audit = await h.db.selectFrom('auditLog').selectAll().where('targetId', '=', orderId).execute();
      assert.deepEqual(
        audit.map((a) => [a.action, a.actorId, (a.data as any).refundId, (a.data as any).amount]),
        [['payment.refund_requested', 'stf_owner', r.id, 3000]],
      );
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.refunded' and payload->>'refundId' = ${r.id}`), 1);

      const detail = await h.http.get(`/admin/payments/${paymentId}`, { token: TOKENS.support });
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.deepEqual([detail.body.refundedAmount, detail.body.refunds.length, detail.body.notifications.length], [3000, 1, 1]);
    });

    test('never more than captured − refunded: 409 PAYMENT_REFUND_EXCEEDS_CAPTURED; amount ≤ 0 is 400', async () => {
      const { orderId } = await paidOrder(5000);
      assert.equal((await refund(orderId, { amount: 4000, reason: 'a' })).status, 201);
      assertProblem(await refund(orderId, { amount: 1001, reason: 'b' }), 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
      assert.equal((await refund(orderId, { amount: 1000, reason: 'c' })).status, 201);
      assertProblem(await refund(orderId, { amount: 1, reason: 'd' }), 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
      for (const amount of [0, -5]) assertProblem(await refund(orderId, { amount, reason: 'x' }), 400, 'VALIDATION_FAILED');
      await assert.rejects(h.payments.refundOrder({ orderId, amount: 0, reason: 'x', actor: { type: 'system', id: null } }), { code: 'PAYMENT_REFUND_INVALID_AMOUNT' });
      const unpaid = await addOrder(h.db, { total: 5000 });
      assertProblem(await refund(unpaid, { amount: 1, reason: 'x' }), 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
      assertProblem(await refund('ord_missing', { amount: 1, reason: 'x' }), 404, 'ORDER_NOT_FOUND');
    });

    test('Idempotency-Key: the same request gives the same refund (200); another request with it is 422', async () => {
      const { orderId } = await paidOrder(8000);
      const first = await refund(orderId, { amount: 1000, reason: 'late' }, 'key-1');
      assert.equal(first.status, 201);
      const calls = h.sandbox.state.refundCalls.length;
      const again = await refund(orderId, { amount: 1000, reason: 'late' }, 'key-1');
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(h.sandbox.state.refundCalls.length, calls, 'a settled refund is not sent again');
      assertProblem(await refund(orderId, { amount: 2000, reason: 'late' }, 'key-1'), 422, 'PAYMENT_IDEMPOTENCY_KEY_REUSED');
      assertProblem(await refund(orderId, { amount: 1000, reason: 'other' }, 'key-1'), 422, 'PAYMENT_IDEMPOTENCY_KEY_REUSED');
      const { orderId: other } = await paidOrder(8000);
      assertProblem(await refund(other, { amount: 1000, reason: 'late' }, 'key-1'), 422, 'PAYMENT_IDEMPOTENCY_KEY_REUSED');
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 1000);
    });

    test('a refused refund fails and frees its amount; an unreachable gateway leaves it pending until the sweep or a replay', async () => {
      const { orderId, paymentId } = await paidOrder(6000);
      h.sandbox.state.refundAnswer = 'rejected';
      const refused = await refund(orderId, { amount: 6000, reason: 'r' });
      assert.equal(refused.status, 201);
      assert.equal(refused.body.status, 'failed');
      assert.equal(refused.body.parts[0].failureReason, 'insufficient balance');
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.refund_failed' and payload->>'refundId' = ${refused.body.id}`), 1);

      h.sandbox.state.refundAnswer = 'unavailable';
      const pending = await refund(orderId, { amount: 6000, reason: 'again' }, 'key-pending');
      assert.equal(pending.status, 201);
      assert.equal(pending.body.status, 'pending');
      assertProblem(await refund(orderId, { amount: 1, reason: 'more' }), 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 0);

      // A replay asks the gateway again with the same refund id.
      h.sandbox.state.refundAnswer = 'pending';
      const replay = await refund(orderId, { amount: 6000, reason: 'again' }, 'key-pending');
      assert.equal(replay.status, 200);
      assert.equal(replay.body.status, 'pending');
      assert.equal(replay.body.parts[0].gatewayRefundId, `gwr_${pending.body.id}`);

      // Later the sweep gets the final answer.
      h.sandbox.state.refundAnswer = 'succeeded';
      h.clock.offsetMs = 11 * 60_000;
      try {
        const sweep = await h.payments.reconcilePending();
        assert.equal(sweep.refundsSettled, 1);
      } finally {
        h.clock.offsetMs = 0;
      }
      const ids = h.sandbox.state.refundCalls.filter((c) => c.refundId === pending.body.id);
      assert.equal(ids.length, 3);
      assert.equal(Number((await paymentOf(paymentId)).refundedAmount), 6000);
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 6000);
    });

    test('a refund notification settles a refund the gateway left pending', async () => {
      const { orderId, paymentId } = await paidOrder(4000);
      h.sandbox.state.refundAnswer = 'pending';
      const res = await refund(orderId, { amount: 1500, reason: 'n' });
      h.sandbox.state.refundAnswer = 'succeeded';
      assert.equal(res.body.status, 'pending');
      const ack = await notify(h, { id: eventId(), paymentId, status: 'refunded', amount: 4000, currency: 'CNY', refundId: res.body.id });
      assert.equal(ack.status, 200);
      const part = await h.db.selectFrom('paymentRefund').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
      assert.equal(part.status, 'succeeded');
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 1500);
      const verdict = await h.db.selectFrom('paymentNotification').select('verdict').where('paymentId', '=', paymentId).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(verdict.verdict, 'applied');
      // A refund made outside Bazaar is only noted.
      await notify(h, { id: eventId(), paymentId, status: 'refunded', amount: 4000, currency: 'CNY', refundId: 'ref_elsewhere' });
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 1500);
    });

    test('staff need orders:write to refund and orders:read to look', async () => {
      const { orderId } = await paidOrder(1000);
      assertProblem(await refund(orderId, { amount: 1, reason: 'x' }, undefined, TOKENS.support), 403, 'AUTH_FORBIDDEN');
      assertProblem(await refund(orderId, { amount: 1, reason: 'x' }, undefined, TOKENS.customer), 403, 'AUTH_FORBIDDEN');
      assertProblem(await h.http.post(`/admin/orders/${orderId}/refunds`, { amount: 1, reason: 'x' }), 401, 'AUTH_REQUIRED');
      assertProblem(await h.http.get('/admin/payments', { token: TOKENS.customer }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await refund(orderId, { amount: 1, reason: 'x', extra: true }), 400, 'VALIDATION_FAILED');
    });

    test('order.refund_requested refunds once per reference', async () => {
      const { orderId } = await paidOrder(7000);
      const run = handler('order.refund_requested');
      const payload = { orderId, amount: 7000, reason: 'cancelled after payment', reference: `cancel:${orderId}` };
      await run(event('order.refund_requested', payload));
      await run(event('order.refund_requested', payload));
      const rows = await h.db.selectFrom('paymentRefund').selectAll().where('orderId', '=', orderId).execute();
      assert.deepEqual(
        rows.map((r) => [r.reference, r.status, Number(r.amount), r.createdBy]),
        [[`cancel:${orderId}`, 'succeeded', 7000, 'system']],
      );
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 7000);
      // Nothing left to refund: logged, not retried forever.
      await run(event('order.refund_requested', { ...payload, reference: `return:${orderId}` }));
      assert.equal(await count(h.db, 'payment_refund', sql`order_id = ${orderId}`), 1);
      const audit = await h.db.selectFrom('auditLog').select(['actorType', 'action']).where('targetId', '=', orderId).execute();
      assert.deepEqual(audit, [{ actorType: 'system', action: 'payment.refund_requested' }]);
    });

    test('payment.refund_required gives back an uncounted payment in full, once, without touching the order', async () => {
      const orderId = await addOrder(h.db, { total: 3300 });
      const payment = await startPayment(h, orderId);
      await setOrderStatus(h.db, orderId, 'cancelled');
      await pay(h, payment);
      const published = await h.db.selectFrom('eventOutbox').selectAll().where('name', '=', 'payment.refund_required').execute();
      const mine = published.find((e) => (e.payload as any).paymentId === payment.id)!;
      const run = handler('payment.refund_required');
      const e = { id: mine.id, name: mine.name, payload: mine.payload, createdAt: mine.createdAt };
      await run(e);
      await run(e);
      const rows = await h.db.selectFrom('paymentRefund').selectAll().where('paymentId', '=', payment.id).execute();
      assert.deepEqual(
        rows.map((r) => [r.reference, r.status, Number(r.amount)]),
        [[`refund_due:${payment.id}`, 'succeeded', 3300]],
      );
      const row = await paymentOf(payment.id);
      assert.equal(Number(row.refundedAmount), 3300);
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 0, 'the order never counted this payment');
      // Admin refunds draw only on payments the order counted.
      assertProblem(await refund(orderId, { amount: 1, reason: 'x' }), 409, 'PAYMENT_REFUND_EXCEEDS_CAPTURED');
    });

    test('admin list filters and pages; paymentsFor lists an order', async () => {
      const { orderId, paymentId } = await paidOrder(1200);
      const byOrder = await h.http.get(`/admin/payments?orderId=${orderId}`, { token: TOKENS.support });
      assert.equal(byOrder.status, 200, JSON.stringify(byOrder.body));
      assert.deepEqual(
        byOrder.body.items.map((p: any) => [p.id, p.status, p.gatewayReference, p.appliedToOrder]),
        [[paymentId, 'succeeded', `gw_${paymentId}`, true]],
      );
      const due = await h.http.get('/admin/payments?refundDue=true&limit=100', { token: TOKENS.support });
      assert.ok(due.body.items.length >= 1);
      assert.ok(due.body.items.every((p: any) => p.refundDue));
      const page1 = await h.http.get('/admin/payments?status=succeeded&limit=2', { token: TOKENS.support });
      assert.equal(page1.body.items.length, 2);
      const page2 = await h.http.get(`/admin/payments?status=succeeded&limit=2&cursor=${page1.body.nextCursor}`, { token: TOKENS.support });
      assert.ok(page2.body.items.every((p: any) => p.id < page1.body.items[1].id));
      assertProblem(await h.http.get('/admin/payments/pay_missing', { token: TOKENS.support }), 404, 'PAYMENT_NOT_FOUND');
      const listed = await h.payments.paymentsFor(orderId);
      assert.deepEqual(
        listed.map((p) => p.id),
        [paymentId],
      );
    });
  });
}
