import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { runReconcileCli } from '../../src/modules/payments/index.js';
import { DATABASES } from '../helpers/app.js';
import { assertProblem } from '../helpers/http.js';
import { addOrder, count, createHarness, type Harness, orderRow, pay, startPayment, TOKENS } from './payments-fixtures.js';

for (const engine of DATABASES) {
  describe(`payments: reconciliation and the pending sweep [${engine}]`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(engine);
    });
    after(() => h.close());

    const today = () => new Date().toISOString().slice(0, 10);
    const sink = () => {
      let text = '';
      return { write: (s: string) => (text += s), get text() {
        return text;
      } };
    };

    test('reconcile lists what differs between our day and the gateway’s, by kind', async () => {
      const pays: { id: string; amount: number; currency: string }[] = [];
      for (const total of [1000, 2000, 5000]) {
        const orderId = await addOrder(h.db, { total });
        const p = await startPayment(h, orderId);
        await pay(h, p);
        pays.push(p);
      }
      const [matched, missingThere, wrongAmount] = pays as [(typeof pays)[0], (typeof pays)[0], (typeof pays)[0]];
      const pendingOrder = await addOrder(h.db, { total: 700 });
      const stillPending = await startPayment(h, pendingOrder);
      const refund = await h.http.post(`/admin/orders/${(await h.db.selectFrom('payment').select('orderId').where('id', '=', matched.id).executeTakeFirstOrThrow()).orderId}/refunds`, { amount: 100, reason: 'r' }, { token: TOKENS.staff });
      assert.equal(refund.status, 201);
      const day = today();
      const at = new Date();
      h.sandbox.state.transactions = [
        { kind: 'payment', paymentId: matched.id, gatewayReference: null, amount: 1000, currency: 'CNY', status: 'succeeded', at },
        { kind: 'payment', paymentId: wrongAmount.id, gatewayReference: null, amount: 4000, currency: 'CNY', status: 'succeeded', at },
        { kind: 'payment', paymentId: stillPending.id, gatewayReference: null, amount: 700, currency: 'CNY', status: 'succeeded', at },
        { kind: 'payment', paymentId: 'pay_unknown', gatewayReference: null, amount: 300, currency: 'CNY', status: 'succeeded', at },
        { kind: 'payment', paymentId: 'pay_failed_elsewhere', gatewayReference: null, amount: 300, currency: 'CNY', status: 'failed', at },
        { kind: 'refund', paymentId: matched.id, refundId: 'ref_unknown', gatewayReference: null, amount: 50, currency: 'CNY', status: 'succeeded', at },
      ];
      const result = await h.payments.reconcile('sandbox', day);
      assert.deepEqual([result.ours, result.theirs], [
        { payments: 3, refunds: 1 },
        { payments: 5, refunds: 1 },
      ]);
      const got = result.mismatches.map((m) => [m.kind, m.type, m.paymentId, m.refundId === refund.body.id ? 'ours' : m.refundId]);
      assert.deepEqual(
        got.sort(),
        [
          ['amount_mismatch', 'payment', wrongAmount.id, null],
          ['missing_at_gateway', 'payment', missingThere.id, null],
          ['missing_at_gateway', 'refund', matched.id, 'ours'],
          ['missing_locally', 'payment', 'pay_unknown', null],
          ['missing_locally', 'refund', matched.id, 'ref_unknown'],
          ['status_mismatch', 'payment', stillPending.id, null],
        ].sort(),
      );
      const amount = result.mismatches.find((m) => m.kind === 'amount_mismatch')!;
      assert.deepEqual([amount.ours, amount.theirs], [
        { status: 'succeeded', amount: 5000, currency: 'CNY' },
        { status: 'succeeded', amount: 4000, currency: 'CNY' },
      ]);

      const route = await h.http.get(`/admin/payments/reconciliation?provider=sandbox&date=${day}`, { token: TOKENS.support });
      assert.equal(route.status, 200, JSON.stringify(route.body));
      assert.equal(route.body.mismatches.length, 6);
      assertProblem(await h.http.get('/admin/payments/reconciliation?provider=sandbox&date=2026-02-30', { token: TOKENS.support }), 400, 'PAYMENT_INVALID_INPUT');
      assertProblem(await h.http.get(`/admin/payments/reconciliation?provider=alipay&date=${day}`, { token: TOKENS.support }), 400, 'PAYMENT_PROVIDER_UNAVAILABLE');
      assertProblem(await h.http.get(`/admin/payments/reconciliation?provider=sandbox`, { token: TOKENS.support }), 400, 'VALIDATION_FAILED');

      // The command line: a table and exit code 1 on mismatches, 0 on a clean day, 2 on bad arguments.
      const previous = process.exitCode;
      try {
        const out = sink();
        assert.equal(await runReconcileCli({ modules: { payments: h.payments } }, ['--provider', 'sandbox', '--date', day], out, sink()), 1);
        assert.match(out.text, /KIND\s+TYPE\s+PAYMENT\s+REFUND\s+OURS\s+THEIRS/);
        assert.match(out.text, new RegExp(`amount_mismatch\\s+payment\\s+${wrongAmount.id}\\s+-\\s+succeeded 5000 CNY\\s+succeeded 4000 CNY`));
        assert.match(out.text, /6 mismatch\(es\)\./);
        const clean = sink();
        assert.equal(await runReconcileCli({ modules: { payments: h.payments } }, ['--provider=stripe', `--date=${day}`], clean, sink()), 0);
        assert.match(clean.text, /No mismatches\./);
        const err = sink();
        assert.equal(await runReconcileCli({ modules: { payments: h.payments } }, ['--date', day], sink(), err), 2);
        assert.match(err.text, /Usage: npm run reconcile/);
        assert.equal(await runReconcileCli({ modules: { payments: h.payments } }, ['--provider', 'sandbox', '--date', '2026-13-01'], sink(), err), 2);
      } finally {
        process.exitCode = previous;
      }
    });

    test('the sweep asks the gateway about old pending payments and applies the answer like a notification', async () => {
      const lost = await addOrder(h.db, { total: 4400 });
      const lostPayment = await startPayment(h, lost);
      const waiting = await addOrder(h.db, { total: 1100 });
      const waitingPayment = await startPayment(h, waiting);
      const broken = await addOrder(h.db, { total: 1200 });
      const brokenPayment = await startPayment(h, broken);
      const declined = await addOrder(h.db, { total: 1300 });
      const declinedPayment = await startPayment(h, declined);
      h.sandbox.state.queryAnswers.set(lostPayment.id, { status: 'succeeded', amount: 4400, currency: 'CNY', gatewayReference: `gw_${lostPayment.id}` });
      h.sandbox.state.queryAnswers.set(waitingPayment.id, { status: 'pending', amount: 0, currency: 'CNY', gatewayReference: null });
      h.sandbox.state.queryAnswers.set(declinedPayment.id, { status: 'failed', amount: 1300, currency: 'CNY', gatewayReference: null });
      void brokenPayment; // no answer: the fake gateway throws 'unavailable'

      const early = await h.payments.reconcilePending();
      assert.equal(early.checked, 0, 'younger than pendingAfterMinutes: left alone');

      h.clock.offsetMs = 11 * 60_000;
      try {
        const before = h.calls.applyPayment;
        const sweep = await h.payments.reconcilePending();
        assert.deepEqual(sweep, { checked: 5, settled: 2, abandoned: 0, refundsSettled: 0 });
        assert.equal(h.calls.applyPayment, before + 1);
        assert.equal((await orderRow(h.db, lost)).status, 'paid');
        const n = await h.db.selectFrom('paymentNotification').selectAll().where('paymentId', '=', lostPayment.id).executeTakeFirstOrThrow();
        assert.deepEqual([n.gatewayEventId, n.verdict], [`query:${lostPayment.id}:succeeded`, 'applied']);
        const statuses = await h.db.selectFrom('payment').select(['id', 'status']).where('id', 'in', [waitingPayment.id, brokenPayment.id, declinedPayment.id]).execute();
        assert.deepEqual(Object.fromEntries(statuses.map((s) => [s.id, s.status])), {
          [waitingPayment.id]: 'pending',
          [brokenPayment.id]: 'pending',
          [declinedPayment.id]: 'failed',
        });
        assert.ok(h.warnings.some((w: any) => /status query failed/.test(w.msg) && w.paymentId === brokenPayment.id));

        // The real notification arriving late changes nothing more.
        await pay(h, lostPayment);
        assert.equal(h.calls.applyPayment, before + 1);
        const again = await h.payments.reconcilePending();
        assert.equal(again.settled, 0);
        assert.equal(await count(h.db, 'payment_notification', sql`payment_id = ${lostPayment.id}`), 2);
      } finally {
        h.clock.offsetMs = 0;
      }
    });

    test('payments still pending after two days are given up; a late success still counts', async () => {
      const orderId = await addOrder(h.db, { total: 1500 });
      const payment = await startPayment(h, orderId);
      h.sandbox.state.queryAnswers.set(payment.id, { status: 'pending', amount: 0, currency: 'CNY', gatewayReference: null });
      h.clock.offsetMs = 49 * 3_600_000;
      try {
        const sweep = await h.payments.reconcilePending();
        assert.ok(sweep.abandoned >= 1);
        const row = await h.db.selectFrom('payment').selectAll().where('id', '=', payment.id).executeTakeFirstOrThrow();
        assert.deepEqual([row.status, row.failureReason], ['cancelled', 'abandoned: still pending after 48 h']);
        assert.equal(await count(h.db, 'event_outbox', sql`name = 'payment.failed' and payload->>'paymentId' = ${payment.id} and payload->>'reason' = 'abandoned'`), 1);
        // A new attempt may start; and the old one, paid after all, is still recorded.
        const again = await h.http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: TOKENS.customer });
        assert.equal(again.status, 201);
        await pay(h, payment);
        assert.equal((await orderRow(h.db, orderId)).status, 'paid');
      } finally {
        h.clock.offsetMs = 0;
      }
    });

    test('the sweep takes the payments asked about least recently first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await startPayment(h, await addOrder(h.db, { total: 100 + i }))).id);
      await sql`update payment set status = 'failed' where status = 'pending' and id <> all(${ids})`.execute(h.db);
      for (const id of ids) h.sandbox.state.queryAnswers.set(id, { status: 'pending', amount: 0, currency: 'CNY', gatewayReference: null });
      h.clock.offsetMs = 11 * 60_000;
      try {
        const asked = () => h.db.selectFrom('payment').select(['id', 'updatedAt']).where('id', 'in', ids).orderBy('updatedAt').orderBy('id').execute();
        assert.equal((await h.payments.reconcilePending({ limit: 2 })).checked, 2);
        const untouched = (await asked())[0]!.id;
        assert.equal(untouched, ids[2], 'the one not asked yet now comes first');
        await h.payments.reconcilePending({ limit: 1 });
        assert.notEqual((await asked())[0]!.id, ids[2]);
      } finally {
        h.clock.offsetMs = 0;
      }
    });
  });
}
