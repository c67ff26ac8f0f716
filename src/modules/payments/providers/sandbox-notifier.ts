import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import type { JobContext } from '../../../platform/jobs/index.js';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload } from './sandbox-signature.js';
import type { Deliver, JobsPort, SandboxConfig } from './types.js';

/** Job kind of one delivery attempt of a sandbox notification. */
export const SANDBOX_NOTIFY_JOB = 'payments.sandbox.notify';

/** Attempts per notification before the notifier gives up (about an hour of retrying in all). */
export const MAX_DELIVERY_ATTEMPTS = 15;

/** Upper bound of the wait between two attempts. */
const MAX_BACKOFF_MS = 10 * 60_000;

/** Delay before a duplicate delivery of a notification that was already accepted. */
const DUPLICATE_DELAY_MS = 1000;

export type SandboxNotificationType = 'payment.succeeded' | 'payment.failed' | 'refund.succeeded';

/**
 * The JSON body the sandbox POSTs to the merchant. `amount` is the charge's amount; a
 * `refund.succeeded` carries the refund in `refund` (`refundedTotal`: all refunds so far).
 */
export interface SandboxNotification {
  /** Event id: one per delivery intent, the same on every retry and duplicate. */
  id: string;
  type: SandboxNotificationType;
  paymentId: string;
  chargeId: string;
  amount: number;
  currency: string;
  merchantId: string;
  occurredAt: string;
  refund?: { id: string; refundId: string; amount: number; refundedTotal: number };
}

/** Input of a `payments.sandbox.notify` job. */
export interface NotifyJobInput {
  notification: SandboxNotification;
  /** 1 for the first attempt. */
  attempt: number;
  /** True for the extra delivery of an already accepted notification (it spawns no further duplicate). */
  duplicate?: boolean;
}

/** Wait after failed attempt `attempt` (1-based): 1 s, 2 s, 4 s, … capped at 10 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
}

/** POSTs with global fetch, giving up after 10 s; redirects are not followed (a real gateway would not). */
export const fetchDeliver: Deliver = async (url, body, headers) => {
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
  return { status: res.status };
};

function isNotifyInput(value: unknown): value is NotifyJobInput {
  const v = value as Partial<NotifyJobInput> | null;
  return typeof v === 'object' && v !== null && typeof v.attempt === 'number' && typeof v.notification === 'object' && v.notification !== null && typeof v.notification.id === 'string';
}

export interface NotifierDeps {
  jobs: JobsPort;
  config: SandboxConfig;
  log: Logger;
  deliver: Deliver;
  now: () => Date;
  random: () => number;
}

/**
 * The sandbox's outbound notifications: `enqueue` queues the first attempt (pass the
 * transaction that records the change, so a notification exists exactly when the change
 * does); `deliver` is the job handler. Each attempt signs the body afresh
 * (`Bazaar-Signature: t=<now>,v1=…`) and POSTs it to `config.notifyUrl`; anything but a 2xx
 * queues the next attempt with `runAt` after `backoffMs(attempt)`, up to MAX_DELIVERY_ATTEMPTS.
 * An accepted notification is, with `config.duplicateProbability`, delivered once more.
 */
export function createNotifier(deps: NotifierDeps) {
  const duplicateProbability = deps.config.duplicateProbability ?? 0;

  async function queue(executor: Kysely<Database>, input: NotifyJobInput, runAt?: Date): Promise<string> {
    return deps.jobs.enqueue(executor, SANDBOX_NOTIFY_JOB, input, null, runAt ? { runAt } : undefined);
  }

  async function deliver(ctx: JobContext, executor: Kysely<Database>): Promise<unknown> {
    if (!isNotifyInput(ctx.input)) throw new Error('payments.sandbox.notify: malformed job input');
    const input = ctx.input;
    const body = JSON.stringify(input.notification);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Bazaar-Sandbox-Notifier/1.0',
      [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(deps.config.secret.reveal(), body, Math.floor(deps.now().getTime() / 1000)),
    };
    let status: number | null = null;
    let error: string | null = null;
    try {
      ({ status } = await deps.deliver(deps.config.notifyUrl, body, headers));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const base = { eventId: input.notification.id, attempt: input.attempt, status, ...(error ? { error } : {}) };
    if (status !== null && status >= 200 && status < 300) {
      if (!input.duplicate && duplicateProbability > 0 && deps.random() < duplicateProbability) {
        await queue(executor, { notification: input.notification, attempt: 1, duplicate: true }, new Date(deps.now().getTime() + DUPLICATE_DELAY_MS));
      }
      return { ...base, delivered: true };
    }
    if (input.attempt >= MAX_DELIVERY_ATTEMPTS) {
      deps.log.warn({ ...base, url: deps.config.notifyUrl }, 'sandbox notification abandoned after the last attempt');
      return { ...base, delivered: false, gaveUp: true };
    }
    const nextAttemptAt = new Date(deps.now().getTime() + backoffMs(input.attempt));
    await queue(executor, { ...input, attempt: input.attempt + 1 }, nextAttemptAt);
    deps.log.info({ ...base, nextAttemptAt }, 'sandbox notification not accepted; retrying later');
    return { ...base, delivered: false, nextAttemptAt: nextAttemptAt.toISOString() };
  }

  return {
    /** Queues the first delivery attempt of `notification` (inside the caller's transaction). */
    enqueue: (trx: Kysely<Database>, notification: SandboxNotification) => queue(trx, { notification, attempt: 1 }),
    deliver,
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
