import type { MigrationSet } from '../../platform/db/index.js';

export const reviewMigrations: MigrationSet = {
  '202611281200_reviews': [
    // product_id, order_id, order_line_id and customer_id point into other modules' tables;
    // deliberately no foreign keys, so this module's schema does not depend on theirs.
    `create table review (
       id text primary key,
       product_id text not null,
       order_id text not null,
       order_line_id text not null,
       customer_id text not null,
       sku text not null,
       rating smallint not null,
       title text,
       body text not null,
       images jsonb not null default '[]',
       status text not null default 'published',
       helpful_count integer not null default 0,
       hidden_reason text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint review_order_line_key unique (order_line_id),
       constraint review_rating_range check (rating between 1 and 5),
       constraint review_status check (status in ('published', 'hidden')),
       constraint review_images_array check (jsonb_typeof(images) = 'array' and jsonb_array_length(images) <= 9),
       constraint review_helpful_nonnegative check (helpful_count >= 0),
       constraint review_title_length check (title is null or length(title) between 1 and 200),
       constraint review_body_length check (length(body) between 1 and 5000)
     )`,
    `create index review_product_idx on review (product_id, id)`,
    // The store's "most helpful" order and the rating summary read published reviews only.
    `create index review_product_helpful_idx on review (product_id, helpful_count, id) where status = 'published'`,
    `create index review_product_rating_idx on review (product_id, rating, id) where status = 'published'`,
    `create index review_customer_idx on review (customer_id, id)`,
    `create index review_order_idx on review (order_id)`,
    `create index review_status_idx on review (status, id)`,
    `create table review_helpful_vote (
       review_id text not null references review (id) on delete cascade,
       customer_id text not null,
       created_at timestamptz not null default now(),
       primary key (review_id, customer_id)
     )`,
  ],
};
