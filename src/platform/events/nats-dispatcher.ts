import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { createPoller } from '../poller.js';
import type { Secret } from '../secret.js';
import { createConsumers, type ConsumerGroup, type ConsumerSettings } from './nats-consumers.js';
import { createNatsLink, type NatsNames } from './nats-link.js';
import { createRelay, ensureStream, type RelaySettings } from './nats-relay.js';
import type { Dispatcher, EventHandler, Subscription } from './types.js';

/** NATS_URL and friends, plus tuning knobs tests turn down. */
export interface NatsEventsOptions extends NatsNames, Partial<Omit<RelaySettings, 'batchSize' | 'leaseSeconds'>>, Partial<ConsumerSettings> {
  url: Secret;
}

/**
 * Delivers outbox events through NATS JetStream. Writers still only insert into `event_outbox`
 * in their transaction; a relay (every process that runs background work, or `drain`) claims
 * committed rows with SKIP LOCKED and a lease and publishes them to one durable stream, the
 * event id as message id, marking them processed once JetStream acknowledged them. Each
 * subscriber name is a durable pull consumer; every process that runs background work pulls
 * from it, so a subscriber's events are shared out among them. A handler that succeeds is
 * recorded in `event_delivery` before the ack, so a redelivered message is acknowledged without
 * running it again; a failing one is nak'd with a growing delay and never dropped.
 *
 * Delivery is at least once and unordered across subscribers and event names, as in-process.
 * While NATS is unreachable nothing is claimed: events wait in the outbox and flow when it is
 * back (logged once per outage).
 */
export function createNatsDispatcher(db: Kysely<Database>, log: Logger, options: NatsEventsOptions, tuning: { pollMs?: number; batchSize?: number; leaseSeconds?: number } = {}): Dispatcher {
  const names: NatsNames = { stream: options.stream, subjectPrefix: options.subjectPrefix };
  const relaySettings: RelaySettings = {
    batchSize: tuning.batchSize ?? 100,
    leaseSeconds: tuning.leaseSeconds ?? 30,
    retrySeconds: options.retrySeconds ?? 2,
    publishTimeoutMs: options.publishTimeoutMs ?? 5000,
    maxAgeSeconds: options.maxAgeSeconds ?? 7 * 86_400,
    duplicateWindowSeconds: options.duplicateWindowSeconds ?? 120,
  };
  const consumerSettings: ConsumerSettings = {
    ackWaitMs: options.ackWaitMs ?? 60_000,
    consumeBatch: options.consumeBatch ?? 10,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 3_600_000,
    drainWaitMs: options.drainWaitMs ?? 30_000,
  };
  const pollMs = tuning.pollMs ?? 500;
  const link = createNatsLink(options.url, log);
  const relay = createRelay(db, names, relaySettings);
  const consumers = createConsumers(db, names, consumerSettings, log);
  const subscriptions: Subscription[] = [];
  let streamReady = false;
  link.onConnect(() => {
    streamReady = false;
    consumers.invalidate();
  });

  /** The connection with the stream and every consumer in place, or null while NATS is unreachable. */
  async function ready(): Promise<NatsConnection | null> {
    let nc: NatsConnection;
    try {
      nc = await link.get();
    } catch {
      return null;
    }
    if (!link.isUp()) return null;
    try {
      if (!streamReady) {
        await ensureStream(nc, names, relaySettings);
        streamReady = true;
      }
      // Consumers exist before anything is relayed: a new consumer starts at the next message.
      await consumers.ensureAll(nc);
      return nc;
    } catch (err) {
      streamReady = false;
      consumers.invalidate();
      link.failed(`stream ${names.stream} or its consumers not available: ${err instanceof Error ? err.message : String(err)}`, err);
      return null;
    }
  }

  /** Relays one batch; returns how many events JetStream acknowledged. */
  async function runOnce(): Promise<number> {
    const nc = await ready();
    if (!nc) return 0;
    const result = await relay.relayOnce(nc);
    if (result.failed) {
      // No responders means the stream is gone (deleted by an operator): re-create it next time.
      streamReady = false;
      consumers.invalidate();
      link.failed(`publishing to ${names.stream} failed: ${result.error instanceof Error ? result.error.message : String(result.error)}`, result.error);
    } else if (result.acked) {
      link.succeeded();
    }
    return result.acked;
  }

  const relayPoller = createPoller(async () => (await runOnce()) === relaySettings.batchSize, { pollMs, log, what: 'event relay' });

  let running = false;
  const loops = new Map<string, { messages: ConsumerMessages | null; done: Promise<void> }>();

  /** Pulls `group`'s messages until stopped, starting over (after a pause) when NATS or the consumer goes away. */
  async function consumeLoop(group: ConsumerGroup): Promise<void> {
    const slot = loops.get(group.subscriber)!;
    while (running) {
      try {
        const nc = await ready();
        if (!nc) {
          await new Promise((r) => setTimeout(r, 1000).unref());
          continue;
        }
        const consumer = await jetstream(nc).consumers.get(names.stream, group.durable);
        const messages = await consumer.consume({ max_messages: consumerSettings.consumeBatch, abort_on_missing_resource: true });
        slot.messages = messages;
        for await (const m of messages) {
          // Stopping: what is still buffered goes back at once for another process.
          if (!running) m.nak();
          else await consumers.handle(group, m);
        }
      } catch (err) {
        if (!running) break;
        log.warn({ err, subscriber: group.subscriber }, 'event consumer interrupted; starting again');
        consumers.invalidate();
        streamReady = false;
        await new Promise((r) => setTimeout(r, 1000).unref());
      } finally {
        const open = slot.messages;
        slot.messages = null;
        await open?.close();
      }
    }
  }

  function startLoop(group: ConsumerGroup): void {
    if (loops.has(group.subscriber)) return;
    const slot: { messages: ConsumerMessages | null; done: Promise<void> } = { messages: null, done: Promise.resolve() };
    loops.set(group.subscriber, slot);
    slot.done = consumeLoop(group).catch((err: unknown) => log.error({ err, subscriber: group.subscriber }, 'event consumer stopped'));
  }

  return {
    subscribe(name: string, subscriber: string, handler: EventHandler): void {
      if (subscriptions.some((s) => s.subscriber === subscriber && s.name === name)) {
        throw new Error(`Duplicate subscriber ${subscriber} for ${name}`);
      }
      const sub = { name, subscriber, handler };
      subscriptions.push(sub);
      const group = consumers.add(sub);
      if (running) startLoop(group);
    },
    start(): void {
      if (running) return;
      running = true;
      relayPoller.start();
      for (const group of consumers.groups.values()) startLoop(group);
    },
    async stop(): Promise<void> {
      running = false;
      await relayPoller.stop();
      for (const slot of loops.values()) await slot.messages?.close();
      await Promise.all([...loops.values()].map((s) => s.done));
      loops.clear();
      await link.close();
    },
    /**
     * Relays the whole outbox, then handles in this process every message the consumers have
     * ready, and again while handlers publish new events. Retries put off by a failing handler
     * are not waited for (as in-process, where their lease has not ended).
     */
    async drain(): Promise<void> {
      for (;;) {
        let moved = 0;
        for (;;) {
          const n = await runOnce();
          moved += n;
          if (n === 0) break;
        }
        const nc = await ready();
        if (!nc) return;
        for (const group of consumers.groups.values()) moved += await consumers.drainGroup(nc, group);
        if (moved === 0) return;
      }
    },
    runOnce,
    status() {
      return { transport: 'nats', ...link.status() };
    },
  };
}
