import type { MigrationSet } from '../../platform/db/index.js';

export const authMigrations: MigrationSet = {
  '202611270010_auth_sessions': [
    `create table auth_session (
       id text primary key,
       token_hash text not null unique,
       subject_type text not null check (subject_type in ('customer', 'staff')),
       subject_id text not null,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       revoked_at timestamptz,
       ip text,
       user_agent text
     )`,
    `create index auth_session_subject_idx on auth_session (subject_type, subject_id)`,
    `create table auth_login_failure (
       id bigint generated always as identity primary key,
       key text not null,
       occurred_at timestamptz not null default now()
     )`,
    `create index auth_login_failure_key_idx on auth_login_failure (key, occurred_at)`,
  ],
};
