import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { createPoller } from '../poller.js';
import { claimOutbox } from './claim.js';
import { createNatsDispatcher, type NatsEventsOptions } from './nats-dispatcher.js';
import type { DomainEvent } from './outbox.js';
import type { Dispatcher, EventHandler, Subscription } from './types.js';

export type { Dispatcher, EventHandler } from './types.js';

export interface DispatcherOptions {
  /** Milliseconds between polls when idle (default 500). */
  pollMs?: number;
  batchSize?: number;
  /** How long a claimed batch stays locked to this dispatcher, in seconds. */
  leaseSeconds?: number;
  /** Deliver through NATS JetStream instead of in-process (NATS_URL); see nats-dispatcher.ts. */
  nats?: NatsEventsOptions;
}

/**
 * The dispatcher for this configuration: through NATS JetStream when `options.nats` is given,
 * otherwise in-process from the outbox table. Both have the same API and guarantees (at least
 * once, idempotent per (event, subscriber), unordered across subscribers and event names).
 */
export function createDispatcher(db: Kysely<Database>, log: Logger, options: DispatcherOptions = {}): Dispatcher {
  if (options.nats) return createNatsDispatcher(db, log, options.nats, options);
  return createOutboxDispatcher(db, log, options);
}

/**
 * Delivers outbox events to in-process subscribers, at least once. Batches are claimed with
 * `FOR UPDATE SKIP LOCKED` plus a lease, so several processes can run dispatchers without
 * handing one event to two of them at once, and a crashed process's events are picked up when
 * its lease expires. A handler that already succeeded for an event is never run again for it
 * (`event_delivery`); a failing handler is retried with backoff.
 */
export function createOutboxDispatcher(db: Kysely<Database>, log: Logger, options: DispatcherOptions = {}): Dispatcher {
  const subscriptions: Subscription[] = [];
  const pollMs = options.pollMs ?? 500;
  const batchSize = options.batchSize ?? 100;
  const leaseSeconds = options.leaseSeconds ?? 30;

  const claim = () => claimOutbox(db, batchSize, leaseSeconds);

  /**
   * Delivers a claimed batch in a fixed number of statements, however many events it holds: one
   * read of earlier deliveries, then one insert of the new ones and one update marking the
   * events done. A handler that succeeded is recorded even when a later one for the same event
   * fails, so only the failing handler runs again; after a crash mid-batch handlers may run
   * again (delivery is at least once, and handlers are idempotent).
   */
  async function deliverBatch(events: DomainEvent[]): Promise<void> {
    const subsOf = (event: DomainEvent) => subscriptions.filter((s) => s.name === event.name || s.name === '*');
    const withSubs = events.filter((e) => subsOf(e).length > 0);
    const done = new Set<string>();
    if (withSubs.length) {
      const rows = await db
        .selectFrom('eventDelivery')
        .select(['eventId', 'subscriber'])
        .where(
          'eventId',
          'in',
          withSubs.map((e) => e.id),
        )
        .execute();
      for (const r of rows) done.add(`${r.eventId} ${r.subscriber}`);
    }
    const delivered: { eventId: string; subscriber: string }[] = [];
    const processed: string[] = [];
    for (const event of events) {
      try {
        for (const sub of subsOf(event)) {
          if (done.has(`${event.id} ${sub.subscriber}`)) continue;
          await sub.handler(event);
          delivered.push({ eventId: event.id, subscriber: sub.subscriber });
        }
        processed.push(event.id);
      } catch (err) {
        log.error({ err, eventId: event.id, event: event.name }, 'event handler failed; will retry');
        const message = err instanceof Error ? err.message : String(err);
        await sql`update event_outbox set last_error = ${message.slice(0, 1000)},
          locked_until = now() + make_interval(secs => least(3600, power(2, attempts)::int))
          where id = ${event.id}`.execute(db);
      }
    }
    if (delivered.length) await db.insertInto('eventDelivery').values(delivered).onConflict((oc) => oc.doNothing()).execute();
    if (processed.length) {
      await db.updateTable('eventOutbox').set({ processedAt: new Date(), lockedUntil: null, lastError: null }).where('id', 'in', processed).execute();
    }
  }

  /** Claims and delivers one batch; returns how many events it handled. */
  async function runOnce(): Promise<number> {
    const events = await claim();
    if (events.length) await deliverBatch(events);
    return events.length;
  }

  const poller = createPoller(async () => (await runOnce()) === batchSize, { pollMs, log, what: 'event dispatch' });

  return {
    subscribe(name: string, subscriber: string, handler: EventHandler): void {
      if (subscriptions.some((s) => s.subscriber === subscriber && s.name === name)) {
        throw new Error(`Duplicate subscriber ${subscriber} for ${name}`);
      }
      subscriptions.push({ name, subscriber, handler });
    },
    start: poller.start,
    stop: poller.stop,
    async drain(): Promise<void> {
      while ((await runOnce()) > 0) {
        // keep going
      }
    },
    runOnce,
    status: () => ({ transport: 'outbox', state: 'running' }),
  };
}
