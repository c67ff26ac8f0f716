import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Guards } from '../../platform/http/auth.js';
import { Page, problems } from '../../platform/http/schemas.js';
import { AuditEntrySchema, AuditQuery } from './schemas.js';
import type { Audit } from './index.js';

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: Audit; guards: Guards }> = async (app, { audit, guards }) => {
  app.get(
    '/audit-log',
    {
      onRequest: guards.staff('audit:read'),
      schema: {
        tags: ['admin: audit'],
        summary: 'Staff actions, newest first',
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: Page(AuditEntrySchema), ...problems(400, 401, 403) },
      },
    },
    async (request) => audit.list(request.query),
  );
};
