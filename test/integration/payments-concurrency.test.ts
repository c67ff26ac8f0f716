import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DATABASES } from '../helpers/app.js';
import { addOrder, count, createHarness, eventId, type Harness, notify, orderRow, pay, startPayment, TOKENS } from './payments-fixtures.js';

// PGlite runs one transaction at a time, so races can only be shown on PostgreSQL.
for (const engine of DATABASES.filter((e) => e === 'postgres')) {
  describe(`payments under concurrency [${engine}]`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(engine);
    });
    after(() => h.close());

    async function paidOrder(total: number): Promise<{ orderId: string; paymentId: string }> {
      const orderId = await addOrder(h.db, { total });
      const payment = await startPayment(h, orderId);
      await pay(h, payment);
      return { orderId, paymentId: payment.id };
    }

    test('the same notification 20 times at once: one transition, one applyPayment, twenty acknowledgements', async () => {
      const orderId = await addOrder(h.db, { total: 8800 });
      const payment = await startPayment(h, orderId);
      const notice = { id: eventId(), paymentId: payment.id, status: 'succeeded' as const, amount: 8800, currency: 'CNY' };
      const before = h.calls.applyPayment;
      const results = await Promise.all(Array.from({ length: 20 }, () => notify(h, notice)));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(20).fill(200),
      );
      assert.equal(h.calls.applyPayment, before + 1);
      assert.equal(await count(h.db, 'payment_notification', sql`payment_id = ${payment.id}`), 1);
      assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.succeeded' and payload->>'paymentId' = ${payment.id}`), 1);
      assert.deepEqual(await orderRow(h.db, orderId), { status: 'paid', paidTotal: 8800, refundedTotal: 0, paidBy: payment.id });
    });

    test('20 different notifications of one success at once (and the status sweep): still one applyPayment', async () => {
      const orderId = await addOrder(h.db, { total: 4100 });
      const payment = await startPayment(h, orderId);
      const before = h.calls.applyPayment;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => notify(h, { id: eventId(), paymentId: payment.id, status: 'succeeded', amount: 4100, currency: 'CNY' })),
      );
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(h.calls.applyPayment, before + 1);
      const verdicts = await h.db.selectFrom('paymentNotification').select('verdict').where('paymentId', '=', payment.id).execute();
      assert.deepEqual(
        verdicts.map((v) => v.verdict).sort(),
        ['applied', ...Array(19).fill('duplicate')],
      );
    });

    test('20 parallel refunds of 30% each: at most 3 succeed and the total never exceeds the capture', async () => {
      const { orderId, paymentId } = await paidOrder(10000);
      h.sandbox.state.refundDelayMs = 20;
      let results;
      try {
        results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => h.http.post(`/admin/orders/${orderId}/refunds`, { amount: 3000, reason: `r${i}` }, { token: TOKENS.staff })),
        );
      } finally {
        h.sandbox.state.refundDelayMs = 0;
      }
      const ok = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 409);
      assert.equal(ok.length, 3, JSON.stringify(results.map((r) => r.status)));
      assert.equal(refused.length, 17);
      assert.ok(refused.every((r) => r.body.code === 'PAYMENT_REFUND_EXCEEDS_CAPTURED'));
      const payment = await h.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
      assert.equal(Number(payment.refundedAmount), 9000);
      const { rows } = await sql<{ total: number }>`select coalesce(sum(amount), 0)::int as total from payment_refund where order_id = ${orderId} and status <> 'failed'`.execute(h.db);
      assert.equal(Number(rows[0]!.total), 9000);
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 9000);
    });

    test('20 parallel requests with one Idempotency-Key: one refund, one gateway call, the same refund for all', async () => {
      const { orderId } = await paidOrder(5000);
      const before = h.sandbox.state.refundCalls.length;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => h.http.post(`/admin/orders/${orderId}/refunds`, { amount: 500, reason: 'once' }, { token: TOKENS.staff, headers: { 'idempotency-key': 'same-key' } })),
      );
      assert.deepEqual(
        results.map((r) => r.status).sort(),
        [...Array(19).fill(200), 201],
      );
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      // Replays that arrive while the first request is at the gateway see the refund pending.
      assert.ok(results.every((r) => r.body.status === 'succeeded' || r.body.status === 'pending'));
      assert.equal(results.find((r) => r.status === 201)!.body.status, 'succeeded');
      assert.equal(await count(h.db, 'payment_refund', sql`order_id = ${orderId}`), 1);
      assert.equal(h.sandbox.state.refundCalls.length, before + 1);
      assert.equal((await orderRow(h.db, orderId)).refundedTotal, 500);
    });

    test('20 parallel starts of one payment: one pending payment, one gateway creation', async () => {
      const orderId = await addOrder(h.db, { total: 2000 });
      const before = h.sandbox.state.createCalls.length;
      const results = await Promise.all(Array.from({ length: 20 }, () => h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer })));
      assert.ok(results.every((r) => r.status === 200 || r.status === 201), JSON.stringify(results.map((r) => r.body)));
      assert.equal(new Set(results.map((r) => r.body.payment.id)).size, 1);
      assert.equal(await count(h.db, 'payment', sql`order_id = ${orderId}`), 1);
      // Starts that found the row before the gateway answered ask again with the same id (providers are idempotent on it).
      const created = h.sandbox.state.createCalls.slice(before);
      assert.ok(created.length >= 1);
      assert.equal(new Set(created.map((c) => c.paymentId)).size, 1);
    });
  });
}
