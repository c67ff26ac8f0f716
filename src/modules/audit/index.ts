import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import * as service from './service.js';
import type { AuditQuery } from './schemas.js';

export { auditMigrations } from './migrations.js';
export { auditRoutes } from './routes.js';
export type { AuditRecord } from './service.js';
export { AuditEntrySchema, type AuditEntry } from './schemas.js';

/** The audit log: an append-only record of staff writes. */
export function createAuditModule(deps: { db: Kysely<Database> }) {
  return {
    /**
     * Appends an entry. Pass the transaction of the write being audited, so the entry exists
     * if and only if the write committed.
     */
    record: (db: Kysely<Database>, entry: service.AuditRecord) => service.recordAudit(db, entry),
    /** A page of entries, newest first, optionally filtered by actor, target or action. */
    list: (query: AuditQuery) => service.listAudit(deps.db, query),
  };
}

export type Audit = ReturnType<typeof createAuditModule>;
