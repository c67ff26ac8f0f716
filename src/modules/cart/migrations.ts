import type { MigrationSet } from '../../platform/db/index.js';

/** The built-in free shipping method the migration creates, so a new shop can check out at once. */
export const DEFAULT_SHIPPING_METHOD_ID = 'ship_default';

export const cartMigrations: MigrationSet = {
  '202611280900_cart': [
    `create table shipping_method (
       id text primary key,
       name text not null,
       countries text[] not null default '{}',
       currency text,
       type text not null,
       amount integer not null default 0,
       free_over integer,
       weight_tiers jsonb not null default '[]'::jsonb,
       active boolean not null default true,
       position integer not null default 0,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint shipping_method_type check (type in ('flat', 'weight')),
       constraint shipping_method_amount_nonnegative check (amount >= 0),
       constraint shipping_method_free_over_nonnegative check (free_over is null or free_over >= 0),
       constraint shipping_method_currency_format check (currency is null or currency ~ '^[A-Z]{3}$'),
       constraint shipping_method_any_currency_is_free check (currency is not null or (type = 'flat' and amount = 0))
     )`,
    `insert into shipping_method (id, name, countries, currency, type, amount, position)
     values ('ship_default', 'Free shipping', '{}', null, 'flat', 0, 0)`,
    `create table tax_rate (
       id text primary key,
       name text not null,
       country text not null,
       region text,
       rate integer not null,
       prices_include_tax boolean not null,
       applies_to_shipping boolean not null,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint tax_rate_country_format check (country ~ '^[A-Z]{2}$'),
       constraint tax_rate_rate_range check (rate between 0 and 10000)
     )`,
    `create unique index tax_rate_country_region_key on tax_rate (country, lower(coalesce(region, '')))`,
    // Carts expire by updated_at (a later sweep); no foreign key to customer: the customers
    // module owns that table, and a cart outliving its customer is harmless.
    `create table cart (
       id text primary key,
       status text not null default 'active',
       customer_id text,
       email text,
       currency text not null,
       locale text not null,
       shipping_address jsonb,
       billing_address jsonb,
       shipping_method_id text references shipping_method (id) on delete set null,
       codes text[] not null default '{}',
       merged_into_id text references cart (id),
       order_id text,
       completed_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint cart_status check (status in ('active', 'completed', 'merged'))
     )`,
    `create unique index cart_one_active_per_customer on cart (customer_id) where status = 'active' and customer_id is not null`,
    `create index cart_updated_idx on cart (updated_at) where status = 'active'`,
    `create table cart_item (
       id text primary key,
       cart_id text not null references cart (id) on delete cascade,
       sku text not null,
       quantity integer not null,
       product_id text not null,
       variant_id text not null,
       product_handle text not null,
       title text not null,
       variant_title text,
       image text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint cart_item_quantity_positive check (quantity > 0),
       constraint cart_item_cart_sku_key unique (cart_id, sku)
     )`,
  ],
};
