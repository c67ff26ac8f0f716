import type { Tx } from '../../platform/db/index.js';
import type { Inventory } from '../inventory/index.js';

interface Shown {
  available: number;
  allowBackorder: boolean;
  lowStockThreshold: number;
}

/**
 * What the store shows of a SKU with `available` units: in stock or not (cards, listings'
 * `inStock`, a variant's `available`), and the exact count at or below the low-stock threshold
 * (`quantityLeft`). Mirrors store-products.ts.
 */
function display(a: Shown, available: number): string {
  if (a.allowBackorder) return 'backorder';
  if (available <= 0) return 'out';
  return available <= a.lowStockThreshold ? `left:${available}` : 'in';
}

function totals(lines: readonly { sku: string; quantity: number }[], sign: 1 | -1): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) out.set(l.sku, (out.get(l.sku) ?? 0) + sign * l.quantity);
  return out;
}

/**
 * The inventory module, telling `changed(trx)` (inside the transaction) when a stock change
 * outside the admin routes alters what the store shows: a reservation (checkout, a flash sale
 * starting) that sells a SKU out or moves it into its low-stock count, or a release or restock
 * (cancellation, refund, a sale ending) that does the reverse. Changes that leave the display as
 * it was (most orders of a well-stocked SKU) cost one availability read and nothing else.
 */
export function watchStoreStock(inventory: Inventory, changed: (trx: Tx) => Promise<void>): Inventory {
  async function check(trx: Tx, deltas: Map<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    const after = await inventory.availability(trx, [...deltas.keys()]);
    for (const [sku, delta] of deltas) {
      const a = after.get(sku);
      if (a && display(a, a.available) !== display(a, a.available - delta)) return changed(trx);
    }
  }
  return {
    ...inventory,
    async reserve(trx, lines, reference) {
      const result = await inventory.reserve(trx, lines, reference);
      if (result.ok) await check(trx, totals(lines, -1));
      return result;
    },
    async release(trx, reservationId) {
      const held = await inventory.getReservation(trx, reservationId);
      await inventory.release(trx, reservationId);
      if (held.status === 'active') await check(trx, totals(held.lines, 1));
    },
    async restock(trx, lines, reference, reason) {
      await inventory.restock(trx, lines, reference, reason);
      await check(trx, totals(lines, 1));
    },
  };
}
