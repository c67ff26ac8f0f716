import { sql, type RawBuilder } from 'kysely';
import { isCurrency, minorUnits } from '../../platform/money.js';
import { scaleRate } from './calendar.js';
import type { AnalyticsDeps } from './deps.js';
import { analyticsError } from './errors.js';

/** The reporting currency and the factor from base minor units to its minor units. */
export interface Reporting {
  currency: string;
  /** Catalog rate (units of `currency` per base unit) scaled by the minor-unit difference. */
  factor: string;
}

/**
 * Resolves the reporting currency (default: the shop's base). Throws 400
 * `ANALYTICS_UNKNOWN_CURRENCY` (not an ISO 4217 code Bazaar knows) and 400
 * `ANALYTICS_NO_EXCHANGE_RATE` (no catalog rate from the base currency to it).
 */
export async function reportingCurrency(deps: AnalyticsDeps, requested: string | undefined): Promise<Reporting> {
  const base = deps.shop.defaultCurrency;
  const currency = requested ?? base;
  if (!isCurrency(currency)) {
    throw analyticsError('ANALYTICS_UNKNOWN_CURRENCY', { detail: `${currency} is not a known currency`, fields: [{ field: 'querystring:/currency', message: 'unknown ISO 4217 code' }] });
  }
  const rate = currency === base ? '1' : await deps.exchangeRate(currency);
  if (!rate) {
    throw analyticsError('ANALYTICS_NO_EXCHANGE_RATE', {
      detail: `No exchange rate ${base} → ${currency} in the catalog`,
      fields: [{ field: 'querystring:/currency', message: `set a ${base}/${currency} rate first` }],
    });
  }
  return { currency, factor: scaleRate(rate, minorUnits(currency) - minorUnits(base)) };
}

/**
 * The exact (unrounded) sum of a money column in the reporting currency: rows already in that
 * currency add their integer amounts; the others add their base-currency amount (converted at
 * the order's recorded rate, 12 decimals) times the catalog rate. Callers round once.
 */
export function moneySum(r: Reporting, column: string, alias?: string): RawBuilder<string> {
  const native = alias ? sql.ref(`${alias}.${column}`) : sql.ref(column);
  const base = alias ? sql.ref(`${alias}.${column}_base`) : sql.ref(`${column}_base`);
  const cur = alias ? sql.ref(`${alias}.currency`) : sql.ref('currency');
  return sql<string>`coalesce(sum(case when ${cur} = ${r.currency} then ${native}::numeric else ${base} * ${r.factor}::numeric end), 0)`;
}
