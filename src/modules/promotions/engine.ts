/**
 * The promotion rule engine: pure functions from promotions and a cart to discounts. No I/O, no
 * clock (the time is an input), integer minor units throughout. `evaluate.ts` loads the
 * candidates and feeds this; `engine.test.ts` covers every condition, action and stacking rule.
 */
import { allocate } from '../../platform/money.js';
import type { DiscountInput, DiscountLine, DiscountResult } from '../cart/index.js';

/** Basis points in one whole: 1000 bps = 10 %. */
export const BPS = 10_000;

/** Lines an item action applies to: any line matching any listed criterion; absent = every line. */
export interface Target {
  productIds?: string[];
  skus?: string[];
  categoryIds?: string[];
  collectionIds?: string[];
  brands?: string[];
}

export type Condition =
  | { type: 'min_subtotal'; amount: number; currency?: string }
  | { type: 'min_quantity'; quantity: number }
  | { type: 'products'; productIds: string[] }
  | { type: 'categories'; categoryIds: string[] }
  | { type: 'collections'; collectionIds: string[] }
  | { type: 'brands'; brands: string[] }
  | { type: 'logged_in' }
  | { type: 'first_order' }
  | { type: 'customers'; customerIds: string[] }
  | { type: 'currency'; currencies: string[] }
  | { type: 'date_window'; startsAt?: string | null; endsAt?: string | null };

export type Action =
  | { type: 'percent_off_items'; bps: number; target?: Target }
  | { type: 'percent_off_order'; bps: number; maxAmount?: number }
  | { type: 'amount_off_items'; amount: number; target?: Target }
  | { type: 'amount_off_order'; amount: number }
  | { type: 'tiered_amount_off'; tiers: { minSubtotal: number; amount: number }[]; target?: Target }
  | { type: 'tiered_percent_off'; tiers: { minSubtotal: number; bps: number }[]; target?: Target }
  | { type: 'buy_x_get_y'; buy: number; get: number; bps?: number; maxApplications?: number; target?: Target }
  | { type: 'free_shipping'; maxAmount?: number }
  | { type: 'fixed_price'; price: number; target: Target };

/** A promotion as the engine sees it, with what loading it found out. */
export interface EnginePromotion {
  id: string;
  name: string;
  /** Coupons count against the one-coupon-per-order rule. */
  coupon: boolean;
  /** The code the cart entered for it (coupons); null for automatic promotions. */
  code: string | null;
  /** Higher first: applied first, and wins ties between combinations. */
  priority: number;
  stacking: 'exclusive' | 'stackable';
  conditions: Condition[];
  actions: Action[];
  startsAt: Date | null;
  endsAt: Date | null;
  /** What is left of its campaign's budget; null = no budget. */
  budgetLeft: number | null;
  /** Why it cannot apply, found while loading (usage limit reached, code claimed by another…). */
  blocked?: string | null;
}

export interface EngineContext {
  now: Date;
  /** True when the signed-in customer has never placed an order; null when unknown or a guest. */
  firstOrder: boolean | null;
  /** At most this many coupons in one order (default 1). */
  maxCoupons?: number;
}

export type ConsideredStatus = 'applied' | 'not_eligible' | 'not_chosen';

/** Why each candidate did or did not apply: the engine's explanation. */
export interface Considered {
  id: string;
  name: string;
  code: string | null;
  status: ConsideredStatus;
  amount: number;
  reason: string | null;
}

export interface EngineResult extends DiscountResult {
  considered: Considered[];
}

/** True when `line` matches `target` (any criterion); no target matches every line. */
export function matches(line: DiscountLine, target: Target | undefined): boolean {
  if (!target) return true;
  const lists = [target.productIds, target.skus, target.categoryIds, target.collectionIds, target.brands];
  if (lists.every((l) => !l || l.length === 0)) return true;
  return (
    !!target.productIds?.includes(line.productId) ||
    !!target.skus?.includes(line.sku) ||
    !!target.categoryIds?.some((c) => line.categoryIds.includes(c)) ||
    !!target.collectionIds?.some((c) => line.collectionIds.includes(c)) ||
    (line.brand !== null && !!target.brands?.includes(line.brand))
  );
}

/**
 * The one currency a promotion's fixed amounts are in: its `min_subtotal` currency, else its
 * single `currency` condition; null when it has neither.
 */
export function amountCurrency(conditions: readonly Condition[]): string | null {
  for (const c of conditions) if (c.type === 'min_subtotal' && c.currency) return c.currency;
  for (const c of conditions) if (c.type === 'currency' && c.currencies.length === 1) return c.currencies[0]!;
  return null;
}

/** True when an action carries amounts in a currency (so the promotion needs one). */
export function hasFixedAmounts(actions: readonly Action[]): boolean {
  return actions.some((a) => ['amount_off_items', 'amount_off_order', 'tiered_amount_off', 'tiered_percent_off', 'fixed_price'].includes(a.type) || (a.type === 'percent_off_order' && a.maxAmount !== undefined) || (a.type === 'free_shipping' && a.maxAmount !== undefined));
}

/** Why `condition` fails for the cart, or null when it holds. */
function failedCondition(c: Condition, input: DiscountInput, ctx: EngineContext): string | null {
  switch (c.type) {
    case 'min_subtotal':
      if (c.currency && c.currency !== input.currency) return `only for ${c.currency} carts`;
      return input.subtotal >= c.amount ? null : `subtotal ${input.subtotal} is below ${c.amount}`;
    case 'min_quantity': {
      const q = input.lines.reduce((s, l) => s + l.quantity, 0);
      return q >= c.quantity ? null : `${q} items, at least ${c.quantity} needed`;
    }
    case 'products':
      return input.lines.some((l) => c.productIds.includes(l.productId)) ? null : 'none of its products is in the cart';
    case 'categories':
      return input.lines.some((l) => l.categoryIds.some((x) => c.categoryIds.includes(x))) ? null : 'no product of its categories is in the cart';
    case 'collections':
      return input.lines.some((l) => l.collectionIds.some((x) => c.collectionIds.includes(x))) ? null : 'no product of its collections is in the cart';
    case 'brands':
      return input.lines.some((l) => l.brand !== null && c.brands.includes(l.brand)) ? null : 'no product of its brands is in the cart';
    case 'logged_in':
      return input.customerId ? null : 'only for signed-in customers';
    case 'first_order':
      return input.customerId && ctx.firstOrder === true ? null : 'only for a customer’s first order';
    case 'customers':
      return input.customerId && c.customerIds.includes(input.customerId) ? null : 'not offered to this customer';
    case 'currency':
      return c.currencies.includes(input.currency) ? null : `only for ${c.currencies.join(', ')} carts`;
    case 'date_window':
      if (c.startsAt && ctx.now < new Date(c.startsAt)) return 'not started yet';
      if (c.endsAt && ctx.now >= new Date(c.endsAt)) return 'ended';
      return null;
  }
}

/** Why the promotion cannot apply to the cart, or null when it can. */
export function ineligibility(p: EnginePromotion, input: DiscountInput, ctx: EngineContext): string | null {
  if (p.blocked) return p.blocked;
  if (p.startsAt && ctx.now < p.startsAt) return 'not started yet';
  if (p.endsAt && ctx.now >= p.endsAt) return 'ended';
  if (p.budgetLeft !== null && p.budgetLeft <= 0) return 'campaign budget spent';
  const currency = amountCurrency(p.conditions);
  if (currency && currency !== input.currency) return `only for ${currency} carts`;
  for (const c of p.conditions) {
    const why = failedCondition(c, input, ctx);
    if (why) return why;
  }
  if (input.lines.length === 0) return 'the cart is empty';
  return null;
}

/** Amounts still payable per line (index-aligned with the input lines) and on shipping. */
interface Remaining {
  lines: number[];
  shipping: number;
}

/** One action's discount: per line (index-aligned) and on shipping. */
interface Grant {
  lines: number[];
  shipping: number;
}

/** `amount` over the lines in `eligible` (indexes), proportional to what is left on each. */
function spread(amount: number, eligible: number[], left: Remaining, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  const weights = eligible.map((i) => left.lines[i]!);
  const total = weights.reduce((a, b) => a + b, 0);
  const parts = allocate(Math.min(Math.max(0, Math.floor(amount)), total), weights);
  eligible.forEach((i, k) => (out[i] = parts[k]!));
  return out;
}

const percentOf = (amount: number, bps: number) => Number((BigInt(amount) * BigInt(Math.min(Math.max(bps, 0), BPS))) / BigInt(BPS));

/** What `action` grants on the cart with `left` still payable. */
export function applyAction(action: Action, input: DiscountInput, left: Remaining): Grant {
  const n = input.lines.length;
  const none = (): Grant => ({ lines: new Array<number>(n).fill(0), shipping: 0 });
  const eligibleOf = (target: Target | undefined) => input.lines.flatMap((l, i) => (matches(l, target) ? [i] : []));
  const leftOn = (idx: number[]) => idx.reduce((s, i) => s + left.lines[i]!, 0);
  switch (action.type) {
    case 'percent_off_items': {
      const idx = eligibleOf(action.target);
      return { lines: spread(percentOf(leftOn(idx), action.bps), idx, left, n), shipping: 0 };
    }
    case 'percent_off_order': {
      const idx = eligibleOf(undefined);
      const amount = percentOf(leftOn(idx), action.bps);
      return { lines: spread(action.maxAmount === undefined ? amount : Math.min(amount, action.maxAmount), idx, left, n), shipping: 0 };
    }
    case 'amount_off_order':
      return { lines: spread(action.amount, eligibleOf(undefined), left, n), shipping: 0 };
    case 'amount_off_items':
    case 'fixed_price': {
      const g = none();
      input.lines.forEach((l, i) => {
        if (!matches(l, action.target)) return;
        const perUnit = action.type === 'amount_off_items' ? Math.min(action.amount, l.unitPrice) : Math.max(0, l.unitPrice - action.price);
        g.lines[i] = Math.min(perUnit * l.quantity, left.lines[i]!);
      });
      return g;
    }
    case 'tiered_amount_off':
    case 'tiered_percent_off': {
      const idx = eligibleOf(action.target);
      // Tiers are reached by the matching lines' subtotal before any discount.
      const base = idx.reduce((s, i) => s + input.lines[i]!.subtotal, 0);
      const reached = (action.tiers as { minSubtotal: number }[]).filter((t) => base >= t.minSubtotal);
      if (reached.length === 0) return none();
      const amounts = action.type === 'tiered_amount_off' ? action.tiers.filter((t) => base >= t.minSubtotal).map((t) => t.amount) : action.tiers.filter((t) => base >= t.minSubtotal).map((t) => percentOf(leftOn(idx), t.bps));
      return { lines: spread(Math.max(...amounts), idx, left, n), shipping: 0 };
    }
    case 'buy_x_get_y': {
      const g = none();
      // Every unit of a matching line, cheapest first (ties: cart order): the cheapest units are the free ones.
      const units = input.lines.flatMap((l, i) => (matches(l, action.target) ? Array.from({ length: l.quantity }, () => ({ i, price: l.unitPrice })) : []));
      units.sort((a, b) => a.price - b.price || a.i - b.i);
      let free = Math.floor(units.length / (action.buy + action.get)) * action.get;
      if (action.maxApplications !== undefined) free = Math.min(free, action.maxApplications * action.get);
      for (const u of units.slice(0, free)) g.lines[u.i]! += percentOf(u.price, action.bps ?? BPS);
      g.lines = g.lines.map((a, i) => Math.min(a, left.lines[i]!));
      return g;
    }
    case 'free_shipping': {
      const amount = action.maxAmount === undefined ? left.shipping : Math.min(left.shipping, action.maxAmount);
      return { lines: new Array<number>(n).fill(0), shipping: amount };
    }
  }
}

interface Outcome {
  /** Per promotion in the combination: its per-line shares and shipping share. */
  grants: { promotion: EnginePromotion; lines: number[]; shipping: number; skipped: string | null }[];
  total: number;
}

/**
 * Applies a combination in priority order, each promotion on what the earlier ones left. A
 * promotion whose discount would pass its campaign's remaining budget gives nothing.
 */
function applyCombination(combination: EnginePromotion[], input: DiscountInput): Outcome {
  const left: Remaining = { lines: input.lines.map((l) => l.subtotal), shipping: input.shipping?.amount ?? 0 };
  const grants: Outcome['grants'] = [];
  let total = 0;
  for (const promotion of combination) {
    const lines = new Array<number>(input.lines.length).fill(0);
    let shipping = 0;
    const trial: Remaining = { lines: [...left.lines], shipping: left.shipping };
    for (const action of promotion.actions) {
      const g = applyAction(action, input, trial);
      g.lines.forEach((a, i) => {
        lines[i]! += a;
        trial.lines[i]! -= a;
      });
      shipping += g.shipping;
      trial.shipping -= g.shipping;
    }
    const amount = lines.reduce((a, b) => a + b, 0) + shipping;
    if (promotion.budgetLeft !== null && amount > promotion.budgetLeft) {
      grants.push({ promotion, lines: lines.map(() => 0), shipping: 0, skipped: 'campaign budget left is below its discount' });
      continue;
    }
    left.lines = trial.lines;
    left.shipping = trial.shipping;
    total += amount;
    grants.push({ promotion, lines, shipping, skipped: null });
  }
  return { grants, total };
}

const byPriority = (a: EnginePromotion, b: EnginePromotion) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The combinations the stacking rules allow, best-priority first: each exclusive promotion
 * alone, and the stackable ones together with at most `maxCoupons` coupons (each choice of
 * coupons tried).
 */
function combinations(eligible: EnginePromotion[], maxCoupons: number): EnginePromotion[][] {
  const exclusive = eligible.filter((p) => p.stacking === 'exclusive' && (maxCoupons > 0 || !p.coupon)).map((p) => [p]);
  const automatic = eligible.filter((p) => p.stacking === 'stackable' && !p.coupon);
  const coupons = eligible.filter((p) => p.stacking === 'stackable' && p.coupon);
  const couponSets: EnginePromotion[][] = [[]];
  const pick = (start: number, chosen: EnginePromotion[]) => {
    for (let i = start; i < coupons.length; i++) {
      const next = [...chosen, coupons[i]!];
      couponSets.push(next);
      if (next.length < maxCoupons) pick(i + 1, next);
    }
  };
  if (maxCoupons > 0) pick(0, []);
  const stacked = couponSets.map((set) => [...automatic, ...set].sort(byPriority)).filter((c) => c.length > 0);
  const top = (c: EnginePromotion[]) => c[0]!.priority;
  return [...exclusive, ...stacked].sort((a, b) => top(b) - top(a));
}

/**
 * Evaluates promotions against a cart: keeps those whose window, limits and conditions hold,
 * tries every combination the stacking rules allow (exclusive alone; stackable together with at
 * most one coupon by default), and picks the one giving the largest discount (ties: the
 * combination holding the highest priority, then the earlier one). Within a combination,
 * promotions apply by priority (higher first), each on what the earlier left.
 *
 * Order-level amounts are spread over the lines in proportion to what is left on each
 * (`allocate`: the remainder of the integer division goes to the largest fractional shares,
 * ties to the earliest line in cart order), so the line shares add up to the amount exactly.
 */
export function evaluatePromotions(promotions: readonly EnginePromotion[], input: DiscountInput, ctx: EngineContext): EngineResult {
  const considered = new Map<string, Considered>();
  const eligible: EnginePromotion[] = [];
  for (const p of [...promotions].sort(byPriority)) {
    const why = ineligibility(p, input, ctx);
    considered.set(p.id, { id: p.id, name: p.name, code: p.code, status: why ? 'not_eligible' : 'not_chosen', amount: 0, reason: why });
    if (!why) eligible.push(p);
  }
  let best: Outcome | null = null;
  for (const combination of combinations(eligible, ctx.maxCoupons ?? 1)) {
    const outcome = applyCombination(combination, input);
    if (!best || outcome.total > best.total) best = outcome;
  }
  const lineShares = new Map<string, { id: string; name: string; amount: number }[]>();
  const applied: DiscountResult['applied'] = [];
  let shippingDiscount = 0;
  for (const g of best?.grants ?? []) {
    const amount = g.lines.reduce((a, b) => a + b, 0) + g.shipping;
    const entry = considered.get(g.promotion.id)!;
    if (g.skipped || amount === 0) {
      entry.reason = g.skipped ?? 'gives nothing on this cart';
      continue;
    }
    entry.status = 'applied';
    entry.amount = amount;
    entry.reason = null;
    applied.push({ id: g.promotion.id, name: g.promotion.name, code: g.promotion.code, amount });
    shippingDiscount += g.shipping;
    g.lines.forEach((a, i) => {
      if (a <= 0) return;
      const id = input.lines[i]!.id;
      lineShares.set(id, [...(lineShares.get(id) ?? []), { id: g.promotion.id, name: g.promotion.name, amount: a }]);
    });
  }
  for (const c of considered.values()) {
    if (c.status === 'not_chosen' && c.reason === null) c.reason = 'another combination allowed by the stacking rules gives more';
  }
  const lines = [...lineShares].map(([lineId, promos]) => ({ lineId, amount: promos.reduce((s, p) => s + p.amount, 0), promotions: promos }));
  return { lines, shippingDiscount, applied, considered: [...considered.values()] };
}
