import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clientOf, customerOf, staffOf, type Guards } from '../../platform/http/auth.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import { sendEmpty } from '../../platform/http/reply.js';
import type { Customers } from './index.js';
import {
  type Address,
  AdminCustomerSchema,
  AuthResultSchema,
  ChangePasswordBody,
  CreateAddressBody,
  type Customer,
  CustomerSearchQuery,
  LoginBody,
  RegisterBody,
  ResetConfirmBody,
  ResetRequestBody,
  UpdateAddressBody,
  UpdateMeBody,
} from './schemas.js';

interface Options {
  customers: Customers;
  guards: Guards;
}

const bearer = [{ bearer: [] }];
const CustomerRef = Type.Unsafe<Customer>(Type.Ref('Customer'));
const AddressRef = Type.Unsafe<Address>(Type.Ref('Address'));

/** Customer-facing routes, mounted under `/store`. */
export const customerStoreRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { customers, guards }) => {
  const tags = ['store: account'];

  app.post(
    '/auth/register',
    { schema: { tags, summary: 'Create a customer account', body: RegisterBody, response: { 201: AuthResultSchema, ...problems(400, 409, 413) } } },
    async (request, reply) => reply.code(201).send(await customers.register(request.body, clientOf(request))),
  );

  app.post(
    '/auth/login',
    { schema: { tags, summary: 'Sign in with email and password', body: LoginBody, response: { 200: AuthResultSchema, ...problems(400, 401, 429) } } },
    async (request) => customers.login(request.body, clientOf(request)),
  );

  app.post(
    '/auth/logout',
    { onRequest: guards.customer, schema: { tags, summary: 'Revoke the current token', security: bearer, response: { 204: NoBody, ...problems(401, 403) } } },
    async (request, reply) => {
      await customers.logout(customerOf(request).sessionId);
      return sendEmpty(reply, 204);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags,
        summary: 'Email a password reset link',
        description: 'Always 202, whether or not the email has an account.',
        body: ResetRequestBody,
        response: { 202: NoBody, ...problems(400) },
      },
    },
    async (request, reply) => {
      await customers.requestPasswordReset(request.body.email);
      return sendEmpty(reply, 202);
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    { schema: { tags, summary: 'Set a new password with a reset token', body: ResetConfirmBody, response: { 204: NoBody, ...problems(400) } } },
    async (request, reply) => {
      await customers.confirmPasswordReset(request.body.token, request.body.password);
      return sendEmpty(reply, 204);
    },
  );

  app.get(
    '/me',
    { onRequest: guards.customer, schema: { tags, summary: 'The signed-in customer', security: bearer, response: { 200: CustomerRef, ...problems(401, 403) } } },
    async (request) => customers.get(customerOf(request).customerId),
  );

  app.patch(
    '/me',
    {
      onRequest: guards.customer,
      schema: { tags, summary: 'Update profile', security: bearer, body: UpdateMeBody, response: { 200: CustomerRef, ...problems(400, 401, 403) } },
    },
    async (request) => customers.updateMe(customerOf(request).customerId, request.body),
  );

  app.post(
    '/me/password',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'Change password',
        description: 'Signs out every other session of the account.',
        security: bearer,
        body: ChangePasswordBody,
        response: { 204: NoBody, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      await customers.changePassword(customerOf(request), request.body, clientOf(request));
      return sendEmpty(reply, 204);
    },
  );

  app.delete(
    '/me',
    {
      onRequest: guards.customer,
      schema: {
        tags,
        summary: 'Delete my account',
        description:
          'Confirmed with the password. The profile, address book and every session are deleted, and so is the behaviour recorded for recommendations; orders keep the name, email and addresses they were placed with. The email can register again.',
        security: bearer,
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 204: NoBody, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      await customers.deleteAccount(customerOf(request).customerId, { kind: 'self', password: request.body.password, client: clientOf(request) });
      return sendEmpty(reply, 204);
    },
  );

  const addressTags = ['store: addresses'];
  app.get(
    '/me/addresses',
    { onRequest: guards.customer, schema: { tags: addressTags, summary: 'Address book', security: bearer, response: { 200: Page(AddressRef), ...problems(401, 403) } } },
    async (request) => ({ items: await customers.listAddresses(customerOf(request).customerId), nextCursor: null }),
  );

  app.post(
    '/me/addresses',
    {
      onRequest: guards.customer,
      schema: { tags: addressTags, summary: 'Add an address', security: bearer, body: CreateAddressBody, response: { 201: AddressRef, ...problems(400, 401, 403, 409) } },
    },
    async (request, reply) => reply.code(201).send(await customers.createAddress(customerOf(request).customerId, request.body)),
  );

  app.patch(
    '/me/addresses/:id',
    {
      onRequest: guards.customer,
      schema: {
        tags: addressTags,
        summary: 'Change an address',
        security: bearer,
        params: IdParams,
        body: UpdateAddressBody,
        response: { 200: AddressRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => customers.updateAddress(customerOf(request).customerId, request.params.id, request.body),
  );

  app.delete(
    '/me/addresses/:id',
    {
      onRequest: guards.customer,
      schema: { tags: addressTags, summary: 'Remove an address', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } },
    },
    async (request, reply) => {
      await customers.deleteAddress(customerOf(request).customerId, request.params.id);
      return sendEmpty(reply, 204);
    },
  );
};

/** Staff routes over customers, mounted under `/admin`. */
export const customerAdminRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { customers, guards }) => {
  const tags = ['admin: customers'];
  app.get(
    '/customers',
    {
      onRequest: guards.staff('customers:read'),
      schema: { tags, summary: 'Search customers', security: bearer, querystring: CustomerSearchQuery, response: { 200: Page(CustomerRef), ...problems(400, 401, 403) } },
    },
    async (request) => customers.search(request.query),
  );
  app.get(
    '/customers/:id',
    {
      onRequest: guards.staff('customers:read'),
      schema: { tags, summary: 'One customer with addresses', security: bearer, params: IdParams, response: { 200: AdminCustomerSchema, ...problems(401, 403, 404) } },
    },
    async (request) => customers.getDetail(request.params.id),
  );
  app.delete(
    '/customers/:id',
    {
      onRequest: guards.staff('customers:write'),
      schema: {
        tags,
        summary: 'Delete a customer account',
        description: 'As the customer could (profile, addresses, sessions, behaviour data); orders are kept. Recorded in the audit log.',
        security: bearer,
        params: IdParams,
        response: { 204: NoBody, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await customers.deleteAccount(request.params.id, { kind: 'staff', staffId: staffOf(request).staffId, ip: clientOf(request).ip });
      return sendEmpty(reply, 204);
    },
  );
};
