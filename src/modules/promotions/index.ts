import type { Kysely } from 'kysely';
import type { Database, Tx } from '../../platform/db/index.js';
import type { DiscountEngine } from '../cart/index.js';
import * as admin from './admin.js';
import * as codes from './codes.js';
import type { Actor, PromotionDeps } from './deps.js';
import { createDiscountEngine } from './evaluate.js';
import type { CreateCampaignBody, CreatePromotionBody, PreviewBody, PromotionListQuery, UpdateCampaignBody, UpdatePromotionBody } from './schemas.js';
import * as usage from './usage.js';

export { promotionMigrations } from './migrations.js';
export { promotionAdminRoutes, promotionStoreRoutes } from './routes.js';
export { promotionError } from './errors.js';
export { evaluatePromotions, BPS, type Action, type Condition, type EnginePromotion, type EngineResult, type Target } from './engine.js';
export { MAX_COUPONS_PER_ORDER, type CodeContext } from './codes.js';
export type { UsageInput } from './usage.js';
export type { PromotionDeps } from './deps.js';
export { PromotionSchema, CampaignSchema, type Promotion, type Campaign } from './schemas.js';

/**
 * Promotions, coupon codes and campaigns. Fills the cart's `DiscountEngine` slot (`discounts`),
 * checks codes entered on carts (`validateCode`) and counts usage inside checkout's transaction
 * (`recordUsage`, released by `releaseUsage` when an unpaid order is cancelled).
 */
export function createPromotionsModule(deps: PromotionDeps) {
  const discounts: DiscountEngine = createDiscountEngine(deps);
  return {
    /** The cart's discount engine: reads only through the `db` it is given (the checkout transaction). */
    discounts,

    /**
     * Checks a code entered on a cart (through `db`, the cart's transaction) and returns it as
     * stored (upper-case). Throws 400 COUPON_NOT_FOUND, 409 COUPON_NOT_ACTIVE, COUPON_EXPIRED,
     * COUPON_USAGE_LIMIT_REACHED, COUPON_CUSTOMER_LIMIT_REACHED, COUPON_LOGIN_REQUIRED,
     * COUPON_NOT_APPLICABLE, COUPON_ONE_PER_ORDER, CAMPAIGN_BUDGET_EXHAUSTED.
     */
    validateCode: (db: Kysely<Database>, code: string, ctx: codes.CodeContext): Promise<string> => codes.validateCode(deps, db, code, ctx),

    /**
     * Counts an order's applied promotions in checkout's transaction, re-checking every limit
     * under lock. Throws 409 PROMOTION_USAGE_LIMIT_REACHED, PROMOTION_CUSTOMER_LIMIT_REACHED,
     * CAMPAIGN_BUDGET_EXHAUSTED (the checkout then rolls back).
     */
    recordUsage: (trx: Tx, input: usage.UsageInput): Promise<void> => usage.recordUsage(trx, input),

    /** Releases an order's redemptions (an unpaid order cancelled). Idempotent. */
    releaseUsage: (trx: Tx, orderId: string): Promise<void> => usage.releaseUsage(trx, orderId),

    /** Live promotions (both kinds unless `kind`), newest first. */
    list: (query: PromotionListQuery) => admin.listPromotions(deps, query),
    /** Throws 404 PROMOTION_NOT_FOUND (also for the wrong `kind`). */
    get: (id: string, kind?: 'coupon') => admin.getPromotion(deps, id, kind),
    /** Throws 400 PROMOTION_INVALID, 409 PROMOTION_CODE_TAKEN. Audited `promotion.created`. */
    create: (actor: Actor, body: CreatePromotionBody, asCoupon = false) => admin.createPromotion(deps, actor, body, asCoupon),
    /** Throws 404 PROMOTION_NOT_FOUND, 400 PROMOTION_INVALID, 409 PROMOTION_CODE_TAKEN. Audited `promotion.updated`. */
    update: (actor: Actor, id: string, body: UpdatePromotionBody, kind?: 'coupon') => admin.updatePromotion(deps, actor, id, body, kind),
    /** Soft delete: stops applying at once. Throws 404 PROMOTION_NOT_FOUND. Audited `promotion.deleted`. */
    remove: (actor: Actor, id: string, kind?: 'coupon') => admin.deletePromotion(deps, actor, id, kind),
    /** What a described cart would get; writes nothing. */
    preview: (body: PreviewBody) => admin.preview(deps, body),

    /** Generates unique single-use codes. Throws 404 PROMOTION_NOT_FOUND, 409 COUPON_NOT_A_COUPON. */
    generateCodes: (actor: Actor, id: string, count: number, prefix?: string) => codes.generateCodes(deps, actor, id, count, prefix),
    listCodes: (id: string, limit: number, cursor?: string) => codes.listCodes(deps, id, limit, cursor),
    /** Claims a personal code into the wallet. Throws 404, 409 COUPON_NOT_CLAIMABLE, COUPON_ALREADY_CLAIMED, COUPON_USAGE_LIMIT_REACHED, COUPON_EXPIRED. */
    claim: (customerId: string, id: string) => codes.claim(deps, customerId, id),
    wallet: (customerId: string) => codes.wallet(deps, customerId),

    listCampaigns: () => admin.listCampaigns(deps),
    getCampaign: (id: string) => admin.getCampaign(deps, id),
    /** Throws 400 CAMPAIGN_INVALID. Audited `campaign.created`. */
    createCampaign: (actor: Actor, body: CreateCampaignBody) => admin.createCampaign(deps, actor, body),
    /** Throws 404 CAMPAIGN_NOT_FOUND, 400 CAMPAIGN_INVALID. Audited `campaign.updated`. */
    updateCampaign: (actor: Actor, id: string, body: UpdateCampaignBody) => admin.updateCampaign(deps, actor, id, body),
    /** Orders, GMV, discount spent and redemptions, per promotion. Throws 404 CAMPAIGN_NOT_FOUND. */
    campaignReport: (id: string) => admin.campaignReport(deps, id),
  };
}

export type Promotions = ReturnType<typeof createPromotionsModule>;
