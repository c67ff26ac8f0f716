import { Type, type Static } from 'typebox';
import { Locale } from '../../platform/http/schemas.js';

const HandleList = Type.String({
  pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*(?:,[a-z0-9]+(?:-[a-z0-9]+)*)*$',
  maxLength: 500,
  description: 'One or more category handles, comma-separated (any of; each includes its subcategories)',
});

/** `GET /store/search` query string. `attr.<name>` keys filter by attribute. */
export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Free text; empty browses the filtered catalogue' })),
    category: Type.Optional(HandleList),
    brand: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'One or more brands, comma-separated (any of)' })),
    minPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 9_007_199_254_740_991, description: 'Minor units of `currency`' })),
    maxPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 9_007_199_254_740_991, description: 'Minor units of `currency`' })),
    sort: Type.Union([Type.Literal('relevance'), Type.Literal('newest'), Type.Literal('price_asc'), Type.Literal('price_desc'), Type.Literal('best_selling')], {
      default: 'relevance',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    locale: Type.Optional(Locale),
    sessionId: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'The storefront’s anonymous session id (as sent with behaviour events), recorded with the search for analytics; does not change the results',
      }),
    ),
  },
  {
    additionalProperties: false,
    patternProperties: { '^attr\\.[A-Za-z][A-Za-z0-9_]{0,63}$': Type.String({ minLength: 1, maxLength: 500 }) },
    description: 'Filter by attribute with `attr.<name>=v1,v2` (any of); number attributes also take `min..max`',
  },
);
export type SearchQuery = Static<typeof SearchQuery>;

const CountedValue = Type.Object({ value: Type.String(), count: Type.Integer() });

export const FacetsSchema = Type.Object({
  categories: Type.Array(Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String(), count: Type.Integer() }), {
    description: 'Products per category, subcategories included',
  }),
  brands: Type.Array(CountedValue),
  attributes: Type.Record(Type.String(), Type.Array(CountedValue), { description: 'Filterable attributes: name → values' }),
  price: Type.Array(
    Type.Object({ min: Type.Integer(), max: Type.Union([Type.Integer(), Type.Null()]), count: Type.Integer() }),
    { description: 'Price bands in the requested currency, minor units; `max` exclusive, null for the last band' },
  ),
});

/** A product card, as the catalog's listing returns it. */
const CardRef = Type.Unsafe<{ id: string }>(Type.Ref('StoreProductCard'));

export const SearchResponse = Type.Object({
  items: Type.Array(CardRef),
  total: Type.Integer({ description: 'Products matching the query and every filter' }),
  facets: FacetsSchema,
  correctedQuery: Type.Optional(Type.String({ description: 'The query as searched, when misspelt words were corrected' })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SuggestQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100 }),
    limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type SuggestQuery = Static<typeof SuggestQuery>;

export const SuggestResponse = Type.Object({
  suggestions: Type.Array(
    Type.Object({
      type: Type.Union([Type.Literal('product'), Type.Literal('category'), Type.Literal('brand')]),
      text: Type.String(),
      handle: Type.Optional(Type.String({ description: 'Product or category handle' })),
    }),
  ),
});
