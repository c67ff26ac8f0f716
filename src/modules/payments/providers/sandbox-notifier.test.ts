import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import type { JobContext } from '../../../platform/jobs/index.js';
import { Secret } from '../../../platform/secret.js';
import { backoffMs, createNotifier, MAX_DELIVERY_ATTEMPTS, SANDBOX_NOTIFY_JOB, type NotifyJobInput, type SandboxNotification } from './sandbox-notifier.js';
import { verifySandboxSignature } from './sandbox-signature.js';
import type { Deliver } from './types.js';

const notification: SandboxNotification = {
  id: 'sevt_01',
  type: 'payment.succeeded',
  paymentId: 'pay_01',
  chargeId: 'sch_01',
  amount: 100,
  currency: 'CNY',
  merchantId: 'bazaar-sandbox',
  occurredAt: '2026-11-28T10:00:00.000Z',
};

function setup(deliver: Deliver, options: { duplicateProbability?: number; random?: () => number } = {}) {
  const now = new Date('2026-11-28T10:00:00.000Z');
  const queued: { kind: string; input: NotifyJobInput; runAt?: Date }[] = [];
  const notifier = createNotifier({
    jobs: {
      register() {},
      async enqueue(_executor, kind, input, _createdBy, opts) {
        queued.push({ kind, input: input as NotifyJobInput, runAt: opts?.runAt });
        return `job_${queued.length}`;
      },
    },
    config: { secret: new Secret('s3cret'), notifyUrl: 'http://shop.test/hook', publicUrl: 'http://shop.test', duplicateProbability: options.duplicateProbability },
    log: pino({ level: 'silent' }),
    deliver,
    now: () => now,
    random: options.random ?? (() => 0.5),
  });
  const run = (input: NotifyJobInput) => notifier.deliver({ id: 'job', input } as JobContext, {} as Kysely<Database>) as Promise<Record<string, unknown>>;
  return { notifier, queued, run, now };
}

describe('sandbox notifier', () => {
  test('backoff doubles from one second and stops growing at ten minutes', () => {
    assert.deepEqual([1, 2, 3, 4, 10].map(backoffMs), [1000, 2000, 4000, 8000, 512_000]);
    assert.equal(backoffMs(11), 600_000);
    assert.equal(backoffMs(15), 600_000);
  });

  test('delivers the body signed over its exact bytes to the notify URL', async () => {
    const calls: { url: string; body: string; headers: Record<string, string> }[] = [];
    const { run, queued, now } = setup(async (url, body, headers) => {
      calls.push({ url, body, headers });
      return { status: 204 };
    });
    const result = await run({ notification, attempt: 1 });
    assert.equal(result.delivered, true);
    assert.equal(queued.length, 0);
    assert.equal(calls[0]!.url, 'http://shop.test/hook');
    assert.deepEqual(JSON.parse(calls[0]!.body), notification);
    assert.doesNotThrow(() => verifySandboxSignature('s3cret', Buffer.from(calls[0]!.body), calls[0]!.headers['Bazaar-Signature'], now, 300));
  });

  test('a non-2xx answer or a network error queues the next attempt after the backoff, until the last', async () => {
    const statuses = [500, 302, 404];
    const { run, queued, now } = setup(async () => {
      const status = statuses.shift();
      if (status === undefined) throw new Error('connect ECONNREFUSED');
      return { status };
    });
    for (let attempt = 1; attempt <= 4; attempt++) {
      const result = await run({ notification, attempt });
      assert.equal(result.delivered, false);
      assert.equal(queued.length, attempt);
      const next = queued[attempt - 1]!;
      assert.equal(next.kind, SANDBOX_NOTIFY_JOB);
      assert.equal(next.input.attempt, attempt + 1);
      assert.equal(next.input.notification.id, notification.id);
      assert.equal(next.runAt!.getTime() - now.getTime(), backoffMs(attempt));
    }
    assert.equal((await run({ notification, attempt: 4 })).error, 'connect ECONNREFUSED');
    const last = await run({ notification, attempt: MAX_DELIVERY_ATTEMPTS });
    assert.equal(last.gaveUp, true);
    assert.equal(queued.length, 5);
  });

  test('an accepted notification may be delivered once more, with the same event id', async () => {
    const { run, queued } = setup(async () => ({ status: 200 }), { duplicateProbability: 0.3, random: () => 0.1 });
    await run({ notification, attempt: 1 });
    assert.equal(queued.length, 1);
    assert.equal(queued[0]!.input.duplicate, true);
    assert.equal(queued[0]!.input.notification.id, notification.id);
    // A duplicate spawns no further duplicate.
    await run(queued[0]!.input);
    assert.equal(queued.length, 1);

    const never = setup(async () => ({ status: 200 }), { random: () => 0 });
    await never.run({ notification, attempt: 1 });
    assert.equal(never.queued.length, 0);
  });

  test('a malformed job input fails the job', async () => {
    const { notifier } = setup(async () => ({ status: 200 }));
    await assert.rejects(notifier.deliver({ id: 'job', input: { attempt: 1 } } as JobContext, {} as Kysely<Database>), /malformed job input/);
  });
});
