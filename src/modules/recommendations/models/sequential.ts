import { addNeighbourScores, rankWithFallback } from './blend.js';
import { buildItemCooccurrence, type CooccurrenceModel, type ItemSequence } from './cooccurrence.js';
import type { ItemId, Scored } from './items.js';
import { buildPopularity, type PopularityModel, type PopularityOptions } from './popularity.js';

/** The three parts of the "for you" recommender. */
export interface SequentialModel<T extends ItemId> {
  /** Strict "what followed what" (window 1 by default). */
  transitions: CooccurrenceModel<T>;
  /** Symmetric item-item similarity over a wider window. */
  similarity: CooccurrenceModel<T>;
  popularity: PopularityModel<T>;
}

export interface SequentialOptions {
  /** Window of the transition counts. Default 1. */
  transitionWindow?: number;
  /** Window of the similarity counts. Default 5. */
  similarityWindow?: number;
  /** Neighbours kept per item. Default 100. */
  maxNeighbours?: number;
  /** β of the transition counts (see CooccurrenceOptions.popularityDamping); 0 = P(next | item). Default 0. */
  transitionDamping?: number;
  /** β of the similarity counts. Default 0. */
  similarityDamping?: number;
  popularity?: PopularityOptions;
}

/** Builds the "for you" models from user histories (items oldest first). */
export function buildSequentialModel<T extends ItemId>(histories: Iterable<ItemSequence<T>>, opts: SequentialOptions = {}): SequentialModel<T> {
  const list = [...histories];
  const maxNeighbours = opts.maxNeighbours ?? 100;
  return {
    transitions: buildItemCooccurrence(list, { window: opts.transitionWindow ?? 1, backwardWeight: 0, popularityDamping: opts.transitionDamping ?? 0, maxNeighbours }),
    similarity: buildItemCooccurrence(list, { window: opts.similarityWindow ?? 5, distanceDecay: 0.8, backwardWeight: 1, popularityDamping: opts.similarityDamping ?? 0, maxNeighbours }),
    popularity: buildPopularity(
      list.flatMap((s, u) => s.items.map((item) => ({ item, user: u }))),
      opts.popularity,
    ),
  };
}

export interface ForYouOptions {
  /** How many of the latest history items vote. Default 5. */
  lastN?: number;
  /** Vote of the r-th latest item is `recencyDecay^r`. Default 0.5. */
  recencyDecay?: number;
  /** Weight of item-item similarity relative to transitions. Default 0.5. */
  similarityWeight?: number;
  /** Weight of the normalised popularity prior on candidates. Default 0.01. */
  popularityWeight?: number;
}

/**
 * "For you": scores the items that followed (and resemble) the user's last few items, weighted by
 * recency, plus a small popularity prior; never returns an item already in `history`.
 */
export function recommendForUser<T extends ItemId>(model: SequentialModel<T>, history: readonly T[], k: number, opts: ForYouOptions = {}): Scored<T>[] {
  const lastN = opts.lastN ?? 5;
  const decay = opts.recencyDecay ?? 0.5;
  const simWeight = opts.similarityWeight ?? 0.5;
  const scores = new Map<T, number>();
  for (let r = 0; r < lastN && r < history.length; r++) {
    const item = history[history.length - 1 - r]!;
    const w = Math.pow(decay, r);
    addNeighbourScores(model.transitions, item, w, scores);
    addNeighbourScores(model.similarity, item, w * simWeight, scores);
  }
  return rankWithFallback(scores, k, new Set(history), model.popularity, opts.popularityWeight ?? 0.01);
}
