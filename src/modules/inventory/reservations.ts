import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { allocate, type Allocation } from './allocation.js';
import { inventoryError } from './errors.js';
import { resolveLocation } from './locations.js';
import { writeMovements, type NewMovement } from './movements.js';
import type { ReservationStatus } from './tables.js';

export interface ReserveLine {
  sku: string;
  quantity: number;
}

/** A line that could not be reserved: `available` is what all locations could still give. */
export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

export type ReserveResult = { ok: true; reservationId: string } | { ok: false; shortages: Shortage[] };

export interface Reservation {
  id: string;
  reference: string | null;
  status: ReservationStatus;
  lines: { sku: string; location: string; quantity: number }[];
  createdAt: string;
  updatedAt: string;
}

/** An invariant the locks guarantee did not hold: a bug, never a user error. */
function invariantBroken(what: string): Error {
  return new Error(`inventory invariant broken: ${what}`);
}

/** Quantities per SKU (duplicate lines summed), in SKU order. */
function mergeLines(lines: readonly ReserveLine[]): [string, number][] {
  if (lines.length === 0) throw inventoryError('INVENTORY_INVALID_INPUT', { detail: 'Nothing to reserve' });
  const wanted = new Map<string, number>();
  lines.forEach((line, i) => {
    if (typeof line.sku !== 'string' || line.sku.length === 0) {
      throw inventoryError('INVENTORY_INVALID_INPUT', { fields: [{ field: `/${i}/sku`, message: 'is required' }] });
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw inventoryError('INVENTORY_INVALID_INPUT', { fields: [{ field: `/${i}/quantity`, message: 'must be a positive integer' }] });
    }
    wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
  });
  return [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

type Plan = { sku: string; allocations: Allocation[] }[];

/**
 * Locks the rows `wanted` touches and allocates every line. Lock order, always: items (shared,
 * by sku), then levels (by sku, location). The share lock keeps an item's backorder flag, SKU
 * and existence fixed until the transaction ends.
 */
async function lockAndPlan(trx: Tx, wanted: [string, number][]): Promise<{ plan: Plan; shortages: Shortage[] }> {
  const items = await trx
    .selectFrom('inventoryItem')
    .select(['sku', 'allowBackorder'])
    .where('sku', 'in', wanted.map(([sku]) => sku))
    .orderBy('sku')
    .forShare()
    .execute();
  const backorder = new Map(items.map((i) => [i.sku, i.allowBackorder]));
  const defaultId = (await resolveLocation(trx)).id;
  const backorderSkus = items.filter((i) => i.allowBackorder).map((i) => i.sku);
  if (backorderSkus.length) {
    // A backorder item may reserve with no stock anywhere: give it a level to reserve on.
    await trx
      .insertInto('inventoryLevel')
      .values(backorderSkus.map((sku) => ({ sku, locationId: defaultId })))
      .onConflict((oc) => oc.columns(['sku', 'locationId']).doNothing())
      .execute();
  }
  const levels = items.length
    ? await trx
        .selectFrom('inventoryLevel')
        .select(['sku', 'locationId', 'onHand', 'reserved'])
        .where('sku', 'in', [...backorder.keys()])
        .orderBy('sku')
        .orderBy('locationId')
        .forUpdate()
        .execute()
    : [];
  const plan: Plan = [];
  const shortages: Shortage[] = [];
  for (const [sku, quantity] of wanted) {
    const allowBackorder = backorder.get(sku);
    // An unknown SKU is simply unavailable, so a cart can show it as such.
    const result = allowBackorder === undefined ? ({ ok: false, available: 0 } as const) : allocate(quantity, levels.filter((l) => l.sku === sku), defaultId, allowBackorder);
    if (result.ok) plan.push({ sku, allocations: result.allocations });
    else shortages.push({ sku, requested: quantity, available: result.available });
  }
  return { plan, shortages };
}

/** The guarded increment: only with enough free stock, or for a backorder item. */
async function reserveAt(trx: Tx, sku: string, locationId: string, quantity: number) {
  const row = await trx
    .updateTable('inventoryLevel')
    .set((eb) => ({ reserved: eb('reserved', '+', quantity), updatedAt: sql<Date>`now()` }))
    .where('sku', '=', sku)
    .where('locationId', '=', locationId)
    .where((eb) =>
      eb.or([
        eb(eb('onHand', '-', eb.ref('reserved')), '>=', quantity),
        eb.exists(eb.selectFrom('inventoryItem as i').select('i.sku').whereRef('i.sku', '=', 'inventoryLevel.sku').where('i.allowBackorder', '=', true)),
      ]),
    )
    .returning(['onHand', 'reserved'])
    .executeTakeFirst();
  if (!row) throw invariantBroken(`reserving ${quantity} of ${sku} at ${locationId} missed a locked level`);
  return row;
}

export async function reserve(trx: Tx, lines: readonly ReserveLine[], reference?: string | null): Promise<ReserveResult> {
  const { plan, shortages } = await lockAndPlan(trx, mergeLines(lines));
  // All or nothing: decided before the first write, so a shortage leaves no trace.
  if (shortages.length) return { ok: false, shortages };

  const reservationId = newId('rsv');
  await trx.insertInto('inventoryReservation').values({ id: reservationId, reference: reference ?? null, status: 'active' }).execute();
  const movements: NewMovement[] = [];
  const lineRows: { reservationId: string; sku: string; locationId: string; quantity: number }[] = [];
  for (const { sku, allocations } of plan) {
    for (const { locationId, quantity } of allocations.sort((a, b) => (a.locationId < b.locationId ? -1 : 1))) {
      const row = await reserveAt(trx, sku, locationId, quantity);
      lineRows.push({ reservationId, sku, locationId, quantity });
      movements.push({ sku, locationId, kind: 'reserve', deltaOnHand: 0, deltaReserved: quantity, onHandAfter: row.onHand, reservedAfter: row.reserved, reference: reservationId });
    }
  }
  await trx.insertInto('inventoryReservationLine').values(lineRows).execute();
  await writeMovements(trx, movements);
  return { ok: true, reservationId };
}

/** Locks an active reservation and returns its lines in lock order. */
async function lockActive(trx: Tx, reservationId: string) {
  const reservation = await trx.selectFrom('inventoryReservation').select(['id', 'status']).where('id', '=', reservationId).forUpdate().executeTakeFirst();
  if (!reservation) throw inventoryError('INVENTORY_RESERVATION_NOT_FOUND', { detail: `No reservation ${reservationId}` });
  if (reservation.status !== 'active') {
    throw inventoryError('INVENTORY_RESERVATION_NOT_ACTIVE', { detail: `Reservation ${reservationId} is already ${reservation.status}` });
  }
  const lines = await trx
    .selectFrom('inventoryReservationLine')
    .select(['sku', 'locationId', 'quantity'])
    .where('reservationId', '=', reservationId)
    .orderBy('sku')
    .orderBy('locationId')
    .execute();
  // Take the level locks in the global (sku, location) order before changing any of them. A
  // reservation may hold no lines (a flash sale's pool that sold everything).
  if (lines.length === 0) return { lines, levels: [] };
  const levels = await trx
    .selectFrom('inventoryLevel')
    .select(['sku', 'locationId', 'onHand'])
    .where((eb) => eb(eb.refTuple('sku', 'locationId'), 'in', lines.map((l) => eb.tuple(l.sku, l.locationId))))
    .orderBy('sku')
    .orderBy('locationId')
    .forUpdate()
    .execute();
  return { lines, levels };
}

async function close(trx: Tx, reservationId: string, status: 'released' | 'committed', movements: NewMovement[]): Promise<void> {
  await trx.updateTable('inventoryReservation').set({ status, updatedAt: sql<Date>`now()` }).where('id', '=', reservationId).execute();
  await writeMovements(trx, movements);
}

export async function release(trx: Tx, reservationId: string): Promise<void> {
  const { lines } = await lockActive(trx, reservationId);
  const movements: NewMovement[] = [];
  for (const { sku, locationId, quantity } of lines) {
    const row = await trx
      .updateTable('inventoryLevel')
      .set((eb) => ({ reserved: eb('reserved', '-', quantity), updatedAt: sql<Date>`now()` }))
      .where('sku', '=', sku)
      .where('locationId', '=', locationId)
      .where('reserved', '>=', quantity)
      .returning(['onHand', 'reserved'])
      .executeTakeFirst();
    if (!row) throw invariantBroken(`releasing ${quantity} of ${sku} at ${locationId}: level holds less`);
    movements.push({ sku, locationId, kind: 'release', deltaOnHand: 0, deltaReserved: -quantity, onHandAfter: row.onHand, reservedAfter: row.reserved, reference: reservationId });
  }
  await close(trx, reservationId, 'released', movements);
}

export async function commit(trx: Tx, reservationId: string): Promise<void> {
  const { lines, levels } = await lockActive(trx, reservationId);
  // Checked for every line before the first write, so a refusal changes nothing even if the
  // caller catches it and commits its transaction anyway.
  const short = lines.filter((line) => (levels.find((l) => l.sku === line.sku && l.locationId === line.locationId)?.onHand ?? 0) < line.quantity);
  if (short.length) {
    throw inventoryError('INVENTORY_INSUFFICIENT_STOCK', {
      detail: `Backordered units have not arrived yet: ${short.map((l) => `${l.sku} (${l.quantity})`).join(', ')}`,
    });
  }
  const movements: NewMovement[] = [];
  for (const { sku, locationId, quantity } of lines) {
    const row = await trx
      .updateTable('inventoryLevel')
      .set((eb) => ({ onHand: eb('onHand', '-', quantity), reserved: eb('reserved', '-', quantity), updatedAt: sql<Date>`now()` }))
      .where('sku', '=', sku)
      .where('locationId', '=', locationId)
      .where('reserved', '>=', quantity)
      .where('onHand', '>=', quantity)
      .returning(['onHand', 'reserved'])
      .executeTakeFirst();
    if (!row) throw invariantBroken(`committing ${quantity} of ${sku} at ${locationId}: level holds less`);
    movements.push({
      sku,
      locationId,
      kind: 'commit',
      deltaOnHand: -quantity,
      deltaReserved: -quantity,
      onHandAfter: row.onHand,
      reservedAfter: row.reserved,
      reference: reservationId,
    });
  }
  await close(trx, reservationId, 'committed', movements);
}

export async function getReservation(db: Kysely<Database>, reservationId: string): Promise<Reservation> {
  const row = await db.selectFrom('inventoryReservation').selectAll().where('id', '=', reservationId).executeTakeFirst();
  if (!row) throw inventoryError('INVENTORY_RESERVATION_NOT_FOUND', { detail: `No reservation ${reservationId}` });
  const lines = await db
    .selectFrom('inventoryReservationLine as rl')
    .innerJoin('inventoryLocation as loc', 'loc.id', 'rl.locationId')
    .select(['rl.sku', 'loc.code as location', 'rl.quantity'])
    .where('rl.reservationId', '=', reservationId)
    .orderBy('rl.sku')
    .orderBy('loc.code')
    .execute();
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    lines,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
