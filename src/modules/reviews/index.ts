import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Actor, ReviewDeps } from './deps.js';
import { voteHelpful } from './helpful.js';
import { getAdminReview, listAdminReviews, listCustomerReviews, listProductReviews } from './listing.js';
import { setVisibility } from './moderation.js';
import { ratingStats, type RatingStats } from './rating.js';
import type { AdminReview, AdminReviewQuery, CustomerReview, OrderReviews, ProductReviewPage, ProductReviewQuery, ReviewItemInput } from './schemas.js';
import { createReviews, orderReviews } from './submit.js';

export { reviewMigrations } from './migrations.js';
export { reviewStoreRoutes, reviewAdminRoutes } from './routes.js';
export { reviewError } from './errors.js';
export { REVIEW_EVENTS, type ReviewCreatedPayload, type ReviewModeratedPayload } from './events.js';
export { AdminReviewSchema, CustomerReviewSchema, StoreReviewSchema, type AdminReview, type CustomerReview, type StoreReview } from './schemas.js';
export type { Actor, RatingSummary, ReviewableLine, ReviewDeps } from './deps.js';
export type { RatingStats } from './rating.js';
export type { ReviewStatus } from './tables.js';

/**
 * Product reviews by customers of delivered orders: one review per order line, "helpful" votes,
 * staff moderation. Keeps the catalog's rating of each product equal to the mean of its
 * published reviews, in the same transaction as every change that affects it.
 */
export function createReviewsModule(deps: ReviewDeps) {
  return {
    /**
     * Reviews lines of the customer's order, all items or none (one transaction, which also
     * refreshes the products' ratings through `catalog.setRating` and publishes `review.created`
     * per review). Each SKU takes the next unreviewed line with it. Throws 404 `ORDER_NOT_FOUND`
     * (from orders: missing or another customer's order), 409 `REVIEW_ORDER_NOT_DELIVERED`,
     * 400 `REVIEW_LINE_NOT_IN_ORDER`, 409 `REVIEW_ALREADY_EXISTS` (also when a concurrent request
     * reviewed a line first), 400 `REVIEW_INVALID_INPUT` (one line twice in the request).
     */
    create: (customerId: string, orderId: string, items: readonly ReviewItemInput[]): Promise<CustomerReview[]> => createReviews(deps, customerId, orderId, items),

    /** The lines of the customer's order, each with its review or null. Throws 404 `ORDER_NOT_FOUND`. */
    forOrder: (customerId: string, orderId: string): Promise<OrderReviews> => orderReviews(deps, customerId, orderId),

    /**
     * A page of a product's published reviews (`newest` or `helpful` first, optionally one star
     * rating) with `ratingAverage` (null without reviews), `ratingCount` and `distribution` over
     * all its published reviews. Throws 404 `REVIEW_PRODUCT_NOT_FOUND`, 400 `PAGINATION_INVALID_CURSOR`.
     */
    listForProduct: (handle: string, query: ProductReviewQuery): Promise<ProductReviewPage> => listProductReviews(deps, handle, query),

    /** The customer's own reviews, newest first, including hidden ones. Throws 400 `PAGINATION_INVALID_CURSOR`. */
    listMine: (customerId: string, page: { limit: number; cursor?: string }) => listCustomerReviews(deps.db, customerId, page),

    /**
     * Marks a published review helpful for this customer; idempotent (one vote per customer).
     * Throws 404 `REVIEW_NOT_FOUND` (hidden reviews too), 409 `REVIEW_OWN_REVIEW`.
     */
    markHelpful: (customerId: string, reviewId: string): Promise<void> => voteHelpful(deps.db, customerId, reviewId),

    /** Staff listing, newest first. Throws 400 `PAGINATION_INVALID_CURSOR`. */
    listAdmin: (query: AdminReviewQuery) => listAdminReviews(deps.db, query),

    /** One review as staff see it. Throws 404 `REVIEW_NOT_FOUND`. */
    getAdmin: (id: string): Promise<AdminReview> => getAdminReview(deps.db, id),

    /**
     * Hides a review from the store with a reason, audited, refreshing the product's rating and
     * publishing `review.hidden` when it was published. Throws 404 `REVIEW_NOT_FOUND`.
     */
    hide: (actor: Actor, id: string, reason: string): Promise<AdminReview> => setVisibility(deps, actor, id, 'hidden', reason),

    /**
     * Publishes a hidden review again, audited, refreshing the product's rating and publishing
     * `review.shown` when it was hidden. Throws 404 `REVIEW_NOT_FOUND`.
     */
    show: (actor: Actor, id: string): Promise<AdminReview> => setVisibility(deps, actor, id, 'published', null),

    /** A product's published rating as stored by `refreshRatings` (mean 0 without reviews). */
    ratingOf: (db: Kysely<Database>, productId: string): Promise<RatingStats> => ratingStats(db, productId),
  };
}

export type Reviews = ReturnType<typeof createReviewsModule>;
