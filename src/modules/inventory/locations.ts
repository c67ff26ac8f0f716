import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { inventoryError } from './errors.js';
import type { CreateLocationBody, Location } from './schemas.js';
import type { InventoryLocationTable } from './tables.js';

const CODE = /^[a-z0-9][a-z0-9_-]{0,49}$/;

export function toLocation(row: Selectable<InventoryLocationTable>): Location {
  return { id: row.id, code: row.code, name: row.name, isDefault: row.isDefault, createdAt: new Date(row.createdAt).toISOString() };
}

/** Every location, the default first, then by code. */
export async function listLocations(db: Kysely<Database>): Promise<Location[]> {
  const rows = await db.selectFrom('inventoryLocation').selectAll().orderBy('isDefault', 'desc').orderBy('code').execute();
  return rows.map(toLocation);
}

/**
 * The location with `code`, or the default one when `code` is absent.
 * Throws 404 `INVENTORY_LOCATION_NOT_FOUND`.
 */
export async function resolveLocation(db: Kysely<Database>, code?: string | null): Promise<{ id: string; code: string }> {
  let q = db.selectFrom('inventoryLocation').select(['id', 'code']);
  q = code ? q.where('code', '=', code) : q.where('isDefault', '=', true);
  const row = await q.executeTakeFirst();
  if (!row) throw inventoryError('INVENTORY_LOCATION_NOT_FOUND', { detail: code ? `No location with code ${code}` : 'No default location' });
  return row;
}

export async function createLocation(db: Kysely<Database>, input: CreateLocationBody): Promise<Location> {
  if (!CODE.test(input.code)) throw inventoryError('INVENTORY_INVALID_INPUT', { detail: 'Location codes are 1–50 of a-z, 0-9, - and _', fields: [{ field: '/code', message: 'is invalid' }] });
  const name = input.name.trim();
  if (!name) throw inventoryError('INVENTORY_INVALID_INPUT', { fields: [{ field: '/name', message: 'is required' }] });
  return withTransaction(db, async (trx) => {
    // Hand the default flag over in the same transaction; the partial unique index keeps one.
    if (input.isDefault) await trx.updateTable('inventoryLocation').set({ isDefault: false }).where('isDefault', '=', true).execute();
    const row = await trx
      .insertInto('inventoryLocation')
      .values({ id: newId('loc'), code: input.code, name, isDefault: input.isDefault ?? false })
      .onConflict((oc) => oc.column('code').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw inventoryError('INVENTORY_LOCATION_CODE_TAKEN', { detail: `A location with code ${input.code} exists` });
    return toLocation(row);
  });
}
