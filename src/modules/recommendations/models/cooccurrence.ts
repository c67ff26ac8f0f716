import { createItemIndex, internItem, selectTop, type ItemId, type ItemIndex, type Scored } from './items.js';

/** A browsing session, order or user history, items oldest first. */
export interface ItemSequence<T extends ItemId> {
  items: readonly T[];
  /** Multiplies every pair from this sequence (e.g. recency of the session); default 1. */
  weight?: number;
}

export interface CooccurrenceOptions {
  /** Pairs at most this many positions apart count; Infinity = whole sequence (baskets). Default 3. */
  window?: number;
  /** Weight of a pair at distance d is `distanceDecay^(d-1)`. Default 0.8. */
  distanceDecay?: number;
  /** Weight of "b came before a" relative to "b followed a"; 1 = symmetric, 0 = strictly what followed. Default 0.5. */
  backwardWeight?: number;
  /** β in c(a,b) / (n(a)^(1-β) · n(b)^β): 0 = P(b|a), 0.5 = cosine, higher damps best-sellers. Default 0.5. */
  popularityDamping?: number;
  /** Neighbours kept per item. Default 100. */
  maxNeighbours?: number;
}

/** Normalised, directional neighbour lists: `neighbours[a]` are dense ids, best first, scores in `scores[a]`. */
export interface CooccurrenceModel<T extends ItemId> {
  items: ItemIndex<T>;
  neighbours: Int32Array[];
  scores: Float32Array[];
  /** Weighted occurrence count per dense id. */
  counts: Float64Array;
}

function addPair(pairs: Map<number, number>[], a: number, b: number, w: number): void {
  let row = pairs[a];
  if (!row) pairs[a] = row = new Map();
  row.set(b, (row.get(b) ?? 0) + w);
}

/**
 * Counts item pairs inside a sliding window over each sequence ("what followed what", plus a
 * weighted share of "what came before"), normalises them and keeps the top neighbours per item.
 * Repeats of the same item in one sequence are not paired with themselves.
 */
export function buildItemCooccurrence<T extends ItemId>(sequences: Iterable<ItemSequence<T>>, opts: CooccurrenceOptions = {}): CooccurrenceModel<T> {
  const window = opts.window ?? 3;
  const decay = opts.distanceDecay ?? 0.8;
  const backward = opts.backwardWeight ?? 0.5;
  const beta = opts.popularityDamping ?? 0.5;
  const maxNeighbours = opts.maxNeighbours ?? 100;
  const items = createItemIndex<T>();
  const pairs: Map<number, number>[] = [];
  const countList: number[] = [];
  for (const seq of sequences) {
    const w = seq.weight ?? 1;
    const ids = seq.items.map((it) => internItem(items, it));
    for (const id of ids) countList[id] = (countList[id] ?? 0) + w;
    for (let i = 0; i < ids.length; i++) {
      const end = Math.min(ids.length, i + 1 + window);
      for (let j = i + 1; j < end; j++) {
        const a = ids[i]!;
        const b = ids[j]!;
        if (a === b) continue;
        const pw = w * Math.pow(decay, j - i - 1);
        addPair(pairs, a, b, pw);
        if (backward > 0) addPair(pairs, b, a, pw * backward);
      }
    }
  }
  const n = items.ids.length;
  const counts = Float64Array.from({ length: n }, (_, i) => countList[i] ?? 0);
  const neighbours: Int32Array[] = new Array(n);
  const scores: Float32Array[] = new Array(n);
  for (let a = 0; a < n; a++) {
    const row = pairs[a];
    const normalised = new Map<number, number>();
    if (row) for (const [b, c] of row) normalised.set(b, c / (Math.pow(counts[a]!, 1 - beta) * Math.pow(counts[b]!, beta)));
    const top = selectTop(normalised, maxNeighbours);
    neighbours[a] = Int32Array.from(top, (t) => t[0]);
    scores[a] = Float32Array.from(top, (t) => t[1]);
    pairs[a] = undefined as unknown as Map<number, number>;
  }
  return { items, neighbours, scores, counts };
}

/** The `k` best neighbours of `item` (empty for an unknown item), skipping `exclude`. */
export function topNeighbours<T extends ItemId>(model: CooccurrenceModel<T>, item: T, k: number, exclude: Iterable<T> = []): Scored<T>[] {
  const id = model.items.index.get(item);
  if (id === undefined) return [];
  const skip = new Set(exclude);
  const out: Scored<T>[] = [];
  const nb = model.neighbours[id]!;
  for (let i = 0; i < nb.length && out.length < k; i++) {
    const other = model.items.ids[nb[i]!]!;
    if (!skip.has(other)) out.push({ item: other, score: model.scores[id]![i]! });
  }
  return out;
}
