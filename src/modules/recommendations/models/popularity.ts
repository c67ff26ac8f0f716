import { createItemIndex, internItem, type ItemId, type ItemIndex, type Scored } from './items.js';

/** One interaction counted by the popularity model. */
export interface PopularityEvent<T extends ItemId> {
  item: T;
  /** Who did it; with `minUsers`, items seen by fewer distinct users score 0 (one bot cannot make a hit). */
  user?: string | number;
  /** Any monotonic clock (ms, days, sequence number) in the same unit as `halfLife` and `now`. */
  time?: number;
  weight?: number;
}

export interface PopularityOptions {
  /** Time for an event's weight to halve, in the unit of `time`; omitted = no decay. */
  halfLife?: number;
  /** Reference time for the decay; default = the latest event time. */
  now?: number;
  /** Minimum distinct users for an item to count (events without `user` count as distinct). Default 1. */
  minUsers?: number;
}

/** Items ranked by (time-decayed) interaction weight. */
export interface PopularityModel<T extends ItemId> {
  items: ItemIndex<T>;
  score: Float64Array;
  /** Dense ids with a positive score, best first. */
  ranked: Int32Array;
}

/** Builds the popularity baseline / fallback. Pure: iterates `events` once (twice' worth of memory at most). */
export function buildPopularity<T extends ItemId>(events: Iterable<PopularityEvent<T>>, opts: PopularityOptions = {}): PopularityModel<T> {
  const items = createItemIndex<T>();
  const raw: { id: number; time: number | undefined; weight: number }[] = [];
  const minUsers = opts.minUsers ?? 1;
  const users = new Map<number, Set<string | number>>();
  const anonymous = new Map<number, number>();
  let latest = -Infinity;
  for (const e of events) {
    const id = internItem(items, e.item);
    raw.push({ id, time: e.time, weight: e.weight ?? 1 });
    if (e.time !== undefined && e.time > latest) latest = e.time;
    if (minUsers > 1) {
      if (e.user === undefined) anonymous.set(id, (anonymous.get(id) ?? 0) + 1);
      else {
        const set = users.get(id) ?? new Set();
        // Only "at least minUsers" matters, so stop growing the set there.
        if (set.size < minUsers) set.add(e.user);
        users.set(id, set);
      }
    }
  }
  const now = opts.now ?? latest;
  const score = new Float64Array(items.ids.length);
  for (const { id, time, weight } of raw) {
    const decay = opts.halfLife && time !== undefined ? Math.pow(0.5, Math.max(0, now - time) / opts.halfLife) : 1;
    score[id]! += weight * decay;
  }
  if (minUsers > 1) {
    for (let id = 0; id < score.length; id++) {
      if ((users.get(id)?.size ?? 0) + (anonymous.get(id) ?? 0) < minUsers) score[id] = 0;
    }
  }
  const ranked = Int32Array.from(score.keys()).filter((id) => score[id]! > 0);
  ranked.sort((a, b) => score[b]! - score[a]! || a - b);
  return { items, score, ranked };
}

/** The `k` most popular items not in `exclude`. */
export function topPopular<T extends ItemId>(model: PopularityModel<T>, k: number, exclude: Iterable<T> = []): Scored<T>[] {
  const skip = new Set(exclude);
  const out: Scored<T>[] = [];
  for (const id of model.ranked) {
    if (out.length >= k) break;
    const item = model.items.ids[id]!;
    if (!skip.has(item)) out.push({ item, score: model.score[id]! });
  }
  return out;
}
