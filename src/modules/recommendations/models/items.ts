/** An item id as the caller knows it: a catalogue UUID/string or a numeric id. */
export type ItemId = string | number;

/** One scored recommendation. */
export interface Scored<T extends ItemId> {
  item: T;
  score: number;
}

/** Dense numbering of item ids, so models can keep their state in typed arrays. */
export interface ItemIndex<T extends ItemId> {
  ids: T[];
  index: Map<T, number>;
}

/** Creates an empty item index. */
export function createItemIndex<T extends ItemId>(): ItemIndex<T> {
  return { ids: [], index: new Map() };
}

/** Returns the dense id of `item`, adding it on first sight. */
export function internItem<T extends ItemId>(idx: ItemIndex<T>, item: T): number {
  let id = idx.index.get(item);
  if (id === undefined) {
    id = idx.ids.length;
    idx.ids.push(item);
    idx.index.set(item, id);
  }
  return id;
}

/**
 * The `k` best entries of a sparse score map, highest first; ties go to the smaller dense id so
 * results are deterministic. Entries in `exclude` and scores ≤ 0 are skipped.
 */
export function selectTop(scores: Map<number, number>, k: number, exclude?: ReadonlySet<number>): [number, number][] {
  const out: [number, number][] = [];
  for (const [id, s] of scores) if (s > 0 && !exclude?.has(id)) out.push([id, s]);
  out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return out.length > k ? out.slice(0, k) : out;
}
