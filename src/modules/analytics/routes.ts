import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import type { Guards } from '../../platform/http/auth.js';
import { problems } from '../../platform/http/schemas.js';
import type { Analytics, ReportName } from './index.js';
import { CohortsSchema, FunnelSchema, OverviewSchema, ProductsSchema, PromotionsSchema, ReportQuery, SearchSchema } from './schemas.js';

interface Options {
  analytics: Analytics;
  guards: Guards;
}

const bearer = [{ bearer: [] }];

const REPORTS: { name: ReportName; schema: TSchema; summary: string; csv: string }[] = [
  { name: 'overview', schema: OverviewSchema, summary: 'GMV, net revenue, orders, customers and refunds against the previous period', csv: 'the time series' },
  { name: 'funnel', schema: FunnelSchema, summary: 'Sessions → product views → add to cart → checkout → paid', csv: 'the steps' },
  { name: 'products', schema: ProductsSchema, summary: 'Top products and categories, conversion, viewed but rarely bought', csv: 'products by revenue (with views and conversion)' },
  { name: 'cohorts', schema: CohortsSchema, summary: 'Customers by first-purchase month and their repeat purchases', csv: 'one row per cohort and later month' },
  { name: 'promotions', schema: PromotionsSchema, summary: 'Revenue and discount per promotion, coupon code and flash sale', csv: 'the items' },
  { name: 'search', schema: SearchSchema, summary: 'Top queries, click-through and queries with no results', csv: 'the top queries, then the queries with no results (`list`)' },
];

function wantsCsv(query: ReportQuery, accept: string | undefined): boolean {
  if (query.format) return query.format === 'csv';
  return /\btext\/csv\b/.test(accept ?? '');
}

/**
 * Staff reports, mounted under `/admin` (permission `analytics:read`): JSON, or one CSV table
 * with `?format=csv` or `Accept: text/csv`.
 */
export const analyticsRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { analytics, guards }) => {
  const tags = ['admin: analytics'];
  for (const report of REPORTS) {
    app.get(
      `/analytics/${report.name}`,
      {
        onRequest: guards.staff('analytics:read'),
        schema: {
          tags,
          summary: report.summary,
          description:
            `Period \`from\`..\`to\` (local dates, inclusive) in the shop's time zone; money in minor units of \`currency\`. CSV: ${report.csv}. ` +
            'Bad dates or from > to → 400 ANALYTICS_INVALID_RANGE; too long → 400 ANALYTICS_RANGE_TOO_LARGE; currency → 400 ANALYTICS_UNKNOWN_CURRENCY or ANALYTICS_NO_EXCHANGE_RATE. Definitions: src/modules/analytics/README.md.',
          security: bearer,
          querystring: ReportQuery,
          // One route per report: the body's type is checked by the module, the schema serialises it.
          response: { 200: Type.Unsafe<unknown>(report.schema), ...problems(400, 401, 403) },
        },
      },
      async (request, reply) => {
        if (wantsCsv(request.query, request.headers.accept)) {
          const csv = await analytics.csv(report.name, request.query);
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${report.name}-${request.query.from}-${request.query.to}.csv"`)
            .send(csv);
        }
        return analytics.report(report.name, request.query);
      },
    );
  }
};
