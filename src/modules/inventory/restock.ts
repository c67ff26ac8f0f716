import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { inventoryError } from './errors.js';
import { resolveLocation } from './locations.js';
import { writeMovements, type NewMovement } from './movements.js';

export interface RestockLine {
  sku: string;
  quantity: number;
  /** Location code; the default location when absent. */
  location?: string;
}

/**
 * Puts sold units back on hand (a cancelled paid order, a received return), one `restock`
 * movement per line with `reference` and `reason`. Lines are applied in SKU order so concurrent
 * restocks lock levels in the same order. A SKU whose item was removed since is skipped: its
 * units have nowhere to go. Throws 400 INVENTORY_INVALID_INPUT for a quantity that is not a
 * positive integer, 404 INVENTORY_LOCATION_NOT_FOUND for an unknown location.
 */
export async function restock(trx: Tx, lines: readonly RestockLine[], reference: string, reason: string): Promise<void> {
  const sorted = [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const movements: NewMovement[] = [];
  for (const [i, line] of sorted.entries()) {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw inventoryError('INVENTORY_INVALID_INPUT', { fields: [{ field: `/${i}/quantity`, message: 'must be a positive integer' }] });
    }
    const location = await resolveLocation(trx, line.location);
    const item = await trx.selectFrom('inventoryItem').select('sku').where('sku', '=', line.sku).forShare().executeTakeFirst();
    if (!item) continue;
    await trx
      .insertInto('inventoryLevel')
      .values({ sku: line.sku, locationId: location.id })
      .onConflict((oc) => oc.columns(['sku', 'locationId']).doNothing())
      .execute();
    const row = await trx
      .updateTable('inventoryLevel')
      .set((eb) => ({ onHand: eb('onHand', '+', line.quantity), updatedAt: sql<Date>`now()` }))
      .where('sku', '=', line.sku)
      .where('locationId', '=', location.id)
      .returning(['onHand', 'reserved'])
      .executeTakeFirstOrThrow();
    movements.push({
      sku: line.sku,
      locationId: location.id,
      kind: 'restock',
      deltaOnHand: line.quantity,
      deltaReserved: 0,
      onHandAfter: row.onHand,
      reservedAfter: row.reserved,
      reference,
      reason,
    });
  }
  await writeMovements(trx, movements);
}
