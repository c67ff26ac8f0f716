import { convert, minorUnits } from '../../platform/money.js';
import type { StorePrice } from './schemas-products.js';

/**
 * How a store request turns stored prices into the requested currency: its own price when the
 * product has one, else the base-currency price converted at `rate` (null when no rate is set).
 */
export interface PriceContext {
  currency: string;
  base: string;
  /** Units of `currency` per unit of `base`; null when equal or no rate is configured. */
  rate: string | null;
}

/** The price to show, or null when the product has no price reachable in the currency. */
export function resolvePrice(
  ctx: PriceContext,
  own: { amount: number; compareAtAmount: number | null } | null,
  base: { amount: number; compareAtAmount: number | null } | null,
): StorePrice | null {
  if (own) return { currency: ctx.currency, amount: own.amount, compareAtAmount: own.compareAtAmount, converted: false };
  if (!base || ctx.currency === ctx.base || ctx.rate === null) return null;
  return {
    currency: ctx.currency,
    amount: convert(base.amount, ctx.base, ctx.currency, ctx.rate),
    compareAtAmount: base.compareAtAmount === null ? null : convert(base.compareAtAmount, ctx.base, ctx.currency, ctx.rate),
    converted: true,
  };
}

/**
 * The factor SQL multiplies base-currency minor units by to get requested-currency minor units
 * (rate × 10^(digits difference)), as an exact decimal string for a `numeric` parameter.
 */
export function sqlConversionFactor(ctx: PriceContext): string | null {
  if (ctx.rate === null || ctx.currency === ctx.base) return null;
  const shift = minorUnits(ctx.currency) - minorUnits(ctx.base);
  const [int, frac = ''] = ctx.rate.split('.');
  let digits = int! + frac;
  let point = int!.length + shift;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fraction = digits.slice(point).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}
