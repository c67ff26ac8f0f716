import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { customerError } from './errors.js';
import type { Address, CreateAddressBody, UpdateAddressBody } from './schemas.js';
import type { CustomerAddressTable } from './tables.js';

/** A customer may keep this many addresses. */
export const MAX_ADDRESSES = 50;

export function toAddress(row: Selectable<CustomerAddressTable>): Address {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    country: row.country,
    province: row.province,
    city: row.city,
    district: row.district,
    line1: row.line1,
    line2: row.line2,
    postalCode: row.postalCode,
    isDefaultShipping: row.isDefaultShipping,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export async function listAddresses(db: Kysely<Database>, customerId: string): Promise<Address[]> {
  const rows = await db.selectFrom('customerAddress').selectAll().where('customerId', '=', customerId).orderBy('id').execute();
  return rows.map(toAddress);
}

async function clearDefault(trx: Tx, customerId: string): Promise<void> {
  await trx.updateTable('customerAddress').set({ isDefaultShipping: false }).where('customerId', '=', customerId).where('isDefaultShipping', '=', true).execute();
}

/** Serialises address-book writes of one customer (the default flag and the count are per customer). */
async function lockCustomer(trx: Tx, customerId: string): Promise<void> {
  const row = await trx.selectFrom('customer').select('id').where('id', '=', customerId).forUpdate().executeTakeFirst();
  if (!row) throw customerError('USER_NOT_FOUND');
}

export async function createAddress(db: Kysely<Database>, customerId: string, input: CreateAddressBody): Promise<Address> {
  return withTransaction(db, async (trx) => {
    await lockCustomer(trx, customerId);
    const { n } = await trx
      .selectFrom('customerAddress')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customerId', '=', customerId)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_ADDRESSES) throw customerError('ADDRESS_LIMIT_REACHED', { detail: `At most ${MAX_ADDRESSES} addresses` });
    // The first address is the default; a new one becomes default only when asked.
    const isDefault = input.isDefaultShipping ?? Number(n) === 0;
    if (isDefault) await clearDefault(trx, customerId);
    const row = await trx
      .insertInto('customerAddress')
      .values({
        id: newId('adr'),
        customerId,
        name: input.name.trim(),
        phone: input.phone ?? null,
        country: input.country.toUpperCase(),
        province: input.province ?? null,
        city: input.city,
        district: input.district ?? null,
        line1: input.line1,
        line2: input.line2 ?? null,
        postalCode: input.postalCode ?? null,
        isDefaultShipping: isDefault,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAddress(row);
  });
}

export async function updateAddress(db: Kysely<Database>, customerId: string, id: string, input: UpdateAddressBody): Promise<Address> {
  return withTransaction(db, async (trx) => {
    await lockCustomer(trx, customerId);
    const { isDefaultShipping, ...fields } = input;
    if (isDefaultShipping === true) await clearDefault(trx, customerId);
    const row = await trx
      .updateTable('customerAddress')
      .set({
        ...fields,
        ...(fields.country ? { country: fields.country.toUpperCase() } : {}),
        ...(fields.name ? { name: fields.name.trim() } : {}),
        ...(isDefaultShipping !== undefined ? { isDefaultShipping } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .where('customerId', '=', customerId)
      .returningAll()
      .executeTakeFirst();
    // Another customer's address is indistinguishable from a missing one.
    if (!row) throw customerError('ADDRESS_NOT_FOUND');
    return toAddress(row);
  });
}

export async function deleteAddress(db: Kysely<Database>, customerId: string, id: string): Promise<void> {
  await withTransaction(db, async (trx) => {
    await lockCustomer(trx, customerId);
    const row = await trx
      .deleteFrom('customerAddress')
      .where('id', '=', id)
      .where('customerId', '=', customerId)
      .returning('isDefaultShipping')
      .executeTakeFirst();
    if (!row) throw customerError('ADDRESS_NOT_FOUND');
    if (row.isDefaultShipping) {
      // Keep a default while any address remains: the most recently added takes over.
      const next = await trx.selectFrom('customerAddress').select('id').where('customerId', '=', customerId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (next) await trx.updateTable('customerAddress').set({ isDefaultShipping: true }).where('id', '=', next.id).execute();
    }
  });
}
