import type { ColumnType, Generated } from 'kysely';
import type { Action, Condition } from './engine.js';

export type PromotionKind = 'automatic' | 'coupon';
export type Stacking = 'exclusive' | 'stackable';
export type RedemptionStatus = 'reserved' | 'released';

/**
 * Table `promotion`: one rule set (conditions → actions). `kind = 'coupon'` needs a code: the
 * shared `code` and/or generated codes in `promotion_code`. `used_count` counts reserved
 * redemptions (kept in step by checkout and unpaid cancellation under the row lock).
 */
export interface PromotionTable {
  id: string;
  name: string;
  kind: PromotionKind;
  /** A single shared code, stored upper-case; unique among live promotions. */
  code: string | null;
  priority: number;
  stacking: Stacking;
  conditions: ColumnType<Condition[], string, string>;
  actions: ColumnType<Action[], string, string>;
  usageLimit: number | null;
  perCustomerLimit: number | null;
  usedCount: Generated<number>;
  /** Customers may claim a personal code of it into their wallet. */
  claimable: Generated<boolean>;
  active: Generated<boolean>;
  startsAt: Date | null;
  endsAt: Date | null;
  campaignId: string | null;
  deletedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `promotion_code`: a generated or claimed single-use code of a coupon. */
export interface PromotionCodeTable {
  code: string;
  promotionId: string;
  /** The customer who claimed it into their wallet; only they may use it. */
  customerId: string | null;
  usedCount: Generated<number>;
  claimedAt: Date | null;
  createdAt: Generated<Date>;
}

/** Table `promotion_redemption`: one promotion used by one order (unique per order and promotion). */
export interface PromotionRedemptionTable {
  id: string;
  promotionId: string;
  orderId: string;
  code: string | null;
  customerId: string | null;
  campaignId: string | null;
  currency: string;
  amount: number;
  /** The order's total as placed (campaign GMV). */
  orderTotal: number;
  status: RedemptionStatus;
  createdAt: Generated<Date>;
  releasedAt: Date | null;
}

/** Table `promotion_campaign`: groups promotions (and flash sales) under a window and a budget. */
export interface PromotionCampaignTable {
  id: string;
  name: string;
  startsAt: Date | null;
  endsAt: Date | null;
  /** Maximum total discount in `currency` minor units; null = unlimited. */
  budget: number | null;
  currency: string;
  /** Discount of reserved redemptions (kept under the row lock at checkout). */
  spent: Generated<number>;
  active: Generated<boolean>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    promotion: PromotionTable;
    promotionCode: PromotionCodeTable;
    promotionRedemption: PromotionRedemptionTable;
    promotionCampaign: PromotionCampaignTable;
  }
}
