import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TtlCache } from '../../platform/cache.js';
import { problems } from '../../platform/http/schemas.js';
import type { Search, SearchPage } from './index.js';
import { SearchQuery, SearchResponse, SuggestQuery, SuggestResponse } from './schemas.js';

const SESSION_ID_PARAM = /([?&])sessionId=[^&]*(&|$)/;

/** The request URL without `sessionId`, which does not change the results and would split the cache per shopper. */
function withoutSessionId(url: string): string {
  if (!url.includes('sessionId=')) return url;
  return url.replace(SESSION_ID_PARAM, (_m, lead: string, tail: string) => (tail ? lead : '')).replace(/\?$/, '');
}

/** Shopper-facing search, mounted under `/store`. */
export const searchRoutes: FastifyPluginAsyncTypebox<{ search: Search; cache: TtlCache<unknown> }> = async (app, { search, cache }) => {
  const tags = ['store: search'];
  // Popular queries repeat: results are cached per process like catalog pages (a few seconds),
  // keyed by the whole query string (less `sessionId`) and the Accept-Language it was resolved with.
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
    async (request) => {
      const { sessionId, ...query } = request.query;
      const acceptLanguage = request.headers['accept-language'];
      const page = (await cache.getOrLoad(key('search', withoutSessionId(request.url), acceptLanguage), () =>
        search.search(query as typeof query & Record<string, unknown>, acceptLanguage),
      )) as SearchPage;
      // Served from the cache or not, it is a search the shopper made.
      search.recordSearch(query, acceptLanguage, page.total, sessionId);
      return page;
    },
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
