import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
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

type Sql<T> = Expression<T> | RawBuilder<T>;

/**
 * The candidate rows for `codes` (upper-case, as stored) and `customerId`, possibly repeated
 * (one per matched code): see `loadCandidates`.
 */
function candidateRows(codes: Sql<readonly string[]>, customerId: Sql<string | null> | string | null, now: Date): RawBuilder<CandidateRow> {
  return sql<CandidateRow>`
    select p.id, p.name, p.kind, p.code, p.priority, p.stacking, p.conditions, p.actions, p.usage_limit, p.per_customer_limit,
      p.used_count, p.active, p.starts_at, p.ends_at, p.campaign_id,
      c.budget, c.spent, c.currency as campaign_currency, c.starts_at as campaign_starts_at, c.ends_at as campaign_ends_at, c.active as campaign_active,
      pc.code as generated_code, pc.customer_id as code_customer_id, pc.used_count as code_used_count,
      (select count(*)::int from promotion_redemption r where r.promotion_id = p.id and r.customer_id = ${customerId} and r.status = 'reserved') as customer_uses
    from promotion p
    left join promotion_campaign c on c.id = p.campaign_id
    left join promotion_code pc on pc.promotion_id = p.id and pc.code = any(${codes})
    where p.deleted_at is null
      and ((p.kind = 'automatic' and p.active and (p.starts_at is null or p.starts_at <= ${now}) and (p.ends_at is null or p.ends_at > ${now}))
        or p.code = any(${codes}) or pc.code is not null)`;
}

/** Each promotion once (a promotion matched by two codes comes back twice). */
function distinctRows(rows: CandidateRow[]): CandidateRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

/**
 * The promotions that may touch a cart, in ONE statement: live automatic promotions in their
 * window, and every promotion one of `codes` names (shared or generated code, whatever its
 * state, so the engine can say why it does not apply), with their campaign, the matched code
 * and the customer's reserved redemptions of each.
 */
export async function loadCandidates(db: Kysely<Database>, codes: readonly string[], customerId: string | null, now: Date): Promise<CandidateRow[]> {
  const list = [...new Set(codes.map(normalizeCode))];
  const { rows } = await sql<CandidateRow>`${candidateRows(sql<string[]>`${list}::text[]`, customerId, now)} order by p.priority desc, p.id`.execute(db);
  return distinctRows(rows);
}

/** The value of `preloadCandidates`: the time it was read for, and the rows with snake_case keys. */
interface PreloadedCandidates {
  now: string;
  rows: Record<string, unknown>[];
}

/**
 * `loadCandidates` as one json scalar subquery over SQL for the cart's codes (stored upper-case
 * by `validateCode`, so they are compared as they are) and customer id, read at the time the
 * engine's clock gives now; `readPreloaded` turns its value into what `loadCandidates` returns.
 */
export function preloadCandidates(deps: PromotionDeps, cart: { customerId: Expression<string | null>; codes: Expression<string[]> }): RawBuilder<PreloadedCandidates> {
  const now = deps.now?.() ?? new Date();
  return sql<PreloadedCandidates>`(select json_build_object('now', ${now.toISOString()}::text,
      'rows', coalesce(json_agg(c order by c.priority desc, c.id), '[]'::json))
    from (${candidateRows(cart.codes, cart.customerId, now)}) c)`;
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const DATES = new Set(['startsAt', 'endsAt', 'campaignStartsAt', 'campaignEndsAt']);

/** The rows and time of a `preloadCandidates` value, typed as `loadCandidates` returns them. */
function readPreloaded(value: PreloadedCandidates): { rows: CandidateRow[]; now: Date } {
  const rows = value.rows.map((raw) => {
    // Only the top-level keys are columns (conditions and actions keep their own); json has no dates.
    const entries = Object.entries(raw).map(([k, v]) => {
      const key = camel(k);
      return [key, DATES.has(key) && v !== null ? new Date(v as string) : v];
    });
    return Object.fromEntries(entries) as unknown as CandidateRow;
  });
  return { rows: distinctRows(rows), now: new Date(value.now) };
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

/**
 * Loads the candidates for `input` through `db` (unless `preloaded` holds them, read for this cart
 * at the time it carries) and evaluates them (at most two statements).
 */
export async function evaluateCart(deps: PromotionDeps, db: Kysely<Database>, input: DiscountInput, at?: Date, preloaded?: PreloadedCandidates): Promise<EngineResult> {
  if (input.lines.length === 0) return EMPTY;
  const loaded = preloaded ? readPreloaded(preloaded) : null;
  const now = loaded?.now ?? at ?? deps.now?.() ?? new Date();
  const rows = loaded?.rows ?? (await loadCandidates(db, input.codes, input.customerId, now));
  if (rows.length === 0) return EMPTY;
  const needsHistory = input.customerId !== null && deps.hasPlacedOrder && rows.some((r) => r.conditions.some((c) => c.type === 'first_order'));
  const firstOrder = needsHistory ? !(await deps.hasPlacedOrder!(db, input.customerId!)) : null;
  const promotions = rows.map((r) => toEnginePromotion(r, input.customerId, input.currency, now));
  return evaluatePromotions(promotions, input, { now, firstOrder });
}

/** The cart's `DiscountEngine` slot, filled by this module. */
export function createDiscountEngine(deps: PromotionDeps): DiscountEngine {
  return {
    async evaluate(input, db, preloaded) {
      const { lines, shippingDiscount, applied } = await evaluateCart(deps, db, input, undefined, preloaded as PreloadedCandidates | undefined);
      return { lines, shippingDiscount, applied };
    },
    preload: (cart) => preloadCandidates(deps, cart),
  };
}
