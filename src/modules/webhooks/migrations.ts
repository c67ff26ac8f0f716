import type { MigrationSet } from '../../platform/db/index.js';

export const webhookMigrations: MigrationSet = {
  '202612021200_webhooks': [
    `create table webhook_endpoint (
       id text primary key,
       url text not null,
       description text,
       events jsonb not null,
       secret text not null,
       enabled boolean not null default true,
       disabled_reason text,
       disabled_at timestamptz,
       consecutive_failures integer not null default 0,
       failing_since timestamptz,
       created_by text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint webhook_endpoint_url_http check (url ~ '^https?://'),
       constraint webhook_endpoint_events_array check (jsonb_typeof(events) = 'array' and jsonb_array_length(events) > 0),
       constraint webhook_endpoint_disabled_reason check (disabled_reason in ('manual', 'failing'))
     )`,
    `create table webhook_delivery (
       id text primary key default 'whd_' || replace(gen_random_uuid()::text, '-', ''),
       seq bigint generated always as identity,
       endpoint_id text not null references webhook_endpoint (id) on delete cascade,
       event_id text not null,
       event_name text not null,
       payload jsonb not null,
       event_created_at timestamptz not null,
       status text not null default 'pending',
       attempts integer not null default 0,
       next_attempt_at timestamptz,
       locked_until timestamptz,
       claim_token text,
       last_status_code integer,
       last_error text,
       delivered_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint webhook_delivery_status check (status in ('pending', 'succeeded', 'failed'))
     )`,
    // Redelivered outbox events insert nothing new.
    `create unique index webhook_delivery_endpoint_event_key on webhook_delivery (endpoint_id, event_id)`,
    `create index webhook_delivery_endpoint_idx on webhook_delivery (endpoint_id, seq)`,
    `create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at) where status = 'pending'`,
    `create table webhook_attempt (
       id text primary key,
       delivery_id text not null references webhook_delivery (id) on delete cascade,
       endpoint_id text not null,
       trigger text not null,
       url text not null,
       status_code integer,
       succeeded boolean not null,
       duration_ms integer not null,
       error text,
       response_body text,
       started_at timestamptz not null,
       constraint webhook_attempt_trigger check (trigger in ('scheduled', 'replay', 'test'))
     )`,
    `create index webhook_attempt_delivery_idx on webhook_attempt (delivery_id, id)`,
  ],
};
