export { publish, publishAll, outboxInsert, eventMigrations, type OutboxEvent, type DomainEvent } from './outbox.js';
export { createDispatcher, type Dispatcher, type DispatcherOptions, type EventHandler } from './dispatcher.js';
export type { NatsEventsOptions } from './nats-dispatcher.js';
export type { EventTransportStatus } from './types.js';
