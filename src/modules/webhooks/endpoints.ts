import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import { withTransaction, type Database } from '../../platform/db/index.js';
import type { FieldProblem } from '../../platform/errors.js';
import { platformError } from '../../platform/errors.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { Actor, WebhookDeps } from './deps.js';
import { webhookError } from './errors.js';
import { ALL_EVENTS, isWebhookEvent } from './events.js';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookEndpoint, WebhookListQuery } from './schemas.js';
import type { WebhookEndpointTable } from './tables.js';
import { toEndpoint, type EndpointRow } from './view.js';

/** A new signing secret: `whsec_` and 32 random bytes in base64url. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The URL, trimmed, if it is http(s) without credentials. Throws 400 `WEBHOOK_INVALID_URL`. */
function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw webhookError('WEBHOOK_INVALID_URL', { detail: 'Not a URL', fields: [{ field: '/url', message: 'must be an http(s) URL' }] });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw webhookError('WEBHOOK_INVALID_URL', { detail: 'Only http and https URLs receive webhooks', fields: [{ field: '/url', message: 'must be an http(s) URL' }] });
  }
  if (parsed.username || parsed.password) {
    throw webhookError('WEBHOOK_INVALID_URL', { detail: 'Put no credentials in the URL; verify the signature instead', fields: [{ field: '/url', message: 'must not contain credentials' }] });
  }
  return parsed.toString();
}

/** The events, without duplicates, each published by the shop or `*`. Throws 400 `WEBHOOK_UNKNOWN_EVENT`. */
function checkEvents(events: readonly string[]): string[] {
  const problems: FieldProblem[] = [];
  events.forEach((name, i) => {
    if (name !== ALL_EVENTS && !isWebhookEvent(name)) problems.push({ field: `/events/${i}`, message: `no event ${name} is published` });
  });
  if (problems.length) throw webhookError('WEBHOOK_UNKNOWN_EVENT', { detail: problems.map((p) => p.message).join('; '), fields: problems });
  return [...new Set(events)];
}

async function loadEndpoint(db: Kysely<Database>, id: string, lock = false): Promise<EndpointRow> {
  let q = db.selectFrom('webhookEndpoint').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw webhookError('WEBHOOK_NOT_FOUND', { detail: `No webhook endpoint ${id}` });
  return row;
}

/** The endpoint row, secret included. Throws 404 `WEBHOOK_NOT_FOUND`. */
export const endpointRow = (db: Kysely<Database>, id: string): Promise<EndpointRow> => loadEndpoint(db, id);

/** Registers an endpoint with a new secret, audited `webhook.created`; the answer shows the secret. */
export async function createEndpoint(deps: WebhookDeps, actor: Actor, body: CreateWebhookBody): Promise<WebhookEndpoint> {
  const url = checkUrl(body.url);
  const events = checkEvents(body.events);
  const enabled = body.enabled ?? true;
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('webhookEndpoint')
      .values({
        id: newId('whe'),
        url,
        description: body.description ?? null,
        events: JSON.stringify(events),
        secret: newSecret(),
        enabled,
        disabledReason: enabled ? null : 'manual',
        disabledAt: enabled ? null : sql<Date>`now()`,
        failingSince: null,
        createdBy: actor.staffId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'webhook.created', targetType: 'webhook_endpoint', targetId: row.id, data: { url, events, enabled }, ip: actor.ip });
    return toEndpoint(row, { revealSecret: true });
  });
}

/**
 * Changes an endpoint, audited `webhook.updated` with the fields changed. Turning it on again
 * clears its run of failures; turning it off records `disabledReason: manual`. Throws 404
 * `WEBHOOK_NOT_FOUND`, 400 `WEBHOOK_INVALID_URL`, 400 `WEBHOOK_UNKNOWN_EVENT`.
 */
export async function updateEndpoint(deps: WebhookDeps, actor: Actor, id: string, body: UpdateWebhookBody): Promise<WebhookEndpoint> {
  const set: Updateable<WebhookEndpointTable> = {};
  const changed: Record<string, unknown> = {};
  if (body.url !== undefined) set.url = changed.url = checkUrl(body.url);
  if (body.events !== undefined) {
    const events = checkEvents(body.events);
    set.events = JSON.stringify(events);
    changed.events = events;
  }
  if (body.description !== undefined) set.description = changed.description = body.description;
  return withTransaction(deps.db, async (trx) => {
    const current = await loadEndpoint(trx, id, true);
    if (body.enabled !== undefined && body.enabled !== current.enabled) {
      changed.enabled = body.enabled;
      Object.assign(
        set,
        body.enabled
          ? { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0, failingSince: null }
          : { enabled: false, disabledReason: 'manual' as const, disabledAt: sql<Date>`now()` },
      );
    }
    const row = await trx
      .updateTable('webhookEndpoint')
      .set({ ...set, updatedAt: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'webhook.updated', targetType: 'webhook_endpoint', targetId: id, data: changed, ip: actor.ip });
    return toEndpoint(row);
  });
}

/** Deletes an endpoint with its deliveries and attempts, audited `webhook.deleted`. Throws 404 `WEBHOOK_NOT_FOUND`. */
export async function deleteEndpoint(deps: WebhookDeps, actor: Actor, id: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    const row = await trx.deleteFrom('webhookEndpoint').where('id', '=', id).returning(['url']).executeTakeFirst();
    if (!row) throw webhookError('WEBHOOK_NOT_FOUND', { detail: `No webhook endpoint ${id}` });
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'webhook.deleted', targetType: 'webhook_endpoint', targetId: id, data: { url: row.url }, ip: actor.ip });
  });
}

/**
 * Gives an endpoint a new secret, effective for every attempt from now on (retries of earlier
 * events included), audited `webhook.secret_rotated`. The answer shows it. Throws 404.
 */
export async function rotateSecret(deps: WebhookDeps, actor: Actor, id: string): Promise<WebhookEndpoint> {
  return withTransaction(deps.db, async (trx) => {
    const row = await trx
      .updateTable('webhookEndpoint')
      .set({ secret: newSecret(), updatedAt: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw webhookError('WEBHOOK_NOT_FOUND', { detail: `No webhook endpoint ${id}` });
    await deps.audit.record(trx, { actorId: actor.staffId, action: 'webhook.secret_rotated', targetType: 'webhook_endpoint', targetId: id, ip: actor.ip });
    return toEndpoint(row, { revealSecret: true });
  });
}

/** One endpoint, secret masked. Throws 404 `WEBHOOK_NOT_FOUND`. */
export async function getEndpoint(db: Kysely<Database>, id: string): Promise<WebhookEndpoint> {
  return toEndpoint(await loadEndpoint(db, id));
}

/** Endpoints newest first, optionally only enabled or disabled ones. */
export async function listEndpoints(db: Kysely<Database>, query: WebhookListQuery) {
  let q = db.selectFrom('webhookEndpoint').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.enabled !== undefined) q = q.where('enabled', '=', query.enabled);
  if (query.cursor) {
    const [id] = decodeCursor(query.cursor, 1);
    if (typeof id !== 'string') throw platformError('PAGINATION_INVALID_CURSOR', { detail: 'The cursor is not one this API issued' });
    q = q.where('id', '<', id);
  }
  return toPage(await q.execute(), query.limit, (r) => toEndpoint(r), (r) => [r.id]);
}
