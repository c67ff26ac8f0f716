/** A level as the allocator sees it (locked by the caller). */
export interface LevelSnapshot {
  locationId: string;
  onHand: number;
  reserved: number;
}

export interface Allocation {
  locationId: string;
  quantity: number;
}

export type AllocationResult = { ok: true; allocations: Allocation[] } | { ok: false; available: number };

/**
 * Splits `quantity` of one SKU over its locations: the default location first, then the others
 * by most available (ties by location id, so the result is deterministic). A backorder item puts
 * whatever stock cannot cover on the default location; any other item with too little stock
 * gets `{ ok: false, available }`. Pure: the caller holds the rows' locks and applies the result
 * with guarded updates.
 */
export function allocate(quantity: number, levels: readonly LevelSnapshot[], defaultLocationId: string, allowBackorder: boolean): AllocationResult {
  const free = (l: LevelSnapshot) => Math.max(0, l.onHand - l.reserved);
  const ordered = [...levels].sort(
    (a, b) =>
      Number(b.locationId === defaultLocationId) - Number(a.locationId === defaultLocationId) ||
      free(b) - free(a) ||
      (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0),
  );
  const allocations: Allocation[] = [];
  let remaining = quantity;
  for (const level of ordered) {
    if (remaining === 0) break;
    const take = Math.min(remaining, free(level));
    if (take > 0) {
      allocations.push({ locationId: level.locationId, quantity: take });
      remaining -= take;
    }
  }
  if (remaining > 0) {
    if (!allowBackorder) return { ok: false, available: quantity - remaining };
    const onDefault = allocations.find((a) => a.locationId === defaultLocationId);
    if (onDefault) onDefault.quantity += remaining;
    else allocations.push({ locationId: defaultLocationId, quantity: remaining });
  }
  return { ok: true, allocations };
}
