import type { ColumnType, Generated } from 'kysely';

/** JSON stored in a jsonb column: read as T, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type TextArray = ColumnType<string[], string[], string[]>;

/** What a search result card shows without another lookup. */
export interface SearchCardData {
  /** locale → title (every locale the product has a title in, the default locale included). */
  titles: Record<string, string>;
  subtitles: Record<string, string>;
  image: { url: string; alt: string | null } | null;
  ratingX100: number;
  ratingCount: number;
  /** SKUs as written (the `skus` column is lower-cased for matching), for stock lookups. */
  skus: string[];
}

/**
 * Table `search_document`: the search read model, one row per product, rebuilt from catalog
 * events. Only published products are kept (drafts and archived products are removed), and
 * queries also check `status`.
 */
export interface SearchDocumentTable {
  productId: string;
  status: string;
  handle: string;
  brand: string | null;
  /** Categories the product is directly in. */
  categoryIds: TextArray;
  /** Their `catalog_category.path` values (`/root/…/own/`). */
  categoryPaths: TextArray;
  /** Every category on those paths: a product counts in (and filters under) each ancestor. */
  categoryTree: TextArray;
  attributes: Json<Record<string, string | number | boolean>>;
  tags: TextArray;
  /** Lower-cased SKUs and barcodes, for exact hits. */
  skus: TextArray;
  barcodes: TextArray;
  /** currency → cheapest variant price in minor units. */
  prices: Json<Record<string, number>>;
  salesCount: number;
  card: Json<SearchCardData>;
  /** Analysed terms (see text.ts), space-separated: titles in every locale. */
  titleTokens: string;
  /** Analysed subtitles and descriptions in every locale. */
  bodyTokens: string;
  /** Every analysed field, as indexed. */
  allText: string;
  tsv: ColumnType<string, never, never>;
  publishedAt: Date | null;
  updatedAt: Generated<Date>;
}

/** Table `search_term`: the indexed vocabulary with document frequencies (spelling, suggestions, idf). */
export interface SearchTermTable {
  term: string;
  df: number;
  /** A surface form of the term as written in a product ("batteries" for "batteri"). */
  display: string;
}

/** Table `search_category`: the category tree as search shows it in facets and suggestions. */
export interface SearchCategoryTable {
  id: string;
  handle: string;
  name: string;
  translations: Json<Record<string, { name?: string }>>;
  path: string;
  position: number;
}

/** Table `search_attribute`: declared attributes; filterable ones become facets. */
export interface SearchAttributeTable {
  name: string;
  type: string;
  label: string;
  filterable: boolean;
  position: number;
  translations: Json<Record<string, { label?: string; values?: Record<string, string> }>>;
}

/**
 * Table `search_query_log`: each storefront search served (first pages with a query), written in
 * batches off the request path; rows older than the retention are deleted by a periodic job.
 */
export interface SearchQueryLogTable {
  id: ColumnType<string, never, never>;
  /** Normalised query text (`normaliseSearchQuery`). */
  query: string;
  /** Total matching products; 0 is a search with no results. */
  results: number;
  locale: string;
  sessionId: string | null;
  searchedAt: Date;
  /** When the row was written: the feed reads only rows written a few seconds ago. */
  receivedAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    searchDocument: SearchDocumentTable;
    searchQueryLog: SearchQueryLogTable;
    searchTerm: SearchTermTable;
    searchCategory: SearchCategoryTable;
    searchAttribute: SearchAttributeTable;
  }
}
