import type { DomainEvent } from '../../platform/events/index.js';
import { DEFAULT_RECS_LIMITS, type EventViewer, type RecommendationsDeps } from './deps.js';
import { RECS_FOLLOWED_EVENTS, type CustomerDeletedPayload } from './events.js';
import { ingestEvents } from './ingest.js';
import { createSessionLimiter } from './rate-limit.js';
import { compactEvents, customerEvents, forgetCustomer, recordOrderPurchases } from './retention.js';
import type { EventInput, IngestResult } from './schemas.js';
import { createServing, DEFAULT_SERVING_LIMITS } from './serving.js';

export { recommendationMigrations } from './migrations.js';
export { recsEventRoutes } from './routes.js';
export { recsServingRoutes } from './serving-routes.js';
export { DEFAULT_SERVING_LIMITS, trainModels, type RecItem, type RecReason, type ServeOptions, type ServingLimits } from './serving.js';
export { recsError, RECS_REJECTION, type RecsRejectionCode } from './errors.js';
export { RECS_FOLLOWED_EVENTS, type CustomerDeletedPayload, type OrderPaidPayload } from './events.js';
export { DEFAULT_RECS_LIMITS, type EventViewer, type ProductCard, type RecommendationsDeps, type RecsLimits } from './deps.js';
export { MAX_BATCH, type EventInput, type IngestResult, type Rejection } from './schemas.js';
export type { RecsEventType } from './tables.js';
/** The pure model code (popularity, co-occurrence, sequential, session kNN, co-purchase), for the service and offline evaluation. */
export * as models from './models/index.js';

/**
 * Behaviour events for recommendations: storefront events (views, searches, cart changes,
 * purchases, clicks on recommendations) and paid orders' lines, kept raw for
 * `limits.retentionDays` and then folded into per-product daily counts.
 */
export function createRecommendationsModule(deps: RecommendationsDeps) {
  const limits = { ...DEFAULT_RECS_LIMITS, ...deps.limits };
  const limiter = createSessionLimiter(deps.db, limits.eventsPerMinute, () => (deps.now?.() ?? new Date()).getTime());
  const now = () => deps.now?.() ?? new Date();
  const serving = createServing(deps, DEFAULT_SERVING_LIMITS, now);
  return {
    limits,
    /**
     * Rebuilds every serving model from the last 90 days of events (at most 500k, the latest) and
     * swaps them in. Until the first run, every answer comes from the fallbacks.
     */
    train: serving.train,
    /** When the models in use were trained, from how many events, over how many products. */
    modelStatus: serving.status,
    /** Similar products (co-viewed in sessions), then trending. 404 RECS_PRODUCT_NOT_FOUND. */
    similar: serving.similar,
    /** Bought with this product, then trending. 404 RECS_PRODUCT_NOT_FOUND. */
    boughtTogether: serving.boughtTogether,
    /** Bought with the cart's products, none in the cart. 404 RECS_CART_NOT_FOUND. */
    forCart: serving.forCart,
    /** "For you" from the customer's or session's latest items, never one of them. */
    forYou: serving.forYou,
    /**
     * Stores a batch of storefront events for `viewer` (a signed-in customer or anonymous) with one
     * multi-row INSERT, and links the batch's sessions to the customer when there is one (their
     * earlier anonymous events then count for them). Bad events are rejected one by one with a
     * reason (`RECS_EVENT_*`, see `RECS_REJECTION`); the rest are stored. SKUs without a product
     * id are resolved in one catalog lookup. Throws 429 RECS_RATE_LIMITED (with Retry-After) when
     * a session would pass `limits.eventsPerMinute`; nothing is stored then.
     */
    ingest: (batch: readonly EventInput[], viewer: EventViewer): Promise<IngestResult> => ingestEvents(deps, limits, limiter, batch, viewer),

    /**
     * Deletes every event of the customer: those sent with their token and those of sessions
     * linked to them, and the links themselves. Returns the number of events deleted. Idempotent.
     */
    forgetCustomer: (customerId: string): Promise<number> => forgetCustomer(deps.db, customerId),

    /**
     * Folds events that occurred before the UTC day of `before` into `recs_item_daily` (views,
     * carts, purchased units, distinct sessions per product and day) and deletes them, in one
     * transaction. Idempotent: a second run finds nothing to fold. Returns the events compacted.
     */
    compactEvents: (before: Date): Promise<number> => compactEvents(deps.db, before),

    /** Compacts everything older than `limits.retentionDays` (the background sweep). */
    async compactExpired(): Promise<number> {
      const compacted = await compactEvents(deps.db, new Date(now().getTime() - limits.retentionDays * 86_400_000));
      if (compacted > 0) deps.log.info({ compacted }, 'recommendation events compacted');
      return compacted;
    },

    /** A customer's events, oldest first, including their linked sessions' anonymous events. */
    customerEvents: (customerId: string) => customerEvents(deps.db, customerId),

    /**
     * The events this module follows, each with its handler: `order.paid` (lines become
     * purchases, once per order line) and `customer.deleted` (`forgetCustomer`).
     */
    subscriptions: (): [name: string, handler: (event: DomainEvent) => Promise<void>][] => [
      [RECS_FOLLOWED_EVENTS.orderPaid, (event) => recordOrderPurchases(deps.db, event)],
      [
        RECS_FOLLOWED_EVENTS.customerDeleted,
        async (event) => {
          const { customerId } = event.payload as CustomerDeletedPayload;
          if (typeof customerId === 'string') await forgetCustomer(deps.db, customerId);
        },
      ],
    ],
  };
}

export type Recommendations = ReturnType<typeof createRecommendationsModule>;
