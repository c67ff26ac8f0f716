import type { Insertable, Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { inventoryError } from './errors.js';
import type { Movement } from './schemas.js';
import type { InventoryMovementTable } from './tables.js';

export type NewMovement = Omit<Insertable<InventoryMovementTable>, 'id' | 'createdAt' | 'reason' | 'reference' | 'actorId'> & {
  reason?: string | null;
  reference?: string | null;
  actorId?: string | null;
};

/** Appends ledger rows (one statement). */
export async function writeMovements(trx: Tx, movements: NewMovement[]): Promise<void> {
  if (movements.length === 0) return;
  await trx
    .insertInto('inventoryMovement')
    .values(movements.map((m) => ({ ...m, id: newId('mov'), reason: m.reason ?? null, reference: m.reference ?? null, actorId: m.actorId ?? null })))
    .execute();
}

/**
 * A SKU's ledger, newest first. The ledger outlives a removed item, so the 404 applies only when
 * there is neither an item nor any movement.
 */
export async function listMovements(db: Kysely<Database>, sku: string, page: { limit: number; cursor?: string }) {
  let q = db
    .selectFrom('inventoryMovement as m')
    .innerJoin('inventoryLocation as loc', 'loc.id', 'm.locationId')
    .select([
      'm.id',
      'loc.code as location',
      'm.kind',
      'm.deltaOnHand',
      'm.deltaReserved',
      'm.onHandAfter',
      'm.reservedAfter',
      'm.reason',
      'm.reference',
      'm.actorId',
      'm.createdAt',
    ])
    .where('m.sku', '=', sku)
    .orderBy('m.id', 'desc')
    .limit(page.limit + 1);
  if (page.cursor) q = q.where('m.id', '<', String(decodeCursor(page.cursor, 1)[0]));
  const rows = await q.execute();
  if (rows.length === 0 && !page.cursor) {
    const item = await db.selectFrom('inventoryItem').select('sku').where('sku', '=', sku).executeTakeFirst();
    if (!item) throw inventoryError('INVENTORY_ITEM_NOT_FOUND', { detail: `No inventory item ${sku}` });
  }
  return toPage(rows, page.limit, (r): Movement => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }), (r) => [r.id]);
}
