import { sql, type Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import { withTransaction } from '../../platform/db/index.js';
import { inventoryError } from './errors.js';
import type { StockSummary, UpdateItemBody } from './schemas.js';
import { getStock } from './stock.js';

export interface EnsureItem {
  sku: string;
  /** Set when given (null clears); left alone when absent. */
  variantId?: string | null;
  /** Set when given; new items default to false. */
  allowBackorder?: boolean;
  /** Set when given; new items default to 5. */
  lowStockThreshold?: number;
}

const invalid = (field: string, message: string) => inventoryError('INVENTORY_INVALID_INPUT', { detail: `${field} ${message}`, fields: [{ field, message }] });

function checkSku(sku: unknown, field: string): asserts sku is string {
  if (typeof sku !== 'string' || sku.length < 1 || sku.length > 100) throw invalid(field, 'must be 1–100 characters');
}

function checkThreshold(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw invalid(field, 'must be an integer ≥ 0');
}

export async function ensureItems(trx: Tx, items: readonly EnsureItem[]): Promise<void> {
  // One entry per SKU (later entries win field by field), in SKU order so concurrent callers
  // take the item rows' locks in the same order.
  const merged = new Map<string, EnsureItem>();
  items.forEach((item, i) => {
    checkSku(item.sku, `/${i}/sku`);
    checkThreshold(item.lowStockThreshold, `/${i}/lowStockThreshold`);
    const given = Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as Partial<EnsureItem>;
    merged.set(item.sku, { ...merged.get(item.sku), ...given, sku: item.sku });
  });
  for (const sku of [...merged.keys()].sort()) {
    const item = merged.get(sku)!;
    const given = {
      ...(item.variantId !== undefined ? { variantId: item.variantId } : {}),
      ...(item.allowBackorder !== undefined ? { allowBackorder: item.allowBackorder } : {}),
      ...(item.lowStockThreshold !== undefined ? { lowStockThreshold: item.lowStockThreshold } : {}),
    };
    await trx
      .insertInto('inventoryItem')
      .values({ sku, variantId: null, ...given })
      .onConflict((oc) => (Object.keys(given).length ? oc.column('sku').doUpdateSet({ ...given, updatedAt: sql<Date>`now()` }) : oc.column('sku').doNothing()))
      .execute();
  }
}

export async function renameSku(trx: Tx, oldSku: string, newSku: string): Promise<void> {
  checkSku(newSku, '/newSku');
  if (oldSku === newSku) return;
  const item = await trx.selectFrom('inventoryItem').select('sku').where('sku', '=', oldSku).forUpdate().executeTakeFirst();
  if (!item) throw inventoryError('INVENTORY_ITEM_NOT_FOUND', { detail: `No inventory item ${oldSku}` });
  const taken = await trx.selectFrom('inventoryItem').select('sku').where('sku', '=', newSku).executeTakeFirst();
  if (taken) throw inventoryError('INVENTORY_SKU_TAKEN', { detail: `${newSku} already has an inventory item` });
  // Levels follow through ON UPDATE CASCADE; the ledger and reservation lines have no foreign
  // key (they outlive items), so they are renamed here to keep the item's history whole.
  await trx.updateTable('inventoryItem').set({ sku: newSku, updatedAt: sql<Date>`now()` }).where('sku', '=', oldSku).execute();
  await trx.updateTable('inventoryMovement').set({ sku: newSku }).where('sku', '=', oldSku).execute();
  await trx.updateTable('inventoryReservationLine').set({ sku: newSku }).where('sku', '=', oldSku).execute();
}

export async function removeItems(trx: Tx, skus: readonly string[]): Promise<void> {
  const unique = [...new Set(skus)].sort();
  if (unique.length === 0) return;
  // Locking the items first makes the reservation check below race-free: reserve() takes a
  // share lock on the same rows before it writes any line.
  await trx.selectFrom('inventoryItem').select('sku').where('sku', 'in', unique).orderBy('sku').forUpdate().execute();
  const held = await trx
    .selectFrom('inventoryReservationLine as rl')
    .innerJoin('inventoryReservation as r', 'r.id', 'rl.reservationId')
    .select('rl.sku')
    .distinct()
    .where('rl.sku', 'in', unique)
    .where('r.status', '=', 'active')
    .orderBy('rl.sku')
    .execute();
  if (held.length) throw inventoryError('INVENTORY_ITEM_RESERVED', { detail: `Active reservations hold ${held.map((h) => h.sku).join(', ')}` });
  await trx.deleteFrom('inventoryItem').where('sku', 'in', unique).execute();
}

export async function updateItem(db: Kysely<Database>, sku: string, input: UpdateItemBody): Promise<StockSummary> {
  checkThreshold(input.lowStockThreshold, '/lowStockThreshold');
  return withTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('inventoryItem')
      .set({
        ...(input.allowBackorder !== undefined ? { allowBackorder: input.allowBackorder } : {}),
        ...(input.lowStockThreshold !== undefined ? { lowStockThreshold: input.lowStockThreshold } : {}),
        updatedAt: sql<Date>`now()`,
      })
      .where('sku', '=', sku)
      .returning('sku')
      .executeTakeFirst();
    if (!row) throw inventoryError('INVENTORY_ITEM_NOT_FOUND', { detail: `No inventory item ${sku}` });
    return getStock(trx, sku);
  });
}
