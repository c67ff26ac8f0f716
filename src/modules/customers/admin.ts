import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { getCustomer, toCustomer } from './account.js';
import { listAddresses } from './addresses.js';
import type { CustomerSearchQuery } from './schemas.js';
import { escapeLike } from '../../platform/sql.js';


/** Customers newest first, optionally matching `q` in email or name. */
export async function searchCustomers(db: Kysely<Database>, query: CustomerSearchQuery) {
  let q = db
    .selectFrom('customer')
    .select(['id', 'email', 'name', 'locale', 'phone', 'createdAt', 'updatedAt'])
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '<', String(decodeCursor(query.cursor, 1)[0]));
  if (query.q) {
    const pattern = `%${escapeLike(query.q.trim().toLowerCase())}%`;
    q = q.where((eb) => eb.or([eb('email', 'like', pattern), eb(eb.fn('lower', ['name']), 'like', pattern)]));
  }
  const rows = await q.execute();
  return toPage(rows, query.limit, toCustomer, (r) => [r.id]);
}

/** One customer with their address book. */
export async function getCustomerDetail(db: Kysely<Database>, id: string) {
  const customer = await getCustomer(db, id);
  return { ...customer, addresses: await listAddresses(db, id) };
}
