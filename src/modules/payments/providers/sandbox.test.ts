import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { createDb, runMigrations, type Db, type Engine } from '../../../platform/db/index.js';
import { AppError } from '../../../platform/errors.js';
import { eventMigrations } from '../../../platform/events/index.js';
import { createJobQueue, jobMigrations, type JobQueue } from '../../../platform/jobs/index.js';
import { Secret } from '../../../platform/secret.js';
import {
  createProviders,
  ProviderError,
  sandboxMigrations,
  SANDBOX_NOTIFY_JOB,
  signSandboxPayload,
  type CreatePaymentInput,
  type PaymentProvider,
  type PaymentsConfig,
  type SandboxGateway,
} from './index.js';

const log = pino({ level: 'silent' });

/** PGlite always; PostgreSQL when TEST_DATABASE_URL is set (TEST_DB narrows), each in a fresh schema. */
const ENGINES: Engine[] = (process.env.TEST_DB ?? 'pglite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((e): e is Engine => e === 'pglite' || (e === 'postgres' && !!process.env.TEST_DATABASE_URL));

async function openDb(engine: Engine): Promise<{ db: Db; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const db = await createDb({ dataDir: 'memory://' });
    await runMigrations(db.db, [eventMigrations, jobMigrations, sandboxMigrations]);
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`create schema ${schema}`);
  const db = await createDb({ url: process.env.TEST_DATABASE_URL, schema, poolSize: 4 });
  await runMigrations(db.db, [eventMigrations, jobMigrations, sandboxMigrations]);
  return {
    db,
    async drop() {
      await db.close();
      await admin(`drop schema ${schema} cascade`);
    },
  };
}

const SECRET = 'whsec_sandbox_test';
const NOTIFY_URL = 'http://shop.test/webhooks/payments/sandbox';

function config(extra: Partial<PaymentsConfig['sandbox']> = {}): PaymentsConfig {
  return {
    requested: ['sandbox'],
    webhookToleranceSeconds: 300,
    sandbox: { secret: new Secret(SECRET), notifyUrl: NOTIFY_URL, publicUrl: 'http://shop.test/', ...extra },
  };
}

interface Delivery {
  url: string;
  body: string;
  headers: Record<string, string>;
}

for (const engine of ENGINES) {
  describe(`sandbox gateway and provider [${engine}]`, () => {
    let handle: { db: Db; drop(): Promise<void> };
    let jobs: JobQueue;
    let provider: PaymentProvider;
    let gateway: SandboxGateway;
    let clock = new Date('2026-11-28T10:00:00.000Z');
    const deliveries: Delivery[] = [];
    let answers: number[] = [];

    before(async () => {
      handle = await openDb(engine);
      jobs = createJobQueue(handle.db.db, log);
      const built = await createProviders(config(), {
        db: handle.db.db,
        jobs,
        log,
        now: () => clock,
        deliver: async (url, body, headers) => {
          deliveries.push({ url, body, headers });
          return { status: answers.shift() ?? 200 };
        },
      });
      assert.deepEqual(built.warnings, []);
      provider = built.providers.get('sandbox')!;
      gateway = built.sandbox!;
    });
    after(() => handle.drop());

    let seq = 0;
    const input = (overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput => {
      seq++;
      return {
        paymentId: `pay_test${engine}${seq}`,
        orderId: `ord_${seq}`,
        orderNumber: `B-${1000 + seq}`,
        amount: 8800,
        currency: 'CNY',
        description: 'Two tees',
        returnUrl: 'http://shop.test/orders/1',
        notifyUrl: NOTIFY_URL,
        ...overrides,
      };
    };
    /** Runs queued notifier jobs and returns what they delivered. */
    async function drain(): Promise<Delivery[]> {
      const before = deliveries.length;
      await jobs.drain();
      return deliveries.slice(before);
    }
    const parse = (d: Delivery, now = clock) => provider.parseNotification(Buffer.from(d.body), { 'bazaar-signature': d.headers['Bazaar-Signature'] }, now);
    const rejects = (promise: Promise<unknown>, reason: string) => assert.rejects(promise, (err: unknown) => err instanceof ProviderError && err.reason === reason);

    test('createPayment opens a pending charge and redirects to the payer page, once per payment id', async () => {
      const p = input();
      const first = await provider.createPayment(p);
      assert.deepEqual(first.action, { type: 'redirect', url: `http://shop.test/sandbox/pay/${p.paymentId}` });
      assert.match(first.gatewayReference!, /^sch_/);
      const again = await provider.createPayment(p);
      assert.equal(again.gatewayReference, first.gatewayReference);
      const charge = await gateway.getCharge(p.paymentId);
      assert.equal(charge?.status, 'pending');
      assert.equal(charge?.amount, 8800);
      assert.equal(charge?.refundedAmount, 0);
      await rejects(provider.createPayment({ ...p, amount: 9900 }), 'rejected');
      await rejects(provider.createPayment(input({ amount: 0 })), 'rejected');
      await rejects(provider.createPayment(input({ currency: 'XXX' })), 'rejected');
      assert.deepEqual(await provider.queryPayment({ paymentId: p.paymentId, gatewayReference: null }), {
        status: 'pending',
        amount: 8800,
        currency: 'CNY',
        gatewayReference: first.gatewayReference,
      });
    });

    test('paying queues one signed notification that the provider accepts', async () => {
      const p = input();
      const { gatewayReference } = await provider.createPayment(p);
      const charge = await gateway.pay(p.paymentId, 'succeeded');
      assert.equal(charge.status, 'succeeded');
      const [delivery, ...rest] = await drain();
      assert.equal(rest.length, 0);
      assert.equal(delivery!.url, NOTIFY_URL);
      assert.equal(delivery!.headers['content-type'], 'application/json');
      assert.match(delivery!.headers['Bazaar-Signature']!, /^t=\d+,v1=[0-9a-f]{64}$/);
      const body = JSON.parse(delivery!.body);
      assert.deepEqual(Object.keys(body).sort(), ['amount', 'chargeId', 'currency', 'id', 'merchantId', 'occurredAt', 'paymentId', 'type']);
      assert.equal(body.type, 'payment.succeeded');
      const n = await parse(delivery!);
      assert.equal(n.eventId, body.id);
      assert.equal(n.paymentId, p.paymentId);
      assert.equal(n.gatewayReference, gatewayReference);
      assert.equal(n.status, 'succeeded');
      assert.equal(n.amount, 8800);
      assert.equal(n.currency, 'CNY');
      assert.equal(n.merchantId, 'bazaar-sandbox');
      assert.equal(provider.merchantId, 'bazaar-sandbox');
      assert.equal(n.occurredAt.toISOString(), clock.toISOString());
      assert.deepEqual(n.raw, body);
      assert.equal((await provider.queryPayment({ paymentId: p.paymentId, gatewayReference })).status, 'succeeded');
      assert.deepEqual(provider.acknowledgement(), { contentType: 'application/json', body: '{"received":true}' });
    });

    test('a failed payment notifies payment.failed; a final charge takes no second result', async () => {
      const p = input();
      await provider.createPayment(p);
      await gateway.pay(p.paymentId, 'failed');
      const [delivery] = await drain();
      const n = await parse(delivery!);
      assert.equal(n.status, 'failed');
      assert.equal((await provider.queryPayment({ paymentId: p.paymentId, gatewayReference: null })).status, 'failed');
      await assert.rejects(gateway.pay(p.paymentId, 'succeeded'), (err: unknown) => err instanceof AppError && err.code === 'SANDBOX_CHARGE_FINAL' && err.status === 409);
      await assert.rejects(gateway.pay('pay_unknown', 'succeeded'), (err: unknown) => err instanceof AppError && err.code === 'SANDBOX_CHARGE_NOT_FOUND' && err.status === 404);
      await rejects(provider.queryPayment({ paymentId: 'pay_unknown', gatewayReference: null }), 'rejected');
      assert.equal((await drain()).length, 0);
    });

    test('a refused delivery is queued again for a later attempt with the same event id', async () => {
      const p = input();
      await provider.createPayment(p);
      await gateway.pay(p.paymentId, 'succeeded');
      answers = [503];
      const attempts = await drain();
      assert.ok(attempts.length >= 1);
      const { rows } = await handle.db.db
        .selectFrom('job')
        .select(['input'])
        .where('kind', '=', SANDBOX_NOTIFY_JOB)
        .execute()
        .then((r) => ({ rows: r.map((j) => j.input as { attempt: number; notification: { id: string; paymentId: string } }) }));
      const mine = rows.filter((r) => r.notification.paymentId === p.paymentId);
      assert.deepEqual(mine.map((r) => r.attempt).sort(), [1, 2]);
      assert.equal(new Set(mine.map((r) => r.notification.id)).size, 1);
      answers = [];
    });

    test('refunds: partial, repeated, too much, the rest; each success notifies refund.succeeded', async () => {
      const p = input({ amount: 10000 });
      const { gatewayReference } = await provider.createPayment(p);
      await gateway.pay(p.paymentId, 'succeeded');
      await drain();
      const refund = (refundId: string, amount: number) => provider.refund({ paymentId: p.paymentId, gatewayReference, refundId, amount, currency: 'CNY', reason: 'customer asked' });

      const first = await refund(`rf_${engine}_a`, 3000);
      assert.equal(first.status, 'succeeded');
      assert.match(first.gatewayRefundId, /^srf_/);
      assert.deepEqual(await refund(`rf_${engine}_a`, 3000), first);
      await rejects(refund(`rf_${engine}_a`, 2000), 'rejected');
      let charge = await gateway.getCharge(p.paymentId);
      assert.equal(charge?.status, 'partially_refunded');
      assert.equal(charge?.refundedAmount, 3000);

      const [note] = await drain();
      const n = await parse(note!);
      assert.equal(n.status, 'refunded');
      assert.equal(n.amount, 10000);
      assert.deepEqual(n.refund, { refundId: `rf_${engine}_a`, amount: 3000, refundedTotal: 3000 });

      const tooMuch = await refund(`rf_${engine}_b`, 7001);
      assert.equal(tooMuch.status, 'failed');
      assert.match(tooMuch.failureReason!, /7000/);
      assert.deepEqual(await refund(`rf_${engine}_b`, 7001), tooMuch);
      const wrongCurrency = await provider.refund({ paymentId: p.paymentId, gatewayReference, refundId: `rf_${engine}_c`, amount: 100, currency: 'USD', reason: 'x' });
      assert.equal(wrongCurrency.status, 'failed');
      assert.equal((await refund(`rf_${engine}_d`, 7000)).status, 'succeeded');
      charge = await gateway.getCharge(p.paymentId);
      assert.equal(charge?.status, 'refunded');
      assert.equal(charge?.refundedAmount, 10000);
      const notes = await drain();
      assert.equal(notes.length, 1);
      assert.deepEqual((await parse(notes[0]!)).refund, { refundId: `rf_${engine}_d`, amount: 7000, refundedTotal: 10000 });
      assert.equal((await refund(`rf_${engine}_e`, 1)).status, 'failed');
      // A refunded payment still succeeded as a payment.
      assert.equal((await provider.queryPayment({ paymentId: p.paymentId, gatewayReference })).status, 'succeeded');

      const unpaid = input();
      await provider.createPayment(unpaid);
      const early = await provider.refund({ paymentId: unpaid.paymentId, gatewayReference: null, refundId: `rf_${engine}_f`, amount: 100, currency: 'CNY', reason: 'x' });
      assert.deepEqual([early.status, early.failureReason], ['failed', 'charge is pending']);
      await rejects(provider.refund({ paymentId: 'pay_none', gatewayReference: null, refundId: `rf_${engine}_g`, amount: 100, currency: 'CNY', reason: 'x' }), 'rejected');
      await rejects(provider.refund({ paymentId: p.paymentId, gatewayReference, refundId: `rf_${engine}_h`, amount: -5, currency: 'CNY', reason: 'x' }), 'rejected');
    });

    test('concurrent refunds never refund more than the charge', async () => {
      const p = input({ amount: 1000 });
      await provider.createPayment(p);
      await gateway.pay(p.paymentId, 'succeeded');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => provider.refund({ paymentId: p.paymentId, gatewayReference: null, refundId: `rf_${engine}_c${i}`, amount: 300, currency: 'CNY', reason: 'x' })),
      );
      assert.equal(results.filter((r) => r.status === 'succeeded').length, 3);
      assert.equal((await gateway.getCharge(p.paymentId))?.refundedAmount, 900);
      await drain();
    });

    test('listTransactions returns the ledger entries of one UTC day', async () => {
      clock = new Date('2026-12-01T23:59:00.000Z');
      const a = input({ amount: 500 });
      const b = input({ amount: 700 });
      const c = input({ amount: 900 });
      for (const p of [a, b, c]) await provider.createPayment(p);
      await gateway.pay(a.paymentId, 'succeeded');
      await gateway.pay(b.paymentId, 'failed');
      clock = new Date('2026-12-02T00:00:30.000Z');
      await gateway.pay(c.paymentId, 'succeeded');
      await provider.refund({ paymentId: a.paymentId, gatewayReference: null, refundId: `rf_${engine}_day`, amount: 200, currency: 'CNY', reason: 'x' });
      await drain();

      const first = await provider.listTransactions('2026-12-01');
      assert.deepEqual(
        first.map((t) => [t.kind, t.paymentId, t.amount, t.status]),
        [
          ['payment', a.paymentId, 500, 'succeeded'],
          ['payment', b.paymentId, 700, 'failed'],
        ],
      );
      const second = await provider.listTransactions('2026-12-02');
      assert.deepEqual(
        second.map((t) => [t.kind, t.paymentId, t.amount, t.currency, t.status, t.refundId ?? null]),
        [
          ['payment', c.paymentId, 900, 'CNY', 'succeeded', null],
          ['refund', a.paymentId, 200, 'CNY', 'succeeded', `rf_${engine}_day`],
        ],
      );
      assert.ok(second.every((t) => t.at.toISOString().startsWith('2026-12-02')));
      assert.deepEqual(await provider.listTransactions('2026-12-03'), []);
      for (const bad of ['2026-13-01', '2026-02-30', 'yesterday', '']) await rejects(provider.listTransactions(bad), 'rejected');
      clock = new Date('2026-11-28T10:00:00.000Z');
    });

    test('parseNotification checks the signature on the raw bytes, then the time window, then the shape', async () => {
      const now = new Date('2026-11-28T10:00:00.000Z');
      const t = Math.floor(now.getTime() / 1000);
      const payload = { id: 'sevt_1', type: 'payment.succeeded', paymentId: 'pay_1', chargeId: 'sch_1', amount: 100, currency: 'CNY', merchantId: 'bazaar-sandbox', occurredAt: now.toISOString() };
      const body = JSON.stringify(payload);
      const send = (raw: string, sig: string | undefined, at = now) => provider.parseNotification(Buffer.from(raw), sig === undefined ? {} : { 'bazaar-signature': sig }, at);

      assert.equal((await send(body, signSandboxPayload(SECRET, body, t))).eventId, 'sevt_1');
      // Header names are case-insensitive; a rotated secret may add a second v1.
      const rotated = `${signSandboxPayload('old-secret', body, t)},v1=${signSandboxPayload(SECRET, body, t).split('v1=')[1]}`;
      assert.equal((await provider.parseNotification(Buffer.from(body), { 'Bazaar-Signature': rotated }, now)).paymentId, 'pay_1');

      await rejects(send(body.replace('"amount":100', '"amount":1'), signSandboxPayload(SECRET, body, t)), 'signature');
      await rejects(send(body, signSandboxPayload('wrong', body, t)), 'signature');
      await rejects(send(body, undefined), 'signature');
      await rejects(send(body, `t=${t}`), 'signature');
      await rejects(send(body, 'v1=abc'), 'signature');
      await rejects(send(body, signSandboxPayload(SECRET, body, t).replace(`t=${t}`, `t=${t + 1}`)), 'signature');
      await rejects(send(body, signSandboxPayload(SECRET, body, t - 301)), 'stale');
      await rejects(send(body, signSandboxPayload(SECRET, body, t + 301)), 'stale');
      assert.equal((await send(body, signSandboxPayload(SECRET, body, t - 300))).eventId, 'sevt_1');

      await rejects(send('not json', signSandboxPayload(SECRET, 'not json', t)), 'malformed');
      for (const broken of [{ ...payload, type: 'payment.exploded' }, { ...payload, amount: 1.5 }, { ...payload, currency: 'cny' }, { ...payload, paymentId: undefined }, { ...payload, type: 'refund.succeeded' }, [payload]]) {
        const raw = JSON.stringify(broken);
        await rejects(send(raw, signSandboxPayload(SECRET, raw, t)), 'malformed');
      }
    });
  });
}
