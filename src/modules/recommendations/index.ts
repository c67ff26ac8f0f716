import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import type { RecsEventType } from './tables.js';
import { DEFAULT_RECS_LIMITS, type EventViewer, type RecommendationsDeps } from './deps.js';
import { RECS_FOLLOWED_EVENTS, type CustomerDeletedPayload } from './events.js';
import { ingestEvents } from './ingest.js';
import { createSessionLimiter } from './rate-limit.js';
import { compactEvents, customerEvents, forgetCustomer, recordOrderPurchases } from './retention.js';
import type { EventInput, IngestResult } from './schemas.js';
import { demoComplements, seedDemoBehaviour, type DemoProduct } from './demo.js';
import { createImpressionBuffer, performance, type PerformanceRow } from './impressions.js';
import { createServing, type ServeOptions, type TrainProgress, type TrainResult, type Viewer } from './serving.js';
import { DEFAULT_TRAINING_LIMITS } from './training.js';

export { recommendationMigrations } from './migrations.js';
export { recsEventRoutes } from './routes.js';
export { recsServingRoutes } from './serving-routes.js';
export { type RecItem, type RecReason, type ServeOptions, type TrainProgress, type TrainResult, type Viewer } from './serving.js';
export { buildModelRows, DEFAULT_TRAINING_LIMITS, type ModelState, type TrainingLimits } from './training.js';
export { recsAdminRoutes } from './admin-routes.js';
export type { PerformanceRow, Surface } from './impressions.js';
export type { DemoProduct } from './demo.js';
export { recsError, RECS_REJECTION, type RecsRejectionCode } from './errors.js';
export { RECS_FOLLOWED_EVENTS, type CustomerDeletedPayload, type OrderPaidPayload } from './events.js';
export { DEFAULT_RECS_LIMITS, type ContentItem, type EventViewer, type ProductCard, type RecommendationsDeps, type RecsLimits } from './deps.js';
export { MAX_BATCH, type EventInput, type IngestResult, type Rejection } from './schemas.js';
export type { RecsEventType } from './tables.js';

/** A raw behaviour event as `eventsAfter` returns it. */
export interface BehaviourEvent {
  id: string;
  type: RecsEventType;
  productId: string | null;
  sessionId: string | null;
  customerId: string | null;
  occurredAt: Date;
  query: string | null;
}
/** The pure model code (popularity, co-occurrence, sequential, session kNN, co-purchase), for the service and offline evaluation. */
export * as models from './models/index.js';

/**
 * Behaviour events for recommendations: storefront events (views, searches, cart changes,
 * purchases, clicks on recommendations) and paid orders' lines, kept raw for
 * `limits.retentionDays` and then folded into per-product daily counts.
 */
export function createRecommendationsModule(deps: RecommendationsDeps) {
  const limits = { ...DEFAULT_RECS_LIMITS, ...deps.limits };
  const limiter = createSessionLimiter(deps.db, limits.eventsPerMinute, () => (deps.now?.() ?? new Date()).getTime(), deps.redis ?? null);
  const now = () => deps.now?.() ?? new Date();
  const training = { ...DEFAULT_TRAINING_LIMITS, ...deps.training };
  const impressions = createImpressionBuffer(deps.db, deps.log);
  const serving = createServing(deps, training, impressions, now, { retrainAfterMs: limits.retrainAfterMs, cacheTtlMs: limits.cacheTtlMs });
  return {
    limits,
    training,
    /**
     * Rebuilds the models from the last `trainingDays` of events (at most `trainingRowCap`, the
     * latest) and the catalog's content, and writes them to the model tables under a new version,
     * which every process picks up within seconds. Without `force`, only when due: new events
     * since the last run, or models older than `limits.retrainAfterMs`. One process at a time
     * (`busy` otherwise). Until the first run, every answer comes from the fallbacks.
     */
    train: (opts?: { force?: boolean; progress?: TrainProgress }): Promise<TrainResult> => serving.train(opts),
    /** The models in use: version (0 before any training), when, from how many events, over how many products. */
    modelStatus: serving.status,
    /** Similar products (co-viewed in sessions, then by content), then trending. 404 RECS_PRODUCT_NOT_FOUND. */
    similar: (handle: string, opts: ServeOptions) => serving.similar(handle, opts),
    /** Bought with this product, then trending. 404 RECS_PRODUCT_NOT_FOUND. */
    boughtTogether: (handle: string, opts: ServeOptions) => serving.boughtTogether(handle, opts),
    /** Bought with the cart's products, none in the cart. 404 RECS_CART_NOT_FOUND (also another customer's cart). */
    forCart: (cartId: string, opts: ServeOptions) => serving.forCart(cartId, opts),
    /** "For you" from the customer's or session's latest items, never one of them. */
    forYou: (viewer: Viewer, opts: ServeOptions) => serving.forYou(viewer, opts),
    /**
     * Demo data: generated browsing and buying behaviour over the demo catalog's products (30 days,
     * ~1,500 sessions, complementary categories paired by handle, e.g. phones with headphones),
     * inserted only into a shop without events, then a training run. Returns the events inserted.
     */
    async seedDemo(products: readonly DemoProduct[], categoryIdByHandle: ReadonlyMap<string, string>): Promise<number> {
      const inserted = await seedDemoBehaviour(deps.db, products, { now: now(), complements: demoComplements(categoryIdByHandle) });
      if (inserted > 0) await serving.train({ force: true });
      return inserted;
    },
    /** Writes the buffered impressions (the app calls it every second and on close). */
    flushImpressions: () => impressions.flush(),
    /** Impressions, clicks and click-through per surface and reason for recommendations served in [from, to). */
    performance: (from: Date, to: Date): Promise<PerformanceRow[]> => performance(deps.db, from, to),
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

    /** Compacts events and deletes impressions older than `limits.retentionDays` (the background sweep). */
    async compactExpired(): Promise<number> {
      const before = new Date(now().getTime() - limits.retentionDays * 86_400_000);
      const compacted = await compactEvents(deps.db, before);
      await deps.db.deleteFrom('recsImpression').where('servedAt', '<', before).execute();
      if (compacted > 0) deps.log.info({ compacted }, 'recommendation events compacted');
      return compacted;
    },

    /** A customer's events, oldest first, including their linked sessions' anonymous events. */
    customerEvents: (customerId: string) => customerEvents(deps.db, customerId),

    /**
     * Raw behaviour events after `afterId` in id order (keyset; `'0'` = from the start), at most
     * `limit`, received before `receivedBefore` (so a batch whose id was taken but not yet
     * committed is not skipped past). For read models built from behaviour (analytics): pass a
     * transaction as `db` to read inside it. Compacted events (older than `limits.retentionDays`)
     * are gone. Ids are decimal strings (bigint).
     */
    async eventsAfter(db: Kysely<Database>, afterId: string, limit: number, receivedBefore: Date): Promise<BehaviourEvent[]> {
      const rows = await db
        .selectFrom('recsEvent')
        .select(['id', 'type', 'productId', 'sessionId', 'customerId', 'occurredAt', 'query'])
        .where('id', '>', afterId)
        .where('receivedAt', '<', receivedBefore)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, id: String(r.id) }));
    },

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
