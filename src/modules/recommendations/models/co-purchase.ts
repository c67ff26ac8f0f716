import { addNeighbourScores, rankWithFallback } from './blend.js';
import { buildItemCooccurrence, type CooccurrenceModel } from './cooccurrence.js';
import type { ItemId, Scored } from './items.js';
import { buildPopularity, type PopularityModel, type PopularityOptions } from './popularity.js';

/** An order (basket): its distinct items and, optionally, who placed it and when. */
export interface Order<T extends ItemId> {
  items: readonly T[];
  user?: string | number;
  time?: number;
}

/** "Bought together": basket co-occurrence plus purchase popularity as fallback. */
export interface CoPurchaseModel<T extends ItemId> {
  pairs: CooccurrenceModel<T>;
  popularity: PopularityModel<T>;
}

export interface CoPurchaseOptions {
  /** Neighbours kept per item. Default 50. */
  maxNeighbours?: number;
  popularity?: PopularityOptions;
}

/** Builds the co-purchase model: pairs from orders with ≥ 2 distinct items, popularity from all orders. */
export function buildCoPurchase<T extends ItemId>(orders: Iterable<Order<T>>, opts: CoPurchaseOptions = {}): CoPurchaseModel<T> {
  const list = [...orders].map((o) => ({ ...o, items: [...new Set(o.items)] }));
  return {
    pairs: buildItemCooccurrence(
      list.filter((o) => o.items.length >= 2),
      { window: Infinity, distanceDecay: 1, backwardWeight: 1, popularityDamping: 0.5, maxNeighbours: opts.maxNeighbours ?? 50 },
    ),
    popularity: buildPopularity(
      list.flatMap((o, i) => o.items.map((item) => ({ item, user: o.user ?? `order:${i}`, time: o.time }))),
      opts.popularity,
    ),
  };
}

/** Items bought with those in `basket`, best first, topped up by popularity; never returns basket items. */
export function recommendBoughtTogether<T extends ItemId>(model: CoPurchaseModel<T>, basket: readonly T[], k: number): Scored<T>[] {
  const scores = new Map<T, number>();
  for (const item of new Set(basket)) addNeighbourScores(model.pairs, item, 1, scores);
  return rankWithFallback(scores, k, new Set(basket), model.popularity);
}
