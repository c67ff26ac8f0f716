import type { MigrationSet } from '../../platform/db/index.js';

export const auditMigrations: MigrationSet = {
  '202611270020_audit_log': [
    `create table audit_log (
       id text primary key,
       actor_type text not null check (actor_type in ('staff', 'system')),
       actor_id text,
       action text not null,
       target_type text,
       target_id text,
       data jsonb not null default '{}'::jsonb,
       ip text,
       created_at timestamptz not null default now()
     )`,
    `create index audit_log_actor_idx on audit_log (actor_id, id)`,
    `create index audit_log_target_idx on audit_log (target_type, target_id, id)`,
  ],
};
