import type { FieldProblem } from '../../platform/errors.js';
import { isCurrency } from '../../platform/money.js';
import type { ProductOption } from './tables.js';

export interface VariantShape {
  sku: string;
  options?: Record<string, string>;
  prices?: { currency: string; amount: number; compareAtAmount?: number | null }[];
}

/**
 * Checks the option matrix: option names unique, values unique per option, every variant names
 * exactly one declared value for every option, and no two variants share a combination. A
 * product without options has exactly one variant. Returns problems (empty when valid).
 */
export function checkOptionMatrix(options: readonly ProductOption[], variants: readonly VariantShape[], basePath = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  options.forEach((option, i) => {
    if (names.has(option.name)) problems.push({ field: `/options/${i}/name`, message: `duplicate option "${option.name}"` });
    names.add(option.name);
    const seen = new Set<string>();
    option.values.forEach((value, j) => {
      if (seen.has(value)) problems.push({ field: `/options/${i}/values/${j}`, message: `duplicate value "${value}"` });
      seen.add(value);
    });
  });
  if (options.length === 0 && variants.length > 1) {
    problems.push({ field: '/variants', message: 'a product without options has a single variant' });
  }
  const combos = new Map<string, number>();
  variants.forEach((variant, i) => {
    const chosen = variant.options ?? {};
    const path = `${basePath}/variants/${i}/options`;
    for (const option of options) {
      const value = chosen[option.name];
      if (value === undefined) problems.push({ field: path, message: `missing a value for option "${option.name}"` });
      else if (!option.values.includes(value)) problems.push({ field: `${path}/${option.name}`, message: `"${value}" is not a value of option "${option.name}"` });
    }
    for (const key of Object.keys(chosen)) {
      if (!names.has(key)) problems.push({ field: `${path}/${key}`, message: `"${key}" is not an option of this product` });
    }
    if (options.length === 0) return;
    const key = JSON.stringify(options.map((o) => chosen[o.name] ?? null));
    const earlier = combos.get(key);
    if (earlier !== undefined) problems.push({ field: path, message: `same option values as variant ${earlier}` });
    else combos.set(key, i);
  });
  return problems;
}

/** SKUs unique within one request, and each variant's prices valid (known currency, once each). */
export function checkVariants(variants: readonly VariantShape[], basePath = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const skus = new Map<string, number>();
  variants.forEach((variant, i) => {
    const earlier = skus.get(variant.sku);
    if (earlier !== undefined) problems.push({ field: `${basePath}/variants/${i}/sku`, message: `same SKU as variant ${earlier}` });
    else skus.set(variant.sku, i);
    problems.push(...checkPrices(variant.prices ?? [], `${basePath}/variants/${i}/prices`));
  });
  return problems;
}

export function checkPrices(prices: readonly { currency: string; amount: number; compareAtAmount?: number | null }[], path: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const currencies = new Set<string>();
  prices.forEach((price, j) => {
    if (!isCurrency(price.currency)) problems.push({ field: `${path}/${j}/currency`, message: `unknown currency "${price.currency}"` });
    if (currencies.has(price.currency)) problems.push({ field: `${path}/${j}/currency`, message: `${price.currency} given twice` });
    currencies.add(price.currency);
    if (price.compareAtAmount != null && price.compareAtAmount < price.amount) {
      problems.push({ field: `${path}/${j}/compareAtAmount`, message: 'must not be below the price' });
    }
  });
  return problems;
}
