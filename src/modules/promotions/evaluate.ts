import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { DiscountEngine, DiscountInput } from '../cart/index.js';
import type { PromotionDeps } from './deps.js';
import { evaluatePromotions, type Action, type Condition, type EnginePromotion, type EngineResult } from './engine.js';

/** A promotion row as the engine loader reads it, with its campaign and the matched code. */
export interface CandidateRow {
  id: string;
  name: string;
  kind: 'automatic' | 'coupon';
  code: string | null;
  priority: number;
  stacking: 'exclusive' | 'stackable';
  conditions: Condition[];
  actions: Action[];
  usageLimit: number | null;
  perCustomerLimit: number | null;
  usedCount: number;
  active: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
  campaignId: string | null;
  budget: string | number | null;
  spent: string | number | null;
  campaignCurrency: string | null;
  campaignStartsAt: Date | null;
  campaignEndsAt: Date | null;
  campaignActive: boolean | null;
  generatedCode: string | null;
  codeCustomerId: string | null;
  codeUsedCount: number | null;
  customerUses: number;
}

/** Codes are compared upper-case, trimmed. */
export const normalizeCode = (code: string) => code.trim().toUpperCase();

/**
 * The promotions that may touch a cart, in ONE statement: live automatic promotions in their
 * window, and every promotion one of `codes` names (shared or generated code, whatever its
 * state, so the engine can say why it does not apply), with their campaign, the matched code
 * and the customer's reserved redemptions of each.
 */
export async function loadCandidates(db: Kysely<Database>, codes: readonly string[], customerId: string | null, now: Date): Promise<CandidateRow[]> {
  const list = [...new Set(codes.map(normalizeCode))];
  const { rows } = await sql<CandidateRow>`
    select p.id, p.name, p.kind, p.code, p.priority, p.stacking, p.conditions, p.actions, p.usage_limit, p.per_customer_limit,
      p.used_count, p.active, p.starts_at, p.ends_at, p.campaign_id,
      c.budget, c.spent, c.currency as campaign_currency, c.starts_at as campaign_starts_at, c.ends_at as campaign_ends_at, c.active as campaign_active,
      pc.code as generated_code, pc.customer_id as code_customer_id, pc.used_count as code_used_count,
      (select count(*)::int from promotion_redemption r where r.promotion_id = p.id and r.customer_id = ${customerId} and r.status = 'reserved') as customer_uses
    from promotion p
    left join promotion_campaign c on c.id = p.campaign_id
    left join promotion_code pc on pc.promotion_id = p.id and pc.code = any(${list}::text[])
    where p.deleted_at is null
      and ((p.kind = 'automatic' and p.active and (p.starts_at is null or p.starts_at <= ${now}) and (p.ends_at is null or p.ends_at > ${now}))
        or p.code = any(${list}::text[]) or pc.code is not null)
    order by p.priority desc, p.id`.execute(db);
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

export type CouponProblemCode =
  | 'COUPON_NOT_FOUND'
  | 'COUPON_NOT_ACTIVE'
  | 'COUPON_EXPIRED'
  | 'COUPON_USAGE_LIMIT_REACHED'
  | 'COUPON_CUSTOMER_LIMIT_REACHED'
  | 'COUPON_LOGIN_REQUIRED'
  | 'CAMPAIGN_BUDGET_EXHAUSTED'
  | 'COUPON_NOT_APPLICABLE';

/**
 * Why a loaded promotion cannot apply whatever the cart holds (state, window, limits, code,
 * campaign), with the error code a coupon entry answers; null when nothing blocks it.
 */
export function blocker(row: CandidateRow, customerId: string | null, currency: string, now: Date): { error: CouponProblemCode; reason: string } | null {
  if (row.generatedCode !== null) {
    if (row.codeCustomerId !== null && row.codeCustomerId !== customerId) return { error: 'COUPON_NOT_FOUND', reason: 'the code belongs to another customer' };
    if ((row.codeUsedCount ?? 0) >= 1) return { error: 'COUPON_USAGE_LIMIT_REACHED', reason: 'the code has been used' };
  }
  if (!row.active) return { error: 'COUPON_NOT_ACTIVE', reason: 'inactive' };
  if (row.startsAt && now < row.startsAt) return { error: 'COUPON_NOT_ACTIVE', reason: 'not started yet' };
  if (row.endsAt && now >= row.endsAt) return { error: 'COUPON_EXPIRED', reason: 'ended' };
  if (row.campaignId !== null) {
    if (!row.campaignActive) return { error: 'COUPON_NOT_ACTIVE', reason: 'its campaign is inactive' };
    if (row.campaignStartsAt && now < row.campaignStartsAt) return { error: 'COUPON_NOT_ACTIVE', reason: 'its campaign has not started' };
    if (row.campaignEndsAt && now >= row.campaignEndsAt) return { error: 'COUPON_EXPIRED', reason: 'its campaign has ended' };
    if (row.budget !== null) {
      if (row.campaignCurrency !== currency) return { error: 'COUPON_NOT_APPLICABLE', reason: `its campaign budget is in ${row.campaignCurrency}` };
      if (Number(row.spent) >= Number(row.budget)) return { error: 'CAMPAIGN_BUDGET_EXHAUSTED', reason: 'campaign budget spent' };
    }
  }
  if (row.usageLimit !== null && row.usedCount >= row.usageLimit) return { error: 'COUPON_USAGE_LIMIT_REACHED', reason: 'usage limit reached' };
  if (row.perCustomerLimit !== null) {
    if (!customerId) return { error: 'COUPON_LOGIN_REQUIRED', reason: 'limited per customer: only for signed-in customers' };
    if (row.customerUses >= row.perCustomerLimit) return { error: 'COUPON_CUSTOMER_LIMIT_REACHED', reason: 'used as often as allowed per customer' };
  }
  return null;
}

/** A loaded row as the engine takes it. */
export function toEnginePromotion(row: CandidateRow, customerId: string | null, currency: string, now: Date): EnginePromotion {
  const coupon = row.kind === 'coupon';
  return {
    id: row.id,
    name: row.name,
    coupon,
    code: coupon ? (row.generatedCode ?? row.code) : null,
    priority: row.priority,
    stacking: row.stacking,
    conditions: row.conditions,
    actions: row.actions,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    budgetLeft: row.budget === null || row.campaignId === null ? null : Number(row.budget) - Number(row.spent),
    blocked: blocker(row, customerId, currency, now)?.reason ?? null,
  };
}

const EMPTY: EngineResult = { lines: [], shippingDiscount: 0, applied: [], considered: [] };

/** Loads the candidates for `input` through `db` and evaluates them (at most two statements). */
export async function evaluateCart(deps: PromotionDeps, db: Kysely<Database>, input: DiscountInput, now: Date = deps.now?.() ?? new Date()): Promise<EngineResult> {
  if (input.lines.length === 0) return EMPTY;
  const rows = await loadCandidates(db, input.codes, input.customerId, now);
  if (rows.length === 0) return EMPTY;
  const needsHistory = input.customerId !== null && deps.hasPlacedOrder && rows.some((r) => r.conditions.some((c) => c.type === 'first_order'));
  const firstOrder = needsHistory ? !(await deps.hasPlacedOrder!(db, input.customerId!)) : null;
  const promotions = rows.map((r) => toEnginePromotion(r, input.customerId, input.currency, now));
  return evaluatePromotions(promotions, input, { now, firstOrder });
}

/** The cart's `DiscountEngine` slot, filled by this module. */
export function createDiscountEngine(deps: PromotionDeps): DiscountEngine {
  return {
    async evaluate(input, db) {
      const { lines, shippingDiscount, applied } = await evaluateCart(deps, db, input);
      return { lines, shippingDiscount, applied };
    },
  };
}
