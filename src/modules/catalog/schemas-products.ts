import { Type, type Static } from 'typebox';
import { Locale, Timestamp } from '../../platform/http/schemas.js';

export const Handle = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', minLength: 1, maxLength: 200, description: 'URL slug: lower-case letters, digits, hyphens' });
const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._\\-/]{0,63}$', description: 'Stock keeping unit, unique across the catalog' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const Amount = Type.Integer({ minimum: 0, maximum: 9_007_199_254_740_991, description: 'Minor units (fen, cents)' });
const ShortText = Type.String({ minLength: 1, maxLength: 500 });
const LongText = Type.String({ maxLength: 20_000 });

export const PriceInput = Type.Object(
  { currency: Currency, amount: Amount, compareAtAmount: Type.Optional(Type.Union([Amount, Type.Null()])) },
  { additionalProperties: false },
);

const OptionInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), values: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

const ImageInput = Type.Object(
  { url: Type.String({ pattern: '^https?://', maxLength: 2000 }), alt: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])), position: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);

const SeoInput = Type.Object(
  { title: Type.Optional(Type.String({ maxLength: 200 })), description: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

const TranslationInput = Type.Object(
  {
    title: Type.Optional(ShortText),
    subtitle: Type.Optional(ShortText),
    description: Type.Optional(LongText),
    seo: Type.Optional(SeoInput),
    options: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), values: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 100 }))) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

const AttributeValue = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);

export const VariantInput = Type.Object(
  {
    sku: Sku,
    barcode: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9A-Za-z-]{4,64}$' }), Type.Null()])),
    weightGrams: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()])),
    options: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 100 }))),
    prices: Type.Array(PriceInput, { minItems: 1, maxItems: 50 }),
    position: Type.Optional(Type.Integer({ minimum: 0 })),
    allowBackorder: Type.Optional(Type.Boolean()),
    lowStockThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type VariantInput = Static<typeof VariantInput>;

const productFields = {
  title: ShortText,
  subtitle: Type.Optional(Type.Union([ShortText, Type.Null()])),
  description: Type.Optional(Type.Union([LongText, Type.Null()])),
  status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')])),
  brand: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
  attributes: Type.Optional(Type.Record(Type.String(), AttributeValue)),
  options: Type.Optional(Type.Array(OptionInput, { maxItems: 10 })),
  images: Type.Optional(Type.Array(ImageInput, { maxItems: 50 })),
  seo: Type.Optional(SeoInput),
  categoryIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  translations: Type.Optional(Type.Record(Locale, TranslationInput)),
};

export const CreateProductBody = Type.Object(
  { handle: Handle, ...productFields, variants: Type.Array(VariantInput, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Object(
  {
    handle: Type.Optional(Handle),
    title: Type.Optional(ShortText),
    subtitle: productFields.subtitle,
    description: productFields.description,
    status: productFields.status,
    brand: productFields.brand,
    tags: productFields.tags,
    attributes: productFields.attributes,
    options: productFields.options,
    images: productFields.images,
    seo: productFields.seo,
    categoryIds: productFields.categoryIds,
    translations: Type.Optional(Type.Record(Locale, Type.Union([TranslationInput, Type.Null()]), { description: 'Per locale: replaces that locale; null removes it' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProductBody = Static<typeof UpdateProductBody>;

export const UpdateVariantBody = Type.Object(
  {
    sku: Type.Optional(Sku),
    barcode: VariantInput.properties.barcode,
    weightGrams: VariantInput.properties.weightGrams,
    options: VariantInput.properties.options,
    prices: Type.Optional(Type.Array(PriceInput, { minItems: 1, maxItems: 50 })),
    position: VariantInput.properties.position,
    allowBackorder: VariantInput.properties.allowBackorder,
    lowStockThreshold: VariantInput.properties.lowStockThreshold,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateVariantBody = Static<typeof UpdateVariantBody>;

const PriceOut = Type.Object({ currency: Type.String(), amount: Type.Integer(), compareAtAmount: Type.Union([Type.Integer(), Type.Null()]) });

export const AdminVariantSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  barcode: Type.Union([Type.String(), Type.Null()]),
  weightGrams: Type.Union([Type.Integer(), Type.Null()]),
  options: Type.Record(Type.String(), Type.String()),
  position: Type.Integer(),
  prices: Type.Array(PriceOut),
});
export type AdminVariant = Static<typeof AdminVariantSchema>;

export const AdminProductSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  status: Type.String(),
  title: Type.String(),
  subtitle: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  brand: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  attributes: Type.Record(Type.String(), AttributeValue),
  options: Type.Array(Type.Object({ name: Type.String(), values: Type.Array(Type.String()) })),
  images: Type.Array(Type.Object({ url: Type.String(), alt: Type.Union([Type.String(), Type.Null()]), position: Type.Integer() })),
  seo: Type.Object({ title: Type.Optional(Type.String()), description: Type.Optional(Type.String()) }),
  translations: Type.Record(Type.String(), Type.Unknown()),
  categoryIds: Type.Array(Type.String()),
  variants: Type.Array(AdminVariantSchema),
  salesCount: Type.Integer(),
  publishedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AdminProduct = Static<typeof AdminProductSchema>;

export const AdminProductListItem = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  status: Type.String(),
  title: Type.String(),
  brand: Type.Union([Type.String(), Type.Null()]),
  variantCount: Type.Integer(),
  updatedAt: Timestamp,
});

export const AdminProductQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Title, handle or SKU contains' })),
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')])),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type AdminProductQuery = Static<typeof AdminProductQuery>;

/** A price as the store shows it; `converted` when computed from the base currency. */
export const StorePrice = Type.Object({
  currency: Type.String(),
  amount: Type.Integer(),
  compareAtAmount: Type.Union([Type.Integer(), Type.Null()]),
  converted: Type.Boolean(),
});
export type StorePrice = Static<typeof StorePrice>;

const Image = Type.Object({ url: Type.String(), alt: Type.Union([Type.String(), Type.Null()]) });

export const StoreProductCard = Type.Object(
  {
    id: Type.String(),
    handle: Type.String(),
    title: Type.String(),
    subtitle: Type.Union([Type.String(), Type.Null()]),
    brand: Type.Union([Type.String(), Type.Null()]),
    image: Type.Union([Image, Type.Null()]),
    price: Type.Union([StorePrice, Type.Null()], { description: 'Cheapest variant in the requested currency; null when unpriced' }),
    inStock: Type.Boolean(),
    tags: Type.Array(Type.String()),
    rating: Type.Union([Type.Number(), Type.Null()]),
    ratingCount: Type.Integer(),
  },
  { $id: 'StoreProductCard' },
);
export type StoreProductCard = Static<typeof StoreProductCard>;

const Crumb = Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() });

export const StoreProductDetail = Type.Object({
  ...StoreProductCard.properties,
  description: Type.Union([Type.String(), Type.Null()]),
  images: Type.Array(Image),
  seo: Type.Object({ title: Type.Optional(Type.String()), description: Type.Optional(Type.String()) }),
  locale: Type.String(),
  options: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), values: Type.Array(Type.Object({ value: Type.String(), label: Type.String() })) })),
  attributes: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), value: AttributeValue, valueLabel: Type.String() })),
  categories: Type.Array(Type.Array(Crumb), { description: 'Breadcrumb trails, root first, one per category' }),
  variants: Type.Array(
    Type.Object({
      id: Type.String(),
      sku: Type.String(),
      options: Type.Record(Type.String(), Type.String()),
      price: Type.Union([StorePrice, Type.Null()]),
      available: Type.Boolean(),
      quantityLeft: Type.Union([Type.Integer(), Type.Null()], { description: 'Exact stock only when at or below the low-stock threshold' }),
      weightGrams: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});
export type StoreProductDetail = Static<typeof StoreProductDetail>;

export type ProductSort = 'relevance' | 'newest' | 'price_asc' | 'price_desc' | 'best_selling' | 'rating';

const storeQueryOptions = {
  additionalProperties: false,
  patternProperties: { '^attr\\.[A-Za-z][A-Za-z0-9_]{0,63}$': Type.String({ minLength: 1, maxLength: 500 }) },
  description: 'Filter by attribute with `attr.<name>=v1,v2` (any of); numbers also take `min..max`',
};

export const StoreProductQuery = Type.Object(
  {
    category: Type.Optional(Handle),
    collection: Type.Optional(Handle),
    brand: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'One or more brands, comma-separated (any of)' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'One or more tags, comma-separated (any of)' })),
    minPrice: Type.Optional(Type.Integer({ minimum: 0, description: 'Minor units of `currency`' })),
    maxPrice: Type.Optional(Type.Integer({ minimum: 0 })),
    inStock: Type.Optional(Type.Boolean()),
    sort: Type.Union(
      [Type.Literal('relevance'), Type.Literal('newest'), Type.Literal('price_asc'), Type.Literal('price_desc'), Type.Literal('best_selling'), Type.Literal('rating')],
      { default: 'relevance' },
    ),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    locale: Type.Optional(Locale),
  },
  storeQueryOptions,
);
export type StoreProductQuery = Static<typeof StoreProductQuery>;

/** The listing's query without `collection` (GET /store/collections/:handle). Type.Omit drops object options, so they are passed again. */
export const StoreCollectionQuery = Type.Omit(StoreProductQuery, ['collection'], storeQueryOptions);

export const StoreProductParams = Type.Object({ handle: Handle }, { additionalProperties: false });
export const StoreDetailQuery = Type.Object(
  { currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })), locale: Type.Optional(Locale) },
  { additionalProperties: false },
);
