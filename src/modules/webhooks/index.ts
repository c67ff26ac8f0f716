import type { DomainEvent } from '../../platform/events/index.js';
import type { Actor, WebhookDeps, WebhookSettings } from './deps.js';
import { deliverDue, deliveryDetail, enqueueEvent, listDeliveries, replayDelivery, testEndpoint, type DeliveryContext } from './deliveries.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint } from './endpoints.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import type { CreateWebhookBody, DeliveryListQuery, UpdateWebhookBody, WebhookDeliveryDetail, WebhookEndpoint, WebhookListQuery } from './schemas.js';

export { webhookMigrations } from './migrations.js';
export { webhookRoutes } from './routes.js';
export { webhookError } from './errors.js';
export { WEBHOOK_EVENTS, INTERNAL_EVENTS, TEST_EVENT } from './events.js';
export { signatureHeader, verifySignature } from './signature.js';
export { retryDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export type { WebhookEndpoint, WebhookDelivery, WebhookDeliveryDetail, WebhookAttempt } from './schemas.js';
export type { Actor, WebhookDeps, WebhookSettings } from './deps.js';

/** The settings in force: `deps.settings` over the defaults. */
function settingsOf(deps: WebhookDeps): WebhookSettings {
  const s = deps.settings ?? {};
  return {
    timeoutMs: s.timeoutMs ?? 10_000,
    maxResponseBytes: s.maxResponseBytes ?? 2048,
    allowPrivate: s.allowPrivate ?? true,
    batchSize: s.batchSize ?? 20,
    leaseSeconds: s.leaseSeconds ?? 60,
    retry: { ...DEFAULT_RETRY_POLICY, ...s.retry },
  };
}

/**
 * Outbound webhooks: staff register endpoints for events; every subscribed event is POSTed to
 * them as signed JSON, retried with backoff until a 2xx, with every attempt logged.
 */
export function createWebhooksModule(deps: WebhookDeps) {
  const ctx: DeliveryContext = { ...deps, settings: settingsOf(deps) };
  return {
    /** Deliveries one poller step claims at most. */
    batchSize: ctx.settings.batchSize,

    /**
     * Registers an endpoint for event names (or `*`) with a new signing secret, audited
     * `webhook.created`. The answer is the only one besides `rotateSecret` to show the secret.
     * Throws 400 `WEBHOOK_INVALID_URL` (not http(s), or with credentials), 400 `WEBHOOK_UNKNOWN_EVENT`.
     */
    create: (actor: Actor, body: CreateWebhookBody): Promise<WebhookEndpoint> => createEndpoint(deps, actor, body),

    /** Endpoints, newest first, secrets masked. Throws 400 `PAGINATION_INVALID_CURSOR`. */
    list: (query: WebhookListQuery) => listEndpoints(deps.db, query),

    /** One endpoint, secret masked. Throws 404 `WEBHOOK_NOT_FOUND`. */
    get: (id: string): Promise<WebhookEndpoint> => getEndpoint(deps.db, id),

    /**
     * Changes URL, events, description or `enabled`, audited `webhook.updated`. Enabling clears
     * the run of failures. Throws 404 `WEBHOOK_NOT_FOUND`, 400 `WEBHOOK_INVALID_URL`, 400 `WEBHOOK_UNKNOWN_EVENT`.
     */
    update: (actor: Actor, id: string, body: UpdateWebhookBody): Promise<WebhookEndpoint> => updateEndpoint(deps, actor, id, body),

    /** Deletes an endpoint with its deliveries and attempts, audited. Throws 404 `WEBHOOK_NOT_FOUND`. */
    remove: (actor: Actor, id: string): Promise<void> => deleteEndpoint(deps, actor, id),

    /** A new secret, used from the next attempt on, shown in the answer; audited. Throws 404 `WEBHOOK_NOT_FOUND`. */
    rotateSecret: (actor: Actor, id: string): Promise<WebhookEndpoint> => rotateSecret(deps, actor, id),

    /** An endpoint's deliveries, newest first, by status or event. Throws 404 `WEBHOOK_NOT_FOUND`. */
    deliveries: (endpointId: string, query: DeliveryListQuery) => listDeliveries(deps.db, endpointId, query),

    /** One delivery with its payload and attempts. Throws 404 `WEBHOOK_DELIVERY_NOT_FOUND`. */
    delivery: (endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail> => deliveryDetail(deps.db, endpointId, deliveryId),

    /**
     * Sends a delivery again now as a new attempt (success marks it `succeeded`), audited.
     * Throws 404 `WEBHOOK_NOT_FOUND`, 404 `WEBHOOK_DELIVERY_NOT_FOUND`.
     */
    replay: (actor: Actor, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail> => replayDelivery(ctx, actor, endpointId, deliveryId),

    /** Sends a `webhook.test` event to the endpoint now, one attempt, audited. Throws 404 `WEBHOOK_NOT_FOUND`. */
    test: (actor: Actor, endpointId: string): Promise<WebhookDeliveryDetail> => testEndpoint(ctx, actor, endpointId),

    /**
     * The dispatcher subscriber (`*`, subscriber name `webhooks`): one pending delivery per
     * enabled endpoint subscribed to the event, in one idempotent statement.
     */
    onEvent: async (event: DomainEvent): Promise<void> => {
      await enqueueEvent(deps.db, event);
    },

    /**
     * One poller step: claims due deliveries (`FOR UPDATE SKIP LOCKED` plus a lease, so any
     * number of processes may run it), sends them and records the outcomes. Returns how many
     * it claimed.
     */
    deliverDue: (): Promise<number> => deliverDue(ctx),

    /** Sends every delivery due now, step after step, until none is left (tests, CLI tasks). */
    async drain(): Promise<void> {
      while ((await deliverDue(ctx)) > 0) {
        // more may be due
      }
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooksModule>;
