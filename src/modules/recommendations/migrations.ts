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
  '202611301000_recommendations_models': [
    // The trained models, written by whichever process holds the training lease, read by all.
    `create table recs_model (
       id text primary key,
       version bigint not null default 0,
       trained_at timestamptz,
       events integer not null default 0,
       items integer not null default 0,
       last_event_id bigint not null default 0,
       duration_ms integer not null default 0,
       lease_owner text,
       lease_until timestamptz
     )`,
    `insert into recs_model (id) values ('current')`,
    // One row per (model, product): its neighbours best first, with their scores.
    `create table recs_neighbour (
       kind text not null,
       product_id text not null,
       neighbours text[] not null,
       scores real[] not null,
       primary key (kind, product_id),
       constraint recs_neighbour_kind check (kind in ('similar', 'content', 'bought', 'next', 'close')),
       constraint recs_neighbour_lengths check (cardinality(neighbours) = cardinality(scores))
     )`,
    // Ranked product lists: trending (shop and per category), popularity priors, repurchased items.
    `create table recs_list (
       name text primary key,
       product_ids text[] not null,
       scores real[] not null,
       constraint recs_list_lengths check (cardinality(product_ids) = cardinality(scores))
     )`,
    // Per product: its categories for "your categories" and whether shoppers typically buy it again.
    `create table recs_item (
       product_id text primary key,
       category_ids text[] not null default '{}',
       repurchase boolean not null default false
     )`,
    // What was shown, so clicks (click_recommendation events with the id) can be measured.
    `create table recs_impression (
       recommendation_id text primary key,
       surface text not null,
       reason text not null,
       product_id text not null,
       anchor_id text,
       session_id text,
       customer_id text,
       model_version bigint not null,
       served_at timestamptz not null
     )`,
    `create index recs_impression_served_idx on recs_impression (served_at)`,
    `create index recs_impression_customer_idx on recs_impression (customer_id) where customer_id is not null`,
    `create index recs_impression_session_idx on recs_impression (session_id) where session_id is not null`,
    `alter table recs_event add column recommendation_id text`,
    `create index recs_event_recommendation_idx on recs_event (recommendation_id) where recommendation_id is not null`,
  ],
};
