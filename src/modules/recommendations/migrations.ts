import type { MigrationSet } from '../../platform/db/index.js';

export const recommendationMigrations: MigrationSet = {
  '202611281400_recommendations': [
    `create table recs_event (
       id bigint generated always as identity primary key,
       type text not null,
       product_id text,
       sku text,
       query text,
       session_id text,
       customer_id text,
       quantity integer not null default 1,
       order_id text,
       order_line_id text,
       occurred_at timestamptz not null,
       received_at timestamptz not null default now(),
       constraint recs_event_type check (type in ('view', 'search', 'add_to_cart', 'remove_from_cart', 'purchase', 'click_recommendation')),
       constraint recs_event_quantity_positive check (quantity > 0)
     )`,
    // Training reads: a session's or a customer's history, a product's events over time.
    `create index recs_event_session_idx on recs_event (session_id, occurred_at) where session_id is not null`,
    `create index recs_event_customer_idx on recs_event (customer_id, occurred_at) where customer_id is not null`,
    `create index recs_event_product_idx on recs_event (product_id, occurred_at) where product_id is not null`,
    // Compaction scans by age.
    `create index recs_event_occurred_idx on recs_event (occurred_at)`,
    // order.paid may be delivered more than once: one purchase per order line.
    `create unique index recs_event_order_line_key on recs_event (order_line_id) where order_line_id is not null`,
    `create table recs_session_customer (
       session_id text primary key,
       customer_id text not null,
       linked_at timestamptz not null default now()
     )`,
    `create index recs_session_customer_customer_idx on recs_session_customer (customer_id)`,
    `create table recs_item_daily (
       product_id text not null,
       day date not null,
       views integer not null default 0,
       carts integer not null default 0,
       purchases integer not null default 0,
       distinct_sessions integer not null default 0,
       primary key (product_id, day)
     )`,
  ],
  '202611281401_recommendations_rate': [
    // Per-session event quota, shared by every API process: a fixed one-minute window.
    `create table recs_rate (
       session_id text primary key,
       window_start bigint not null,
       events integer not null
     )`,
  ],
};
