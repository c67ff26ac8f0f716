import type { CooccurrenceModel } from './cooccurrence.js';
import type { ItemId, Scored } from './items.js';
import type { PopularityModel } from './popularity.js';

/** Adds `weight ×` the neighbour scores of `item` into `into`, keyed by item id. */
export function addNeighbourScores<T extends ItemId>(model: CooccurrenceModel<T>, item: T, weight: number, into: Map<T, number>): void {
  const id = model.items.index.get(item);
  if (id === undefined || weight === 0) return;
  const nb = model.neighbours[id]!;
  const sc = model.scores[id]!;
  for (let i = 0; i < nb.length; i++) {
    const other = model.items.ids[nb[i]!]!;
    into.set(other, (into.get(other) ?? 0) + weight * sc[i]!);
  }
}

/**
 * Ranks `scores` (plus a small popularity prior when given), drops `exclude`, and fills up to `k`
 * from the popularity model so an unknown history still gets an answer.
 */
export function rankWithFallback<T extends ItemId>(
  scores: Map<T, number>,
  k: number,
  exclude: ReadonlySet<T>,
  popularity?: PopularityModel<T>,
  popularityWeight = 0,
): Scored<T>[] {
  if (popularity && popularityWeight > 0) {
    const top = popularity.ranked.length ? popularity.score[popularity.ranked[0]!]! : 1;
    for (const [item, s] of scores) {
      const id = popularity.items.index.get(item);
      if (id !== undefined) scores.set(item, s + (popularityWeight * popularity.score[id]!) / top);
    }
  }
  const out: Scored<T>[] = [];
  for (const [item, score] of scores) if (score > 0 && !exclude.has(item)) out.push({ item, score });
  out.sort((a, b) => b.score - a.score || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  if (out.length > k) out.length = k;
  if (out.length < k && popularity) {
    const seen = new Set(out.map((o) => o.item));
    // Fallback scores sit below every model score so the order stays "model first".
    for (const id of popularity.ranked) {
      if (out.length >= k) break;
      const item = popularity.items.ids[id]!;
      if (!seen.has(item) && !exclude.has(item)) out.push({ item, score: 0 });
    }
  }
  return out;
}
