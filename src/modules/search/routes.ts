import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../platform/http/schemas.js';
import type { Search } from './index.js';
import { SearchQuery, SearchResponse, SuggestQuery, SuggestResponse } from './schemas.js';

/** Shopper-facing search, mounted under `/store`. */
export const searchRoutes: FastifyPluginAsyncTypebox<{ search: Search }> = async (app, { search }) => {
  const tags = ['store: search'];
  app.get(
    '/search',
    {
      schema: {
        tags,
        summary: 'Search published products',
        description:
          'Ranked full-text search (typo-tolerant, every locale indexed) with filters and facets. Filters combine with AND, ' +
          'comma-separated values within one with OR; each facet counts as if its own filter were not set.',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...problems(400) },
      },
    },
    async (request) => search.search(request.query as typeof request.query & Record<string, unknown>, request.headers['accept-language']),
  );
  app.get(
    '/search/suggest',
    { schema: { tags, summary: 'Type-ahead suggestions: products, categories, brands', querystring: SuggestQuery, response: { 200: SuggestResponse, ...problems(400) } } },
    async (request) => ({ suggestions: await search.suggest(request.query, request.headers['accept-language']) }),
  );
};
