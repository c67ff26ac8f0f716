import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { withTransaction } from '../../platform/db/index.js';
import { staffOf, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import { collectionByHandle } from './collections.js';
import { storeReads, type Actor, type CatalogDeps } from './deps.js';
import { IMPORT_JOB } from './import-rows.js';
import { resolveLocale } from './locale.js';
import * as admin from './products-admin.js';
import { loadAdminProduct } from './product-store.js';
import {
  AdminProductListItem,
  AdminProductQuery,
  AdminProductSchema,
  CreateProductBody,
  StoreCollectionQuery,
  StoreDetailQuery,
  type StoreProductCard as StoreProductCardT,
  StoreProductDetail,
  StoreProductParams,
  StoreProductQuery,
  UpdateProductBody,
  UpdateVariantBody,
  VariantInput,
} from './schemas-products.js';
import { getStoreProduct, listStoreProducts } from './store-products.js';

const bearer = [{ bearer: [] }];
/** Largest import file accepted over HTTP (100 MiB ≈ 400,000 variant rows). */
const IMPORT_BODY_LIMIT = 100 * 1024 * 1024;
const JobAccepted = Type.Object({ jobId: Type.String(), status: Type.Literal('queued') });
const actorOf = (request: FastifyRequest): Actor => ({ staffId: staffOf(request).staffId, ip: request.ip });
const VariantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), variantId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

/** Staff product management, mounted under `/admin`. */
export const productAdminRoutes: FastifyPluginAsyncTypebox<{ deps: CatalogDeps; guards: Guards }> = async (app, { deps, guards }) => {
  const tags = ['admin: products'];
  const write = guards.staff('catalog:write');
  const read = guards.staff('catalog:read');

  app.get('/products', { onRequest: read, schema: { tags, summary: 'List products', security: bearer, querystring: AdminProductQuery, response: { 200: Page(AdminProductListItem), ...problems(400, 401, 403) } } }, async (request) =>
    admin.listProductsAdmin(deps.db, request.query),
  );
  app.post(
    '/products',
    {
      onRequest: write,
      schema: {
        tags,
        summary: 'Create a product with its variants, prices and translations',
        security: bearer,
        body: CreateProductBody,
        response: { 201: AdminProductSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await admin.createProduct(deps, actorOf(request), request.body)),
  );
  // Import files arrive as raw text; anything else on this route is a 415.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.post(
    '/products/import',
    {
      onRequest: write,
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Bulk import products from CSV or NDJSON (one row per variant)',
        description:
          'Send `Content-Type: text/csv` or `application/x-ndjson`. Runs as a background job; poll `GET /admin/jobs/{id}`. Products are upserted by handle and variants by SKU. Columns: docs/catalog-import.md.',
        security: bearer,
        body: Type.String({ minLength: 1, description: 'The file' }),
        response: { 202: JobAccepted, ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const type = String(request.headers['content-type'] ?? '');
      const format = type.startsWith('text/csv') ? 'csv' : 'ndjson';
      const staffId = staffOf(request).staffId;
      // The job and its audit entry exist together or not at all.
      const jobId = await withTransaction(deps.db, async (trx) => {
        const id = await deps.jobs.enqueue(trx, IMPORT_JOB, { format, content: request.body }, staffId);
        await deps.audit.record(trx, { actorId: staffId, action: 'product.import_queued', targetType: 'job', targetId: id, data: { format, bytes: request.body.length }, ip: request.ip });
        return id;
      });
      return reply.code(202).header('location', `/admin/jobs/${jobId}`).send({ jobId, status: 'queued' });
    },
  );
  app.get('/products/:id', { onRequest: read, schema: { tags, summary: 'One product', security: bearer, params: IdParams, response: { 200: AdminProductSchema, ...problems(401, 403, 404) } } }, async (request) =>
    loadAdminProduct(deps.db, request.params.id),
  );
  app.patch(
    '/products/:id',
    {
      onRequest: write,
      schema: { tags, summary: 'Change a product (not its variants)', security: bearer, params: IdParams, body: UpdateProductBody, response: { 200: AdminProductSchema, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request) => admin.updateProduct(deps, actorOf(request), request.params.id, request.body),
  );
  app.delete('/products/:id', { onRequest: write, schema: { tags, summary: 'Delete a product and its variants', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } } }, async (request, reply) => {
    await admin.deleteProduct(deps, actorOf(request), request.params.id);
    return sendEmpty(reply, 204);
  });
  app.post(
    '/products/:id/variants',
    { onRequest: write, schema: { tags, summary: 'Add a variant', security: bearer, params: IdParams, body: VariantInput, response: { 201: AdminProductSchema, ...problems(400, 401, 403, 404, 409) } } },
    async (request, reply) => reply.code(201).send(await admin.addVariant(deps, actorOf(request), request.params.id, request.body)),
  );
  app.patch(
    '/products/:id/variants/:variantId',
    {
      onRequest: write,
      schema: { tags, summary: 'Change a variant (SKU, options, prices, …)', security: bearer, params: VariantParams, body: UpdateVariantBody, response: { 200: AdminProductSchema, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request) => admin.updateVariant(deps, actorOf(request), request.params.id, request.params.variantId, request.body),
  );
  app.delete(
    '/products/:id/variants/:variantId',
    { onRequest: write, schema: { tags, summary: 'Remove a variant', security: bearer, params: VariantParams, response: { 200: AdminProductSchema, ...problems(401, 403, 404, 409) } } },
    async (request) => admin.deleteVariant(deps, actorOf(request), request.params.id, request.params.variantId),
  );
};

const StoreCollection = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  products: Page(Type.Unsafe<StoreProductCardT>(Type.Ref('StoreProductCard'))),
});

/** The store cache key of a read: route, locale and the query without `locale`, keys sorted. */
function cacheKey(name: string, query: Record<string, unknown>, locale: string): string {
  const entries = Object.entries(query)
    .filter(([k]) => k !== 'locale')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${name}|${locale}|${JSON.stringify(entries)}`;
}

/** Shopper-facing catalog reads, mounted under `/store`. */
export const productStoreRoutes: FastifyPluginAsyncTypebox<{ deps: CatalogDeps }> = async (app, options) => {
  const deps = storeReads(options.deps);
  const tags = ['store: catalog'];
  const localeOf = (request: FastifyRequest, explicit?: string) => resolveLocale(deps.shop, explicit, request.headers['accept-language']);
  const CardRef = Type.Unsafe<StoreProductCardT>(Type.Ref('StoreProductCard'));

  app.get(
    '/products',
    {
      schema: {
        tags,
        summary: 'Browse published products',
        description: 'Filters combine with AND; comma-separated values within one filter with OR. `attr.<name>=a,b` filters by attribute.',
        querystring: StoreProductQuery,
        response: { 200: Page(CardRef), ...problems(400) },
      },
    },
    async (request) => {
      const locale = localeOf(request, request.query.locale);
      return deps.storeCache.getOrLoad(cacheKey('products', request.query, locale), () =>
        listStoreProducts(deps, request.query as typeof request.query & Record<string, unknown>, locale),
      ) as ReturnType<typeof listStoreProducts>;
    },
  );
  app.get(
    '/products/:handle',
    { schema: { tags, summary: 'One published product', params: StoreProductParams, querystring: StoreDetailQuery, response: { 200: StoreProductDetail, ...problems(400, 404) } } },
    async (request) => {
      const locale = localeOf(request, request.query.locale);
      return deps.storeCache.getOrLoad(cacheKey(`product:${request.params.handle}`, request.query, locale), () =>
        getStoreProduct(deps, request.params.handle, request.query.currency, locale),
      ) as ReturnType<typeof getStoreProduct>;
    },
  );
  app.get(
    '/collections/:handle',
    {
      schema: {
        tags,
        summary: 'A collection and a page of its products in curated order',
        params: StoreProductParams,
        querystring: StoreCollectionQuery,
        response: { 200: StoreCollection, ...problems(400, 404) },
      },
    },
    async (request) => {
      const locale = localeOf(request, request.query.locale);
      const collection = await collectionByHandle(deps.db, request.params.handle, locale, deps.shop.defaultLocale);
      const products = await listStoreProducts(deps, { ...(request.query as typeof request.query & Record<string, unknown>), collection: request.params.handle }, locale);
      return { ...collection, products };
    },
  );
};
