import type { MigrationSet } from '../../platform/db/index.js';

export const staffMigrations: MigrationSet = {
  '202611270040_staff': [
    `create table staff_user (
       id text primary key,
       email text not null,
       password_hash text not null,
       name text not null,
       role text not null check (role in ('owner', 'admin', 'operator', 'support')),
       active boolean not null default true,
       last_login_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint staff_user_email_key unique (email),
       constraint staff_user_email_normalised check (email = lower(btrim(email)))
     )`,
  ],
};
