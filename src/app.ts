import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createServer } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './platform/config.js';
import { countStatements, currentStatements, pendingMigrations, pingDb, runMigrations, type Db, type MigrationSet } from './platform/db/index.js';
import { createDispatcher, eventMigrations } from './platform/events/index.js';
import { createJobQueue, jobMigrations } from './platform/jobs/index.js';
import { createTieredCache } from './platform/cache.js';
import { createInvalidationBus } from './platform/invalidation.js';
import { createRedisLink } from './platform/redis.js';
import { jobRoutes } from './platform/jobs/routes.js';
import { createGuards, type Authenticate } from './platform/http/auth.js';
import { installMetrics } from './platform/http/metrics.js';
import { frameworkError, installProblemHandlers } from './platform/http/problem.js';
import { ProblemSchema } from './platform/http/schemas.js';
import { shopRoutes } from './platform/http/shop-routes.js';
import { systemRoutes } from './platform/http/system-routes.js';
import { consoleRoutes } from './platform/http/console.js';
import { createValidatorCompiler } from './platform/http/validation.js';
import { createMailTransport, MAIL_REQUESTED, mailHandler, type MailTransport } from './platform/mail.js';
import { AuditEntrySchema, auditMigrations, auditRoutes, createAuditModule } from './modules/audit/index.js';
import { authMigrations, createAuthModule } from './modules/auth/index.js';
import { AddressSchema, createCustomersModule, customerAdminRoutes, customerMigrations, CustomerSchema, customerStoreRoutes } from './modules/customers/index.js';
import { createStaffModule, staffMigrations, staffRoutes, StaffSchema } from './modules/staff/index.js';
import { createInventoryModule, inventoryMigrations, inventoryRoutes } from './modules/inventory/index.js';
import {
  catalogMigrations,
  catalogTaxonomyAdminRoutes,
  catalogTaxonomyStoreRoutes,
  createCatalogModule,
  productAdminRoutes,
  productStoreRoutes,
  StoreProductCard,
  CategoryNodeSchema,
  watchStoreStock,
} from './modules/catalog/index.js';
import { analyzeTerms, createSearchModule, searchMigrations, searchRoutes } from './modules/search/index.js';
import { cartAdminRoutes, cartMigrations, cartStoreRoutes, createCartModule } from './modules/cart/index.js';
import { createPromotionsModule, promotionAdminRoutes, promotionMigrations, promotionStoreRoutes } from './modules/promotions/index.js';
import { createOrdersModule, hasPlacedOrder, orderAdminRoutes, orderMigrations, OrderSchema, OrderSummarySchema, orderStoreRoutes } from './modules/orders/index.js';
import {
  createPaymentsModule,
  createProviders,
  paymentAdminRoutes,
  paymentMigrations,
  paymentStoreRoutes,
  paymentWebhookRoutes,
  sandboxGatewayRoutes,
  sandboxMigrations,
  type Deliver,
} from './modules/payments/index.js';
import { createReviewsModule, reviewAdminRoutes, reviewMigrations, reviewStoreRoutes } from './modules/reviews/index.js';
import { createPoller } from './platform/poller.js';
import { createFlashRedis, createFlashSalesModule, flashSaleAdminRoutes, flashSaleMigrations, flashSaleStoreRoutes } from './modules/flash-sales/index.js';
import { createRecommendationsModule, recommendationMigrations, recsAdminRoutes, recsEventRoutes, recsServingRoutes } from './modules/recommendations/index.js';
import { analyticsMigrations, analyticsRoutes, createAnalyticsModule } from './modules/analytics/index.js';
import { createWebhooksModule, webhookMigrations, webhookRoutes } from './modules/webhooks/index.js';

/** Every migration, in the order the modules depend on each other. */
export const MIGRATIONS: readonly MigrationSet[] = [
  eventMigrations,
  jobMigrations,
  authMigrations,
  auditMigrations,
  customerMigrations,
  staffMigrations,
  inventoryMigrations,
  catalogMigrations,
  searchMigrations,
  cartMigrations,
  orderMigrations,
  promotionMigrations,
  sandboxMigrations,
  paymentMigrations,
  reviewMigrations,
  flashSaleMigrations,
  recommendationMigrations,
  analyticsMigrations,
  webhookMigrations,
];

import { createLogger, serializeRequest } from './platform/logger.js';

export { createLogger, REDACT_PATHS, serializeRequest } from './platform/logger.js';

export interface AppOptions {
  config: Config;
  db: Db;
  logger?: Logger;
  /** Replaces the configured mail transport (tests). */
  mailTransport?: MailTransport;
  /** Replaces the sandbox gateway's outbound HTTP call (tests deliver through `server.inject`). */
  paymentDeliver?: Deliver;
  /** A read-only copy of the database (a streaming replica) for the store's catalog pages and searches. */
  replica?: Db;
  /** Prefix of this app's Redis keys (tests give each app its own). Default `bazaar:`. */
  redisKeyPrefix?: string;
}

/**
 * Builds the whole service without listening: platform first, then modules in dependency
 * order (auth → audit → customers → staff), then their routes and event subscribers. Applies
 * pending migrations. Tests drive the result through `server.inject`.
 */
export async function createApp(options: AppOptions) {
  const { config, db: database } = options;
  const db = database.db;
  // Request lines never carry tokens from query strings (guest order links carry one).
  const log = (options.logger ?? createLogger(config)).child({}, { serializers: { req: serializeRequest } });

  await runMigrations(db, MIGRATIONS);

  // With NATS_URL, events travel outbox → NATS JetStream → consumers; otherwise in-process.
  const dispatcher = createDispatcher(db, log.child({ component: 'events' }), { nats: config.events.nats });
  const jobs = createJobQueue(db, log.child({ component: 'jobs' }));
  const mailTransport = options.mailTransport ?? (await createMailTransport(config.mail, log.child({ component: 'mail' })));
  dispatcher.subscribe(MAIL_REQUESTED, 'mail.send', mailHandler(mailTransport));

  // Redis (optional) speeds up caches, rate limits and flash sales; PostgreSQL stays the record,
  // and every use falls back to it while Redis is unreachable.
  const redisPrefix = options.redisKeyPrefix ?? 'bazaar:';
  const redis = config.redis.url ? createRedisLink({ url: config.redis.url, prefix: redisPrefix, log: log.child({ component: 'redis' }) }) : null;
  if (redis) await redis.ready(2_000);
  // Tells every process of the shop what changed (Redis pub/sub, else PostgreSQL NOTIFY).
  const bus = createInvalidationBus({ namespace: redisPrefix, db: database, redis, log: log.child({ component: 'invalidation' }) });
  await bus.start();

  const auth = createAuthModule({ db, config: config.auth, redis });
  const audit = createAuditModule({ db });
  // Stock taken or returned outside the admin routes invalidates store pages when it changes what they show.
  const inventory = watchStoreStock(createInventoryModule({ db }), (trx) => bus.publishInTransaction(trx, 'catalog'));
  const customers = createCustomersModule({ db, auth, audit, passwordResetTtlMinutes: config.auth.passwordResetTtlMinutes, publicUrl: config.publicUrl });
  const staff = createStaffModule({ db, auth, audit });
  // Store pages: in process, then shared in Redis; `clear()` invalidates them in every process.
  const storeCache = createTieredCache<unknown>({
    maxEntries: config.cache.storeMaxEntries,
    ttlMs: config.cache.storeTtlMs,
    shared: redis ? redis.cacheTier('store') : null,
    bus,
    topic: 'catalog',
  });
  // Invalidations made while Redis was away did not move its generation.
  redis?.onUp(() => void storeCache.clear());
  // Store catalog pages and searches read the replica when there is one (DATABASE_REPLICA_URL).
  const readDb = options.replica?.db;
  const catalog = createCatalogModule({ db, readDb, inventory, audit, shop: config.shop, jobs, storeCache });
  const search = createSearchModule({ db, readDb, catalog, inventory, shop: config.shop, log: log.child({ component: 'search' }) });
  // Once the index has changed, this process's cached search results are stale.
  for (const [name, handler] of search.subscriptions()) {
    dispatcher.subscribe(name, 'search.index', async (event) => {
      await handler(event);
      // Sales only nudge the best-seller order; the cache's short TTL covers that without
      // throwing away every cached page on each paid order.
      if (event.name !== 'catalog.sales_recorded') await storeCache.clear();
    });
  }

  // Promotions: the cart's discount engine and coupon check; orders count their usage at checkout.
  const promotions = createPromotionsModule({
    db,
    audit,
    currencies: config.shop.currencies,
    // "First order": any order not cancelled. Belongs in the orders module's contract (reads through the given handle).
    hasPlacedOrder,
  });
  const cart = createCartModule({
    db,
    discounts: promotions.discounts,
    validateCode: promotions.validateCode,
    catalog,
    inventory,
    audit,
    config: config.cart,
    shop: config.shop,
    // The address book keeps one `name`; a cart address splits it, so the whole name goes first.
    savedAddress: async (customerId, addressId) => {
      const a = (await customers.listAddresses(customerId)).find((x) => x.id === addressId);
      if (!a) return null;
      const line2 = [a.district, a.line2].filter(Boolean).join(' ') || null;
      return { firstName: a.name, lastName: '', phone: a.phone, line1: a.line1, line2, city: a.city, region: a.province, postalCode: a.postalCode, country: a.country.toUpperCase() };
    },
  });
  const orders = createOrdersModule({
    db,
    cart,
    inventory,
    catalog,
    customers,
    audit,
    config: { ...config.orders, publicUrl: config.publicUrl },
    log: log.child({ component: 'orders' }),
    promotions,
  });
  // Flash sales: Redis (optional) turns the crowd away early; PostgreSQL stays the record.
  const flashSales = createFlashSalesModule({
    db,
    inventory,
    orders,
    catalog,
    customers,
    redis: redis ? createFlashRedis(redis.client, redis.prefix, redis.isUp) : null,
    config: config.flashSales,
    shop: config.shop,
    log: log.child({ component: 'flash-sales' }),
  });
  orders.onCancel(flashSales.onOrderCancel);
  // Purchases went to PostgreSQL alone while Redis was away: its counters are reloaded from there.
  redis?.onUp(() => void flashSales.rebuildCounters(true).catch((err: unknown) => log.error({ err }, 'flash sale counters not rebuilt')));
  for (const [name, handler] of flashSales.subscriptions()) dispatcher.subscribe(name, 'flash-sales', handler);
  const gateways = await createProviders(config.payments, { db, jobs, log: log.child({ component: 'payments' }), deliver: options.paymentDeliver });
  for (const warning of [...config.payments.disabled, ...gateways.warnings]) log.warn(warning);
  const payments = createPaymentsModule({ db, orders, audit, providers: gateways.providers, log: log.child({ component: 'payments' }), publicUrl: config.publicUrl });
  for (const [name, handler] of payments.subscriptions()) dispatcher.subscribe(name, 'payments', handler);
  // Payments whose notification never came are asked about at the gateway.
  const paymentSweeper = createPoller(
    async () => {
      await payments.reconcilePending();
      return false;
    },
    {
      pollMs: 60_000,
      log,
      what: 'payment status sweep',
    },
  );
  const reviews = createReviewsModule({
    db,
    audit,
    orders,
    catalog,
    resolveProduct: async (handle) => {
      const id = await catalog.productIdByHandle(handle);
      return id ? { id } : null;
    },
  });

  // Recommendations: behaviour events from storefronts and paid orders.
  const recommendations = createRecommendationsModule({
    db,
    limits: { cacheTtlMs: config.cache.storeTtlMs },
    redis,
    log: log.child({ component: 'recommendations' }),
    resolveSkus: async (skus) => new Map([...(await catalog.lookupSkus(db, skus, config.shop.defaultCurrency, config.shop.defaultLocale)).values()].map((o) => [o.sku, o.productId])),
    // Serving reads products, stock and carts only through these.
    cards: (productIds, currency, locale) => catalog.productCards(productIds, currency ?? config.shop.defaultCurrency, locale ?? config.shop.defaultLocale),
    contentItems: (afterId, limit) => catalog.contentItems(afterId, limit),
    tokenize: (text) => analyzeTerms(text),
    productIdByHandle: (handle) => catalog.productIdByHandle(handle),
    cartProducts: async (cartId, customerId) => {
      try {
        const found = await cart.get(db, cartId);
        // A customer's cart is theirs alone, as on the cart routes.
        if (found.customerId !== null && found.customerId !== customerId) return null;
        return found.items.map((i) => i.productId);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'CART_NOT_FOUND') return null;
        throw err;
      }
    },
    relatedProducts: (productId, limit) => catalog.relatedProducts(productId, limit),
    bestSellers: async (limit) =>
      (
        await db
          .selectFrom('catalogProduct')
          .select('id')
          .where('status', '=', 'published')
          .where('salesCount', '>', 0)
          .orderBy('salesCount', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute()
      ).map((r) => r.id),
  });
  for (const [name, handler] of recommendations.subscriptions()) dispatcher.subscribe(name, 'recommendations', handler);
  // Raw events past the retention age are folded into daily counts.
  const recsCompactor = createPoller(
    async () => {
      await recommendations.compactExpired();
      return false;
    },
    { pollMs: 3_600_000, log, what: 'recommendation events compaction' },
  );
  // Serving models: every minute, retrained when there are new events (or hourly); one process at a time.
  const recsTrainer = createPoller(
    async () => {
      await recommendations.train();
      return false;
    },
    { pollMs: 60_000, log, what: 'recommendation training' },
  );
  // What was recommended, written in batches off the request path.
  const recsImpressions = createPoller(
    async () => {
      await recommendations.flushImpressions();
      return false;
    },
    { pollMs: 1_000, log, what: 'recommendation impressions' },
  );

  // Analytics: rollups from order events and from the storefront behaviour recommendations keeps.
  const analytics = createAnalyticsModule({
    db,
    log: log.child({ component: 'analytics' }),
    shop: config.shop,
    behaviourEvents: (from, afterId, limit, receivedBefore) => recommendations.eventsAfter(from, afterId, limit, receivedBefore),
    servedSearches: (from, afterId, limit, receivedBefore) => search.searchesAfter(from, afterId, limit, receivedBefore),
    // A product deleted since the sale simply has no category.
    productCategories: (productIds) => catalog.categoryIdsOf(productIds),
    exchangeRate: async (currency) => {
      try {
        return (await catalog.priceContext(currency)).rate;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'CATALOG_UNKNOWN_CURRENCY') return null;
        throw err;
      }
    },
    productTitles: async (productIds) => new Map([...(await catalog.productCards(productIds, config.shop.defaultCurrency, config.shop.defaultLocale))].map(([id, card]) => [id, card.title])),
    categoryNames: async () => new Map((await catalog.listCategories()).map((c) => [c.id, c.name])),
  });
  for (const [name, handler] of analytics.subscriptions()) dispatcher.subscribe(name, 'analytics', handler);
  // Storefront behaviour is folded in batches; a full batch means more is waiting.
  const analyticsFolder = createPoller(async () => (await analytics.foldBehaviour()) === analytics.batchSize, { pollMs: 10_000, log, what: 'analytics behaviour fold' });
  const analyticsPruner = createPoller(() => analytics.prune(), { pollMs: 3_600_000, log, what: 'analytics retention' });
  // Outbound webhooks: every published event becomes deliveries to the endpoints subscribed to it.
  const webhooks = createWebhooksModule({ db, audit, log: log.child({ component: 'webhooks' }), settings: { allowPrivate: config.webhooks.allowPrivate } });
  dispatcher.subscribe('*', 'webhooks', webhooks.onEvent);
  // Due deliveries are claimed with SKIP LOCKED and a lease, so every process may run this.
  const webhookSender = createPoller(async () => (await webhooks.deliverDue()) === webhooks.batchSize, { pollMs: 1_000, log, what: 'webhook delivery' });
  // Searches served by this process, written in batches off the request path.
  const searchLogWriter = createPoller(
    async () => {
      await search.flushSearchLog();
      return false;
    },
    { pollMs: 1_000, log, what: 'search log' },
  );
  // Logged searches are kept as long as recommendations keep raw behaviour; a full batch means more.
  const searchLogPruner = createPoller(async () => (await search.pruneSearchLog(recommendations.limits.retentionDays)) === search.pruneBatch, { pollMs: 3_600_000, log, what: 'search log retention' });
  const analyticsSearchFolder = createPoller(async () => (await analytics.foldSearches()) === analytics.searchBatchSize, { pollMs: 10_000, log, what: 'analytics search fold' });

  const authenticate: Authenticate = async (token) => {
    const session = await auth.resolveSession(token);
    if (!session) return null;
    if (session.subjectType === 'customer') return { kind: 'customer', customerId: session.subjectId, sessionId: session.sessionId };
    return staff.principalFor(session.subjectId, session.sessionId);
  };
  const guards = createGuards(authenticate);

  // BAZAAR_SQL_COUNT=1: each request runs in its own statement-counting scope (see onSend below).
  const countingServer: FastifyServerFactory = (handler) => {
    const httpServer = createServer((req, res) => countStatements(() => handler(req, res)));
    httpServer.keepAliveTimeout = 72_000; // Fastify's own default
    return httpServer;
  };
  const sharedSchemas = [ProblemSchema, CustomerSchema, AddressSchema, StaffSchema, AuditEntrySchema, StoreProductCard, CategoryNodeSchema, OrderSchema, OrderSummarySchema];
  const server = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    frameworkErrors: frameworkError,
    serverFactory: config.database.countStatements ? countingServer : undefined,
  }).withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(createValidatorCompiler(sharedSchemas));
  for (const schema of sharedSchemas) server.addSchema(schema);
  server.decorateRequest('principal', null);
  server.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // A diagnostic for benchmarks and query-count checks: the SQL statements the request sent.
  if (config.database.countStatements) {
    server.addHook('onSend', async (_request, reply) => {
      const statements = currentStatements();
      if (statements !== undefined) reply.header('bazaar-sql-statements', statements);
    });
  }
  // Requests being handled, so close() can let them finish before the database goes away.
  let inFlight = 0;
  server.addHook('onRequest', async () => {
    inFlight++;
  });
  server.addHook('onResponse', async () => {
    inFlight--;
  });
  server.addHook('onRequestAbort', async (_request) => {
    inFlight--;
  });
  // Any staff write may change what the store shows: every process's store cache starts over,
  // this one's before the response leaves.
  server.addHook('onSend', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.url.startsWith('/admin/')) await storeCache.clear();
  });
  installProblemHandlers(server);
  const metrics = installMetrics(server);

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bazaar API', version: '0.1.0', description: 'Store (`/store`) and admin (`/admin`) APIs of Bazaar.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          orderToken: { type: 'apiKey', in: 'header', name: 'X-Order-Token', description: 'A guest order’s access token, from the checkout response' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await server.register(swaggerUi, { routePrefix: '/docs' });
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());

  await server.register(systemRoutes, {
    checks: {
      metrics,
      async ready() {
        if (!(await pingDb(db))) return { ok: false, reason: 'database unreachable' };
        const pending = await pendingMigrations(db, MIGRATIONS);
        return pending.length ? { ok: false, reason: `pending migrations: ${pending.join(', ')}` } : { ok: true };
      },
      // Reported, never a reason to be unready: while NATS is down events wait in the outbox.
      nats: config.events.nats ? () => dispatcher.status() : undefined,
    },
  });
  await server.register(shopRoutes, { prefix: '/store', shop: config.shop });
  await server.register(customerStoreRoutes, { prefix: '/store', customers, guards });
  await server.register(customerAdminRoutes, { prefix: '/admin', customers, guards });
  await server.register(staffRoutes, { prefix: '/admin', staff, guards });
  await server.register(auditRoutes, { prefix: '/admin', audit, guards });
  await server.register(inventoryRoutes, { prefix: '/admin', inventory, guards, audit });
  await server.register(jobRoutes, { prefix: '/admin', jobs, guards });
  await server.register(productAdminRoutes, { prefix: '/admin', deps: catalog.deps, guards });
  await server.register(productStoreRoutes, { prefix: '/store', deps: catalog.deps });
  await server.register(catalogTaxonomyAdminRoutes, { prefix: '/admin', deps: catalog.deps, guards });
  await server.register(catalogTaxonomyStoreRoutes, { prefix: '/store', deps: catalog.deps });
  await server.register(searchRoutes, { prefix: '/store', search, cache: storeCache });
  await server.register(cartStoreRoutes, { prefix: '/store', cart, guards, authenticate });
  await server.register(cartAdminRoutes, { prefix: '/admin', cart, guards });
  await server.register(orderStoreRoutes, { prefix: '/store', orders, guards, authenticate });
  await server.register(orderAdminRoutes, { prefix: '/admin', orders, guards, paymentsFor: (orderId) => payments.paymentsFor(orderId) });
  await server.register(paymentStoreRoutes, { prefix: '/store', payments, guards, authenticate });
  await server.register(paymentAdminRoutes, { prefix: '/admin', payments, guards });
  await server.register(paymentWebhookRoutes, { prefix: '/webhooks', payments });
  if (gateways.sandbox) await server.register(sandboxGatewayRoutes, { gateway: gateways.sandbox });
  await server.register(reviewStoreRoutes, { prefix: '/store', reviews, guards });
  await server.register(reviewAdminRoutes, { prefix: '/admin', reviews, guards });
  await server.register(promotionAdminRoutes, { prefix: '/admin', promotions, guards });
  await server.register(promotionStoreRoutes, { prefix: '/store', promotions, guards });
  await server.register(flashSaleAdminRoutes, { prefix: '/admin', flashSales, guards });
  await server.register(flashSaleStoreRoutes, { prefix: '/store', flashSales, guards });
  await server.register(recsEventRoutes, { prefix: '/store', recommendations, authenticate });
  await server.register(recsServingRoutes, { prefix: '/store', recommendations, authenticate });
  await server.register(recsAdminRoutes, { prefix: '/admin', recommendations, guards });
  await server.register(analyticsRoutes, { prefix: '/admin', analytics, guards });
  await server.register(webhookRoutes, { prefix: '/admin', webhooks, guards });
  await server.register(consoleRoutes);
  await server.ready();

  return {
    server,
    db,
    engine: database.engine,
    log,
    dispatcher,
    jobs,
    /** The process's Redis connections (null without REDIS_URL), invalidation bus and store cache. */
    redis,
    bus,
    storeCache,
    modules: { promotions, auth, audit, customers, staff, inventory, catalog, search, cart, orders, payments, reviews, flashSales, recommendations, analytics, webhooks },
    /**
     * Starts the background loops. This process's own (writing out its buffered impressions)
     * always start; the shop's shared work (outbox delivery, jobs, the order clock, sweeps,
     * training, folds) only with `shared` (default), which API processes of a cluster leave to
     * the worker process.
     */
    startBackground(options: { shared?: boolean } = {}): void {
      recsImpressions.start();
      searchLogWriter.start();
      if (options.shared === false) return;
      dispatcher.start();
      jobs.start();
      orders.startSweeper();
      paymentSweeper.start();
      recsCompactor.start();
      recsTrainer.start();
      analyticsFolder.start();
      analyticsPruner.start();
      webhookSender.start();
      searchLogPruner.start();
      analyticsSearchFolder.start();
      // Redis is never the only record: a restart reloads live sales' counters from the database.
      flashSales.rebuildCounters(true).catch((err: unknown) => log.error({ err }, 'flash sale counters not rebuilt'));
      flashSales.startSweeper();
    },
    /** Stops background work, waits for in-flight requests, then closes the database. */
    async close(): Promise<void> {
      await server.close();
      // server.close() stops accepting; requests already running still need the database.
      for (let waited = 0; inFlight > 0 && waited < 20_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      await orders.stopSweeper();
      await paymentSweeper.stop();
      await recsCompactor.stop();
      await recsTrainer.stop();
      await recsImpressions.stop();
      await analyticsFolder.stop();
      await analyticsPruner.stop();
      await webhookSender.stop();
      await searchLogWriter.stop();
      await searchLogPruner.stop();
      await analyticsSearchFolder.stop();
      await recommendations.flushImpressions();
      await search.flushSearchLog();
      await flashSales.stopSweeper();
      await jobs.stop();
      await dispatcher.stop();
      await bus.close();
      if (redis) await redis.close();
      await database.close();
      await options.replica?.close();
    },
  };
}

export type BazaarApp = Awaited<ReturnType<typeof createApp>>;
