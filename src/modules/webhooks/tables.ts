import type { ColumnType, Generated } from 'kysely';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';
export type DisabledReason = 'manual' | 'failing';
export type AttemptTrigger = 'scheduled' | 'replay' | 'test';

/**
 * Table `webhook_endpoint`: where an integrator wants events sent. `secret` is the HMAC key of
 * the signatures; it leaves the module only in the answers to creation and rotation.
 */
export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: string | null;
  /** Event names or `*`; read as an array, written as a JSON string. */
  events: ColumnType<string[], string, string>;
  secret: string;
  enabled: Generated<boolean>;
  /** Why it is off: staff turned it off, or it kept failing; null while enabled. */
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
  /** Failed attempts since the last success (manual sends included only when they succeed). */
  consecutiveFailures: Generated<number>;
  /** First failure of the current run of failures; null after a success. */
  failingSince: Date | null;
  createdBy: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `webhook_delivery`: one event for one endpoint (unique `(endpoint_id, event_id)`). */
export interface WebhookDeliveryTable {
  id: Generated<string>;
  /** Insertion order, for listing (ids are random). */
  seq: Generated<number>;
  endpointId: string;
  eventId: string;
  eventName: string;
  /** The event's payload, sent as `data`; read as a value, written as a JSON string. */
  payload: ColumnType<unknown, string, string>;
  eventCreatedAt: Date;
  status: Generated<DeliveryStatus>;
  /** Attempts made so far, manual ones included. */
  attempts: Generated<number>;
  /** When the poller may try next; null once succeeded or failed. */
  nextAttemptAt: Date | null;
  /** A poller holds the delivery until then; another may claim it afterwards. */
  lockedUntil: Date | null;
  /** Set at each claim; only the holder of the current token records the outcome. */
  claimToken: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `webhook_attempt`: every HTTP attempt of a delivery. */
export interface WebhookAttemptTable {
  id: string;
  deliveryId: string;
  endpointId: string;
  trigger: AttemptTrigger;
  url: string;
  statusCode: number | null;
  succeeded: boolean;
  durationMs: number;
  /** Network error, timeout or refusal; null when the endpoint answered. */
  error: string | null;
  /** The start of the answer's body (at most 2 KB). */
  responseBody: string | null;
  startedAt: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    webhookEndpoint: WebhookEndpointTable;
    webhookDelivery: WebhookDeliveryTable;
    webhookAttempt: WebhookAttemptTable;
  }
}
