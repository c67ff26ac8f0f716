/**
 * Money is an integer amount of a currency's minor unit (fen, cent, yen) plus an ISO 4217 code.
 * Never a float: conversions go through decimal strings and integer arithmetic.
 */
export interface Money {
  currency: string;
  amount: number;
}

/** ISO 4217 codes Bazaar accepts, with the number of digits in their minor unit. */
const MINOR_UNITS: Record<string, number> = {
  AED: 2, ARS: 2, AUD: 2, BDT: 2, BGN: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, COP: 2, CZK: 2,
  DKK: 2, EGP: 2, EUR: 2, GBP: 2, HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3, JPY: 0, KES: 2,
  KRW: 0, KWD: 3, KZT: 2, LKR: 2, MAD: 2, MOP: 2, MXN: 2, MYR: 2, NGN: 2, NOK: 2, NZD: 2, OMR: 3, PEN: 2,
  PHP: 2, PKR: 2, PLN: 2, QAR: 2, RON: 2, RSD: 2, RUB: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2,
  TWD: 2, UAH: 2, USD: 2, VND: 0, ZAR: 2,
};

/** True for a currency code Bazaar knows. */
export function isCurrency(code: string): boolean {
  return Object.hasOwn(MINOR_UNITS, code);
}

/** Every known currency code, sorted. */
export const CURRENCIES: readonly string[] = Object.keys(MINOR_UNITS).sort();

/** Digits of the minor unit (CNY 2, JPY 0, KWD 3). Throws for an unknown code. */
export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS[currency];
  if (digits === undefined) throw new RangeError(`Unknown currency ${currency}`);
  return digits;
}

const RATE_PATTERN = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** True for a positive decimal exchange rate string such as "0.1387" or "7.2". */
export function isRate(rate: string): boolean {
  const m = RATE_PATTERN.exec(rate);
  return m !== null && /[1-9]/.test(`${m[1]}${m[2] ?? ''}`);
}

/**
 * Converts `amount` minor units of `from` into `to` at `rate` (units of `to` per one unit of
 * `from`, a decimal string), rounding half away from zero to `to`'s minor unit. Exact: the
 * arithmetic is on integers (BigInt), so 19900 fen at 0.1387 is 2760.13 → 2760 cents.
 */
export function convert(amount: number, from: string, to: string, rate: string): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError('amount must be a safe integer');
  const m = RATE_PATTERN.exec(rate);
  if (!m || !isRate(rate)) throw new RangeError(`Invalid rate ${rate}`);
  const fraction = m[2] ?? '';
  const rateScaled = BigInt(m[1]! + fraction); // rate × 10^fraction.length
  // result = amount × rate × 10^(to digits − from digits)
  let numerator = BigInt(amount) * rateScaled;
  let denominator = 10n ** BigInt(fraction.length);
  const shift = minorUnits(to) - minorUnits(from);
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const quotient = (abs * 2n + denominator) / (denominator * 2n);
  const result = Number(negative ? -quotient : quotient);
  if (!Number.isSafeInteger(result)) throw new RangeError('converted amount out of range');
  return result;
}

/**
 * Splits `total` into parts proportional to `weights`, exactly: the parts sum to `total`, and
 * the remainder left by rounding down goes to the largest fractional shares (ties to the
 * earliest). Used wherever one amount is shared across lines.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) {
    const parts = weights.map(() => 0);
    parts[0] = total;
    return parts;
  }
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map((r) => Math.floor(r));
  let remainder = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; remainder > 0; k = (k + 1) % order.length, remainder--) parts[order[k]!.i]!++;
  return parts;
}

/** Formats for logs and CSV: `CNY 199.00`. Not for display to shoppers (use Intl there). */
export function formatMoney(money: Money): string {
  const digits = minorUnits(money.currency);
  const sign = money.amount < 0 ? '-' : '';
  const abs = Math.abs(money.amount).toString().padStart(digits + 1, '0');
  return digits === 0 ? `${money.currency} ${sign}${abs}` : `${money.currency} ${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}
