import type { Generated } from 'kysely';

/** Table `audit_log`: every staff write — who, what, when, on what. Append-only. */
export interface AuditLogTable {
  id: string;
  actorType: 'staff' | 'system';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  ip: string | null;
  createdAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    auditLog: AuditLogTable;
  }
}
