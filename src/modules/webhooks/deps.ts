import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';
import type { Audit } from '../audit/index.js';
import type { RetryPolicy } from './retry.js';

/** How deliveries are made; every field has a default. */
export interface WebhookSettings {
  /** Per attempt, from connecting to the end of the answer (default 10 s). */
  timeoutMs: number;
  /** Start of an answer's body kept per attempt (default 2 KB). */
  maxResponseBytes: number;
  /** False refuses loopback, private and link-local targets (default true). */
  allowPrivate: boolean;
  /** Deliveries a poller claims at a time; they are sent concurrently (default 20). */
  batchSize: number;
  /** How long a claimed delivery stays with its poller (default 60 s, above the timeout). */
  leaseSeconds: number;
  retry: RetryPolicy;
}

/** What the webhooks module needs: its tables, the audit log and a logger. */
export interface WebhookDeps {
  db: Kysely<Database>;
  audit: Pick<Audit, 'record'>;
  log: Logger;
  settings?: Partial<Omit<WebhookSettings, 'retry'>> & { retry?: Partial<RetryPolicy> };
}

/** A staff member acting through the admin API (for the audit log). */
export interface Actor {
  staffId: string;
  ip: string;
}
