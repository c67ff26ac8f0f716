import type { DomainEvent } from './outbox.js';

export type EventHandler = (event: DomainEvent) => Promise<void>;

/** One `subscribe(name, subscriber, handler)` call. */
export interface Subscription {
  /** An event name, or `*` for every event. */
  name: string;
  /** Stable unique name of the subscriber: it keys `event_delivery` (and, on NATS, the durable consumer). */
  subscriber: string;
  handler: EventHandler;
}

/** How this process's events travel, for `/readyz`. */
export interface EventTransportStatus {
  transport: 'outbox' | 'nats';
  /** `running` (outbox); `idle` (NATS not used by this process yet), `connecting`, `connected`, `disconnected`, `closed`. */
  state: string;
  /** Why NATS is not connected, when known (never holds credentials). */
  detail?: string;
}

/**
 * Delivers outbox events to the subscribers registered in this process, at least once, with
 * redelivery suppressed per (event, subscriber) through `event_delivery`.
 */
export interface Dispatcher {
  /**
   * Registers `handler` for events called `name` (`*` for all). `subscriber` is a stable
   * unique name: it keys the idempotency record, so renaming it replays old events.
   */
  subscribe(name: string, subscriber: string, handler: EventHandler): void;
  /** Starts background delivery (worker processes). */
  start(): void;
  /** Stops background delivery, letting the handler in progress finish. */
  stop(): Promise<void>;
  /** Delivers until nothing is ready: every committed event has reached its subscribers, or waits for a retry (tests, CLI tasks). */
  drain(): Promise<void>;
  /** One step of background work: claims one batch of the outbox and delivers (outbox) or relays (NATS) it; returns its size. */
  runOnce(): Promise<number>;
  status(): EventTransportStatus;
}
