export { publish, eventMigrations, type DomainEvent } from './outbox.js';
export { createDispatcher, type Dispatcher, type EventHandler } from './dispatcher.js';
