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

declare module '../../platform/db/schema.js' {
  interface Database {
    recsRate: RecsRateTable;
    recsEvent: RecsEventTable;
    recsSessionCustomer: RecsSessionCustomerTable;
    recsItemDaily: RecsItemDailyTable;
  }
}
