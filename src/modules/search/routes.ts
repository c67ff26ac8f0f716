import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TtlCache } from '../../platform/cache.js';
import { problems } from '../../platform/http/schemas.js';
import type { Search } from './index.js';
import { SearchQuery, SearchResponse, SuggestQuery, SuggestResponse } from './schemas.js';

/** Shopper-facing search, mounted under `/store`. */
export const searchRoutes: FastifyPluginAsyncTypebox<{ search: Search; cache: TtlCache<unknown> }> = async (app, { search, cache }) => {
  const tags = ['store: search'];
  // Popular queries repeat: results are cached per process like catalog pages (a few seconds),
  // keyed by the whole query string and the Accept-Language it was resolved with.
  const key = (name: string, url: string, acceptLanguage: string | undefined) => `${name}|${acceptLanguage ?? ''}|${url.includes('?') ? url.slice(url.indexOf('?')) : ''}`;
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
    async (request) =>
      cache.getOrLoad(key('search', request.url, request.headers['accept-language']), () =>
        search.search(request.query as typeof request.query & Record<string, unknown>, request.headers['accept-language']),
      ) as ReturnType<typeof search.search>,
  );
  app.get(
    '/search/suggest',
    { schema: { tags, summary: 'Type-ahead suggestions: products, categories, brands', querystring: SuggestQuery, response: { 200: SuggestResponse, ...problems(400) } } },
    async (request) => ({
      suggestions: (await cache.getOrLoad(key('suggest', request.url, request.headers['accept-language']), () =>
        search.suggest(request.query, request.headers['accept-language']),
      )) as Awaited<ReturnType<typeof search.suggest>>,
    }),
  );
};
