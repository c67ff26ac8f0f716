import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import type { AuditEntry, AuditQuery } from './schemas.js';
import type { AuditLogTable } from './tables.js';

export interface AuditRecord {
  actorType?: 'staff' | 'system';
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
  ip?: string | null;
}

export async function recordAudit(db: Kysely<Database>, entry: AuditRecord): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      id: newId('aud'),
      actorType: entry.actorType ?? 'staff',
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      data: JSON.stringify(entry.data ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}

type Row = Omit<AuditLogTable, 'createdAt'> & { createdAt: Date };

function toEntry(row: Row): AuditEntry {
  return { ...row, data: (row.data ?? {}) as Record<string, unknown>, createdAt: new Date(row.createdAt).toISOString() };
}

export async function listAudit(db: Kysely<Database>, query: AuditQuery) {
  let q = db.selectFrom('auditLog').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '<', String(decodeCursor(query.cursor, 1)[0]));
  if (query.actorId) q = q.where('actorId', '=', query.actorId);
  if (query.targetType) q = q.where('targetType', '=', query.targetType);
  if (query.targetId) q = q.where('targetId', '=', query.targetId);
  if (query.action) q = q.where('action', '=', query.action);
  const rows = await q.execute();
  return toPage(rows, query.limit, toEntry, (r) => [r.id]);
}
