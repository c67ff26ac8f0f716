import { Type, type Static } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Rating = Type.Integer({ minimum: 1, maximum: 5 });
const Cursor = Type.String({ minLength: 1, maxLength: 512 });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** At most 9 image URLs, http or https only. */
export const ImageUrl = Type.String({ format: 'uri', pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'http(s) URL of an image' });
export const MAX_IMAGES = 9;

export const ReviewStatusSchema = Type.Union([Type.Literal('published'), Type.Literal('hidden')]);

/** A review as anyone may see it on a product page. */
export const StoreReviewSchema = Type.Object({
  id: Type.String({ examples: ['rev_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  productId: Type.String(),
  sku: Type.String(),
  rating: Rating,
  title: Nullable(Type.String()),
  body: Type.String(),
  images: Type.Array(Type.String()),
  author: Type.String({ description: 'Reviewers are not named; every review comes from a delivered order' }),
  helpfulCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type StoreReview = Static<typeof StoreReviewSchema>;

/** A review as its author sees it (also the answer to creating one). */
export const CustomerReviewSchema = Type.Object({
  ...StoreReviewSchema.properties,
  orderId: Type.String(),
  orderLineId: Type.String(),
  status: ReviewStatusSchema,
});
export type CustomerReview = Static<typeof CustomerReviewSchema>;

/** A review as staff see it. */
export const AdminReviewSchema = Type.Object({
  ...CustomerReviewSchema.properties,
  customerId: Type.String(),
  hiddenReason: Nullable(Type.String()),
});
export type AdminReview = Static<typeof AdminReviewSchema>;

export const ReviewItemInput = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 100 }),
    rating: Rating,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    body: Type.String({ minLength: 1, maxLength: 5000 }),
    images: Type.Optional(Type.Array(ImageUrl, { maxItems: MAX_IMAGES })),
  },
  { additionalProperties: false },
);
export type ReviewItemInput = Static<typeof ReviewItemInput>;

export const CreateReviewsBody = Type.Object({ items: Type.Array(ReviewItemInput, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export type CreateReviewsBody = Static<typeof CreateReviewsBody>;

export const CreateReviewsResult = Type.Object({ items: Type.Array(CustomerReviewSchema) });

/** Each line of an order with its review, if written. */
export const OrderReviewsSchema = Type.Object({
  eligible: Type.Boolean({ description: 'True once the order is delivered or completed' }),
  items: Type.Array(
    Type.Object({
      lineId: Type.String(),
      sku: Type.String(),
      productId: Type.String(),
      review: Type.Union([CustomerReviewSchema, Type.Null()]),
    }),
  ),
});
export type OrderReviews = Static<typeof OrderReviewsSchema>;

export const ProductReviewParams = Type.Object(
  { handle: Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const ProductReviewQuery = Type.Object(
  {
    sort: Type.Union([Type.Literal('newest'), Type.Literal('helpful')], { default: 'newest' }),
    rating: Type.Optional(Rating),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ProductReviewQuery = Static<typeof ProductReviewQuery>;

export const DistributionSchema = Type.Object(
  { '1': Type.Integer(), '2': Type.Integer(), '3': Type.Integer(), '4': Type.Integer(), '5': Type.Integer() },
  { description: 'Published reviews per star rating' },
);
export type Distribution = Static<typeof DistributionSchema>;

export const ProductReviewPage = Type.Object({
  items: Type.Array(StoreReviewSchema),
  nextCursor: Nullable(Type.String()),
  ratingAverage: Type.Union([Type.Number(), Type.Null()], { description: 'Mean of published ratings, 2 decimals; null without reviews' }),
  ratingCount: Type.Integer(),
  distribution: DistributionSchema,
});
export type ProductReviewPage = Static<typeof ProductReviewPage>;

export const AdminReviewQuery = Type.Object(
  {
    status: Type.Optional(ReviewStatusSchema),
    productId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rating: Type.Optional(Rating),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type AdminReviewQuery = Static<typeof AdminReviewQuery>;

export const HideReviewBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
export type HideReviewBody = Static<typeof HideReviewBody>;
