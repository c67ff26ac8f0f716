/**
 * The search engine port. The module and its routes depend on this interface only; the
 * PostgreSQL implementation is `createPgSearchEngine` (pg-engine.ts). Another engine
 * (OpenSearch, Meilisearch …) would implement the same contract.
 */

/** A product as the engine indexes it: every locale's text, already resolved from the catalog. */
export interface SearchDocument {
  productId: string;
  /** Only `published` documents are searchable; indexing any other status removes the product. */
  status: string;
  handle: string;
  /** locale → text; the shop's default locale included. */
  titles: Record<string, string>;
  subtitles: Record<string, string>;
  descriptions: Record<string, string>;
  brand: string | null;
  /** Categories the product is directly in, with their tree paths (`/root/…/own/`). */
  categories: { id: string; path: string }[];
  /** Names (every locale) of those categories and their ancestors. */
  categoryNames: string[];
  attributes: Record<string, string | number | boolean>;
  tags: string[];
  skus: string[];
  barcodes: string[];
  /** currency → cheapest variant price, minor units. */
  prices: Record<string, number>;
  salesCount: number;
  image: { url: string; alt: string | null } | null;
  ratingX100: number;
  ratingCount: number;
  publishedAt: Date | null;
}

/** How to express prices in the requested currency (the catalog's PriceContext). */
export interface SearchPriceContext {
  currency: string;
  /** The shop's base currency: products without an own price are converted from it. */
  base: string;
  /** Units of `currency` per unit of `base`; null when equal or no rate is set. */
  rate: string | null;
}

export type SearchSort = 'relevance' | 'newest' | 'price_asc' | 'price_desc' | 'best_selling';

/** One attribute filter: any of `values`, or a numeric range (inclusive bounds). */
export type AttributeFilter = { values: string[] } | { min?: number; max?: number };

export interface SearchParams {
  /** Free text; empty or absent browses the filtered catalogue. */
  q?: string;
  /** Category handles (any of; each includes its subcategories). */
  categories?: string[];
  brands?: string[];
  /** attribute name → filter; AND across names. */
  attributes?: Record<string, AttributeFilter>;
  /** Bounds on the price in `price.currency`, minor units. */
  minPrice?: number;
  maxPrice?: number;
  price: SearchPriceContext;
  sort: SearchSort;
  limit: number;
  cursor?: string;
  locale: string;
  defaultLocale: string;
  /** Compute facet counts (default true). */
  facets?: boolean;
  /** Treat the last word as a prefix ("ipho" → iphone), as a shopper still typing (default true). */
  prefixLast?: boolean;
}

export interface SearchHit {
  productId: string;
  handle: string;
  title: string;
  subtitle: string | null;
  brand: string | null;
  image: { url: string; alt: string | null } | null;
  /** Cheapest price in the requested currency; `converted` when computed from the base currency. */
  price: { amount: number; converted: boolean } | null;
  tags: string[];
  skus: string[];
  ratingX100: number;
  ratingCount: number;
  /** The query was one of the product's SKUs or barcodes. */
  exact: boolean;
}

export interface Facets {
  categories: { id: string; handle: string; name: string; count: number }[];
  brands: { value: string; count: number }[];
  attributes: Record<string, { value: string; count: number }[]>;
  /** Price bands in the requested currency, minor units; `max` is exclusive and null for the last. */
  price: { min: number; max: number | null; count: number }[];
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  facets: Facets | null;
  /** The query as searched, when words that matched nothing were corrected. */
  correctedQuery?: string;
  nextCursor: string | null;
}

export interface Suggestion {
  type: 'product' | 'category' | 'brand';
  text: string;
  handle?: string;
}

export interface SuggestParams {
  q: string;
  limit: number;
  locale: string;
  defaultLocale: string;
}

/** A category as facets and suggestions show it. */
export interface SearchCategory {
  id: string;
  handle: string;
  name: string;
  translations: Record<string, { name?: string }>;
  path: string;
  position: number;
}

/** A declared product attribute; filterable ones are faceted. */
export interface SearchAttribute {
  name: string;
  type: string;
  label: string;
  filterable: boolean;
  position: number;
  translations: Record<string, { label?: string; values?: Record<string, string> }>;
}

export interface SearchEngine {
  /** Adds or replaces documents (idempotent); non-published ones are removed instead. */
  index(docs: readonly SearchDocument[]): Promise<void>;
  /** Removes documents; unknown ids are ignored. */
  remove(productIds: readonly string[]): Promise<void>;
  /** Sets products' units sold (best-seller order) without reindexing them; unknown ids are ignored. */
  setSalesCounts(counts: readonly { productId: string; salesCount: number }[]): Promise<void>;
  /** Removes every document not (re)indexed since `since` (after a full rebuild). */
  prune(since: Date): Promise<number>;
  /** The engine's clock, for `prune`. */
  now(): Promise<Date>;
  /**
   * Ranked, filtered, faceted search. Throws 400 SEARCH_INVALID_CURSOR for a cursor of another
   * sort or query shape, 400 SEARCH_INVALID_ATTRIBUTE for a filter on an undeclared attribute.
   */
  search(params: SearchParams): Promise<SearchResult>;
  /** Facet counts alone (the same rules as `search`). */
  facets(params: SearchParams): Promise<Facets>;
  /** Type-ahead: products, categories and brands starting with (or close to) `q`. */
  suggest(params: SuggestParams): Promise<Suggestion[]>;
  /** Replaces the category tree. */
  replaceCategories(categories: readonly SearchCategory[]): Promise<void>;
  /** Replaces the attribute declarations. */
  replaceAttributes(attributes: readonly SearchAttribute[]): Promise<void>;
  /** Indexed products in a category or below it. */
  productIdsInCategory(categoryId: string): Promise<string[]>;
  /** Indexed products that have attribute `name`. */
  productIdsWithAttribute(name: string): Promise<string[]>;
  /** Total size of the engine's storage, bytes. */
  sizeBytes(): Promise<number>;
}
