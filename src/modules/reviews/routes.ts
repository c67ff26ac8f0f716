import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { customerOf, staffOf, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { IdParams, NoBody, Page, PageQuery, problems } from '../../platform/http/schemas.js';
import type { Reviews } from './index.js';
import {
  AdminReviewQuery,
  AdminReviewSchema,
  CreateReviewsBody,
  CreateReviewsResult,
  CustomerReviewSchema,
  HideReviewBody,
  OrderReviewsSchema,
  ProductReviewPage,
  ProductReviewParams,
  ProductReviewQuery,
} from './schemas.js';

interface Options {
  reviews: Reviews;
  guards: Guards;
}

const bearer = [{ bearer: [] }];

/** Customer and public review routes, mounted under `/store`. */
export const reviewStoreRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { reviews, guards }) => {
  const tags = ['store: reviews'];

  app.post(
    '/orders/:id/reviews',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'Review items of a delivered order',
        description:
          'One review per order line, all items or none. Only the order’s customer, once it is delivered or completed (409 REVIEW_ORDER_NOT_DELIVERED). ' +
          'A SKU the order lacks → 400 REVIEW_LINE_NOT_IN_ORDER; a line reviewed before → 409 REVIEW_ALREADY_EXISTS. Images: up to 9 http(s) URLs.',
        security: bearer,
        params: IdParams,
        body: CreateReviewsBody,
        response: { 201: CreateReviewsResult, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const items = await reviews.create(customerOf(request).customerId, request.params.id, request.body.items);
      return reply.code(201).send({ items });
    },
  );

  app.get(
    '/orders/:id/reviews',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'Lines of an order with their reviews',
        security: bearer,
        params: IdParams,
        response: { 200: OrderReviewsSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => reviews.forOrder(customerOf(request).customerId, request.params.id),
  );

  app.get(
    '/products/:handle/reviews',
    {
      schema: {
        tags,
        summary: 'Published reviews of a product with its rating summary',
        description: '`sort=newest` (default) or `helpful`; `rating` keeps one star rating. The summary counts every published review.',
        params: ProductReviewParams,
        querystring: ProductReviewQuery,
        response: { 200: ProductReviewPage, ...problems(400, 404) },
      },
    },
    async (request) => reviews.listForProduct(request.params.handle, request.query),
  );

  app.post(
    '/reviews/:id/helpful',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'Mark a review helpful',
        description: 'One vote per customer; voting again changes nothing. Not on one’s own review (409 REVIEW_OWN_REVIEW).',
        security: bearer,
        params: IdParams,
        response: { 204: NoBody, ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await reviews.markHelpful(customerOf(request).customerId, request.params.id);
      return sendEmpty(reply, 204);
    },
  );

  app.get(
    '/me/reviews',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'The signed-in customer’s reviews, newest first',
        security: bearer,
        querystring: PageQuery,
        response: { 200: Page(CustomerReviewSchema), ...problems(400, 401, 403) },
      },
    },
    async (request) => reviews.listMine(customerOf(request).customerId, request.query),
  );
};

/** Staff moderation, mounted under `/admin`. Reads need `catalog:read`, hide/show `catalog:write`. */
export const reviewAdminRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { reviews, guards }) => {
  const tags = ['admin: reviews'];

  app.get(
    '/reviews',
    {
      onRequest: guards.staff('catalog:read'),
      schema: {
        tags,
        summary: 'List reviews, newest first',
        security: bearer,
        querystring: AdminReviewQuery,
        response: { 200: Page(AdminReviewSchema), ...problems(400, 401, 403) },
      },
    },
    async (request) => reviews.listAdmin(request.query),
  );

  app.get(
    '/reviews/:id',
    {
      onRequest: guards.staff('catalog:read'),
      schema: { tags, summary: 'One review', security: bearer, params: IdParams, response: { 200: AdminReviewSchema, ...problems(401, 403, 404) } },
    },
    async (request) => reviews.getAdmin(request.params.id),
  );

  app.post(
    '/reviews/:id/hide',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Hide a review from the store',
        description: 'Removes it from the product’s reviews and rating. Hiding a hidden review replaces the reason. Audited.',
        security: bearer,
        params: IdParams,
        body: HideReviewBody,
        response: { 200: AdminReviewSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => reviews.hide({ staffId: staffOf(request).staffId, ip: request.ip }, request.params.id, request.body.reason),
  );

  app.post(
    '/reviews/:id/show',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Publish a hidden review again',
        description: 'Returns it to the product’s reviews and rating. Audited.',
        security: bearer,
        params: IdParams,
        response: { 200: AdminReviewSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => reviews.show({ staffId: staffOf(request).staffId, ip: request.ip }, request.params.id),
  );
};
