import type { FieldProblem } from '../../platform/errors.js';
import type { CatalogDeps } from './deps.js';
import { catalogError } from './errors.js';

/** The part of the shop configuration that locale choices depend on. */
export type ShopLocales = Pick<CatalogDeps['shop'], 'locales' | 'defaultLocale'>;

/** Ranges considered from one Accept-Language header; browsers send a handful. */
const MAX_RANGES = 32;

/**
 * Parses an Accept-Language header into ranges, best first (`q` descending; ties keep the
 * header's order). Ranges with `q=0` or a malformed `q` are dropped.
 */
export function parseAcceptLanguage(header: string): { range: string; q: number }[] {
  const out: { range: string; q: number; i: number }[] = [];
  for (const [i, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [rawRange, ...params] = part.split(';');
    const range = rawRange?.trim() ?? '';
    if (!/^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/.test(range)) continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (m) q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(m[1]!) ? Number(m[1]) : Number.NaN;
    }
    if (q > 0) out.push({ range, q, i });
  }
  return out.sort((a, b) => b.q - a.q || a.i - b.i).map(({ range, q }) => ({ range, q }));
}

const primary = (tag: string) => tag.split('-')[0]!.toLowerCase();

/** The shop locale one Accept-Language range selects, if any. */
function matchRange(shop: ShopLocales, range: string): string | undefined {
  if (range === '*') return shop.defaultLocale;
  const byLower = new Map(shop.locales.map((l) => [l.toLowerCase(), l]));
  // RFC 4647 lookup: en-GB-oxendict, then en-GB, then en …
  const subtags = range.toLowerCase().split('-');
  for (let n = subtags.length; n > 0; n--) {
    const hit = byLower.get(subtags.slice(0, n).join('-'));
    if (hit) return hit;
  }
  // … then any served locale of the same language (en-GB → en-US), the shop's order deciding.
  return shop.locales.find((l) => primary(l) === subtags[0]);
}

/**
 * The locale to answer a store request in. An explicit `?locale=` must be one the shop serves
 * (case-insensitive; answered in the shop's spelling), else 400 `CATALOG_UNKNOWN_LOCALE`.
 * Otherwise the best Accept-Language match (by q: exact tag, its prefixes, then the same
 * language), else the shop's default locale.
 */
export function resolveLocale(shop: ShopLocales, query?: string, acceptLanguage?: string): string {
  if (query !== undefined) {
    const hit = shop.locales.find((l) => l.toLowerCase() === query.toLowerCase());
    if (!hit) {
      throw catalogError('CATALOG_UNKNOWN_LOCALE', {
        detail: `Locale ${query} is not served; use one of ${shop.locales.join(', ')}`,
        fields: [{ field: 'querystring:/locale', message: `must be one of ${shop.locales.join(', ')}` }],
      });
    }
    return hit;
  }
  if (acceptLanguage) {
    for (const { range } of parseAcceptLanguage(acceptLanguage)) {
      const hit = matchRange(shop, range);
      if (hit) return hit;
    }
  }
  return shop.defaultLocale;
}

/**
 * Checks that every key of a translations map is a locale the shop serves (exact spelling),
 * else 400 `CATALOG_UNKNOWN_LOCALE` naming each offending key.
 */
export function assertTranslationLocales(shop: ShopLocales, translations: Record<string, unknown> | undefined, field = '/translations'): void {
  if (!translations) return;
  const unknown: FieldProblem[] = Object.keys(translations)
    .filter((locale) => !shop.locales.includes(locale))
    .map((locale) => ({ field: `${field}/${locale}`, message: `is not a served locale (${shop.locales.join(', ')})` }));
  if (unknown.length) throw catalogError('CATALOG_UNKNOWN_LOCALE', { detail: `Translations are accepted for ${shop.locales.join(', ')}`, fields: unknown });
}

/**
 * A text field in `locale`: its translation when there is one, else the row's own value (which
 * is in the default locale).
 */
export function localised<K extends string>(
  own: string | null,
  translations: Record<string, Partial<Record<K, unknown>>> | null | undefined,
  key: K,
  locale: string,
  defaultLocale: string,
): string | null {
  if (locale === defaultLocale) return own;
  const value = translations?.[locale]?.[key];
  return typeof value === 'string' && value !== '' ? value : own;
}
