import { buildItemCooccurrence, type CooccurrenceModel, type CooccurrenceOptions } from './cooccurrence.js';
import { createItemIndex, internItem, selectTop, type ItemId, type ItemIndex, type Scored } from './items.js';

/** Past sessions in a compact form: session s holds `items[offsets[s] .. offsets[s+1])`, oldest session first. */
export interface SessionIndex<T extends ItemId> {
  items: ItemIndex<T>;
  sessionItems: Int32Array;
  offsets: Int32Array;
  /** Per dense item id, the sessions containing it in ascending (= oldest first) order. */
  postings: Int32Array[];
  /** Item-to-item transitions of the same sessions, when built (see `SessionIndexOptions.transitions`). */
  transitions?: CooccurrenceModel<T>;
}

export interface SessionIndexOptions {
  /**
   * Options of the item-to-item transitions counted alongside (`buildItemCooccurrence`, for
   * `transitionWeight`); false = none. Default `{ popularityDamping: 0.15 }`.
   */
  transitions?: CooccurrenceOptions | false;
}

/**
 * Indexes past sessions for session-based kNN. Sessions must arrive oldest first: their order is
 * the recency used to pick neighbours.
 */
export function buildSessionIndex<T extends ItemId>(sessions: Iterable<{ items: readonly T[] }>, opts: SessionIndexOptions = {}): SessionIndex<T> {
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
  const index: SessionIndex<T> = {
    items,
    sessionItems: Int32Array.from(flat),
    offsets: Int32Array.from(offsets),
    postings: Array.from({ length: items.ids.length }, (_, i) => Int32Array.from(post[i] ?? [])),
  };
  const transitions = opts.transitions ?? { popularityDamping: 0.15 };
  if (transitions) index.transitions = buildItemCooccurrence(sessionsOf(index), transitions);
  return index;
}

function* sessionsOf<T extends ItemId>(index: SessionIndex<T>): Generator<{ items: T[] }> {
  for (let s = 0; s + 1 < index.offsets.length; s++) {
    const items: T[] = [];
    for (let j = index.offsets[s]!; j < index.offsets[s + 1]!; j++) items.push(index.items.ids[index.sessionItems[j]!]!);
    yield { items };
  }
}

export interface SessionKnnOptions {
  /** Most recent candidate sessions considered (those sharing an item with the current one). Default 1000. */
  sampleSize?: number;
  /** Most similar sessions that vote. Default 200. */
  neighbours?: number;
  /** An item j positions away from the last shared item in a neighbour votes `positionDecay^(j-1)`. Default 0.7. */
  positionDecay?: number;
  /** Vote of items that came before the shared item, relative to those after. Default 0.5. */
  backwardWeight?: number;
  /** Similarity is divided by (neighbour length)^lengthNorm, so long sessions don't dominate. Default 0.5. */
  lengthNorm?: number;
  /** Vote of the shared item itself (people return to items they viewed). Default 1. */
  anchorWeight?: number;
  /** When set, the i-th latest item of the current session weighs `recencyDecay^i`; default linear (i+1)/L. */
  recencyDecay?: number;
  /**
   * A past session's similarity halves every this many sessions back (sessions are the clock);
   * 0 = no recency. Default 80,000.
   */
  sessionHalfLife?: number;
  /** A shared item counts `idf^idfPower` in the similarity, idf = ln(1 + N / sessions with it); 0 = off. Default 2. */
  idfPower?: number;
  /**
   * Blend of item-to-item transitions (`index.transitions`) from the latest `transitionItems`
   * distinct items of the session, the k-th latest weighing 2^-(k-1): each adds up to
   * `transitionWeight` × the best neighbour score. 0 = off. Default 0.1.
   */
  transitionWeight?: number;
  /** See `transitionWeight`. Default 3. */
  transitionItems?: number;
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
 * items weigh more the later they came (and the rarer they are, IDF); past sessions sharing them
 * count more the more recent they are, and vote for their items weighted by similarity and by
 * distance to the shared item. A share of the last items' transitions is blended in. May return
 * items already in the session (people go back to things), unless listed in `exclude`.
 */
export function recommendNextInSession<T extends ItemId>(
  index: SessionIndex<T>,
  session: readonly T[],
  k: number,
  opts: SessionKnnOptions = {},
  exclude: Iterable<T> = [],
): Scored<T>[] {
  const weight = new Map<number, number>();
  const nSessions = index.offsets.length - 1;
  const idfPower = opts.idfPower ?? 2;
  session.forEach((it, i) => {
    const id = index.items.index.get(it);
    if (id === undefined) return;
    let w = opts.recencyDecay ? Math.pow(opts.recencyDecay, session.length - 1 - i) : (i + 1) / session.length;
    if (idfPower) w *= Math.pow(Math.log(1 + nSessions / index.postings[id]!.length), idfPower);
    weight.set(id, w);
  });
  if (weight.size === 0) return [];
  const cands = candidateSessions(index as SessionIndex<ItemId>, [...weight.keys()], opts.sampleSize ?? 1000);
  const sims = new Map<number, number>();
  const lengthNorm = opts.lengthNorm ?? 0.5;
  const halfLife = opts.sessionHalfLife ?? 80_000;
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
    if (halfLife) sim *= Math.pow(0.5, (newest - s) / halfLife);
    sims.set(s, sim);
  }
  const decay = opts.positionDecay ?? 0.7;
  const backward = opts.backwardWeight ?? 0.5;
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
  addTransitions(index, session, scores, opts.transitionWeight ?? 0.1, opts.transitionItems ?? 3);
  const skip = new Set<number>();
  for (const it of exclude) {
    const id = index.items.index.get(it);
    if (id !== undefined) skip.add(id);
  }
  return selectTop(scores, k, skip).map(([id, score]) => ({ item: index.items.ids[id]!, score }));
}

/** Adds the transitions of the latest `nItems` distinct items, scaled to the best kNN score. */
function addTransitions<T extends ItemId>(index: SessionIndex<T>, session: readonly T[], scores: Map<number, number>, weight: number, nItems: number): void {
  const tr = index.transitions;
  if (!tr || weight <= 0 || nItems <= 0) return;
  let top = 0;
  for (const v of scores.values()) if (v > top) top = v;
  const scale = weight * (top > 0 ? top : 1);
  const used = new Set<number>();
  for (let i = session.length - 1; i >= 0 && used.size < nItems; i--) {
    const src = tr.items.index.get(session[i]!);
    if (src === undefined || used.has(src)) continue;
    used.add(src);
    const nb = tr.neighbours[src]!;
    const sc = tr.scores[src]!;
    if (!sc.length || !(sc[0]! > 0)) continue;
    const w = (scale * Math.pow(0.5, used.size - 1)) / sc[0]!;
    for (let n = 0; n < nb.length; n++) {
      const id = index.items.index.get(tr.items.ids[nb[n]!]!);
      if (id !== undefined) scores.set(id, (scores.get(id) ?? 0) + w * sc[n]!);
    }
  }
}
