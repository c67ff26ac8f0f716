import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { escapeLike } from '../../platform/sql.js';
import type { AdminOrderQuery } from './schemas.js';
import { summaryView } from './views.js';

/** Orders newest first. Ids are ULIDs (time-ordered), so the id alone keys the pages. */
export async function listOrders(db: Kysely<Database>, query: AdminOrderQuery) {
  let q = db.selectFrom('orders').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.customerId) q = q.where('customerId', '=', query.customerId);
  if (query.from) q = q.where('createdAt', '>=', new Date(query.from));
  if (query.to) q = q.where('createdAt', '<', new Date(query.to));
  if (query.q) {
    const term = query.q.trim();
    q = q.where((eb) => eb.or([eb('number', '=', term), eb('id', '=', term), eb('email', 'like', `%${escapeLike(term.toLowerCase())}%`)]));
  }
  if (query.cursor) {
    q = q.where('id', '<', String(decodeCursor(query.cursor, 1)[0]));
  }
  const rows = await q.execute();
  return toPage(rows, query.limit, summaryView, (r) => [r.id]);
}

export async function addNote(db: Kysely<Database>, note: { id: string; orderId: string; staffId: string; body: string }) {
  await db.insertInto('orderNote').values(note).execute();
}

/** Units per order status, for dashboards and tests. */
export async function countByStatus(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('orders').select(['status', sql<number>`count(*)::int`.as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Whether the customer has an order that was not cancelled (a "first order" promotion checks it). */
export async function hasPlacedOrder(db: Kysely<Database>, customerId: string): Promise<boolean> {
  const row = await db.selectFrom('orders').select('id').where('customerId', '=', customerId).where('status', '!=', 'cancelled').limit(1).executeTakeFirst();
  return row !== undefined;
}
