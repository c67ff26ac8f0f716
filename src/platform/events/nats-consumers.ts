import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, JetStreamError, jetstream, jetstreamManager, ReplayPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { FOREIGN_KEY_VIOLATION, isPgError } from '../pg-errors.js';
import { consumerName, eventSubject, type NatsNames } from './nats-link.js';
import { isNotFound, type WireEvent } from './nats-relay.js';
import type { DomainEvent } from './outbox.js';
import type { Subscription } from './types.js';

export interface ConsumerSettings {
  /** A message not acknowledged within this time is handed out again (a handler in progress extends it). */
  ackWaitMs: number;
  /** Messages each background consumer holds at once. */
  consumeBatch: number;
  /** First retry delay of a failing handler; doubles with each delivery up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long `drain()` waits for messages other processes hold before it gives up waiting. */
  drainWaitMs: number;
}

/** How long one pull of `drain` for pending messages may take. */
const DRAIN_FETCH_MS = 30_000;

/** Deliveries of one message after which a failing handler is logged as an error, not a warning. */
const LOUD_AFTER = 5;

/**
 * One durable pull consumer per subscriber name. Its messages are shared out among every
 * process that consumes it (a work queue), so each event reaches one process per subscriber.
 */
export interface ConsumerGroup {
  subscriber: string;
  durable: string;
  subs: Subscription[];
  /** The filter the consumer was last brought to, or null when it must be checked again. */
  ensured: string | null;
  /** Stream sequences this process nak'd with a delay, and when they are due again. */
  delayed: Map<number, number>;
}

/** True when the server takes several filter subjects on one consumer (2.10+). */
function supportsFilterList(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0').split('.').map((n) => Number.parseInt(n, 10));
  return major > 2 || (major === 2 && minor >= 10);
}

/** The consumer's filter: its event names, or all events (a `*` subscriber, or an old server given several names). */
function filterOf(names: NatsNames, group: ConsumerGroup, list: boolean): string[] {
  const wanted = [...new Set(group.subs.map((s) => s.name))];
  if (wanted.includes('*')) return [eventSubject(names, '*')];
  const subjects = wanted.map((n) => eventSubject(names, n)).sort();
  if (subjects.length > 1 && !list) return [eventSubject(names, '*')];
  return subjects;
}

function currentFilter(config: ConsumerConfig): string[] {
  if (config.filter_subjects?.length) return [...config.filter_subjects].sort();
  return config.filter_subject ? [config.filter_subject] : [];
}

function filterFields(filter: string[]): Pick<ConsumerConfig, 'filter_subject' | 'filter_subjects'> {
  return filter.length === 1 ? { filter_subject: filter[0], filter_subjects: undefined } : { filter_subject: undefined, filter_subjects: filter };
}

function backoffMs(settings: ConsumerSettings, deliveries: number): number {
  return Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, Math.min(30, deliveries - 1)));
}

/** Delivery state of JetStream consumers for this process's subscribers. */
export function createConsumers(db: Kysely<Database>, names: NatsNames, settings: ConsumerSettings, log: Logger) {
  const groups = new Map<string, ConsumerGroup>();

  function add(sub: Subscription): ConsumerGroup {
    let group = groups.get(sub.subscriber);
    if (!group) {
      group = { subscriber: sub.subscriber, durable: consumerName(sub.subscriber), subs: [], ensured: null, delayed: new Map() };
      groups.set(sub.subscriber, group);
    }
    group.subs.push(sub);
    group.ensured = null;
    return group;
  }

  function baseConfig(group: ConsumerGroup): Partial<ConsumerConfig> {
    return {
      description: `Bazaar subscriber ${group.subscriber}`,
      ack_wait: nanos(settings.ackWaitMs),
      // Never dropped: a failing handler is retried, at most `retryMaxMs` apart, until it succeeds.
      max_deliver: -1,
      max_ack_pending: 1000,
    };
  }

  /**
   * Creates the consumer, or brings its filter and settings to what this process subscribes.
   * Consumers start at the next message published (`deliver_policy: new`), as an in-process
   * subscriber only sees events dispatched after it registered. A server that refuses the change
   * (filters cannot change before NATS 2.10) gets the consumer re-created from its ack floor:
   * nothing unacknowledged is skipped, and what is seen again is skipped by `event_delivery`.
   */
  async function ensureOne(jsm: JetStreamManager, nc: NatsConnection, group: ConsumerGroup): Promise<void> {
    const filter = filterOf(names, group, supportsFilterList(nc));
    const key = filter.join(',');
    if (group.ensured === key) return;
    const wanted = { ...baseConfig(group), ...filterFields(filter) };
    let info: ConsumerInfo | null = null;
    try {
      info = await jsm.consumers.info(names.stream, group.durable);
    } catch (err) {
      if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    }
    if (!info) {
      await jsm.consumers.add(names.stream, { ...wanted, durable_name: group.durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New, replay_policy: ReplayPolicy.Instant });
    } else {
      const c = info.config;
      const same = currentFilter(c).join(',') === key && c.ack_wait === wanted.ack_wait && c.max_deliver === wanted.max_deliver && c.description === wanted.description;
      if (!same) {
        try {
          await jsm.consumers.update(names.stream, group.durable, wanted);
        } catch (err) {
          if (!(err instanceof JetStreamApiError)) throw err;
          const from = info.ack_floor.stream_seq + 1;
          log.warn({ err, subscriber: group.subscriber, from }, 'event consumer re-created from its ack floor to change its filter');
          await jsm.consumers.delete(names.stream, group.durable);
          await jsm.consumers.add(names.stream, {
            ...wanted,
            durable_name: group.durable,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: from,
            replay_policy: ReplayPolicy.Instant,
          });
        }
      }
    }
    group.ensured = key;
  }

  let ensuring: Promise<void> = Promise.resolve();

  /** Brings every consumer whose subscriptions changed up to date (one at a time per process). */
  function ensureAll(nc: NatsConnection): Promise<void> {
    const run = ensuring.then(async () => {
      const pending = [...groups.values()].filter((g) => g.ensured === null);
      if (pending.length === 0) return;
      const jsm = await jetstreamManager(nc);
      for (const group of pending) await ensureOne(jsm, nc, group);
    });
    ensuring = run.catch(() => undefined);
    return run;
  }

  function invalidate(): void {
    for (const g of groups.values()) g.ensured = null;
  }

  async function recordFailure(eventId: string, subscriber: string, err: unknown): Promise<void> {
    const message = `${subscriber}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
    await db
      .updateTable('eventOutbox')
      .set({ lastError: message })
      .where('id', '=', eventId)
      .execute()
      .catch(() => undefined);
  }

  /** The event's `last_error`, when this subscriber wrote it, is cleared once the subscriber succeeds. */
  async function clearFailure(eventId: string, subscriber: string): Promise<void> {
    await db
      .updateTable('eventOutbox')
      .set({ lastError: null })
      .where('id', '=', eventId)
      .where(sql<boolean>`starts_with(last_error, ${`${subscriber}: `})`)
      .execute()
      .catch(() => undefined);
  }

  async function alreadyDelivered(eventId: string, subscriber: string): Promise<boolean> {
    const row = await db.selectFrom('eventDelivery').select('eventId').where('eventId', '=', eventId).where('subscriber', '=', subscriber).executeTakeFirst();
    return row !== undefined;
  }

  async function settle(m: JsMsg): Promise<void> {
    // Confirmed, so consumer state (and `drain`) sees it at once; a lost ack only means a redelivery.
    await m.ackAck().catch(() => false);
  }

  /**
   * Handles one message for `group`: runs the subscriber's handlers unless `event_delivery`
   * says they already succeeded for this event, records the delivery, then acknowledges. A
   * failing handler's message is handed back with a growing delay; nothing is dropped.
   */
  async function handle(group: ConsumerGroup, m: JsMsg): Promise<void> {
    group.delayed.delete(m.seq);
    let wire: WireEvent;
    try {
      wire = m.json<WireEvent>();
      if (typeof wire.id !== 'string' || typeof wire.name !== 'string') throw new Error('not an event');
    } catch (err) {
      log.error({ err, subject: m.subject, seq: m.seq }, 'malformed event message; terminated');
      m.term('malformed event');
      return;
    }
    const handlers = group.subs.filter((s) => s.name === wire.name || s.name === '*');
    if (handlers.length === 0 || (await alreadyDelivered(wire.id, group.subscriber))) {
      await settle(m);
      return;
    }
    const event: DomainEvent = { id: wire.id, name: wire.name, payload: wire.payload, createdAt: new Date(wire.createdAt) };
    const heartbeat = setInterval(() => m.working(), Math.max(500, Math.floor(settings.ackWaitMs / 3)));
    heartbeat.unref();
    try {
      for (const s of handlers) await s.handler(event);
    } catch (err) {
      clearInterval(heartbeat);
      const deliveries = m.info.deliveryCount;
      const delay = backoffMs(settings, deliveries);
      const fields = { err, eventId: event.id, event: event.name, subscriber: group.subscriber, deliveries, retryInMs: delay };
      if (deliveries >= LOUD_AFTER) log.error(fields, 'event handler keeps failing; will retry');
      else log.warn(fields, 'event handler failed; will retry');
      await recordFailure(event.id, group.subscriber, err);
      group.delayed.set(m.seq, Date.now() + delay);
      m.nak(delay);
      return;
    }
    clearInterval(heartbeat);
    try {
      await db.insertInto('eventDelivery').values({ eventId: event.id, subscriber: group.subscriber }).onConflict((oc) => oc.doNothing()).execute();
    } catch (err) {
      if (!(isPgError(err) && err.code === FOREIGN_KEY_VIOLATION)) {
        group.delayed.set(m.seq, Date.now() + settings.retryBaseMs);
        m.nak(settings.retryBaseMs);
        throw err;
      }
      // The outbox row is gone (pruned): nothing left to record the delivery against.
      log.warn({ eventId: event.id, subscriber: group.subscriber }, 'event delivered but its outbox row is gone; delivery not recorded');
    }
    if (m.info.deliveryCount > 1) await clearFailure(event.id, group.subscriber);
    await settle(m);
  }

  /** Messages this process nak'd with a delay that has not passed yet. */
  function waitingRetries(group: ConsumerGroup): number {
    const now = Date.now();
    let n = 0;
    for (const [seq, due] of group.delayed) {
      if (due > now) n++;
      else group.delayed.delete(seq);
    }
    return n;
  }

  /**
   * Handles `group`'s messages in this process until none is ready: nothing undelivered, and
   * nothing awaiting acknowledgement except retries this process put off. Messages other
   * processes hold are waited for up to `drainWaitMs`. Returns how many messages it handled.
   */
  async function drainGroup(nc: NatsConnection, group: ConsumerGroup): Promise<number> {
    const consumer = await jetstream(nc).consumers.get(names.stream, group.durable);
    const deadline = Date.now() + settings.drainWaitMs;
    let handled = 0;
    for (;;) {
      const info = await consumer.info();
      const retries = waitingRetries(group);
      if (info.num_pending === 0 && info.num_ack_pending <= retries) return handled;
      if (Date.now() > deadline) {
        log.warn({ subscriber: group.subscriber, pending: info.num_pending, awaitingAck: info.num_ack_pending }, 'drain stopped waiting for events other processes hold');
        return handled;
      }
      // Asking for exactly what is pending ends the fetch as soon as it has arrived.
      // Messages known to be there come at once, so that pull may wait long (and its heartbeats
      // survive handlers that keep the event loop busy, as PGlite's do); a pull for a retry
      // that is due, or for what another process holds, waits briefly.
      const want = info.num_pending > 0 ? Math.min(info.num_pending, 64) : 1;
      const expires = info.num_pending > 0 ? DRAIN_FETCH_MS : 2000;
      const messages = await consumer.fetch({ max_messages: want, expires, idle_heartbeat: expires / 2 });
      try {
        for await (const m of messages) {
          await handle(group, m);
          handled++;
        }
      } catch (err) {
        // A pull that ended early (missed heartbeats on a busy machine, a request timeout):
        // the consumer's state says what is left.
        if (!(err instanceof JetStreamError)) throw err;
        log.debug({ err, subscriber: group.subscriber }, 'drain pull ended early; asking again');
      }
    }
  }

  return { groups, add, ensureAll, invalidate, handle, drainGroup };
}

export type Consumers = ReturnType<typeof createConsumers>;
