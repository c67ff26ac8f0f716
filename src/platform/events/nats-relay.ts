import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { claimOutbox } from './claim.js';
import { eventSubject, type NatsNames } from './nats-link.js';
import type { DomainEvent } from './outbox.js';

export interface RelaySettings {
  batchSize: number;
  /** How long claimed rows stay locked to this relay, in seconds. */
  leaseSeconds: number;
  /** After a failed publish, rows wait this long before any relay tries them again. */
  retrySeconds: number;
  /** How long to wait for a PubAck. */
  publishTimeoutMs: number;
  /** Messages older than this leave the stream, handled or not (default 7 days). */
  maxAgeSeconds: number;
  /** JetStream drops a second message with the same id (the event id) within this window. */
  duplicateWindowSeconds: number;
}

/** An event as it travels on NATS: the message body is its JSON. */
export interface WireEvent {
  id: string;
  name: string;
  payload: unknown;
  createdAt: string;
}

export function toWire(event: DomainEvent): WireEvent {
  return { id: event.id, name: event.name, payload: event.payload, createdAt: new Date(event.createdAt).toISOString() };
}

export function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** The stream's desired configuration: file storage, limits retention, a max age, a duplicate window. */
function streamConfig(names: NatsNames, settings: RelaySettings): Partial<StreamConfig> & { name: string } {
  return {
    name: names.stream,
    description: 'Bazaar domain events, relayed from the transactional outbox',
    subjects: [eventSubject(names, '*')],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.maxAgeSeconds * 1000),
    duplicate_window: nanos(settings.duplicateWindowSeconds * 1000),
  };
}

/**
 * Creates the stream, or brings an existing one's subjects, max age and duplicate window to
 * the configured values. Safe to run from every process at once.
 */
export async function ensureStream(nc: NatsConnection, names: NatsNames, settings: RelaySettings): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = streamConfig(names, settings);
  try {
    const info = await jsm.streams.info(names.stream);
    const c = info.config;
    if (c.max_age !== wanted.max_age || c.duplicate_window !== wanted.duplicate_window || c.subjects.join(',') !== wanted.subjects!.join(',')) {
      await jsm.streams.update(names.stream, { subjects: wanted.subjects!, max_age: wanted.max_age!, duplicate_window: wanted.duplicate_window! });
    }
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(wanted);
  }
}

/** What one relay step did: events acknowledged by JetStream, and the first failure if any were not. */
export interface RelayResult {
  acked: number;
  failed: number;
  error?: unknown;
}

/**
 * Moves committed events from the outbox to the stream. Rows are claimed as the in-process
 * dispatcher claims them (SKIP LOCKED + lease, oldest first), published with the event id as
 * the message id and marked processed only after JetStream acknowledged them. A relay that dies
 * between the PubAck and the mark leaves the rows to be claimed again when the lease ends; their
 * second publish falls within the duplicate window and is dropped by JetStream. Rows that could
 * not be published wait `retrySeconds` and keep the error in `last_error`.
 */
export function createRelay(db: Kysely<Database>, names: NatsNames, settings: RelaySettings) {
  async function markFailed(ids: string[], err: unknown): Promise<void> {
    const message = `NATS: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
    await sql`update event_outbox set last_error = ${message},
      locked_until = now() + make_interval(secs => ${settings.retrySeconds})
      where id in (${sql.join(ids)})`.execute(db);
  }

  /** Claims and publishes one batch over `nc`. */
  async function relayOnce(nc: NatsConnection): Promise<RelayResult> {
    const events = await claimOutbox(db, settings.batchSize, settings.leaseSeconds);
    if (events.length === 0) return { acked: 0, failed: 0 };
    const js = jetstream(nc, { timeout: settings.publishTimeoutMs });
    // Sent in id order on one connection, so they are stored in that order unless one fails.
    const results = await Promise.allSettled(
      events.map((e) => js.publish(eventSubject(names, e.name), JSON.stringify(toWire(e)), { msgID: e.id, timeout: settings.publishTimeoutMs })),
    );
    const acked: string[] = [];
    const failed: string[] = [];
    let error: unknown;
    results.forEach((r, i) => {
      const id = events[i]!.id;
      if (r.status === 'fulfilled') acked.push(id);
      else {
        failed.push(id);
        error ??= r.reason;
      }
    });
    if (acked.length) {
      await db.updateTable('eventOutbox').set({ processedAt: new Date(), lockedUntil: null, lastError: null }).where('id', 'in', acked).execute();
    }
    if (failed.length) await markFailed(failed, error);
    return failed.length ? { acked: acked.length, failed: failed.length, error } : { acked: acked.length, failed: 0 };
  }

  return { relayOnce };
}
