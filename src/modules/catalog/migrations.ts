import type { MigrationSet } from '../../platform/db/index.js';

export const catalogMigrations: MigrationSet = {
  '202611271100_catalog': [
    `create table catalog_product (
       id text primary key,
       handle text not null,
       status text not null check (status in ('draft', 'published', 'archived')),
       title text not null,
       subtitle text,
       description text,
       brand text,
       tags text[] not null default '{}',
       attributes jsonb not null default '{}'::jsonb,
       options jsonb not null default '[]'::jsonb,
       images jsonb not null default '[]'::jsonb,
       seo jsonb not null default '{}'::jsonb,
       translations jsonb not null default '{}'::jsonb,
       sales_count integer not null default 0,
       rating_x100 integer not null default 0,
       rating_count integer not null default 0,
       published_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint catalog_product_handle_key unique (handle)
     )`,
    `create index catalog_product_published_idx on catalog_product (id desc) where status = 'published'`,
    `create index catalog_product_best_selling_idx on catalog_product (sales_count desc, id desc) where status = 'published'`,
    `create index catalog_product_brand_idx on catalog_product (brand) where status = 'published'`,
    `create index catalog_product_tags_idx on catalog_product using gin (tags)`,
    `create index catalog_product_attributes_idx on catalog_product using gin (attributes jsonb_path_ops)`,
    `create table catalog_variant (
       id text primary key,
       product_id text not null references catalog_product (id) on delete cascade,
       sku text not null,
       barcode text,
       weight_grams integer check (weight_grams >= 0),
       options jsonb not null default '{}'::jsonb,
       position integer not null default 0,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint catalog_variant_sku_key unique (sku)
     )`,
    `create index catalog_variant_product_idx on catalog_variant (product_id, position)`,
    `create index catalog_variant_barcode_idx on catalog_variant (barcode) where barcode is not null`,
    `create table catalog_variant_price (
       variant_id text not null references catalog_variant (id) on delete cascade,
       currency char(3) not null,
       amount bigint not null check (amount >= 0),
       compare_at_amount bigint check (compare_at_amount >= 0),
       primary key (variant_id, currency)
     )`,
    `create table catalog_product_price (
       product_id text not null references catalog_product (id) on delete cascade,
       currency char(3) not null,
       min_amount bigint not null,
       max_amount bigint not null,
       primary key (product_id, currency)
     )`,
    `create index catalog_product_price_currency_idx on catalog_product_price (currency, min_amount)`,
    `create table catalog_category (
       id text primary key,
       handle text not null,
       name text not null,
       description text,
       parent_id text references catalog_category (id) on delete restrict,
       position integer not null default 0,
       path text not null,
       depth integer not null default 0,
       translations jsonb not null default '{}'::jsonb,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint catalog_category_handle_key unique (handle)
     )`,
    `create index catalog_category_parent_idx on catalog_category (parent_id, position)`,
    `create index catalog_category_path_idx on catalog_category (path text_pattern_ops)`,
    `create table catalog_product_category (
       product_id text not null references catalog_product (id) on delete cascade,
       category_id text not null references catalog_category (id) on delete cascade,
       primary key (product_id, category_id)
     )`,
    `create index catalog_product_category_category_idx on catalog_product_category (category_id, product_id)`,
    `create table catalog_collection (
       id text primary key,
       handle text not null,
       title text not null,
       description text,
       translations jsonb not null default '{}'::jsonb,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint catalog_collection_handle_key unique (handle)
     )`,
    `create table catalog_collection_product (
       collection_id text not null references catalog_collection (id) on delete cascade,
       product_id text not null references catalog_product (id) on delete cascade,
       position integer not null,
       primary key (collection_id, product_id)
     )`,
    `create index catalog_collection_product_position_idx on catalog_collection_product (collection_id, position)`,
    `create table catalog_attribute (
       name text primary key check (name ~ '^[A-Za-z][A-Za-z0-9_]{0,63}$'),
       type text not null check (type in ('text', 'number', 'boolean', 'enum')),
       label text not null,
       values text[] not null default '{}',
       filterable boolean not null default true,
       position integer not null default 0,
       translations jsonb not null default '{}'::jsonb,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create table catalog_exchange_rate (
       base char(3) not null,
       quote char(3) not null,
       rate numeric(24, 12) not null check (rate > 0),
       updated_at timestamptz not null default now(),
       primary key (base, quote),
       check (base <> quote)
     )`,
  ],
};
