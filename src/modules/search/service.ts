import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/index.js';
import type { Catalog, StoreProductCard } from '../catalog/index.js';
import type { Inventory } from '../inventory/index.js';
import type { AttributeFilter, Facets, SearchEngine, SearchHit, SearchPriceContext, Suggestion } from './engine.js';
import { searchError } from './errors.js';
import type { SearchQuery, SuggestQuery } from './schemas.js';

/** What the search module needs. */
export interface SearchDeps {
  db: Kysely<Database>;
  engine: SearchEngine;
  /** Currency resolution and exchange rates. */
  catalog: Pick<Catalog, 'priceContext'>;
  /** Stock of the SKUs on a result page. */
  inventory: Pick<Inventory, 'availability'>;
  shop: Config['shop'];
}

export interface SearchPage {
  items: StoreProductCard[];
  total: number;
  facets: Facets;
  correctedQuery?: string;
  nextCursor: string | null;
}

/**
 * The locale to answer in: an explicit `?locale=` must be served (case-insensitive), else 400
 * SEARCH_UNKNOWN_LOCALE; otherwise the first Accept-Language range the shop serves (exact tag,
 * then same language), else the default locale.
 */
export function resolveLocale(shop: Config['shop'], explicit: string | undefined, acceptLanguage: string | undefined): string {
  if (explicit !== undefined) {
    const hit = shop.locales.find((l) => l.toLowerCase() === explicit.toLowerCase());
    if (!hit) {
      throw searchError('SEARCH_UNKNOWN_LOCALE', {
        detail: `Locale ${explicit} is not served; use one of ${shop.locales.join(', ')}`,
        fields: [{ field: 'querystring:/locale', message: `must be one of ${shop.locales.join(', ')}` }],
      });
    }
    return hit;
  }
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 32)
    .map((part, i) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)).find(Boolean);
      return { range: range.trim().toLowerCase(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((r) => r.range && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { range } of ranges) {
    if (range === '*') return shop.defaultLocale;
    const exact = shop.locales.find((l) => l.toLowerCase() === range);
    if (exact) return exact;
    const language = shop.locales.find((l) => l.toLowerCase().split('-')[0] === range.split('-')[0]);
    if (language) return language;
  }
  return shop.defaultLocale;
}

const RANGE = /^(-?\d+(?:\.\d+)?)?\.\.(-?\d+(?:\.\d+)?)?$/;

/** `attr.<name>` query parameters → filters: comma-separated values, or `min..max`. */
export function attributeFilters(query: Record<string, unknown>): Record<string, AttributeFilter> {
  const out: Record<string, AttributeFilter> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith('attr.') || typeof raw !== 'string') continue;
    const name = key.slice(5);
    const range = RANGE.exec(raw.trim());
    if (range && (range[1] !== undefined || range[2] !== undefined)) {
      out[name] = { ...(range[1] !== undefined ? { min: Number(range[1]) } : {}), ...(range[2] !== undefined ? { max: Number(range[2]) } : {}) };
      continue;
    }
    const values = [...new Set(raw.split(',').map((v) => v.trim()).filter(Boolean))];
    if (values.length === 0) throw searchError('SEARCH_INVALID_ATTRIBUTE', { fields: [{ field: `querystring:/${key}`, message: 'needs at least one value' }] });
    // Numbers are compared as JSON prints them (60, not 60.0).
    out[name] = { values: values.map((v) => (/^-?\d+(\.\d+)?$/.test(v) ? String(Number(v)) : v)) };
  }
  return out;
}

async function priceContextFor(deps: SearchDeps, currency: string | undefined): Promise<SearchPriceContext> {
  const requested = currency ?? deps.shop.defaultCurrency;
  if (!deps.shop.currencies.includes(requested)) {
    throw searchError('SEARCH_UNKNOWN_CURRENCY', {
      detail: `The store sells in ${deps.shop.currencies.join(', ')}`,
      fields: [{ field: 'querystring:/currency', message: `${requested} is not offered` }],
    });
  }
  return deps.catalog.priceContext(requested);
}

function toCard(hit: SearchHit, ctx: SearchPriceContext, inStock: boolean): StoreProductCard {
  let price: StoreProductCard['price'] = null;
  if (hit.price) price = { currency: ctx.currency, amount: hit.price.amount, compareAtAmount: null, converted: hit.price.converted };
  return {
    id: hit.productId,
    handle: hit.handle,
    title: hit.title,
    subtitle: hit.subtitle,
    brand: hit.brand,
    image: hit.image,
    price,
    inStock,
    tags: hit.tags,
    rating: hit.ratingCount > 0 ? hit.ratingX100 / 100 : null,
    ratingCount: hit.ratingCount,
  };
}

/**
 * Ranked, filtered search as store product cards in the request's locale and currency, with
 * facets. Throws 400 SEARCH_UNKNOWN_CURRENCY, SEARCH_UNKNOWN_LOCALE, SEARCH_INVALID_ATTRIBUTE,
 * SEARCH_INVALID_PRICE_RANGE, SEARCH_INVALID_CURSOR.
 */
export async function searchProducts(deps: SearchDeps, query: SearchQuery & Record<string, unknown>, acceptLanguage?: string): Promise<SearchPage> {
  const locale = resolveLocale(deps.shop, query.locale, acceptLanguage);
  if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
    throw searchError('SEARCH_INVALID_PRICE_RANGE', { detail: 'minPrice is above maxPrice', fields: [{ field: 'querystring:/minPrice', message: 'must not exceed maxPrice' }] });
  }
  const ctx = await priceContextFor(deps, query.currency);
  const split = (v: string | undefined) => (v ? [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))] : undefined);
  const result = await deps.engine.search({
    q: query.q,
    categories: split(query.category),
    brands: split(query.brand),
    attributes: attributeFilters(query),
    minPrice: query.minPrice,
    maxPrice: query.maxPrice,
    price: ctx,
    sort: query.sort,
    limit: query.limit,
    cursor: query.cursor,
    locale,
    defaultLocale: deps.shop.defaultLocale,
  });
  const stock = await deps.inventory.availability(deps.db, [...new Set(result.hits.flatMap((h) => h.skus))]);
  const inStock = (hit: SearchHit) => hit.skus.some((sku) => {
    const s = stock.get(sku);
    return s !== undefined && (s.available > 0 || s.allowBackorder);
  });
  return {
    items: result.hits.map((h) => toCard(h, ctx, inStock(h))),
    total: result.total,
    facets: result.facets ?? { categories: [], brands: [], attributes: {}, price: [] },
    ...(result.correctedQuery ? { correctedQuery: result.correctedQuery } : {}),
    nextCursor: result.nextCursor,
  };
}

/** Type-ahead suggestions in the request's locale. Throws 400 SEARCH_UNKNOWN_LOCALE. */
export async function suggestProducts(deps: SearchDeps, query: SuggestQuery, acceptLanguage?: string): Promise<Suggestion[]> {
  const locale = resolveLocale(deps.shop, query.locale, acceptLanguage);
  return deps.engine.suggest({ q: query.q, limit: query.limit, locale, defaultLocale: deps.shop.defaultLocale });
}
