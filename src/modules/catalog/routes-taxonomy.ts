import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { staffOf, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { createValidatorCompiler } from '../../platform/http/validation.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import * as attributes from './attributes.js';
import * as categories from './categories.js';
import * as collections from './collections.js';
import { storeReads, type Actor, type CatalogDeps } from './deps.js';
import * as rates from './exchange-rates.js';
import { resolveLocale } from './locale.js';
import {
  AttributeParams,
  AttributeSchema,
  CategoryAdminSchema,
  CategoryNodeSchema,
  CategoryTreeSchema,
  CollectionAdminSchema,
  CollectionListQuery,
  CollectionSummarySchema,
  CreateAttributeBody,
  CreateCategoryBody,
  CreateCollectionBody,
  ExchangeRateSchema,
  HandleParams,
  PutRateBody,
  RateParams,
  StoreCategorySchema,
  StoreLocaleQuery,
  UpdateAttributeBody,
  UpdateCategoryBody,
  UpdateCollectionBody,
} from './schemas-taxonomy.js';

const bearer = [{ bearer: [] }];
const actorOf = (request: FastifyRequest): Actor => ({ staffId: staffOf(request).staffId, ip: request.ip });

/**
 * Staff routes for categories, collections, attributes and exchange rates, mounted under
 * `/admin`. Reads need `catalog:read`, writes `catalog:write`.
 */
export const catalogTaxonomyAdminRoutes: FastifyPluginAsyncTypebox<{ deps: CatalogDeps; guards: Guards }> = async (app, { deps, guards }) => {
  const read = guards.staff('catalog:read');
  const write = guards.staff('catalog:write');
  const db = deps.db;

  {
    const tags = ['admin: categories'];
    app.get(
      '/categories',
      {
        onRequest: read,
        schema: { tags, summary: 'Every category, flat, parents before their subtrees', security: bearer, response: { 200: Page(CategoryAdminSchema), ...problems(401, 403) } },
      },
      async () => ({ items: await categories.listCategoriesAdmin(db), nextCursor: null }),
    );
    app.post(
      '/categories',
      {
        onRequest: write,
        schema: { tags, summary: 'Create a category', security: bearer, body: CreateCategoryBody, response: { 201: CategoryAdminSchema, ...problems(400, 401, 403, 409) } },
      },
      async (request, reply) => reply.code(201).send(await categories.createCategory(deps, actorOf(request), request.body)),
    );
    app.get(
      '/categories/:id',
      { onRequest: read, schema: { tags, summary: 'One category', security: bearer, params: IdParams, response: { 200: CategoryAdminSchema, ...problems(401, 403, 404) } } },
      async (request) => categories.getCategoryAdmin(db, request.params.id),
    );
    app.patch(
      '/categories/:id',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Change or move a category',
          description: 'A new `parentId` (null: to the root) moves the whole subtree. Moving under itself or a descendant is 409 `CATALOG_CATEGORY_CYCLE`.',
          security: bearer,
          params: IdParams,
          body: UpdateCategoryBody,
          response: { 200: CategoryAdminSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => categories.updateCategory(deps, actorOf(request), request.params.id, request.body),
    );
    app.delete(
      '/categories/:id',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Delete a category without subcategories',
          description: 'Products in it lose the link. With subcategories: 409 `CATALOG_CATEGORY_NOT_EMPTY`.',
          security: bearer,
          params: IdParams,
          response: { 204: NoBody, ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await categories.deleteCategory(deps, actorOf(request), request.params.id);
        return sendEmpty(reply, 204);
      },
    );
  }

  {
    const tags = ['admin: collections'];
    app.get(
      '/collections',
      {
        onRequest: read,
        schema: { tags, summary: 'Collections, newest first', security: bearer, querystring: CollectionListQuery, response: { 200: Page(CollectionSummarySchema), ...problems(400, 401, 403) } },
      },
      async (request) => collections.listCollectionsAdmin(db, request.query),
    );
    app.post(
      '/collections',
      {
        onRequest: write,
        schema: { tags, summary: 'Create a collection', security: bearer, body: CreateCollectionBody, response: { 201: CollectionAdminSchema, ...problems(400, 401, 403, 409) } },
      },
      async (request, reply) => reply.code(201).send(await collections.createCollection(deps, actorOf(request), request.body)),
    );
    app.get(
      '/collections/:id',
      {
        onRequest: read,
        schema: { tags, summary: 'One collection with its products in order', security: bearer, params: IdParams, response: { 200: CollectionAdminSchema, ...problems(401, 403, 404) } },
      },
      async (request) => collections.getCollectionAdmin(db, request.params.id),
    );
    app.patch(
      '/collections/:id',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Change a collection',
          description: '`productIds`, when sent, replaces the product list in that order.',
          security: bearer,
          params: IdParams,
          body: UpdateCollectionBody,
          response: { 200: CollectionAdminSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => collections.updateCollection(deps, actorOf(request), request.params.id, request.body),
    );
    app.delete(
      '/collections/:id',
      { onRequest: write, schema: { tags, summary: 'Delete a collection', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } } },
      async (request, reply) => {
        await collections.deleteCollection(deps, actorOf(request), request.params.id);
        return sendEmpty(reply, 204);
      },
    );
  }

  {
    const tags = ['admin: attributes'];
    app.get(
      '/attributes',
      {
        onRequest: read,
        schema: { tags, summary: 'Declared product attributes', security: bearer, response: { 200: Page(AttributeSchema), ...problems(401, 403) } },
      },
      async () => ({ items: await attributes.listAttributes(db), nextCursor: null }),
    );
    app.post(
      '/attributes',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Declare an attribute',
          description: 'Enum attributes need a non-empty list of unique `values`; other types take none.',
          security: bearer,
          body: CreateAttributeBody,
          response: { 201: AttributeSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await attributes.createAttribute(deps, actorOf(request), request.body)),
    );
    app.patch(
      '/attributes/:name',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Change an attribute (its type is fixed)',
          description: 'Removing an enum value some product uses is 409 `CATALOG_ATTRIBUTE_IN_USE`.',
          security: bearer,
          params: AttributeParams,
          body: UpdateAttributeBody,
          response: { 200: AttributeSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => attributes.updateAttribute(deps, actorOf(request), request.params.name, request.body),
    );
    app.delete(
      '/attributes/:name',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Delete an attribute no product uses',
          security: bearer,
          params: AttributeParams,
          response: { 204: NoBody, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await attributes.deleteAttribute(deps, actorOf(request), request.params.name);
        return sendEmpty(reply, 204);
      },
    );
  }

  {
    const tags = ['admin: exchange rates'];
    app.get(
      '/exchange-rates',
      {
        onRequest: read,
        schema: { tags, summary: 'Exchange rates', security: bearer, response: { 200: Page(ExchangeRateSchema), ...problems(401, 403) } },
      },
      async () => ({ items: await rates.listExchangeRates(db), nextCursor: null }),
    );
    app.put(
      '/exchange-rates/:base/:quote',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Set the rate of quote per one base',
          description: 'Store prices missing in a currency are converted from the default currency at these rates.',
          security: bearer,
          params: RateParams,
          body: PutRateBody,
          response: { 200: ExchangeRateSchema, ...problems(400, 401, 403) },
        },
      },
      async (request) =>
        rates.putExchangeRate(deps, actorOf(request), { ...request.params, rate: rates.rateFromInput(request.body.rate) ?? String(request.body.rate) }),
    );
    app.delete(
      '/exchange-rates/:base/:quote',
      {
        onRequest: write,
        schema: { tags, summary: 'Remove a rate', security: bearer, params: RateParams, response: { 204: NoBody, ...problems(400, 401, 403, 404) } },
      },
      async (request, reply) => {
        await rates.deleteExchangeRate(deps, actorOf(request), request.params.base, request.params.quote);
        return sendEmpty(reply, 204);
      },
    );
  }
};

/** Store routes for the category tree, mounted under `/store`. Names follow `?locale=` or Accept-Language. */
export const catalogTaxonomyStoreRoutes: FastifyPluginAsyncTypebox<{ deps: CatalogDeps }> = async (app, options) => {
  const deps = storeReads(options.deps);
  const tags = ['store: catalog'];
  if (!app.getSchema(CategoryNodeSchema.$id)) {
    // Adding a schema inside a plugin makes Fastify rebuild this context's validator with its
    // default Ajv (lenient: unknown query keys silently removed), so the strict one is rebuilt
    // here with every schema visible to this context. Registering CategoryNodeSchema among
    // app.ts's shared schemas makes this branch unnecessary.
    app.addSchema(CategoryNodeSchema);
    app.setValidatorCompiler(createValidatorCompiler(Object.values(app.getSchemas()) as object[]));
  }
  const localeOf = (request: FastifyRequest, query: { locale?: string }) => resolveLocale(deps.shop, query.locale, request.headers['accept-language']);

  app.get(
    '/categories',
    {
      schema: {
        tags,
        summary: 'The category tree',
        description: 'Siblings by position, then name. `?locale=` must be a served locale; without it Accept-Language decides.',
        querystring: StoreLocaleQuery,
        response: { 200: CategoryTreeSchema, ...problems(400) },
      },
    },
    async (request, reply) => {
      const locale = localeOf(request, request.query);
      reply.header('content-language', locale).header('vary', 'accept-language');
      const items = await deps.storeCache.getOrLoad(`categories|${locale}`, () => categories.categoryTree(deps.db, locale, deps.shop.defaultLocale));
      return { locale, items: items as Awaited<ReturnType<typeof categories.categoryTree>> };
    },
  );

  app.get(
    '/categories/:handle',
    {
      schema: {
        tags,
        summary: 'One category with breadcrumbs and subcategories',
        params: HandleParams,
        querystring: StoreLocaleQuery,
        response: { 200: StoreCategorySchema, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const locale = localeOf(request, request.query);
      reply.header('content-language', locale).header('vary', 'accept-language');
      return deps.storeCache.getOrLoad(`category:${request.params.handle}|${locale}`, () =>
        categories.categoryByHandle(deps.db, request.params.handle, locale, deps.shop.defaultLocale),
      ) as ReturnType<typeof categories.categoryByHandle>;
    },
  );
};
