import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';
import type { RedisLink } from '../../platform/redis.js';
import type { TrainingLimits } from './training.js';

/** What the recommendations module needs from the app. */
export interface RecommendationsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** SKU → product id for the given SKUs, in one query (the catalog's); unknown SKUs absent. */
  resolveSkus: (skus: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /**
   * Serving: product ids → what a recommendation card shows, in ONE call (the catalog's and
   * inventory's read). Ids of unknown products are absent from the map.
   */
  cards?: (productIds: readonly string[], currency?: string, locale?: string) => Promise<ReadonlyMap<string, ProductCard>>;
  /** Serving: the id of the published product with this handle, or null. */
  productIdByHandle?: (handle: string) => Promise<string | null>;
  /**
   * Serving: the product ids in a cart, or null for an unknown cart or one `customerId` may not
   * use (a customer's cart is theirs alone; a guest cart is anyone's who has its id).
   */
  cartProducts?: (cartId: string, customerId: string | null) => Promise<readonly string[] | null>;
  /** Serving: the catalog's best sellers (published), best first — the last fallback of a new shop. */
  bestSellers?: (limit: number) => Promise<readonly string[]>;
  /** Serving: products like this one by content (categories, brand), for items with little history. */
  relatedProducts?: (productId: string, limit: number) => Promise<readonly string[]>;
  /** Training: published products' content (titles in every locale, categories, brand, attributes), keyset-paged by id. */
  contentItems?: (afterId: string | null, limit: number) => Promise<ContentItem[]>;
  /** Training: the words of a text (the search module's analyser: normalised, CJK segmented). */
  tokenize?: (text: string) => string[];
  limits?: Partial<RecsLimits>;
  /** Event rate limits count here when given and up (PostgreSQL otherwise). */
  redis?: RedisLink | null;
  training?: Partial<TrainingLimits>;
  /** The clock (tests move it). */
  now?: () => Date;
}

export interface RecsLimits {
  /** Events one session may send per minute (fixed window, per process). */
  eventsPerMinute: number;
  /** Raw events older than this are compacted into daily aggregates and deleted. */
  retentionDays: number;
  /** How far ahead of the server clock `occurredAt` may be (client clock skew). */
  maxFutureSkewMs: number;
  /** Models older than this are retrained even without new events (content and time decay move). */
  retrainAfterMs: number;
  /** How old a product's card (title, price, stock) or handle lookup may be when served (0: read every time). */
  cacheTtlMs: number;
}

export const DEFAULT_RECS_LIMITS: RecsLimits = { eventsPerMinute: 600, retentionDays: 180, maxFutureSkewMs: 5 * 60_000, retrainAfterMs: 3_600_000, cacheTtlMs: 2_000 };

/** Who sent a batch: a signed-in customer, or nobody (anonymous storefront session). */
export interface EventViewer {
  customerId: string | null;
}

/** What serving needs to show (and filter) a recommended product. */
export interface ProductCard {
  handle: string;
  title: string;
  price: { amount: number; currency: string } | null;
  image: { url: string; alt: string | null } | null;
  inStock: boolean;
  published: boolean;
}

/** What content similarity reads about a product. */
export interface ContentItem {
  productId: string;
  texts: string[];
  categoryIds: string[];
  brand: string | null;
  attributes: Record<string, string | number | boolean>;
}
