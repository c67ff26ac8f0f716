/**
 * Cart arithmetic in integer minor units: one pure function, so the store, checkout and the
 * promotions engine all see the same numbers.
 */

/** Basis points in one whole: a rate of 1300 is 13 %. */
export const BPS = 10_000;

export interface TotalsLineInput {
  id: string;
  /** Minor units per unit; 0 for a line that cannot be priced. */
  unitPrice: number;
  quantity: number;
  /** Discount proposed for the whole line (capped to its subtotal). */
  discount: number;
}

export interface TotalsTax {
  /** Basis points (1300 = 13 %). */
  rate: number;
  /** Prices (and shipping amounts) already contain the tax. */
  inclusive: boolean;
  appliesToShipping: boolean;
}

export interface TotalsInput {
  lines: readonly TotalsLineInput[];
  /** The shipping amount before discounts and the discount proposed on it; null without a method. */
  shipping: { amount: number; discount: number } | null;
  /** The matching tax rate; null when none applies (no tax). */
  tax: TotalsTax | null;
}

export interface LineTotals {
  id: string;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  /** Basis points applied to the line (0 without tax). */
  taxRate: number;
  /** subtotal − discountTotal + (inclusive ? 0 : taxTotal) */
  total: number;
}

export interface CartTotals {
  lines: LineTotals[];
  subtotal: number;
  /** Line discounts plus the shipping discount. */
  discountTotal: number;
  shippingDiscount: number;
  /** Before the shipping discount. */
  shippingTotal: number;
  shippingTax: number;
  /** Line taxes plus the shipping tax. */
  taxTotal: number;
  taxInclusive: boolean;
  /** subtotal + shippingTotal − discountTotal + (taxInclusive ? 0 : taxTotal) */
  total: number;
}

/** round-half-up(numerator / denominator) for non-negative integers, exact through BigInt. */
function divRound(numerator: bigint, denominator: bigint): number {
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

/**
 * Tax contained in or added to `net` at `rate` basis points:
 * exclusive: round-half-up(net × rate / 10000);
 * inclusive: round-half-up(net × rate / (10000 + rate)), i.e. net − net / (1 + rate), rounded.
 */
export function taxOn(net: number, rate: number, inclusive: boolean): number {
  if (net <= 0 || rate <= 0) return 0;
  const n = BigInt(net) * BigInt(rate);
  return divRound(n, BigInt(inclusive ? BPS + rate : BPS));
}

/** A non-negative integer no larger than `max`: discounts never exceed what they discount. */
function clampDiscount(value: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(Math.floor(value), max);
}

function checkAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

/**
 * Totals of a cart, exactly:
 * - per line: subtotal = unitPrice × quantity; discountTotal = the proposed discount capped to
 *   [0, subtotal]; taxTotal = `taxOn(subtotal − discountTotal)`; total = subtotal − discountTotal
 *   (+ taxTotal when exclusive);
 * - shipping: shippingDiscount capped to [0, shippingTotal]; shippingTax = `taxOn(shippingTotal −
 *   shippingDiscount)` when the rate applies to shipping;
 * - cart: sums of the lines, so Σ line.taxTotal + shippingTax = taxTotal and
 *   Σ line.total + shippingTotal − shippingDiscount (+ shippingTax when exclusive) = total.
 * Tax is rounded per line (half up), never on the sum, so the parts always add up. Nothing is
 * ever negative. Throws RangeError for a negative or non-integer price or quantity.
 */
export function computeTotals(input: TotalsInput): CartTotals {
  const tax = input.tax && input.tax.rate > 0 ? input.tax : null;
  const inclusive = tax?.inclusive ?? false;
  const rate = tax?.rate ?? 0;
  let subtotal = 0;
  let lineDiscounts = 0;
  let lineTaxes = 0;
  const lines = input.lines.map((line): LineTotals => {
    checkAmount(line.unitPrice, 'unitPrice');
    checkAmount(line.quantity, 'quantity');
    const lineSubtotal = line.unitPrice * line.quantity;
    checkAmount(lineSubtotal, 'line subtotal');
    const discountTotal = clampDiscount(line.discount, lineSubtotal);
    const taxTotal = taxOn(lineSubtotal - discountTotal, rate, inclusive);
    subtotal += lineSubtotal;
    lineDiscounts += discountTotal;
    lineTaxes += taxTotal;
    return {
      id: line.id,
      subtotal: lineSubtotal,
      discountTotal,
      taxTotal,
      taxRate: rate,
      total: lineSubtotal - discountTotal + (inclusive ? 0 : taxTotal),
    };
  });
  const shippingTotal = input.shipping?.amount ?? 0;
  checkAmount(shippingTotal, 'shipping amount');
  const shippingDiscount = clampDiscount(input.shipping?.discount ?? 0, shippingTotal);
  const shippingTax = tax?.appliesToShipping ? taxOn(shippingTotal - shippingDiscount, rate, inclusive) : 0;
  const discountTotal = lineDiscounts + shippingDiscount;
  const taxTotal = lineTaxes + shippingTax;
  return {
    lines,
    subtotal,
    discountTotal,
    shippingDiscount,
    shippingTotal,
    shippingTax,
    taxTotal,
    taxInclusive: inclusive,
    total: subtotal + shippingTotal - discountTotal + (inclusive ? 0 : taxTotal),
  };
}
