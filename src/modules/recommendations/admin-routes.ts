import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Guards } from '../../platform/http/auth.js';
import { platformError } from '../../platform/errors.js';
import { problems } from '../../platform/http/schemas.js';
import type { Recommendations } from './index.js';

interface Options {
  recommendations: Recommendations;
  guards: Guards;
}

const tags = ['admin: recommendations'];
const DAY = 86_400_000;

const Status = Type.Object({
  version: Type.Integer({ description: 'The models in use; 0 before the first training run' }),
  trainedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  events: Type.Integer({ description: 'Behaviour events the models were trained from' }),
  products: Type.Integer({ description: 'Products with a model row (neighbours, trending or content)' }),
  durationMs: Type.Integer(),
});

const TrainResult = Type.Object({
  outcome: Type.Union([Type.Literal('trained'), Type.Literal('skipped'), Type.Literal('busy')], { description: 'busy: another process is training right now' }),
  version: Type.Integer(),
  events: Type.Integer(),
  products: Type.Integer(),
  rowsWritten: Type.Integer({ description: 'Model rows written (only the changed ones when this process trained the previous version)' }),
  durationMs: Type.Integer(),
});

const Performance = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  items: Type.Array(
    Type.Object({
      surface: Type.String({ description: 'similar | bought_together | cart | for_you' }),
      reason: Type.String({ description: 'similar_to | bought_with | trending | because_you_viewed' }),
      impressions: Type.Integer(),
      clicks: Type.Integer({ description: 'Recommendations shown in the period with at least one click_recommendation event carrying their id' }),
      ctr: Type.Number(),
    }),
  ),
});

/** Staff routes for the recommendation models, mounted under `/admin`. */
export const recsAdminRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { recommendations, guards }) => {
  app.get(
    '/recommendations/status',
    { onRequest: guards.staff('analytics:read'), schema: { tags, summary: 'The recommendation models in use', security: [{ bearer: [] }], response: { 200: Status, ...problems(401, 403) } } },
    async () => {
      const s = await recommendations.modelStatus();
      return { version: s.version, trainedAt: s.trainedAt?.toISOString() ?? null, events: s.events, products: s.items, durationMs: s.durationMs };
    },
  );
  app.post(
    '/recommendations/train',
    {
      onRequest: guards.staff('catalog:write'),
      schema: {
        tags,
        summary: 'Rebuild the recommendation models now',
        description: 'A full rebuild from the behaviour events and the catalog, like `npm run train`; answers when written. `busy` when another process is training.',
        security: [{ bearer: [] }],
        response: { 200: TrainResult, ...problems(401, 403) },
      },
    },
    async () => recommendations.train({ force: true }),
  );
  app.get(
    '/recommendations/performance',
    {
      onRequest: guards.staff('analytics:read'),
      schema: {
        tags,
        summary: 'Impressions, clicks and click-through of recommendations',
        description: 'For recommendations served in [from, to) (default: the last 7 days; at most 366 days), per surface and reason.',
        security: [{ bearer: [] }],
        querystring: Type.Object(
          { from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: { 200: Performance, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      await recommendations.flushImpressions();
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 7 * DAY);
      if (!(from < to) || to.getTime() - from.getTime() > 366 * DAY) {
        throw platformError('VALIDATION_FAILED', { detail: '`from` must be before `to`, at most 366 days apart', fields: [{ field: '/from', message: 'must be before to, within 366 days' }] });
      }
      return { from: from.toISOString(), to: to.toISOString(), items: await recommendations.performance(from, to) };
    },
  );
};
