import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { platformError } from '../errors.js';
import type { Guards } from '../http/auth.js';
import { IdParams, problems } from '../http/schemas.js';
import type { JobQueue } from './index.js';

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  total: Type.Union([Type.Integer(), Type.Null()], { description: 'Items to process, once known' }),
  processed: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), message: Type.String() }), { description: 'Per-item problems (first 1,000)' }),
  result: Type.Unknown(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** `GET /admin/jobs/:id`: progress of a background job. */
export const jobRoutes: FastifyPluginAsyncTypebox<{ jobs: JobQueue; guards: Guards }> = async (app, { jobs, guards }) => {
  app.get(
    '/jobs/:id',
    {
      onRequest: guards.staff('staff:self'),
      schema: { tags: ['admin: jobs'], summary: 'Progress of a background job', security: [{ bearer: [] }], params: IdParams, response: { 200: JobSchema, ...problems(401, 403, 404) } },
    },
    async (request) => {
      const job = await jobs.get(request.params.id);
      if (!job) throw platformError('NOT_FOUND', { detail: `No job ${request.params.id}` });
      return job as Static<typeof JobSchema>;
    },
  );
};
