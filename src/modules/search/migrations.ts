import type { MigrationSet } from '../../platform/db/index.js';

/**
 * pg_trgm may live in any schema (tests give each file its own `search_path`, and managed
 * PostgreSQL often keeps extensions in `extensions`), so its operator classes are named through
 * the schema the extension is actually in.
 */
const trigramIndexes = `do $$
declare s text;
begin
  select quote_ident(n.nspname) into s from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm';
  execute format('create index search_document_title_trgm_idx on search_document using gin (title_tokens %s.gin_trgm_ops) with (fastupdate = off)', s);
  execute format('create index search_term_trgm_idx on search_term using gist (term %s.gist_trgm_ops)', s);
  execute format('create index search_category_name_trgm_idx on search_category using gin (lower(name) %s.gin_trgm_ops) with (fastupdate = off)', s);
end $$`;

export const searchMigrations: MigrationSet = {
  '202611271200_search_read_model': [
    // In "public" rather than the connection's first schema: a per-test schema dropped with
    // CASCADE would otherwise take the extension, and every other schema's indexes, with it.
    `create extension if not exists pg_trgm with schema public`,
    `create table search_document (
       product_id text primary key,
       status text not null,
       handle text not null,
       brand text,
       category_ids text[] not null default '{}',
       category_paths text[] not null default '{}',
       category_tree text[] not null default '{}',
       attributes jsonb not null default '{}'::jsonb,
       tags text[] not null default '{}',
       skus text[] not null default '{}',
       barcodes text[] not null default '{}',
       prices jsonb not null default '{}'::jsonb,
       sales_count integer not null default 0,
       card jsonb not null,
       title_tokens text not null default '',
       body_tokens text not null default '',
       all_text text not null default '',
       tsv tsvector not null,
       published_at timestamptz,
       updated_at timestamptz not null default now()
     )`,
    `create index search_document_tsv_idx on search_document using gin (tsv) with (fastupdate = off)`,
    `create index search_document_codes_idx on search_document using gin ((skus || barcodes)) with (fastupdate = off)`,
    `create index search_document_category_idx on search_document using gin (category_tree) with (fastupdate = off)`,
    `create index search_document_brand_idx on search_document (lower(brand) text_pattern_ops)`,
    `create index search_document_best_selling_idx on search_document (sales_count desc, product_id desc)`,
    `create table search_term (
       term text primary key,
       df integer not null,
       display text not null
     )`,
    `create index search_term_prefix_idx on search_term (term text_pattern_ops)`,
    `create table search_category (
       id text primary key,
       handle text not null,
       name text not null,
       translations jsonb not null default '{}'::jsonb,
       path text not null,
       position integer not null default 0
     )`,
    `create index search_category_handle_idx on search_category (handle)`,
    `create table search_attribute (
       name text primary key,
       type text not null,
       label text not null,
       filterable boolean not null,
       position integer not null default 0,
       translations jsonb not null default '{}'::jsonb
     )`,
    trigramIndexes,
  ],
  '202612011100_search_query_log': [
    // Searches served, written in batches by the app; read in id order by analytics' fold.
    `create table search_query_log (
       id bigint generated always as identity primary key,
       query text not null,
       results integer not null,
       locale text not null,
       session_id text,
       searched_at timestamptz not null,
       received_at timestamptz not null default now(),
       constraint search_query_log_results check (results >= 0)
     )`,
    // Retention deletes by age.
    `create index search_query_log_searched_idx on search_query_log (searched_at)`,
  ],
};
