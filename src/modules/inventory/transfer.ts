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
  if (lines.length === 1 && (await transferFromOneLine(trx, fromId, lines[0]!, reference, newReservationId))) return newReservationId;
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

/**
 * The common case in one statement: one SKU taken from a single line of the source that keeps
 * at least a unit afterwards (a flash sale's pool, where every buyer queues on the same rows).
 * The source reservation's row is locked first, as on the general path, so a concurrent release
 * or merge of it is ordered the same way. False, with nothing written, when the source is not
 * active or no single line can give the units while keeping one; the general path then decides.
 */
async function transferFromOneLine(trx: Tx, fromId: string, line: ReserveLine, reference: string, newReservationId: string): Promise<boolean> {
  const { rows } = await sql<{ locationId: string }>`
    with source as (
      select id from inventory_reservation where id = ${fromId} and status = 'active' for update
    ), pick as (
      select l.location_id from inventory_reservation_line l join source s on s.id = l.reservation_id
       where l.sku = ${line.sku} and l.quantity > ${line.quantity}
       order by l.location_id limit 1
    ), taken as (
      update inventory_reservation_line l set quantity = l.quantity - ${line.quantity}
        from pick
       where l.reservation_id = ${fromId} and l.sku = ${line.sku} and l.location_id = pick.location_id and l.quantity > ${line.quantity}
      returning l.location_id
    ), reservation as (
      insert into inventory_reservation (id, reference, status) select ${newReservationId}, ${reference}, 'active' from taken
    ), moved as (
      insert into inventory_reservation_line (reservation_id, sku, location_id, quantity)
      select ${newReservationId}, ${line.sku}, location_id, ${line.quantity} from taken
    )
    select location_id from taken`.execute(trx);
  return rows.length === 1;
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
