import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { withTransaction, type Database, type Tx } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import { platformError } from '../../platform/errors.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { Actor, WebhookDeps, WebhookSettings } from './deps.js';
import { endpointRow } from './endpoints.js';
import { webhookError } from './errors.js';
import { ALL_EVENTS, isWebhookEvent, TEST_EVENT } from './events.js';
import { retryDelayMs, shouldGiveUp } from './retry.js';
import type { DeliveryListQuery, WebhookDeliveryDetail } from './schemas.js';
import { sendWebhook, type SendResult, type WebhookBody } from './sender.js';
import type { AttemptTrigger } from './tables.js';
import { toAttempt, toDelivery, type DeliveryRow, type EndpointRow } from './view.js';

/** Everything the delivery functions need. */
export interface DeliveryContext extends WebhookDeps {
  settings: WebhookSettings;
}

/** A delivery claimed by a poller, with what it takes to send it. */
interface Claimed {
  id: string;
  endpointId: string;
  eventId: string;
  eventName: string;
  payload: unknown;
  eventCreatedAt: Date;
  attempts: number;
  createdAt: Date;
  url: string;
  secret: string;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

/**
 * The dispatcher's `*` subscriber: in one statement, a pending delivery of the event for each
 * enabled endpoint subscribed to it (by name or `*`), due now. Redelivery of the event inserts
 * nothing (`(endpoint_id, event_id)` is unique). Events not in `WEBHOOK_EVENTS` are ignored.
 */
export async function enqueueEvent(db: Kysely<Database>, event: DomainEvent): Promise<number> {
  if (!isWebhookEvent(event.name)) return 0;
  const result = await sql`
    insert into webhook_delivery (endpoint_id, event_id, event_name, payload, event_created_at, next_attempt_at)
    select e.id, ${event.id}, ${event.name}, ${JSON.stringify(event.payload ?? null)}::jsonb, coalesce(${event.createdAt ?? null}::timestamptz, now()), now()
    from webhook_endpoint e
    where e.enabled and (e.events @> ${JSON.stringify([event.name])}::jsonb or e.events @> ${JSON.stringify([ALL_EVENTS])}::jsonb)
    on conflict (endpoint_id, event_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Claims up to `batchSize` due deliveries of enabled endpoints with `FOR UPDATE SKIP LOCKED`:
 * each gets a lease (`locked_until`) and a fresh `claim_token`. Concurrent pollers, in this
 * process or others, never claim one delivery at the same time; a delivery whose poller died
 * is claimed again once its lease has passed.
 */
async function claimDue(ctx: DeliveryContext, token: string): Promise<Claimed[]> {
  const { rows } = await sql<Claimed>`
    update webhook_delivery d
    set locked_until = now() + make_interval(secs => ${ctx.settings.leaseSeconds}), claim_token = ${token}, updated_at = now()
    from webhook_endpoint e
    where e.id = d.endpoint_id and d.id in (
      select w.id from webhook_delivery w join webhook_endpoint we on we.id = w.endpoint_id
      where w.status = 'pending' and w.next_attempt_at <= now() and we.enabled
        and (w.locked_until is null or w.locked_until < now())
      order by w.next_attempt_at
      limit ${ctx.settings.batchSize}
      for update of w skip locked)
    returning d.id, d.endpoint_id, d.event_id, d.event_name, d.payload, d.event_created_at, d.attempts, d.created_at, e.url, e.secret`.execute(ctx.db);
  return rows;
}

function bodyOf(d: { eventId: string; eventName: string; eventCreatedAt: Date | string; payload: unknown }): WebhookBody {
  return { id: d.eventId, type: d.eventName, createdAt: iso(d.eventCreatedAt), data: d.payload };
}

function send(ctx: DeliveryContext, url: string, secret: string, body: WebhookBody): Promise<SendResult> {
  return sendWebhook(url, secret, body, { timeoutMs: ctx.settings.timeoutMs, maxResponseBytes: ctx.settings.maxResponseBytes, allowPrivate: ctx.settings.allowPrivate });
}

async function logAttempt(trx: Tx, deliveryId: string, endpointId: string, url: string, trigger: AttemptTrigger, startedAt: Date, r: SendResult): Promise<void> {
  await trx
    .insertInto('webhookAttempt')
    .values({
      id: newId('wha'),
      deliveryId,
      endpointId,
      trigger,
      url,
      statusCode: r.statusCode,
      succeeded: r.succeeded,
      durationMs: r.durationMs,
      error: r.error,
      responseBody: r.responseBody,
      startedAt,
    })
    .execute();
}

/**
 * Keeps the endpoint's run of failures: a success ends it; a scheduled attempt's failure adds
 * one, and the endpoint is turned off (`disabledReason: failing`, audited as the system) once
 * the run reaches `disableAfterFailures` and is at least `disableAfterMs` old.
 */
async function recordHealth(ctx: DeliveryContext, trx: Tx, endpointId: string, succeeded: boolean, counts: boolean): Promise<void> {
  if (succeeded) {
    await trx.updateTable('webhookEndpoint').set({ consecutiveFailures: 0, failingSince: null }).where('id', '=', endpointId).where('consecutiveFailures', '>', 0).execute();
    return;
  }
  if (!counts) return;
  const { disableAfterFailures, disableAfterMs } = ctx.settings.retry;
  const disabledWhen = () =>
    sql`enabled and consecutive_failures + 1 >= ${disableAfterFailures} and coalesce(failing_since, now()) <= now() - make_interval(secs => ${disableAfterMs / 1000})`;
  // SET sees the row as it was, hence `+ 1` and `coalesce` in the condition.
  const updated = await sql<{ consecutiveFailures: number; justDisabled: boolean }>`
    update webhook_endpoint
    set consecutive_failures = consecutive_failures + 1,
        failing_since = coalesce(failing_since, now()),
        enabled = case when ${disabledWhen()} then false else enabled end,
        disabled_reason = case when ${disabledWhen()} then 'failing' else disabled_reason end,
        disabled_at = case when ${disabledWhen()} then now() else disabled_at end,
        updated_at = case when ${disabledWhen()} then now() else updated_at end
    where id = ${endpointId}
    returning consecutive_failures, (disabled_reason = 'failing' and disabled_at = now()) as just_disabled`.execute(trx);
  const row = updated.rows[0];
  if (row?.justDisabled) {
    ctx.log.warn({ endpointId, consecutiveFailures: row.consecutiveFailures }, 'webhook endpoint disabled after failing continuously');
    await ctx.audit.record(trx, {
      actorType: 'system',
      actorId: null,
      action: 'webhook.disabled',
      targetType: 'webhook_endpoint',
      targetId: endpointId,
      data: { reason: 'failing', consecutiveFailures: row.consecutiveFailures },
    });
  }
}

/** Records a scheduled attempt: the attempt row, the delivery's new state, the endpoint's health. */
async function recordScheduled(ctx: DeliveryContext, d: Claimed, token: string, startedAt: Date, r: SendResult): Promise<void> {
  const attempts = d.attempts + 1;
  const giveUp = !r.succeeded && shouldGiveUp(ctx.settings.retry, attempts, Date.now() - new Date(d.eventCreatedAt).getTime());
  const next = r.succeeded || giveUp ? null : sql<Date>`now() + make_interval(secs => ${retryDelayMs(ctx.settings.retry, attempts) / 1000})`;
  await withTransaction(ctx.db, async (trx) => {
    await logAttempt(trx, d.id, d.endpointId, d.url, 'scheduled', startedAt, r);
    // Only the holder of the current claim moves the delivery on: a poller whose lease ran out
    // (and whose delivery was claimed again) or a replay that already succeeded wins over it.
    await trx
      .updateTable('webhookDelivery')
      .set({
        status: r.succeeded ? 'succeeded' : giveUp ? 'failed' : 'pending',
        attempts: sql<number>`attempts + 1`,
        nextAttemptAt: next,
        lockedUntil: null,
        claimToken: null,
        lastStatusCode: r.statusCode,
        lastError: r.error,
        deliveredAt: r.succeeded ? sql<Date>`now()` : null,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', d.id)
      .where('claimToken', '=', token)
      .where('status', '=', 'pending')
      .execute();
    await recordHealth(ctx, trx, d.endpointId, r.succeeded, true);
  });
  if (!r.succeeded) ctx.log.info({ deliveryId: d.id, endpointId: d.endpointId, event: d.eventName, statusCode: r.statusCode, error: r.error, attempts, gaveUp: giveUp }, 'webhook attempt failed');
}

/**
 * One poller step: claims due deliveries, POSTs them concurrently and records each outcome.
 * Returns how many it claimed (a full batch means more may be due).
 */
export async function deliverDue(ctx: DeliveryContext): Promise<number> {
  const token = randomUUID();
  const claimed = await claimDue(ctx, token);
  await Promise.all(
    claimed.map(async (d) => {
      const startedAt = new Date();
      const r = await send(ctx, d.url, d.secret, bodyOf(d));
      try {
        await recordScheduled(ctx, d, token, startedAt, r);
      } catch (err) {
        // The lease runs out and the delivery is tried again: at least once, never lost.
        ctx.log.error({ err, deliveryId: d.id }, 'webhook attempt not recorded');
      }
    }),
  );
  return claimed.length;
}

async function loadDelivery(db: Kysely<Database>, endpointId: string, deliveryId: string): Promise<DeliveryRow> {
  const row = await db.selectFrom('webhookDelivery').selectAll().where('id', '=', deliveryId).where('endpointId', '=', endpointId).executeTakeFirst();
  if (!row) throw webhookError('WEBHOOK_DELIVERY_NOT_FOUND', { detail: `No delivery ${deliveryId} for endpoint ${endpointId}` });
  return row;
}

/** A delivery with its payload and every attempt, oldest first. Throws 404 `WEBHOOK_DELIVERY_NOT_FOUND`. */
export async function deliveryDetail(db: Kysely<Database>, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
  const row = await loadDelivery(db, endpointId, deliveryId);
  const attempts = await db.selectFrom('webhookAttempt').selectAll().where('deliveryId', '=', deliveryId).orderBy('id').execute();
  return { ...toDelivery(row), eventCreatedAt: iso(row.eventCreatedAt), data: row.payload, attempts: attempts.map(toAttempt) };
}

/** An endpoint's deliveries, newest first, by status and event. Throws 404 `WEBHOOK_NOT_FOUND`. */
export async function listDeliveries(db: Kysely<Database>, endpointId: string, query: DeliveryListQuery) {
  await endpointRow(db, endpointId);
  let q = db.selectFrom('webhookDelivery').selectAll().where('endpointId', '=', endpointId).orderBy('seq', 'desc').limit(query.limit + 1);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.event) q = q.where('eventName', '=', query.event);
  if (query.cursor) {
    const [seq] = decodeCursor(query.cursor, 1);
    if (typeof seq !== 'number' || !Number.isInteger(seq)) throw platformError('PAGINATION_INVALID_CURSOR', { detail: 'The cursor is not one this API issued' });
    q = q.where('seq', '<', seq);
  }
  return toPage(await q.execute(), query.limit, toDelivery, (r) => [Number(r.seq)]);
}

/**
 * Sends a delivery again now, whatever its status and even to a disabled endpoint, as a new
 * attempt (`replay`). Success marks it `succeeded`; a failure leaves its status and schedule as
 * they were. Audited `webhook.delivery_replayed`. Throws 404 `WEBHOOK_NOT_FOUND`,
 * 404 `WEBHOOK_DELIVERY_NOT_FOUND`.
 */
export async function replayDelivery(ctx: DeliveryContext, actor: Actor, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
  const endpoint = await endpointRow(ctx.db, endpointId);
  const delivery = await loadDelivery(ctx.db, endpointId, deliveryId);
  await sendReplay(ctx, endpoint, delivery, actor);
  return deliveryDetail(ctx.db, endpointId, deliveryId);
}

/**
 * Sends a `webhook.test` event (`data: { endpointId, message }`) to the endpoint now, enabled
 * or not. It is recorded after the attempt, as a delivery of its own with that one attempt:
 * `succeeded` or `failed`, never retried. Audited `webhook.tested`. Throws 404 `WEBHOOK_NOT_FOUND`.
 */
export async function testEndpoint(ctx: DeliveryContext, actor: Actor, endpointId: string): Promise<WebhookDeliveryDetail> {
  const endpoint = await endpointRow(ctx.db, endpointId);
  const event = { eventId: newId('evt'), eventName: TEST_EVENT, eventCreatedAt: new Date(), payload: { endpointId, message: 'A test event sent from the Bazaar admin API' } };
  const startedAt = new Date();
  const r = await send(ctx, endpoint.url, endpoint.secret, bodyOf(event));
  const deliveryId = await withTransaction(ctx.db, async (trx) => {
    const { id } = await trx
      .insertInto('webhookDelivery')
      .values({
        endpointId,
        eventId: event.eventId,
        eventName: event.eventName,
        payload: JSON.stringify(event.payload),
        eventCreatedAt: event.eventCreatedAt,
        status: r.succeeded ? 'succeeded' : 'failed',
        attempts: 1,
        nextAttemptAt: null,
        lockedUntil: null,
        claimToken: null,
        lastStatusCode: r.statusCode,
        lastError: r.error,
        deliveredAt: r.succeeded ? sql<Date>`now()` : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await logAttempt(trx, id, endpointId, endpoint.url, 'test', startedAt, r);
    await recordHealth(ctx, trx, endpointId, r.succeeded, false);
    await auditSend(ctx, trx, actor, 'webhook.tested', endpointId, { deliveryId: id, eventId: event.eventId }, r);
    return id;
  });
  return deliveryDetail(ctx.db, endpointId, deliveryId);
}

async function auditSend(ctx: DeliveryContext, trx: Tx, actor: Actor, action: string, endpointId: string, data: Record<string, unknown>, r: SendResult): Promise<void> {
  await ctx.audit.record(trx, {
    actorId: actor.staffId,
    action,
    targetType: 'webhook_endpoint',
    targetId: endpointId,
    data: { ...data, succeeded: r.succeeded, statusCode: r.statusCode },
    ip: actor.ip,
  });
}

async function sendReplay(ctx: DeliveryContext, endpoint: EndpointRow, delivery: DeliveryRow, actor: Actor): Promise<void> {
  const startedAt = new Date();
  const r = await send(ctx, endpoint.url, endpoint.secret, bodyOf(delivery));
  await withTransaction(ctx.db, async (trx) => {
    await logAttempt(trx, delivery.id, endpoint.id, endpoint.url, 'replay', startedAt, r);
    // A failed replay leaves the delivery where it was (pending on its schedule, or failed).
    const outcome = r.succeeded ? { status: 'succeeded' as const, nextAttemptAt: null, lockedUntil: null, claimToken: null, deliveredAt: sql<Date>`now()` } : {};
    await trx
      .updateTable('webhookDelivery')
      .set({ ...outcome, attempts: sql<number>`attempts + 1`, lastStatusCode: r.statusCode, lastError: r.error, updatedAt: sql<Date>`now()` })
      .where('id', '=', delivery.id)
      .execute();
    await recordHealth(ctx, trx, endpoint.id, r.succeeded, false);
    await auditSend(ctx, trx, actor, 'webhook.delivery_replayed', endpoint.id, { deliveryId: delivery.id, eventId: delivery.eventId }, r);
  });
}
