import { minorUnits } from '../../platform/money.js';
import { analyticsError } from './errors.js';

/** Report granularity: the width of each time-series bucket. */
export type Granularity = 'hour' | 'day' | 'week' | 'month';

/** Wall-clock keys of an instant in a time zone. */
export interface LocalKeys {
  /** `'2026-12-01 14:00:00'` */
  hour: string;
  /** `'2026-12-01'` */
  day: string;
  /** `'2026-12-01'` (first of the month) */
  month: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local hour, day and month of `at` in `timeZone` (IANA), as rollup keys. */
export function localKeys(at: Date, timeZone: string): LocalKeys {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return { hour: `${day} ${parts.hour}:00:00`, day, month: `${parts.year}-${parts.month}-01` };
}

/** A report's period: local dates `from`..`to` inclusive, the previous period of equal length, and the buckets. */
export interface Period {
  from: string;
  to: string;
  granularity: Granularity;
  /** `[start, end)` as local timestamps (`'2026-12-01 00:00:00'`). */
  start: string;
  end: string;
  days: number;
  previous: { from: string; to: string; start: string; end: string };
  /** Buckets covering `[start, end)`, the first and last clipped to the period. */
  buckets: { start: string; end: string }[];
}

/** Longest period per granularity, in days (hour buckets are bounded to keep a series readable). */
export const MAX_DAYS: Record<Granularity, number> = { hour: 31, day: 1100, week: 1100, month: 1100 };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: string, field: string): Date {
  const m = DATE.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== value) {
    throw analyticsError('ANALYTICS_INVALID_RANGE', { detail: `${field} is not a date (YYYY-MM-DD)`, fields: [{ field: `querystring:/${field}`, message: 'must be a calendar date YYYY-MM-DD' }] });
  }
  return d;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 13)}:00:00`;

/** The start of the bucket holding `d` (naive wall-clock time held in a UTC Date). Weeks start on Monday. */
function bucketStart(d: Date, g: Granularity): Date {
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  if (g === 'hour') return new Date(Date.UTC(y, mo, d.getUTCDate(), d.getUTCHours()));
  if (g === 'day') return new Date(Date.UTC(y, mo, d.getUTCDate()));
  if (g === 'week') return new Date(Date.UTC(y, mo, d.getUTCDate() - ((d.getUTCDay() + 6) % 7)));
  return new Date(Date.UTC(y, mo, 1));
}

function nextBucket(d: Date, g: Granularity): Date {
  if (g === 'hour') return new Date(d.getTime() + 3_600_000);
  if (g === 'day') return new Date(d.getTime() + DAY_MS);
  if (g === 'week') return new Date(d.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/**
 * Validates and expands a report's range. Throws 400 `ANALYTICS_INVALID_RANGE` (not a date,
 * `from` after `to`) and 400 `ANALYTICS_RANGE_TOO_LARGE` (more than `MAX_DAYS[granularity]`).
 */
export function periodOf(fromText: string, toText: string, granularity: Granularity): Period {
  const from = parseDate(fromText, 'from');
  const to = parseDate(toText, 'to');
  if (from > to) {
    throw analyticsError('ANALYTICS_INVALID_RANGE', { detail: 'from is after to', fields: [{ field: 'querystring:/from', message: 'must not be after to' }] });
  }
  const days = Math.round((to.getTime() - from.getTime()) / DAY_MS) + 1;
  if (days > MAX_DAYS[granularity]) {
    throw analyticsError('ANALYTICS_RANGE_TOO_LARGE', {
      detail: `At most ${MAX_DAYS[granularity]} days with granularity ${granularity}`,
      fields: [{ field: 'querystring:/to', message: `at most ${MAX_DAYS[granularity]} days after from` }],
    });
  }
  const end = new Date(to.getTime() + DAY_MS);
  const prevStart = new Date(from.getTime() - days * DAY_MS);
  const buckets: { start: string; end: string }[] = [];
  for (let b = bucketStart(from, granularity); b < end; b = nextBucket(b, granularity)) {
    const s = b < from ? from : b;
    const n = nextBucket(b, granularity);
    buckets.push({ start: stamp(s), end: stamp(n > end ? end : n) });
  }
  return {
    from: fromText,
    to: toText,
    granularity,
    start: stamp(from),
    end: stamp(end),
    days,
    previous: { from: isoDay(prevStart), to: isoDay(new Date(from.getTime() - DAY_MS)), start: stamp(prevStart), end: stamp(from) },
    buckets,
  };
}

const RATE = /^(\d+)(?:\.(\d+))?$/;

/** Fraction digits of the base-currency amounts kept in rollups. */
export const BASE_SCALE = 12;

/**
 * `amount` minor units of `currency` in minor units of `base`, at `rate` units of `currency`
 * per unit of `base` (an order's recorded rate; null when the currencies are the same), as a
 * decimal string with `BASE_SCALE` fraction digits, rounded half away from zero at the last
 * digit. Exact integer arithmetic; the single rounding to whole minor units happens in reports.
 */
export function toBase(amount: number, currency: string, base: string, rate: string | null): string {
  const m = RATE.exec(rate ?? '1');
  if (!m || !/[1-9]/.test(`${m[1]}${m[2] ?? ''}`)) throw new RangeError(`Invalid rate ${rate}`);
  const frac = m[2] ?? '';
  const shift = minorUnits(base) - minorUnits(currency);
  let num = BigInt(amount) * 10n ** BigInt(BASE_SCALE + frac.length);
  let den = BigInt(m[1]! + frac);
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const negative = num < 0n;
  const abs = negative ? -num : num;
  let q = abs / den;
  if ((abs % den) * 2n >= den) q += 1n;
  const digits = q.toString().padStart(BASE_SCALE + 1, '0');
  const text = `${digits.slice(0, -BASE_SCALE)}.${digits.slice(-BASE_SCALE)}`;
  return negative && q !== 0n ? `-${text}` : text;
}

/** `rate` (a decimal string) × 10^`shift`, as a decimal string: the factor from base minor units to a currency's. */
export function scaleRate(rate: string, shift: number): string {
  const m = RATE.exec(rate);
  if (!m) throw new RangeError(`Invalid rate ${rate}`);
  let int = m[1]!;
  let frac = m[2] ?? '';
  if (shift >= 0) {
    frac = frac.padEnd(shift, '0');
    int += frac.slice(0, shift);
    frac = frac.slice(shift);
  } else {
    int = int.padStart(-shift + 1, '0');
    frac = int.slice(shift) + frac;
    int = int.slice(0, shift);
  }
  int = int.replace(/^0+(?=\d)/, '');
  return frac ? `${int}.${frac}` : int;
}
