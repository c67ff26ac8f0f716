import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { optionalPrincipal, type Authenticate } from '../../platform/http/auth.js';
import { platformError } from '../../platform/errors.js';
import { problems } from '../../platform/http/schemas.js';
import type { Recommendations } from './index.js';
import { Type } from 'typebox';
import { EventBatchBody, EventInput, IngestResult, MAX_BATCH } from './schemas.js';

interface Options {
  recommendations: Recommendations;
  authenticate: Authenticate;
}

/** Storefront behaviour events, mounted under `/store`. */
export const recsEventRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { recommendations, authenticate }) => {
  app.post(
    '/events',
    {
      schema: {
        tags: ['store: recommendations'],
        summary: 'Report a batch of shopper behaviour events',
        description:
          'Up to 100 events. Each needs a `type` and the storefront’s `sessionId`; views, cart changes, purchases and recommendation clicks need `productId` or `sku`, ' +
          'searches need `query`. Bad events are rejected one by one (`rejected[]` with a RECS_EVENT_* code); the rest are stored. ' +
          'The bearer token is optional: a customer token links the sessions to the customer (a staff token → 403). ' +
          `Over ${recommendations.limits.eventsPerMinute} events per session per minute → 429 RECS_RATE_LIMITED with Retry-After.`,
        security: [{}, { bearer: [] }],
        body: Type.Union([EventBatchBody, Type.Array(EventInput, { minItems: 1, maxItems: MAX_BATCH, description: 'The events alone, without the wrapping object' })]),
        response: { 202: IngestResult, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const principal = await optionalPrincipal(authenticate, request);
      if (principal?.kind === 'staff') throw platformError('AUTH_FORBIDDEN', { detail: 'Events come from customers and anonymous shoppers, not staff' });
      const events = Array.isArray(request.body) ? request.body : request.body.events;
      const result = await recommendations.ingest(events, { customerId: principal?.customerId ?? null });
      return reply.code(202).send(result);
    },
  );
};
