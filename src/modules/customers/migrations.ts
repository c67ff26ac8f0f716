import type { MigrationSet } from '../../platform/db/index.js';

export const customerMigrations: MigrationSet = {
  '202611270030_customers': [
    `create table customer (
       id text primary key,
       email text not null,
       password_hash text not null,
       name text,
       locale text,
       phone text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint customer_email_key unique (email),
       constraint customer_email_normalised check (email = lower(btrim(email)))
     )`,
    `create index customer_name_idx on customer (lower(name))`,
    `create table customer_address (
       id text primary key,
       customer_id text not null references customer (id) on delete cascade,
       name text not null,
       phone text,
       country char(2) not null,
       province text,
       city text not null,
       district text,
       line1 text not null,
       line2 text,
       postal_code text,
       is_default_shipping boolean not null default false,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create index customer_address_customer_idx on customer_address (customer_id, id)`,
    `create unique index customer_address_one_default on customer_address (customer_id) where is_default_shipping`,
    `create table customer_password_reset (
       id text primary key,
       customer_id text not null references customer (id) on delete cascade,
       token_hash text not null unique,
       expires_at timestamptz not null,
       used_at timestamptz,
       created_at timestamptz not null default now()
     )`,
    `create index customer_password_reset_customer_idx on customer_password_reset (customer_id, created_at)`,
  ],
};
