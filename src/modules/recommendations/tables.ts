import type { Generated } from 'kysely';

/** What a storefront (or the `order.paid` subscriber) reports a shopper did. */
export type RecsEventType = 'view' | 'search' | 'add_to_cart' | 'remove_from_cart' | 'purchase' | 'click_recommendation';

/**
 * Table `recs_event`: raw behaviour events, append-only, compacted into `recs_item_daily` once
 * older than the retention age. Product, customer and order ids point into other modules'
 * tables without foreign keys.
 */
export interface RecsEventTable {
  id: Generated<string>;
  type: RecsEventType;
  productId: string | null;
  sku: string | null;
  query: string | null;
  /** The storefront's anonymous session; null for purchases recorded from `order.paid`. */
  sessionId: string | null;
  customerId: string | null;
  /** Units bought (purchases from orders); 1 otherwise. */
  quantity: Generated<number>;
  /** Set on purchases recorded from `order.paid`: (order, line) is recorded once (unique line). */
  orderId: string | null;
  orderLineId: string | null;
  occurredAt: Date;
  receivedAt: Generated<Date>;
  /** The `recommendationId` of the recommendation the event follows (clicks on recommendations). */
  recommendationId: Generated<string | null>;
}

/** Table `recs_session_customer`: an anonymous session that later signed in as this customer. */
export interface RecsSessionCustomerTable {
  sessionId: string;
  customerId: string;
  linkedAt: Generated<Date>;
}

/** Table `recs_item_daily`: per-product, per-UTC-day counts of compacted events. */
/** Table `recs_rate`: events a session sent in its current one-minute window. */
export interface RecsRateTable {
  sessionId: string;
  windowStart: number;
  events: number;
}

export interface RecsItemDailyTable {
  productId: string;
  day: string;
  views: number;
  carts: number;
  purchases: number;
  distinctSessions: number;
}

/** Table `recs_model`: one row (`current`): the models' version, its training run, and the training lease. */
export interface RecsModelTable {
  id: string;
  version: Generated<string>;
  trainedAt: Date | null;
  events: Generated<number>;
  items: Generated<number>;
  /** The newest `recs_event.id` the models have seen. */
  lastEventId: Generated<string>;
  durationMs: Generated<number>;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/** Which neighbour lists training writes: behaviour (`similar`, `bought`, `next`, `close`) and `content`. */
export type NeighbourKind = 'similar' | 'content' | 'bought' | 'next' | 'close';

/** Table `recs_neighbour`: a product's neighbours in one model, best first. */
export interface RecsNeighbourTable {
  kind: NeighbourKind;
  productId: string;
  neighbours: string[];
  scores: number[];
}

/** Table `recs_list`: a named ranked list of products (`trending`, `trending:<categoryId>`, …). */
export interface RecsListTable {
  name: string;
  productIds: string[];
  scores: number[];
}

/** Table `recs_item`: per product, what serving needs beyond neighbours. */
export interface RecsItemTable {
  productId: string;
  categoryIds: string[];
  repurchase: boolean;
}

/** Table `recs_impression`: one recommended product shown in one response. */
export interface RecsImpressionTable {
  recommendationId: string;
  surface: string;
  reason: string;
  productId: string;
  /** The product (similar, bought together) or cart the list was for. */
  anchorId: string | null;
  sessionId: string | null;
  customerId: string | null;
  modelVersion: string;
  servedAt: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    recsRate: RecsRateTable;
    recsEvent: RecsEventTable;
    recsSessionCustomer: RecsSessionCustomerTable;
    recsItemDaily: RecsItemDailyTable;
    recsModel: RecsModelTable;
    recsNeighbour: RecsNeighbourTable;
    recsList: RecsListTable;
    recsItem: RecsItemTable;
    recsImpression: RecsImpressionTable;
  }
}
