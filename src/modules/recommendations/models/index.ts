/** Offline recommendation models: pure functions over in-memory data, no I/O. See README.md. */
export { createItemIndex, internItem, selectTop, type ItemId, type ItemIndex, type Scored } from './items.js';
export { buildPopularity, topPopular, type PopularityEvent, type PopularityModel, type PopularityOptions } from './popularity.js';
export {
  buildItemCooccurrence,
  topNeighbours,
  type CooccurrenceModel,
  type CooccurrenceOptions,
  type ItemSequence,
} from './cooccurrence.js';
export { addNeighbourScores, rankWithFallback } from './blend.js';
export {
  buildSequentialModel,
  recommendForUser,
  type ForYouOptions,
  type SequentialModel,
  type SequentialOptions,
} from './sequential.js';
export { buildSessionIndex, recommendNextInSession, type SessionIndex, type SessionKnnOptions } from './session-knn.js';
export { buildCoPurchase, recommendBoughtTogether, type CoPurchaseModel, type CoPurchaseOptions, type Order } from './co-purchase.js';
export {
  buildContentSimilarity,
  productFeatures,
  DEFAULT_FIELD_WEIGHTS,
  type ContentItem,
  type ContentSimilarityOptions,
  type ProductContent,
} from './content.js';
