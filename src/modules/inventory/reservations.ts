import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { allocate, type Allocation } from './allocation.js';
import { inventoryError } from './errors.js';
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
  // The default location rides along with the item locks (it is not locked: only items are).
  const items = await trx
    .selectFrom('inventoryItem')
    .select((eb) => ['sku', 'allowBackorder', eb.selectFrom('inventoryLocation').select('id').where('isDefault', '=', true).as('defaultLocationId')])
    .where('sku', 'in', wanted.map(([sku]) => sku))
    .orderBy('sku')
    .forShare('inventoryItem')
    .execute();
  const backorder = new Map(items.map((i) => [i.sku, i.allowBackorder]));
  // Without any known SKU nothing is allocated, so no location is needed.
  const defaultId = items.length ? (items[0]!.defaultLocationId ?? noDefaultLocation()) : '';
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

function noDefaultLocation(): never {
  throw inventoryError('INVENTORY_LOCATION_NOT_FOUND', { detail: 'No default location' });
}

/** One level change of a reservation: `quantity` units of `sku` at `locationId`. */
interface LevelChange {
  sku: string;
  locationId: string;
  quantity: number;
}

/** How a reservation step changes each level it names, and the guard that keeps stock whole. */
const STEPS = {
  // Only with enough free stock, or for a backorder item.
  reserve: {
    set: sql`reserved = l.reserved + v.quantity`,
    guard: sql`(l.on_hand - l.reserved >= v.quantity or exists (select 1 from inventory_item i where i.sku = l.sku and i.allow_backorder))`,
    deltaOnHand: 0,
    deltaReserved: 1,
  },
  release: { set: sql`reserved = l.reserved - v.quantity`, guard: sql`l.reserved >= v.quantity`, deltaOnHand: 0, deltaReserved: -1 },
  commit: { set: sql`on_hand = l.on_hand - v.quantity, reserved = l.reserved - v.quantity`, guard: sql`l.reserved >= v.quantity and l.on_hand >= v.quantity`, deltaOnHand: -1, deltaReserved: -1 },
} as const;

/**
 * Applies one reservation step to levels the caller has locked, in one statement: the guarded
 * UPDATE of every level, a ledger row per level (`reference` = the reservation) with the level's
 * new quantities, and `alsoWrite`: the reservation's own rows, each a statement that may read the
 * changes as `v(sku, location_id, quantity)`. Each (sku, location) appears once in `changes`. A
 * level the guard refuses is a broken invariant (the caller planned under the locks): it throws,
 * and the transaction must roll back.
 */
async function applyStep(trx: Tx, step: keyof typeof STEPS, reservationId: string, changes: readonly LevelChange[], alsoWrite: readonly RawBuilder<unknown>[]): Promise<void> {
  const { set, guard, deltaOnHand, deltaReserved } = STEPS[step];
  // Ledger ids are made here, in the order given, so the ledger lists the changes in that order.
  const { rows } = await sql<{ sku: string; locationId: string }>`
    with v as (
      select * from unnest(${changes.map((c) => c.sku)}::text[], ${changes.map((c) => c.locationId)}::text[],
                           ${changes.map((c) => c.quantity)}::int[], ${changes.map(() => newId('mov'))}::text[])
        as v(sku, location_id, quantity, movement_id)),
    u as (
      update inventory_level l set ${set}, updated_at = now()
        from v where l.sku = v.sku and l.location_id = v.location_id and ${guard}
        returning v.movement_id, l.sku, l.location_id, v.quantity, l.on_hand, l.reserved),
    m as (
      insert into inventory_movement (id, sku, location_id, kind, delta_on_hand, delta_reserved, on_hand_after, reserved_after, reference)
        select movement_id, sku, location_id, ${step}, ${deltaOnHand} * quantity, ${deltaReserved} * quantity, on_hand, reserved, ${reservationId} from u)
    ${sql.join(alsoWrite.map((w, i) => sql`, ${sql.id(`w${i}`)} as (${w})`), sql``)}
    select sku, location_id from u`.execute(trx);
  if (rows.length === changes.length) return;
  const missed = changes.find((c) => !rows.some((r) => r.sku === c.sku && r.locationId === c.locationId))!;
  throw invariantBroken(`${step} of ${missed.quantity} of ${missed.sku} at ${missed.locationId} missed a locked level`);
}

export async function reserve(trx: Tx, lines: readonly ReserveLine[], reference?: string | null): Promise<ReserveResult> {
  const { plan, shortages } = await lockAndPlan(trx, mergeLines(lines));
  // All or nothing: decided before the first write, so a shortage leaves no trace.
  if (shortages.length) return { ok: false, shortages };

  const reservationId = newId('rsv');
  const changes = plan.flatMap(({ sku, allocations }) =>
    allocations.sort((a, b) => (a.locationId < b.locationId ? -1 : 1)).map(({ locationId, quantity }) => ({ sku, locationId, quantity })),
  );
  // The reservation and its lines are written in the same statement as the levels.
  await applyStep(
    trx,
    'reserve',
    reservationId,
    changes,
    [
      sql`insert into inventory_reservation (id, reference, status) values (${reservationId}, ${reference ?? null}, 'active')`,
      sql`insert into inventory_reservation_line (reservation_id, sku, location_id, quantity) select ${reservationId}, sku, location_id, quantity from v`,
    ],
  );
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

/** Marks a locked active reservation `status`, in the statement that changes its levels. */
const closeAs = (reservationId: string, status: 'released' | 'committed') =>
  sql`update inventory_reservation set status = ${status}, updated_at = now() where id = ${reservationId}`;

export async function release(trx: Tx, reservationId: string): Promise<void> {
  const { lines } = await lockActive(trx, reservationId);
  await applyStep(trx, 'release', reservationId, lines, [closeAs(reservationId, 'released')]);
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
  await applyStep(trx, 'commit', reservationId, lines, [closeAs(reservationId, 'committed')]);
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
