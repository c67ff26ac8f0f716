import type { ColumnType, Generated } from 'kysely';

export type ReviewStatus = 'published' | 'hidden';

/**
 * Table `review`: one customer's review of one order line (unique `order_line_id`). Product,
 * order, line and customer ids are copied from the orders module at creation; there are no
 * foreign keys into other modules' tables.
 */
export interface ReviewTable {
  id: string;
  productId: string;
  orderId: string;
  orderLineId: string;
  customerId: string;
  sku: string;
  /** 1–5 (CHECK). */
  rating: number;
  title: string | null;
  body: string;
  /** Image URLs (http/https), at most 9; read as an array, written as a JSON string. */
  images: ColumnType<string[], string, string>;
  status: Generated<ReviewStatus>;
  /** Votes in `review_helpful_vote`, kept in step by the vote's own transaction. */
  helpfulCount: Generated<number>;
  /** Why staff hid it; null while published. Never shown to customers. */
  hiddenReason: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `review_helpful_vote`: one "helpful" vote per (review, customer). */
export interface ReviewHelpfulVoteTable {
  reviewId: string;
  customerId: string;
  createdAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    review: ReviewTable;
    reviewHelpfulVote: ReviewHelpfulVoteTable;
  }
}
