import { Type, type Static } from 'typebox';
import { Locale, PageQuery, Timestamp } from '../../platform/http/schemas.js';

/** URL-safe handle: lower-case words joined by single hyphens. */
export const Handle = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', minLength: 1, maxLength: 200, examples: ['running-shoes'] });

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 10_000 });
const Position = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Per-locale text, keyed by a BCP 47 tag the shop serves (checked by the service). */
function Translations<T extends Parameters<typeof Type.Object>[0]>(fields: T) {
  return Type.Record(Type.String({ maxLength: 35 }), Type.Object(fields, { additionalProperties: false }), {
    maxProperties: 50,
    description: 'Keyed by a locale the shop serves (`en-US`); fields left out fall back to the default locale',
  });
}

// ---- categories ----

const CategoryTranslations = Translations({ name: Type.Optional(Name), description: Type.Optional(Description) });

export const CreateCategoryBody = Type.Object(
  {
    handle: Handle,
    name: Name,
    description: Type.Optional(Nullable(Description)),
    parentId: Type.Optional(Nullable(Id)),
    position: Type.Optional(Position),
    translations: Type.Optional(CategoryTranslations),
  },
  { additionalProperties: false },
);
export type CreateCategoryBody = Static<typeof CreateCategoryBody>;

export const UpdateCategoryBody = Type.Partial(CreateCategoryBody, { additionalProperties: false, minProperties: 1 });
export type UpdateCategoryBody = Static<typeof UpdateCategoryBody>;

export const CategoryAdminSchema = Type.Object({
  id: Type.String({ examples: ['cat_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  handle: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  parentId: Type.Union([Type.String(), Type.Null()]),
  position: Type.Integer(),
  path: Type.String({ description: '`/<root id>/…/<own id>/`' }),
  depth: Type.Integer({ description: '0 for a root category' }),
  translations: Type.Record(Type.String(), Type.Object({ name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CategoryAdmin = Static<typeof CategoryAdminSchema>;

/** A category in the store tree, names in the requested locale. */
export interface CategoryNode {
  id: string;
  handle: string;
  name: string;
  description: string | null;
  position: number;
  children: CategoryNode[];
}

/** Shared (recursive) schema of a store tree node; the store plugin registers it. */
export const CategoryNodeSchema = {
  $id: 'CatalogCategoryNode',
  type: 'object',
  properties: {
    id: { type: 'string' },
    handle: { type: 'string' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    position: { type: 'integer' },
    children: { type: 'array', items: { $ref: 'CatalogCategoryNode' } },
  },
  required: ['id', 'handle', 'name', 'description', 'position', 'children'],
} as const;

export const CategoryLinkSchema = Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() });
export type CategoryLink = Static<typeof CategoryLinkSchema>;

export const CategoryTreeSchema = Type.Object({
  locale: Type.String({ description: 'The locale names are given in' }),
  items: Type.Array(Type.Unsafe<CategoryNode>(Type.Ref('CatalogCategoryNode'))),
});

export const StoreCategorySchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  parentId: Type.Union([Type.String(), Type.Null()]),
  breadcrumbs: Type.Array(CategoryLinkSchema, { description: 'Root first, ending with this category' }),
  children: Type.Array(CategoryLinkSchema),
});
export type StoreCategory = Static<typeof StoreCategorySchema>;

/** `?locale=` on store routes; without it Accept-Language decides. */
export const StoreLocaleQuery = Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false });

export const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

// ---- collections ----

const CollectionTranslations = Translations({ title: Type.Optional(Name), description: Type.Optional(Description) });
const ProductIds = Type.Array(Id, { uniqueItems: true, maxItems: 1000, description: 'The collection’s products, in display order' });

export const CreateCollectionBody = Type.Object(
  {
    handle: Handle,
    title: Name,
    description: Type.Optional(Nullable(Description)),
    translations: Type.Optional(CollectionTranslations),
    productIds: Type.Optional(ProductIds),
  },
  { additionalProperties: false },
);
export type CreateCollectionBody = Static<typeof CreateCollectionBody>;

export const UpdateCollectionBody = Type.Partial(CreateCollectionBody, { additionalProperties: false, minProperties: 1 });
export type UpdateCollectionBody = Static<typeof UpdateCollectionBody>;

const collectionFields = {
  id: Type.String({ examples: ['col_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  handle: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  translations: Type.Record(Type.String(), Type.Object({ title: Type.Optional(Type.String()), description: Type.Optional(Type.String()) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const CollectionSummarySchema = Type.Object({ ...collectionFields, productCount: Type.Integer() });
export type CollectionSummary = Static<typeof CollectionSummarySchema>;

export const CollectionAdminSchema = Type.Object({ ...collectionFields, productIds: Type.Array(Type.String()) });
export type CollectionAdmin = Static<typeof CollectionAdminSchema>;

export const CollectionListQuery = PageQuery;
export type CollectionListQuery = Static<typeof CollectionListQuery>;

/** A collection as the store shows it, text in the requested locale. */
export const StoreCollectionSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
});
export type StoreCollection = Static<typeof StoreCollectionSchema>;

// ---- attributes ----

export const AttributeName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$', examples: ['material'] });
const AttributeType = Type.Union([Type.Literal('text'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('enum')]);
const EnumValues = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500, description: 'Allowed values; enum attributes only' });
const AttributeTranslations = Translations({
  label: Type.Optional(Name),
  values: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.String({ minLength: 1, maxLength: 200 }), { description: 'Enum value → label' })),
});

export const CreateAttributeBody = Type.Object(
  {
    name: AttributeName,
    type: AttributeType,
    label: Name,
    values: Type.Optional(EnumValues),
    filterable: Type.Optional(Type.Boolean()),
    position: Type.Optional(Position),
    translations: Type.Optional(AttributeTranslations),
  },
  { additionalProperties: false },
);
export type CreateAttributeBody = Static<typeof CreateAttributeBody>;

/** The type of an attribute is fixed once declared. */
export const UpdateAttributeBody = Type.Object(
  {
    label: Type.Optional(Name),
    values: Type.Optional(EnumValues),
    filterable: Type.Optional(Type.Boolean()),
    position: Type.Optional(Position),
    translations: Type.Optional(AttributeTranslations),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAttributeBody = Static<typeof UpdateAttributeBody>;

export const AttributeSchema = Type.Object({
  name: Type.String(),
  type: AttributeType,
  label: Type.String(),
  values: Type.Array(Type.String()),
  filterable: Type.Boolean(),
  position: Type.Integer(),
  translations: Type.Record(
    Type.String(),
    Type.Object({ label: Type.Optional(Type.String()), values: Type.Optional(Type.Record(Type.String(), Type.String())) }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Attribute = Static<typeof AttributeSchema>;

export const AttributeParams = Type.Object({ name: AttributeName }, { additionalProperties: false });

// ---- exchange rates ----

const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' });

export const RateParams = Type.Object({ base: CurrencyCode, quote: CurrencyCode }, { additionalProperties: false });

export const PutRateBody = Type.Object(
  {
    rate: Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Number()], {
      description: 'Units of quote per one unit of base, as a decimal string ("0.1387"); a JSON number is accepted too',
    }),
  },
  { additionalProperties: false },
);

export const ExchangeRateSchema = Type.Object({
  base: Type.String(),
  quote: Type.String(),
  rate: Type.String({ description: 'Decimal string without trailing zeros', examples: ['0.1387'] }),
  updatedAt: Timestamp,
});
export type ExchangeRate = Static<typeof ExchangeRateSchema>;
