import { minorUnits } from '../../../platform/money.js';

/**
 * Minor units as the decimal string gateways such as Alipay take (`8888` CNY → `"88.88"`).
 * Integer arithmetic on the digits only; throws RangeError for a negative or unsafe amount.
 */
export function toDecimalString(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`Invalid amount ${amount}`);
  const digits = minorUnits(currency);
  if (digits === 0) return String(amount);
  const padded = String(amount).padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/**
 * A decimal string in major units (`"88.8"`, `"0.05"`, `"100"`) as integer minor units of
 * `currency`, exactly: the string is split into digits, never read as a float. Returns null for
 * anything else: signs, exponents, more fraction digits than the currency has, or an unsafe value.
 */
export function parseDecimalAmount(text: string, currency: string): number | null {
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const digits = minorUnits(currency);
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return null;
  const value = Number(m[1]! + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(value) ? value : null;
}
