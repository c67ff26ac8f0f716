import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { inventoryError } from './errors.js';
import { resolveLocation } from './locations.js';
import { writeMovements } from './movements.js';
import type { StockSummary } from './schemas.js';

/** Totals of one SKU, as the `inventory_sku_availability` view reports them. */
export interface Availability {
  onHand: number;
  reserved: number;
  /** `onHand − reserved`; negative only when a backorder item reserved beyond its stock. */
  available: number;
  allowBackorder: boolean;
  lowStockThreshold: number;
}

export async function availability(db: Kysely<Database>, skus: readonly string[]): Promise<Map<string, Availability>> {
  const out = new Map<string, Availability>();
  const unique = [...new Set(skus)];
  if (unique.length === 0) return out;
  const rows = await db.selectFrom('inventorySkuAvailability').selectAll().where('sku', 'in', unique).execute();
  for (const { sku, ...rest } of rows) out.set(sku, rest);
  return out;
}

export async function getStock(db: Kysely<Database>, sku: string): Promise<StockSummary> {
  const item = await db.selectFrom('inventoryItem').select(['sku', 'allowBackorder', 'lowStockThreshold']).where('sku', '=', sku).executeTakeFirst();
  if (!item) throw inventoryError('INVENTORY_ITEM_NOT_FOUND', { detail: `No inventory item ${sku}` });
  const levels = await db
    .selectFrom('inventoryLevel as l')
    .innerJoin('inventoryLocation as loc', 'loc.id', 'l.locationId')
    .select(['loc.code', 'l.onHand', 'l.reserved'])
    .where('l.sku', '=', sku)
    .orderBy('loc.isDefault', 'desc')
    .orderBy('loc.code')
    .execute();
  let onHand = 0;
  let reserved = 0;
  const locations = levels.map((l) => {
    onHand += l.onHand;
    reserved += l.reserved;
    return { location: l.code, onHand: l.onHand, reserved: l.reserved, available: l.onHand - l.reserved };
  });
  return { sku: item.sku, onHand, reserved, available: onHand - reserved, allowBackorder: item.allowBackorder, lowStockThreshold: item.lowStockThreshold, locations };
}

export interface SetStockInput {
  sku: string;
  /** Location code; the default location when absent. */
  location?: string | null;
  /** Absolute quantity on hand (a stock count). Exactly one of `onHand` and `delta`. */
  onHand?: number;
  /** Non-zero change to the quantity on hand; needs a `reason`. */
  delta?: number;
  reason?: string | null;
  actorId?: string | null;
  /** Records the movement as `import` (bulk loads) instead of `set` / `adjust`. */
  kind?: 'import';
}

function checkSetStockInput(input: SetStockInput): void {
  const invalid = (field: string, message: string) => inventoryError('INVENTORY_INVALID_INPUT', { detail: `${field} ${message}`, fields: [{ field, message }] });
  if ((input.onHand === undefined) === (input.delta === undefined)) throw invalid('/', 'needs exactly one of onHand and delta');
  if (input.onHand !== undefined && !(Number.isSafeInteger(input.onHand) && input.onHand >= 0)) throw invalid('/onHand', 'must be an integer ≥ 0');
  if (input.delta !== undefined) {
    if (!Number.isSafeInteger(input.delta) || input.delta === 0) throw invalid('/delta', 'must be a non-zero integer');
    if (!input.reason?.trim()) throw invalid('/reason', 'is required with delta');
  }
}

export async function setStock(db: Kysely<Database>, input: SetStockInput): Promise<StockSummary> {
  checkSetStockInput(input);
  const { sku } = input;
  return withTransaction(db, async (trx) => {
    const item = await trx.selectFrom('inventoryItem').select('sku').where('sku', '=', sku).executeTakeFirst();
    if (!item) throw inventoryError('INVENTORY_ITEM_NOT_FOUND', { detail: `No inventory item ${sku}` });
    const location = await resolveLocation(trx, input.location);
    await trx
      .insertInto('inventoryLevel')
      .values({ sku, locationId: location.id })
      .onConflict((oc) => oc.columns(['sku', 'locationId']).doNothing())
      .execute();
    // The lock makes an absolute count a known delta for the ledger; the UPDATE below still
    // carries the invariant itself, so it holds whatever ran before.
    const current = await trx
      .selectFrom('inventoryLevel')
      .select(['onHand', 'reserved'])
      .where('sku', '=', sku)
      .where('locationId', '=', location.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const delta = input.onHand !== undefined ? input.onHand - current.onHand : input.delta!;
    let update = trx
      .updateTable('inventoryLevel')
      .set((eb) => ({ onHand: eb('onHand', '+', delta), updatedAt: sql<Date>`now()` }))
      .where('sku', '=', sku)
      .where('locationId', '=', location.id)
      .where((eb) => eb(eb('onHand', '+', delta), '>=', 0));
    // A decrease may not leave a non-backorder item with less on hand than it has promised.
    // Increases always pass, so stock arriving for an over-reserved item can be recorded.
    if (delta < 0) {
      update = update.where((eb) =>
        eb.or([
          eb(eb('onHand', '+', delta), '>=', eb.ref('reserved')),
          eb.exists(
            eb
              .selectFrom('inventoryItem as i')
              .select('i.sku')
              .whereRef('i.sku', '=', 'inventoryLevel.sku')
              .where('i.allowBackorder', '=', true),
          ),
        ]),
      );
    }
    const row = await update.returning(['onHand', 'reserved']).executeTakeFirst();
    if (!row) {
      const after = current.onHand + delta;
      throw inventoryError('INVENTORY_INVALID_ADJUSTMENT', {
        detail:
          after < 0
            ? `On hand at ${location.code} would be ${after}`
            : `On hand at ${location.code} would be ${after}, below the ${current.reserved} reserved`,
      });
    }
    await writeMovements(trx, [
      {
        sku,
        locationId: location.id,
        kind: input.kind ?? (input.onHand !== undefined ? 'set' : 'adjust'),
        deltaOnHand: delta,
        deltaReserved: 0,
        onHandAfter: row.onHand,
        reservedAfter: row.reserved,
        reason: input.reason?.trim() || null,
        actorId: input.actorId ?? null,
      },
    ]);
    return getStock(trx, sku);
  });
}
