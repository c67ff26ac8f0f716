import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { inventoryError } from './errors.js';
import type { ReserveLine } from './reservations.js';

/** Locks an active reservation row; 404 / 409 like release and commit. */
async function lockReservation(trx: Tx, reservationId: string): Promise<void> {
  const row = await trx.selectFrom('inventoryReservation').select('status').where('id', '=', reservationId).forUpdate().executeTakeFirst();
  if (!row) throw inventoryError('INVENTORY_RESERVATION_NOT_FOUND', { detail: `No reservation ${reservationId}` });
  if (row.status !== 'active') throw inventoryError('INVENTORY_RESERVATION_NOT_ACTIVE', { detail: `Reservation ${reservationId} is already ${row.status}` });
}

/**
 * Moves units from one active reservation into a new one (a flash sale's pool → an order).
 * Levels' `reserved` is unchanged, so no movement is written and no level row is locked: only
 * the source reservation's row and lines. Lines are taken location by location in
 * (sku, location) order; a source line that reaches zero is deleted.
 */
export async function transferReservation(trx: Tx, fromId: string, lines: readonly ReserveLine[], reference: string, newReservationId: string = newId('rsv')): Promise<string> {
  await lockReservation(trx, fromId);
  const held = await trx
    .selectFrom('inventoryReservationLine')
    .select(['sku', 'locationId', 'quantity'])
    .where('reservationId', '=', fromId)
    .orderBy('sku')
    .orderBy('locationId')
    .execute();
  const moved: { reservationId: string; sku: string; locationId: string; quantity: number }[] = [];
  for (const line of lines) {
    let wanted = line.quantity;
    for (const h of held.filter((x) => x.sku === line.sku)) {
      if (wanted === 0) break;
      const take = Math.min(wanted, h.quantity);
      if (take === 0) continue;
      h.quantity -= take;
      wanted -= take;
      moved.push({ reservationId: newReservationId, sku: h.sku, locationId: h.locationId, quantity: take });
    }
    if (wanted > 0) throw inventoryError('INVENTORY_INSUFFICIENT_STOCK', { detail: `Reservation ${fromId} holds too few of ${line.sku}` });
  }
  for (const h of held) {
    if (h.quantity === 0) {
      await trx.deleteFrom('inventoryReservationLine').where('reservationId', '=', fromId).where('sku', '=', h.sku).where('locationId', '=', h.locationId).execute();
    } else {
      await trx.updateTable('inventoryReservationLine').set({ quantity: h.quantity }).where('reservationId', '=', fromId).where('sku', '=', h.sku).where('locationId', '=', h.locationId).execute();
    }
  }
  await trx.insertInto('inventoryReservation').values({ id: newReservationId, reference, status: 'active' }).execute();
  await trx.insertInto('inventoryReservationLine').values(mergeRows(moved)).execute();
  return newReservationId;
}

function mergeRows(rows: { reservationId: string; sku: string; locationId: string; quantity: number }[]) {
  const out = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const key = `${r.sku}\u0000${r.locationId}`;
    const seen = out.get(key);
    if (seen) seen.quantity += r.quantity;
    else out.set(key, { ...r });
  }
  return [...out.values()];
}

/**
 * The reverse of `transferReservation`: every line of the active reservation `fromId` moves
 * into the active reservation `intoId`, and `fromId` is marked released (it holds nothing any
 * more). Levels are unchanged. Locks `intoId` first, then `fromId`.
 */
export async function mergeReservation(trx: Tx, fromId: string, intoId: string): Promise<void> {
  await lockReservation(trx, intoId);
  await lockReservation(trx, fromId);
  const lines = await trx.selectFrom('inventoryReservationLine').select(['sku', 'locationId', 'quantity']).where('reservationId', '=', fromId).execute();
  if (lines.length) {
    await trx
      .insertInto('inventoryReservationLine')
      .values(lines.map((l) => ({ ...l, reservationId: intoId })))
      .onConflict((oc) => oc.columns(['reservationId', 'sku', 'locationId']).doUpdateSet((eb) => ({ quantity: eb('inventoryReservationLine.quantity', '+', eb.ref('excluded.quantity')) })))
      .execute();
    await trx.deleteFrom('inventoryReservationLine').where('reservationId', '=', fromId).execute();
  }
  await trx.updateTable('inventoryReservation').set({ status: 'released', updatedAt: sql<Date>`now()` }).where('id', '=', fromId).execute();
}
