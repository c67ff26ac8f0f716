import type { MigrationSet } from '../../platform/db/index.js';

/**
 * Rollups are keyed by wall-clock time in the shop's time zone (`timestamp` without zone for
 * hours, `date` for days and months), so a day, week or month is a plain range of keys. Order
 * and customer ids point into other modules' tables without foreign keys.
 */
export const analyticsMigrations: MigrationSet = {
  '202612010900_analytics': [
    // One row per watermark (`behaviour`) plus `settings` (the zone the rollups were built in).
    `create table analytics_state (
       id text primary key,
       watermark bigint not null default 0,
       time_zone text,
       updated_at timestamptz not null default now()
     )`,
    `insert into analytics_state (id) values ('behaviour'), ('settings')`,
    // Outbox events already folded: the rollup change and this row commit together.
    `create table analytics_event (
       event_id text primary key,
       processed_at timestamptz not null default now()
     )`,
    `create table analytics_order (
       order_id text primary key,
       customer_id text,
       currency text not null,
       base_currency text not null,
       exchange_rate numeric,
       total bigint not null,
       discount_total bigint not null,
       refunded_total bigint not null default 0,
       source text,
       source_id text,
       placed_at timestamptz,
       paid_at timestamptz,
       cancelled_at timestamptz
     )`,
    // Per local hour and order currency; *_base are the same amounts in base minor units (12 decimals).
    `create table analytics_order_hour (
       hour timestamp not null,
       currency text not null,
       placed_orders integer not null default 0,
       placed_total bigint not null default 0,
       placed_total_base numeric not null default 0,
       paid_orders integer not null default 0,
       gmv bigint not null default 0,
       gmv_base numeric not null default 0,
       discounts bigint not null default 0,
       discounts_base numeric not null default 0,
       refunds bigint not null default 0,
       refunds_base numeric not null default 0,
       refunded_orders integer not null default 0,
       cancelled_orders integer not null default 0,
       primary key (hour, currency)
     )`,
    // A customer's paid activity per grain ('hour', 'day', 'month'), one row per (customer, period).
    `create table analytics_customer_activity (
       grain text not null,
       customer_id text not null,
       at timestamp not null,
       primary key (grain, customer_id, at)
     )`,
    // Customers active at `at` whose previous active period was `prev_at` ('-infinity': first ever).
    // Distinct customers over any range = rows in the range whose prev_at is before the range.
    `create table analytics_customer_grid (
       grain text not null,
       at timestamp not null,
       prev_at timestamp not null,
       customers integer not null default 0,
       primary key (grain, at, prev_at)
     )`,
    `create table analytics_customer (
       customer_id text primary key,
       first_month date not null
     )`,
    `create table analytics_cohort (
       cohort date not null,
       month date not null,
       customers integer not null default 0,
       primary key (cohort, month)
     )`,
    `create table analytics_product_sales_day (
       day date not null,
       product_id text not null,
       currency text not null,
       units integer not null default 0,
       orders integer not null default 0,
       revenue bigint not null default 0,
       revenue_base numeric not null default 0,
       primary key (day, product_id, currency)
     )`,
    `create table analytics_category_sales_day (
       day date not null,
       category_id text not null,
       currency text not null,
       units integer not null default 0,
       orders integer not null default 0,
       revenue bigint not null default 0,
       revenue_base numeric not null default 0,
       primary key (day, category_id, currency)
     )`,
    `create table analytics_promotion_day (
       day date not null,
       currency text not null,
       kind text not null,
       key text not null,
       name text not null,
       orders integer not null default 0,
       revenue bigint not null default 0,
       revenue_base numeric not null default 0,
       discount bigint not null default 0,
       discount_base numeric not null default 0,
       primary key (day, currency, kind, key),
       constraint analytics_promotion_kind check (kind in ('promotion', 'code', 'flash_sale'))
     )`,
    `create table analytics_session (
       session_id text primary key,
       first_at timestamptz not null,
       hour timestamp not null,
       viewed boolean not null default false,
       carted boolean not null default false,
       last_search_at timestamptz,
       last_search_day date,
       last_search_query text,
       last_search_clicked boolean not null default false
     )`,
    `create table analytics_behaviour_hour (
       hour timestamp primary key,
       sessions integer not null default 0,
       viewing_sessions integer not null default 0,
       carting_sessions integer not null default 0,
       views integer not null default 0,
       add_to_carts integer not null default 0,
       searches integer not null default 0
     )`,
    `create table analytics_product_view_day (
       day date not null,
       product_id text not null,
       views integer not null default 0,
       viewers integer not null default 0,
       add_to_carts integer not null default 0,
       primary key (day, product_id)
     )`,
    // Which sessions viewed a product on a day (so `viewers` counts each once); pruned after a few days.
    `create table analytics_product_session_day (
       day date not null,
       product_id text not null,
       session_id text not null,
       primary key (day, product_id, session_id)
     )`,
    `create table analytics_search_day (
       day date not null,
       query text not null,
       searches integer not null default 0,
       clicks integer not null default 0,
       primary key (day, query)
     )`,
  ],
  // Month copies of the day rollups: a long period reads whole months here and only its
  // partial edge months from the day tables.
  '202612010901_analytics_months': [
    `create table analytics_product_sales_month (like analytics_product_sales_day including all)`,
    `alter table analytics_product_sales_month rename column day to month`,
    `create table analytics_category_sales_month (like analytics_category_sales_day including all)`,
    `alter table analytics_category_sales_month rename column day to month`,
    `create table analytics_product_view_month (like analytics_product_view_day including all)`,
    `alter table analytics_product_view_month rename column day to month`,
    `create table analytics_promotion_month (like analytics_promotion_day including all)`,
    `alter table analytics_promotion_month rename column day to month`,
    `create table analytics_search_month (like analytics_search_day including all)`,
    `alter table analytics_search_month rename column day to month`,
  ],
  '202612010902_analytics_session_idle': [
    // Idle sessions are pruned by the behaviour fold: it needs each session's latest event.
    `alter table analytics_session add column last_at timestamptz`,
    `update analytics_session set last_at = first_at`,
    `alter table analytics_session alter column last_at set not null`,
    `create index analytics_session_last_idx on analytics_session (last_at)`,
  ],
  '202612011101_analytics_search_served': [
    // Searches the search module served, and those with no results, per query: a second
    // watermark (`searches`) over search's log, beside the behaviour events' `searches`.
    `insert into analytics_state (id) values ('searches') on conflict (id) do nothing`,
    `alter table analytics_search_day add column served integer not null default 0, add column no_results integer not null default 0`,
    `alter table analytics_search_month add column served integer not null default 0, add column no_results integer not null default 0`,
  ],
};
