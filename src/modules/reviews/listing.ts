import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import { platformError } from '../../platform/errors.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import type { ReviewDeps } from './deps.js';
import { reviewError } from './errors.js';
import { ratingStats } from './rating.js';
import type { AdminReview, AdminReviewQuery, CustomerReview, ProductReviewPage, ProductReviewQuery } from './schemas.js';
import { toAdminReview, toCustomerReview, toStoreReview } from './view.js';

type Page<T> = { items: T[]; nextCursor: string | null };

/** A `[helpfulCount, id]` cursor of the "helpful" order. */
function helpfulCursor(cursor: string): [number, string] {
  const [count, id] = decodeCursor(cursor, 2);
  if (typeof count !== 'number' || !Number.isInteger(count) || typeof id !== 'string') {
    throw platformError('PAGINATION_INVALID_CURSOR', { detail: 'The cursor is not one this API issued' });
  }
  return [count, id];
}

/** An `[id]` cursor of the newest-first orders. */
function idCursor(cursor: string): string {
  const [id] = decodeCursor(cursor, 1);
  if (typeof id !== 'string') throw platformError('PAGINATION_INVALID_CURSOR', { detail: 'The cursor is not one this API issued' });
  return id;
}

/**
 * A page of a product's published reviews with its rating summary (over every published review,
 * whatever `rating` filters). Throws 404 `REVIEW_PRODUCT_NOT_FOUND` when `resolveProduct` knows no
 * such product, 400 `PAGINATION_INVALID_CURSOR`.
 */
export async function listProductReviews(deps: ReviewDeps, handle: string, query: ProductReviewQuery): Promise<ProductReviewPage> {
  const product = await deps.resolveProduct(handle);
  if (!product) throw reviewError('REVIEW_PRODUCT_NOT_FOUND', { detail: `No product ${handle}` });
  let q = deps.db.selectFrom('review').selectAll().where('productId', '=', product.id).where('status', '=', 'published').limit(query.limit + 1);
  if (query.rating !== undefined) q = q.where('rating', '=', query.rating);
  if (query.sort === 'helpful') {
    q = q.orderBy('helpfulCount', 'desc').orderBy('id', 'desc');
    if (query.cursor) {
      const [count, id] = helpfulCursor(query.cursor);
      q = q.where((eb) => eb(eb.refTuple('helpfulCount', 'id'), '<', eb.tuple(count, id)));
    }
  } else {
    q = q.orderBy('id', 'desc');
    if (query.cursor) q = q.where('id', '<', idCursor(query.cursor));
  }
  const [rows, stats] = await Promise.all([q.execute(), ratingStats(deps.db, product.id)]);
  const page = toPage(rows, query.limit, toStoreReview, (r) => (query.sort === 'helpful' ? [r.helpfulCount, r.id] : [r.id]));
  return { ...page, ratingAverage: stats.count ? stats.average : null, ratingCount: stats.count, distribution: stats.distribution };
}

/** The customer's own reviews, newest first, published or hidden. */
export async function listCustomerReviews(db: Kysely<Database>, customerId: string, page: { limit: number; cursor?: string }): Promise<Page<CustomerReview>> {
  let q = db.selectFrom('review').selectAll().where('customerId', '=', customerId).orderBy('id', 'desc').limit(page.limit + 1);
  if (page.cursor) q = q.where('id', '<', idCursor(page.cursor));
  return toPage(await q.execute(), page.limit, toCustomerReview, (r) => [r.id]);
}

/** Staff listing, newest first, filtered by status, product and rating. */
export async function listAdminReviews(db: Kysely<Database>, query: AdminReviewQuery): Promise<Page<AdminReview>> {
  let q = db.selectFrom('review').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.productId) q = q.where('productId', '=', query.productId);
  if (query.rating !== undefined) q = q.where('rating', '=', query.rating);
  if (query.cursor) q = q.where('id', '<', idCursor(query.cursor));
  return toPage(await q.execute(), query.limit, toAdminReview, (r) => [r.id]);
}

/** One review as staff see it. Throws 404 `REVIEW_NOT_FOUND`. */
export async function getAdminReview(db: Kysely<Database>, id: string): Promise<AdminReview> {
  const row = await db.selectFrom('review').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw reviewError('REVIEW_NOT_FOUND', { detail: `No review ${id}` });
  return toAdminReview(row);
}
