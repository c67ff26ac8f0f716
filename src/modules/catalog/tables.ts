import type { ColumnType, Generated } from 'kysely';

/** JSON stored in a jsonb column: read as T, written as a JSON string. */
export type Json<T> = ColumnType<T, string, string>;

export type ProductStatus = 'draft' | 'published' | 'archived';

export interface ProductImage {
  url: string;
  alt: string | null;
  position: number;
}

export interface ProductOption {
  name: string;
  values: string[];
}

export interface Seo {
  title?: string;
  description?: string;
}

/** Per-locale overrides of a product's text. Option labels map the default-locale names/values. */
export interface ProductTranslation {
  title?: string;
  subtitle?: string;
  description?: string;
  seo?: Seo;
  /** `{ "颜色": { "name": "Color", "values": { "黑色": "Black" } } }` */
  options?: Record<string, { name?: string; values?: Record<string, string> }>;
}

export type AttributeValue = string | number | boolean;

/** Table `catalog_product`. Text fields are in the shop's default locale; `translations` holds the rest. */
export interface CatalogProductTable {
  id: string;
  handle: string;
  status: ProductStatus;
  title: string;
  subtitle: string | null;
  description: string | null;
  brand: string | null;
  tags: ColumnType<string[], string[], string[]>;
  attributes: Json<Record<string, AttributeValue>>;
  options: Json<ProductOption[]>;
  images: Json<ProductImage[]>;
  seo: Json<Seo>;
  translations: Json<Record<string, ProductTranslation>>;
  /** Units sold, maintained by the orders module through catalog.recordSales. */
  salesCount: Generated<number>;
  /** Average rating × 100 (0–500), maintained by reviews. */
  ratingX100: Generated<number>;
  ratingCount: Generated<number>;
  publishedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `catalog_variant`: one sellable SKU. */
export interface CatalogVariantTable {
  id: string;
  productId: string;
  sku: string;
  barcode: string | null;
  weightGrams: number | null;
  /** `{ optionName: value }`, one entry per product option. */
  options: Json<Record<string, string>>;
  position: number;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `catalog_variant_price`: a variant's price in one currency, minor units. */
export interface CatalogVariantPriceTable {
  variantId: string;
  currency: string;
  amount: number;
  compareAtAmount: number | null;
}

/** Table `catalog_product_price`: cheapest and dearest variant price per product and currency (derived). */
export interface CatalogProductPriceTable {
  productId: string;
  currency: string;
  minAmount: number;
  maxAmount: number;
}

/** Table `catalog_category`: a tree; `path` is `/<root id>/…/<own id>/` for subtree queries. */
export interface CatalogCategoryTable {
  id: string;
  handle: string;
  name: string;
  description: string | null;
  parentId: string | null;
  position: number;
  path: string;
  depth: number;
  translations: Json<Record<string, { name?: string; description?: string }>>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface CatalogProductCategoryTable {
  productId: string;
  categoryId: string;
}

/** Table `catalog_collection`: a curated, ordered product list. */
export interface CatalogCollectionTable {
  id: string;
  handle: string;
  title: string;
  description: string | null;
  translations: Json<Record<string, { title?: string; description?: string }>>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface CatalogCollectionProductTable {
  collectionId: string;
  productId: string;
  position: number;
}

export type AttributeType = 'text' | 'number' | 'boolean' | 'enum';

/** Table `catalog_attribute`: a typed product attribute, declared once. */
export interface CatalogAttributeTable {
  name: string;
  type: AttributeType;
  label: string;
  /** Allowed values of an enum attribute. */
  values: ColumnType<string[], string[], string[]>;
  filterable: boolean;
  position: number;
  translations: Json<Record<string, { label?: string; values?: Record<string, string> }>>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

/** Table `catalog_exchange_rate`: units of `quote` per one unit of `base` (decimal string). */
export interface CatalogExchangeRateTable {
  base: string;
  quote: string;
  rate: ColumnType<string, string, string>;
  updatedAt: Generated<Date>;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    catalogProduct: CatalogProductTable;
    catalogVariant: CatalogVariantTable;
    catalogVariantPrice: CatalogVariantPriceTable;
    catalogProductPrice: CatalogProductPriceTable;
    catalogCategory: CatalogCategoryTable;
    catalogProductCategory: CatalogProductCategoryTable;
    catalogCollection: CatalogCollectionTable;
    catalogCollectionProduct: CatalogCollectionProductTable;
    catalogAttribute: CatalogAttributeTable;
    catalogExchangeRate: CatalogExchangeRateTable;
  }
}
