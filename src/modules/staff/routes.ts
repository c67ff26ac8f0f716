import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clientOf, staffOf, type Guards } from '../../platform/http/auth.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import { sendEmpty } from '../../platform/http/reply.js';
import type { StaffModule } from './index.js';
import { CreateStaffBody, type Staff, StaffAuthResult, StaffListQuery, StaffLoginBody, UpdateStaffBody } from './schemas.js';

const bearer = [{ bearer: [] }];
const StaffRef = Type.Unsafe<Staff>(Type.Ref('Staff'));

/** Staff sign-in and staff management, mounted under `/admin`. */
export const staffRoutes: FastifyPluginAsyncTypebox<{ staff: StaffModule; guards: Guards }> = async (app, { staff, guards }) => {
  const tags = ['admin: staff'];
  const actor = (request: Parameters<typeof staffOf>[0]) => {
    const p = staffOf(request);
    return { staffId: p.staffId, role: p.role, ip: request.ip };
  };

  app.post(
    '/auth/login',
    { schema: { tags, summary: 'Staff sign-in', body: StaffLoginBody, response: { 200: StaffAuthResult, ...problems(400, 401, 429) } } },
    async (request) => staff.login(request.body, clientOf(request)),
  );

  app.post(
    '/auth/logout',
    {
      onRequest: guards.staff('staff:self'),
      schema: { tags, summary: 'Revoke the current staff token', security: bearer, response: { 204: NoBody, ...problems(401, 403) } },
    },
    async (request, reply) => {
      await staff.logout(staffOf(request).sessionId);
      return sendEmpty(reply, 204);
    },
  );

  app.get(
    '/me',
    { onRequest: guards.staff('staff:self'), schema: { tags, summary: 'The signed-in staff member', security: bearer, response: { 200: StaffRef, ...problems(401, 403) } } },
    async (request) => staff.get(staffOf(request).staffId),
  );

  app.get(
    '/staff',
    {
      onRequest: guards.staff('staff:read'),
      schema: { tags, summary: 'List staff', security: bearer, querystring: StaffListQuery, response: { 200: Page(StaffRef), ...problems(400, 401, 403) } },
    },
    async (request) => staff.list(request.query),
  );

  app.post(
    '/staff',
    {
      onRequest: guards.staff('staff:write'),
      schema: { tags, summary: 'Add a staff member', security: bearer, body: CreateStaffBody, response: { 201: StaffRef, ...problems(400, 401, 403, 409) } },
    },
    async (request, reply) => reply.code(201).send(await staff.create(actor(request), request.body)),
  );

  app.patch(
    '/staff/:id',
    {
      onRequest: guards.staff('staff:write'),
      schema: {
        tags,
        summary: 'Change a staff member (name, role, active, password)',
        security: bearer,
        params: IdParams,
        body: UpdateStaffBody,
        response: { 200: StaffRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => staff.update(actor(request), request.params.id, request.body),
  );
};
