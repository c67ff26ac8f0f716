import type { Generated, QueryCreator } from 'kysely';
import type { Database, Tx } from '../db/index.js';
import { newId } from '../ids.js';

/** Table `event_outbox`: every domain event, written in the transaction that caused it. */
export interface EventOutboxTable {
  id: string;
  name: string;
  payload: unknown;
  createdAt: Generated<Date>;
  /** When every subscriber has handled it; null while pending. */
  processedAt: Date | null;
  attempts: Generated<number>;
  /** A dispatcher holds the event until then; another may claim it afterwards. */
  lockedUntil: Date | null;
  lastError: string | null;
}

/** Table `event_delivery`: one row per (event, subscriber) handled, so redelivery is a no-op. */
export interface EventDeliveryTable {
  eventId: string;
  subscriber: string;
  deliveredAt: Generated<Date>;
}

declare module '../db/schema.js' {
  interface Database {
    eventOutbox: EventOutboxTable;
    eventDelivery: EventDeliveryTable;
  }
}

/** A domain event as subscribers receive it. */
export interface DomainEvent<P = unknown> {
  id: string;
  name: string;
  payload: P;
  createdAt: Date;
}

/** An event to record: its name and payload. */
export type OutboxEvent = readonly [name: string, payload: unknown];

/**
 * Records an event in the transactional outbox: it is delivered after, and only if, `trx`
 * commits. Names are `<module>.<past-tense>` (`customer.registered`). Returns the event id.
 */
export async function publish(trx: Tx, name: string, payload: unknown): Promise<string> {
  const [id] = await publishAll(trx, [[name, payload]]);
  return id!;
}

/**
 * Records several events in the outbox with one statement, as that many `publish` calls in a
 * row would: ids ascend in the order given, so subscribers see them in that order. Returns the
 * event ids in the same order.
 */
export async function publishAll(trx: Tx, events: readonly OutboxEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = outboxRows(events);
  await trx.insertInto('eventOutbox').values(rows).execute();
  return rows.map((r) => r.id);
}

function outboxRows(events: readonly OutboxEvent[]) {
  return events.map(([name, payload]) => ({ id: newId('evt'), name, payload: JSON.stringify(payload), processedAt: null, lockedUntil: null, lastError: null }));
}

/**
 * The outbox insert of `events` (at least one), not yet run: for a module to record its events as
 * part of one of its own statements in `trx`, a data-modifying CTE, instead of a statement of
 * their own. Ids ascend in the order given, as with `publishAll`.
 *
 * @example
 * await trx.with('events', (db) => outboxInsert(db, [['payment.succeeded', payload]])).updateTable('payment').set(…).execute();
 */
export function outboxInsert(db: QueryCreator<Database>, events: readonly OutboxEvent[]) {
  if (events.length === 0) throw new Error('outboxInsert needs at least one event');
  return db.insertInto('eventOutbox').values(outboxRows(events));
}

export const eventMigrations = {
  '202611270000_platform_events': [
    `create table event_outbox (
       id text primary key,
       name text not null,
       payload jsonb not null,
       created_at timestamptz not null default now(),
       processed_at timestamptz,
       attempts integer not null default 0,
       locked_until timestamptz,
       last_error text
     )`,
    `create index event_outbox_pending_idx on event_outbox (id) where processed_at is null`,
    `create table event_delivery (
       event_id text not null references event_outbox (id) on delete cascade,
       subscriber text not null,
       delivered_at timestamptz not null default now(),
       primary key (event_id, subscriber)
     )`,
  ],
} as const;
