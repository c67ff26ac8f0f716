import type { ShippingType, WeightTier } from './tables.js';

/** A shipping method as the pure rules see it. */
export interface ShippingRule {
  id: string;
  countries: readonly string[];
  /** null = any currency (only free flat methods may be so). */
  currency: string | null;
  type: ShippingType;
  amount: number;
  freeOver: number | null;
  /** Ascending by `upToGrams`. */
  weightTiers: readonly WeightTier[];
  active: boolean;
}

/** What a shipping quote depends on. */
export interface ShippingContext {
  currency: string;
  /** The shipping address's country; null before an address is known. */
  country: string | null;
  /** The cart subtotal before discounts. */
  subtotal: number;
  weightGrams: number;
}

/**
 * The amount `method` charges for a cart, or null when it does not apply: inactive, another
 * currency (a method without currency applies to all), a country list that does not name the
 * cart's country (an empty list means everywhere; without an address only those apply), or a
 * weight above every tier. Flat methods charge `amount`; weight methods the first tier whose
 * `upToGrams` is at least the cart weight. A `freeOver` threshold reached by the subtotal makes
 * it free.
 */
export function quoteShipping(method: ShippingRule, ctx: ShippingContext): number | null {
  if (!method.active) return null;
  if (method.currency !== null && method.currency !== ctx.currency) return null;
  if (method.countries.length > 0 && (ctx.country === null || !method.countries.includes(ctx.country))) return null;
  let amount = method.amount;
  if (method.type === 'weight') {
    const tier = [...method.weightTiers].sort((a, b) => a.upToGrams - b.upToGrams).find((t) => ctx.weightGrams <= t.upToGrams);
    if (!tier) return null;
    amount = tier.amount;
  }
  if (method.freeOver !== null && ctx.subtotal >= method.freeOver) return 0;
  return amount;
}

/** A tax rate as the matching rule sees it. */
export interface TaxRule {
  country: string;
  region: string | null;
}

const normRegion = (region: string) => region.trim().toLowerCase();

/**
 * The rate for a shipping address: the one for its country and region (compared
 * case-insensitively, surrounding spaces ignored) beats the country-wide one (region null).
 * No address, or no rate for its country, → null (no tax).
 */
export function matchTaxRate<T extends TaxRule>(rates: readonly T[], address: { country: string; region: string | null } | null): T | null {
  if (!address) return null;
  const inCountry = rates.filter((r) => r.country === address.country);
  if (address.region) {
    const region = normRegion(address.region);
    const specific = inCountry.find((r) => r.region !== null && normRegion(r.region) === region);
    if (specific) return specific;
  }
  return inCountry.find((r) => r.region === null) ?? null;
}
