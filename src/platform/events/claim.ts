import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { DomainEvent } from './outbox.js';

/**
 * Claims up to `batchSize` pending outbox events for `leaseSeconds`, oldest first. Rows another
 * process holds (`FOR UPDATE SKIP LOCKED`, or a lease not yet expired) are skipped, so several
 * processes never hand out one event at the same time; a crashed holder's rows come back when
 * its lease ends. Each claim counts as an attempt.
 */
export async function claimOutbox(db: Kysely<Database>, batchSize: number, leaseSeconds: number): Promise<DomainEvent[]> {
  const rows = await sql<{ id: string; name: string; payload: unknown; createdAt: Date }>`
    update event_outbox set locked_until = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1
    where id in (
      select id from event_outbox
      where processed_at is null and (locked_until is null or locked_until < now())
      order by id limit ${batchSize}
      for update skip locked)
    returning id, name, payload, created_at`.execute(db);
  return rows.rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}
