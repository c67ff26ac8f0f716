import type { MigrationSet } from '../../platform/db/index.js';

export const flashSaleMigrations: MigrationSet = {
  '202611281310_flash_sales': [
    `create table flash_sale (
       id text primary key,
       sku text not null,
       currency text not null,
       price bigint not null check (price >= 0),
       quantity integer not null check (quantity > 0),
       sold integer not null default 0 check (sold >= 0 and sold <= quantity),
       starts_at timestamptz not null,
       ends_at timestamptz not null,
       per_customer_limit integer not null check (per_customer_limit > 0),
       status text not null default 'scheduled' check (status in ('scheduled', 'live', 'ended', 'cancelled')),
       reservation_id text,
       campaign_id text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint flash_sale_window check (ends_at > starts_at)
     )`,
    `create index flash_sale_start_idx on flash_sale (starts_at) where status = 'scheduled'`,
    `create index flash_sale_end_idx on flash_sale (ends_at) where status = 'live'`,
    `create table flash_sale_purchase (
       id text primary key,
       sale_id text not null references flash_sale (id),
       customer_id text not null,
       order_id text not null unique,
       quantity integer not null check (quantity > 0),
       status text not null default 'active' check (status in ('active', 'released')),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create index flash_sale_purchase_sale_idx on flash_sale_purchase (sale_id, customer_id)`,
    `create table flash_sale_customer (
       sale_id text not null references flash_sale (id),
       customer_id text not null,
       purchased integer not null check (purchased >= 0),
       primary key (sale_id, customer_id)
     )`,
    `create table flash_sale_rate (
       key text primary key,
       window_start bigint not null,
       hits integer not null
     )`,
  ],
};
