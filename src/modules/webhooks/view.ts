import type { Selectable } from 'kysely';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './schemas.js';
import type { WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable } from './tables.js';

export type EndpointRow = Selectable<WebhookEndpointTable>;
export type DeliveryRow = Selectable<WebhookDeliveryTable>;
export type AttemptRow = Selectable<WebhookAttemptTable>;

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

/** `whsec_…` plus the last four characters: enough to tell secrets apart, not to sign. */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}

export function toEndpoint(row: EndpointRow, options: { revealSecret?: boolean } = {}): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    secret: options.revealSecret ? row.secret : maskSecret(row.secret),
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: isoOrNull(row.disabledAt),
    consecutiveFailures: row.consecutiveFailures,
    failingSince: isoOrNull(row.failingSince),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventName: row.eventName,
    status: row.status,
    attemptCount: row.attempts,
    nextAttemptAt: isoOrNull(row.nextAttemptAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    deliveredAt: isoOrNull(row.deliveredAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function toAttempt(row: AttemptRow): WebhookAttempt {
  return {
    id: row.id,
    trigger: row.trigger,
    url: row.url,
    statusCode: row.statusCode,
    succeeded: row.succeeded,
    durationMs: row.durationMs,
    error: row.error,
    responseBody: row.responseBody,
    startedAt: iso(row.startedAt),
  };
}
