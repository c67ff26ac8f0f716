import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { optionalPrincipal, type Authenticate } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import type { FastifyRequest } from 'fastify';
import type { Recommendations } from './index.js';
import type { ServeOptions, Viewer } from './serving.js';

interface Options {
  recommendations: Recommendations;
  authenticate: Authenticate;
}

const RecItemSchema = Type.Object({
  productId: Type.String(),
  handle: Type.String(),
  title: Type.String(),
  price: Type.Optional(Type.Object({ amount: Type.Integer({ description: 'Cheapest variant, minor units' }), currency: Type.String() })),
  image: Type.Optional(Type.Object({ url: Type.String(), alt: Type.Union([Type.String(), Type.Null()]) })),
  reason: Type.Union([Type.Literal('similar_to'), Type.Literal('bought_with'), Type.Literal('trending'), Type.Literal('because_you_viewed')]),
  recommendationId: Type.String({ description: 'Send it back with `click_recommendation` events to measure the recommendation' }),
});
const RecList = Type.Object({ items: Type.Array(RecItemSchema) });
const Query = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
    currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
    locale: Type.Optional(Type.String({ maxLength: 20, description: 'Titles in this locale when translated (default: the shop’s)' })),
    sessionId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$', description: 'The storefront’s anonymous session, as sent with events: “for you” reads its history; every route records it with what was shown' }),
    ),
  },
  { additionalProperties: false },
);
const tags = ['store: recommendations'];
const note = 'Only published, in-stock products. Falls back to trending products (paid purchases), then best sellers; may be empty, never an error for lack of data.';

/** Recommendation serving, mounted under `/store`. */
export const recsServingRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { recommendations, authenticate }) => {
  /** The shopper asking: a customer token (optional; 401 if invalid) and the query's session. */
  const withViewer = async (request: FastifyRequest, query: { limit: number; currency?: string; locale?: string; sessionId?: string }): Promise<ServeOptions & { viewer: Viewer }> => {
    const principal = await optionalPrincipal(authenticate, request);
    const { sessionId, ...opts } = query;
    return { ...opts, viewer: { customerId: principal?.kind === 'customer' ? principal.customerId : null, sessionId: sessionId ?? null } };
  };
  app.get(
    '/products/:handle/similar',
    {
      schema: {
        tags,
        summary: 'Products similar to this one (co-viewed in sessions)',
        description: note,
        params: Type.Object({ handle: Type.String({ maxLength: 200 }) }),
        querystring: Query,
        response: { 200: RecList, ...problems(400, 401, 404) },
      },
    },
    async (request) => ({ items: await recommendations.similar(request.params.handle, await withViewer(request, request.query)) }),
  );
  app.get(
    '/products/:handle/bought-together',
    {
      schema: {
        tags,
        summary: 'Products bought together with this one',
        description: note,
        params: Type.Object({ handle: Type.String({ maxLength: 200 }) }),
        querystring: Query,
        response: { 200: RecList, ...problems(400, 401, 404) },
      },
    },
    async (request) => ({ items: await recommendations.boughtTogether(request.params.handle, await withViewer(request, request.query)) }),
  );
  app.get(
    '/carts/:id/recommendations',
    {
      schema: {
        tags,
        summary: 'Products bought together with the cart’s, none already in it',
        description: `A customer’s cart answers only with their token (404 otherwise); a guest cart to whoever has its id. ${note}`,
        security: [{}, { bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Query,
        response: { 200: RecList, ...problems(400, 401, 404) },
      },
    },
    async (request) => ({ items: await recommendations.forCart(request.params.id, await withViewer(request, request.query)) }),
  );
  app.get(
    '/recommendations',
    {
      schema: {
        tags,
        summary: '“For you”: from the shopper’s latest views and purchases',
        description: `For the customer of the bearer token (with their linked sessions) or the \`sessionId\`; never an item in that recent history (viewed or bought). ${note}`,
        security: [{}, { bearer: [] }],
        querystring: Query,
        response: { 200: RecList, ...problems(400, 401) },
      },
    },
    async (request) => {
      const opts = await withViewer(request, request.query);
      return { items: await recommendations.forYou(opts.viewer, opts) };
    },
  );
};
