import { createItemIndex, internItem, selectTop, type ItemId, type ItemIndex, type Scored } from './items.js';

/** Past sessions in a compact form: session s holds `items[offsets[s] .. offsets[s+1])`, oldest session first. */
export interface SessionIndex<T extends ItemId> {
  items: ItemIndex<T>;
  sessionItems: Int32Array;
  offsets: Int32Array;
  /** Per dense item id, the sessions containing it in ascending (= oldest first) order. */
  postings: Int32Array[];
}

/**
 * Indexes past sessions for session-based kNN. Sessions must arrive oldest first: their order is
 * the recency used to pick neighbours.
 */
export function buildSessionIndex<T extends ItemId>(sessions: Iterable<{ items: readonly T[] }>): SessionIndex<T> {
  const items = createItemIndex<T>();
  const flat: number[] = [];
  const offsets: number[] = [0];
  const post: number[][] = [];
  for (const s of sessions) {
    const sid = offsets.length - 1;
    for (const it of s.items) {
      const id = internItem(items, it);
      flat.push(id);
      const list = (post[id] ??= []);
      if (list[list.length - 1] !== sid) list.push(sid);
    }
    offsets.push(flat.length);
  }
  return {
    items,
    sessionItems: Int32Array.from(flat),
    offsets: Int32Array.from(offsets),
    postings: Array.from({ length: items.ids.length }, (_, i) => Int32Array.from(post[i] ?? [])),
  };
}

export interface SessionKnnOptions {
  /** Most recent candidate sessions considered (those sharing an item with the current one). Default 1000. */
  sampleSize?: number;
  /** Most similar sessions that vote. Default 200. */
  neighbours?: number;
  /** An item j positions away from the last shared item in a neighbour votes `positionDecay^(j-1)`. Default 0.6. */
  positionDecay?: number;
  /** Vote of items that came before the shared item, relative to those after. Default 1. */
  backwardWeight?: number;
  /** Similarity is divided by (neighbour length)^lengthNorm, so long sessions don't dominate. Default 0.5. */
  lengthNorm?: number;
  /** Vote of the shared item itself (people return to items they viewed). Default 1. */
  anchorWeight?: number;
  /** When set, the i-th latest item of the current session weighs `recencyDecay^i`; default linear (i+1)/L. */
  recencyDecay?: number;
  /** When set, a past session's similarity halves every this many sessions back (sessions are the clock). */
  sessionHalfLife?: number;
}

function candidateSessions(index: SessionIndex<ItemId>, ids: number[], sampleSize: number): Int32Array {
  const seen = new Set<number>();
  for (const id of ids) {
    const p = index.postings[id]!;
    for (let i = Math.max(0, p.length - sampleSize); i < p.length; i++) seen.add(p[i]!);
  }
  const all = Int32Array.from(seen).sort();
  return all.length > sampleSize ? all.subarray(all.length - sampleSize) : all;
}

/**
 * "Next in session" by V-SKNN with neighbour-position weighting (STAN): the current session's
 * items weigh more the later they came; past sessions sharing them vote for their items, weighted
 * by similarity and by distance to the shared item. May return items already in the session
 * (people go back to things), unless listed in `exclude`.
 */
export function recommendNextInSession<T extends ItemId>(
  index: SessionIndex<T>,
  session: readonly T[],
  k: number,
  opts: SessionKnnOptions = {},
  exclude: Iterable<T> = [],
): Scored<T>[] {
  const weight = new Map<number, number>();
  session.forEach((it, i) => {
    const id = index.items.index.get(it);
    const w = opts.recencyDecay ? Math.pow(opts.recencyDecay, session.length - 1 - i) : (i + 1) / session.length;
    if (id !== undefined) weight.set(id, w);
  });
  if (weight.size === 0) return [];
  const cands = candidateSessions(index as SessionIndex<ItemId>, [...weight.keys()], opts.sampleSize ?? 1000);
  const sims = new Map<number, number>();
  const lengthNorm = opts.lengthNorm ?? 0.5;
  const newest = index.offsets.length - 2;
  for (const s of cands) {
    let sim = 0;
    const seen = new Set<number>();
    for (let j = index.offsets[s]!; j < index.offsets[s + 1]!; j++) {
      const id = index.sessionItems[j]!;
      if (seen.has(id)) continue;
      seen.add(id);
      sim += weight.get(id) ?? 0;
    }
    if (lengthNorm) sim /= Math.pow(seen.size, lengthNorm);
    if (opts.sessionHalfLife) sim *= Math.pow(0.5, (newest - s) / opts.sessionHalfLife);
    sims.set(s, sim);
  }
  const decay = opts.positionDecay ?? 0.6;
  const backward = opts.backwardWeight ?? 1;
  const anchor0 = opts.anchorWeight ?? 1;
  const scores = new Map<number, number>();
  for (const [s, sim] of selectTop(sims, opts.neighbours ?? 200)) {
    const start = index.offsets[s]!;
    const end = index.offsets[s + 1]!;
    // Anchor on the shared item the current session touched last.
    let anchor = start;
    let best = -1;
    for (let j = start; j < end; j++) {
      const w = weight.get(index.sessionItems[j]!) ?? -1;
      if (w >= best) [best, anchor] = [w, j];
    }
    for (let j = start; j < end; j++) {
      const d = j - anchor;
      const w = d > 0 ? Math.pow(decay, d - 1) : d < 0 ? backward * Math.pow(decay, -d - 1) : anchor0;
      if (w > 0) scores.set(index.sessionItems[j]!, (scores.get(index.sessionItems[j]!) ?? 0) + sim * w);
    }
  }
  const skip = new Set<number>();
  for (const it of exclude) {
    const id = index.items.index.get(it);
    if (id !== undefined) skip.add(id);
  }
  return selectTop(scores, k, skip).map(([id, score]) => ({ item: index.items.ids[id]!, score }));
}
