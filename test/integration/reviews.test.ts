import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { auditMigrations, createAuditModule } from '../../src/modules/audit/index.js';
import { createReviewsModule, reviewAdminRoutes, reviewMigrations, reviewStoreRoutes, type ReviewDeps } from '../../src/modules/reviews/index.js';
import { createDb, runMigrations, type Database, type Db, type Engine } from '../../src/platform/db/index.js';
import { AppError } from '../../src/platform/errors.js';
import { eventMigrations } from '../../src/platform/events/index.js';
import { createGuards, type Principal } from '../../src/platform/http/auth.js';
import { installProblemHandlers } from '../../src/platform/http/problem.js';
import { ProblemSchema } from '../../src/platform/http/schemas.js';
import { createValidatorCompiler } from '../../src/platform/http/validation.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

// ---------------------------------------------------------------------------------------------
// Part 1: the reviews module on its own database, with the orders and catalog functions it
// calls replaced by small fakes (the catalog's rating goes to a scratch table inside the same
// transaction, so atomicity is observable). Runs today, before orders exists.
// ---------------------------------------------------------------------------------------------

interface FakeOrder {
  customerId: string;
  status: 'pending_payment' | 'paid' | 'shipped' | 'delivered' | 'completed';
  lines: { lineId: string; sku: string; productId: string }[];
}

/** Tokens: `cus:<id>` is that customer, `staff:owner` may moderate, `staff:support` may only read. */
async function authenticate(token: string): Promise<Principal | null> {
  if (token.startsWith('cus:')) return { kind: 'customer', customerId: token.slice(4), sessionId: 'ses_test' };
  if (token === 'staff:owner') return { kind: 'staff', staffId: 'stf_owner', role: 'owner', permissions: new Set(['catalog:read', 'catalog:write']), sessionId: 'ses_owner' };
  if (token === 'staff:support') return { kind: 'staff', staffId: 'stf_support', role: 'support', permissions: new Set(['catalog:read']), sessionId: 'ses_support' };
  return null;
}

async function openDb(engine: Engine): Promise<{ database: Db; dropSchema: () => Promise<void> }> {
  if (engine === 'pglite') return { database: await createDb({ dataDir: 'memory://' }), dropSchema: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    await c.query(statement);
    await c.end();
  };
  await admin(`create schema ${schema}`);
  return { database: await createDb({ url: process.env.TEST_DATABASE_URL, schema, poolSize: 10 }), dropSchema: () => admin(`drop schema ${schema} cascade`) };
}

async function buildModuleApp(engine: Engine) {
  const { database, dropSchema } = await openDb(engine);
  const db = database.db;
  await runMigrations(db, [eventMigrations, auditMigrations, reviewMigrations]);
  await sql`create table test_product_rating (product_id text primary key, average numeric(3, 2) not null, count integer not null)`.execute(db);

  const orders = new Map<string, FakeOrder>();
  const products = new Map([
    ['trail-shoe', 'prod_shoe'],
    ['rain-jacket', 'prod_jacket'],
    ['race-tee', 'prod_race'],
    ['quiet-mug', 'prod_mug'],
  ]);
  const calls = { reviewableLines: 0, setRating: 0 };
  const deps: ReviewDeps = {
    db,
    audit: createAuditModule({ db }),
    orders: {
      async reviewableLines(trx, orderId, customerId) {
        calls.reviewableLines++;
        assert.ok(trx.isTransaction, 'orders is asked inside the review transaction');
        const order = orders.get(orderId);
        if (!order || order.customerId !== customerId) throw new AppError('ORDER_NOT_FOUND', 404, 'Order not found');
        const eligible = order.status === 'delivered' || order.status === 'completed';
        return order.lines.map((l) => ({ ...l, eligible }));
      },
    },
    catalog: {
      async setRating(trx, productId, rating) {
        calls.setRating++;
        assert.ok(trx.isTransaction, 'the rating is stored in the review transaction');
        if (productId === 'prod_broken') throw new AppError('CATALOG_TEST_REFUSED', 409, 'Refused by the test');
        await sql`insert into test_product_rating (product_id, average, count) values (${productId}, ${rating.average}, ${rating.count})
                  on conflict (product_id) do update set average = excluded.average, count = excluded.count`.execute(trx);
      },
    },
    async resolveProduct(handle) {
      const id = products.get(handle);
      return id ? { id } : null;
    },
  };
  const reviews = createReviewsModule(deps);

  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(createValidatorCompiler([ProblemSchema]));
  server.addSchema(ProblemSchema);
  server.decorateRequest('principal', null);
  installProblemHandlers(server);
  const guards = createGuards(authenticate);
  await server.register(reviewStoreRoutes, { prefix: '/store', reviews, guards });
  await server.register(reviewAdminRoutes, { prefix: '/admin', reviews, guards });
  await server.ready();

  return {
    db,
    server,
    orders,
    calls,
    async close() {
      await server.close();
      await database.close();
      await dropSchema();
    },
  };
}

type ModuleApp = Awaited<ReturnType<typeof buildModuleApp>>;

const ratingOf = async (db: Kysely<Database>, productId: string) => {
  const { rows } = await sql<{ average: string; count: number }>`select average, count from test_product_rating where product_id = ${productId}`.execute(db);
  return rows[0] ? { average: Number(rows[0].average), count: Number(rows[0].count) } : null;
};
const outbox = (db: Kysely<Database>, name: string) => db.selectFrom('eventOutbox').select(['payload']).where('name', '=', name).orderBy('id').execute();
const reviewRows = (db: Kysely<Database>, orderId: string) => db.selectFrom('review').selectAll().where('orderId', '=', orderId).orderBy('id').execute();

for (const engine of DATABASES) {
  describe(`reviews module [${engine}]`, () => {
    let app: ModuleApp;
    let http: ReturnType<typeof client>;
    const ann = 'cus:cus_ann';
    const bob = 'cus:cus_bob';
    const cy = 'cus:cus_cy';
    const owner = 'staff:owner';
    const support = 'staff:support';
    /** Review ids by a short name, filled as the tests create them. */
    const ids: Record<string, string> = {};

    before(async () => {
      app = await buildModuleApp(engine);
      http = client(app.server);
      app.orders.set('ord_1', {
        customerId: 'cus_ann',
        status: 'delivered',
        lines: [
          { lineId: 'oln_1', sku: 'SHOE-42', productId: 'prod_shoe' },
          { lineId: 'oln_2', sku: 'JACKET-M', productId: 'prod_jacket' },
        ],
      });
      app.orders.set('ord_2', { customerId: 'cus_ann', status: 'shipped', lines: [{ lineId: 'oln_3', sku: 'SHOE-42', productId: 'prod_shoe' }] });
      app.orders.set('ord_3', {
        customerId: 'cus_bob',
        status: 'completed',
        lines: [
          { lineId: 'oln_4', sku: 'SHOE-41', productId: 'prod_shoe' },
          { lineId: 'oln_5', sku: 'SHOE-41', productId: 'prod_shoe' },
        ],
      });
      app.orders.set('ord_4', {
        customerId: 'cus_cy',
        status: 'delivered',
        lines: [
          { lineId: 'oln_6', sku: 'SHOE-42', productId: 'prod_shoe' },
          { lineId: 'oln_7', sku: 'BROKEN', productId: 'prod_broken' },
        ],
      });
    });
    after(() => app.close());

    test('POST /store/orders/:id/reviews reviews lines of a delivered order: rows, events and the catalog rating in one go', async () => {
      const res = await http.post(
        '/store/orders/ord_1/reviews',
        {
          items: [
            { sku: 'SHOE-42', rating: 5, title: 'Great on trails', body: 'Comfortable from day one.', images: ['https://img.example.com/a.jpg', 'http://img.example.com/b.png'] },
            { sku: 'JACKET-M', rating: 3, body: 'Fine, runs small.' },
          ],
        },
        { token: ann },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const [shoe, jacket] = res.body.items;
      assert.match(shoe.id, /^rev_[0-9A-Z]{26}$/);
      assert.deepEqual(
        { ...shoe, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined,
          productId: 'prod_shoe',
          sku: 'SHOE-42',
          rating: 5,
          title: 'Great on trails',
          body: 'Comfortable from day one.',
          images: ['https://img.example.com/a.jpg', 'http://img.example.com/b.png'],
          author: 'Verified buyer',
          helpfulCount: 0,
          orderId: 'ord_1',
          orderLineId: 'oln_1',
          status: 'published',
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      assert.equal(new Date(shoe.createdAt).toISOString(), shoe.createdAt);
      assert.equal(jacket.title, null);
      assert.deepEqual(jacket.images, []);
      assert.equal(jacket.orderLineId, 'oln_2');
      assert.equal('customerId' in shoe, false, 'the customer id is not echoed');
      ids.annShoe = shoe.id;
      ids.annJacket = jacket.id;

      const rows = await reviewRows(app.db, 'ord_1');
      assert.deepEqual(
        rows.map((r) => [r.orderLineId, r.customerId, r.productId, Number(r.rating), r.status, r.images]),
        [
          ['oln_1', 'cus_ann', 'prod_shoe', 5, 'published', ['https://img.example.com/a.jpg', 'http://img.example.com/b.png']],
          ['oln_2', 'cus_ann', 'prod_jacket', 3, 'published', []],
        ],
      );
      const created = await outbox(app.db, 'review.created');
      assert.deepEqual(
        created.map((e) => e.payload),
        [
          { reviewId: shoe.id, productId: 'prod_shoe', orderId: 'ord_1', orderLineId: 'oln_1', customerId: 'cus_ann', sku: 'SHOE-42', rating: 5 },
          { reviewId: jacket.id, productId: 'prod_jacket', orderId: 'ord_1', orderLineId: 'oln_2', customerId: 'cus_ann', sku: 'JACKET-M', rating: 3 },
        ],
      );
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), { average: 5, count: 1 });
      assert.deepEqual(await ratingOf(app.db, 'prod_jacket'), { average: 3, count: 1 });
    });

    test('bodies are validated; the route needs a customer token', async () => {
      const ok = { sku: 'SHOE-42', rating: 4, body: 'Good' };
      const bad: unknown[] = [
        {},
        { items: [] },
        { items: [{ ...ok, rating: 0 }] },
        { items: [{ ...ok, rating: 6 }] },
        { items: [{ ...ok, rating: 4.5 }] },
        { items: [{ ...ok, rating: '4' }] },
        { items: [{ ...ok, body: '' }] },
        { items: [{ sku: 'SHOE-42', rating: 4 }] },
        { items: [{ ...ok, title: '' }] },
        { items: [{ ...ok, images: Array.from({ length: 10 }, (_, i) => `https://img.example.com/${i}.jpg`) }] },
        { items: [{ ...ok, images: ['ftp://img.example.com/a.jpg'] }] },
        { items: [{ ...ok, images: ['javascript:alert(1)'] }] },
        { items: [{ ...ok, images: ['https://img.example.com/a b.jpg'] }] },
        { items: [{ ...ok, author: 'me' }] },
        { items: [ok], extra: true },
      ];
      for (const body of bad) assertProblem(await http.post('/store/orders/ord_3/reviews', body, { token: bob }), 400, 'VALIDATION_FAILED');
      const nine = Array.from({ length: 9 }, (_, i) => `https://img.example.com/${i}.jpg`);
      assertProblem(await http.post('/store/orders/ord_3/reviews', { items: [{ ...ok, images: nine }] }), 401, 'AUTH_REQUIRED');
      assertProblem(await http.post('/store/orders/ord_3/reviews', { items: [ok] }, { token: owner }), 403, 'AUTH_FORBIDDEN');
      assert.equal((await reviewRows(app.db, 'ord_3')).length, 0);
    });

    test('only the customer’s own delivered order, only its SKUs, once per line', async () => {
      const item = { sku: 'SHOE-42', rating: 4, body: 'Good' };
      assertProblem(await http.post('/store/orders/ord_1/reviews', { items: [item] }, { token: bob }), 404, 'ORDER_NOT_FOUND');
      assertProblem(await http.post('/store/orders/ord_nope/reviews', { items: [item] }, { token: ann }), 404, 'ORDER_NOT_FOUND');
      assertProblem(await http.post('/store/orders/ord_2/reviews', { items: [item] }, { token: ann }), 409, 'REVIEW_ORDER_NOT_DELIVERED');
      const missing = await http.post('/store/orders/ord_1/reviews', { items: [{ ...item, sku: 'HAT' }] }, { token: ann });
      assertProblem(missing, 400, 'REVIEW_LINE_NOT_IN_ORDER');
      assert.deepEqual(missing.body.fields, [{ field: '/items/0/sku', message: 'the order has no item HAT' }]);
      assertProblem(await http.post('/store/orders/ord_1/reviews', { items: [item] }, { token: ann }), 409, 'REVIEW_ALREADY_EXISTS');
      assert.equal((await reviewRows(app.db, 'ord_1')).length, 2);

      // Two lines with one SKU: each item takes the next unreviewed line.
      const two = await http.post(
        '/store/orders/ord_3/reviews',
        {
          items: [
            { sku: 'SHOE-41', rating: 4, body: 'First pair' },
            { sku: 'SHOE-41', rating: 2, body: 'Second pair wore out' },
          ],
        },
        { token: bob },
      );
      assert.equal(two.status, 201, JSON.stringify(two.body));
      assert.deepEqual(
        two.body.items.map((r: any) => r.orderLineId),
        ['oln_4', 'oln_5'],
      );
      ids.bobFirst = two.body.items[0].id;
      ids.bobSecond = two.body.items[1].id;
      assertProblem(await http.post('/store/orders/ord_3/reviews', { items: [{ sku: 'SHOE-41', rating: 5, body: 'x' }] }, { token: bob }), 409, 'REVIEW_ALREADY_EXISTS');
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), { average: 3.67, count: 3 });
    });

    test('all items or none: a failure anywhere in the transaction keeps nothing', async () => {
      const before = { events: (await outbox(app.db, 'review.created')).length, shoe: await ratingOf(app.db, 'prod_shoe') };
      // A line already reviewed next to a new one: refused before writing.
      assertProblem(
        await http.post(
          '/store/orders/ord_1/reviews',
          {
            items: [
              { sku: 'JACKET-M', rating: 1, body: 'again' },
              { sku: 'SHOE-42', rating: 1, body: 'again' },
            ],
          },
          { token: ann },
        ),
        409,
        'REVIEW_ALREADY_EXISTS',
      );
      // The catalog refusing the second product's rating rolls back the first product's review too.
      const res = await http.post(
        '/store/orders/ord_4/reviews',
        {
          items: [
            { sku: 'SHOE-42', rating: 2, body: 'Pinches' },
            { sku: 'BROKEN', rating: 5, body: 'Fine' },
          ],
        },
        { token: cy },
      );
      assertProblem(res, 409, 'CATALOG_TEST_REFUSED');
      assert.equal((await reviewRows(app.db, 'ord_4')).length, 0);
      assert.equal((await outbox(app.db, 'review.created')).length, before.events);
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), before.shoe);

      const alone = await http.post('/store/orders/ord_4/reviews', { items: [{ sku: 'SHOE-42', rating: 2, body: 'Pinches' }] }, { token: cy });
      assert.equal(alone.status, 201, JSON.stringify(alone.body));
      ids.cyShoe = alone.body.items[0].id;
      // prod_shoe: 5, 4, 2, 2.
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), { average: 3.25, count: 4 });
    });

    test('GET /store/products/:handle/reviews: newest first, paged, filtered, with the summary of all published reviews', async () => {
      const res = await http.get('/store/products/trail-shoe/reviews');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.items.map((r: any) => r.id),
        [ids.cyShoe, ids.bobSecond, ids.bobFirst, ids.annShoe],
      );
      assert.equal(res.body.nextCursor, null);
      assert.equal(res.body.ratingAverage, 3.25);
      assert.equal(res.body.ratingCount, 4);
      assert.deepEqual(res.body.distribution, { '1': 0, '2': 2, '3': 0, '4': 1, '5': 1 });
      for (const r of res.body.items) {
        assert.deepEqual(Object.keys(r).sort(), ['author', 'body', 'createdAt', 'helpfulCount', 'id', 'images', 'productId', 'rating', 'sku', 'title', 'updatedAt']);
      }

      const first = await http.get('/store/products/trail-shoe/reviews?limit=3');
      assert.equal(first.body.items.length, 3);
      assert.ok(first.body.nextCursor);
      const second = await http.get(`/store/products/trail-shoe/reviews?limit=3&cursor=${first.body.nextCursor}`);
      assert.deepEqual(
        second.body.items.map((r: any) => r.id),
        [ids.annShoe],
      );
      assert.equal(second.body.nextCursor, null);

      const twos = await http.get('/store/products/trail-shoe/reviews?rating=2');
      assert.deepEqual(
        twos.body.items.map((r: any) => r.id),
        [ids.cyShoe, ids.bobSecond],
      );
      assert.equal(twos.body.ratingCount, 4, 'the summary ignores the filter');

      const none = await http.get('/store/products/quiet-mug/reviews');
      assert.deepEqual(none.body, { items: [], nextCursor: null, ratingAverage: null, ratingCount: 0, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } });

      assertProblem(await http.get('/store/products/no-such-thing/reviews'), 404, 'REVIEW_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/products/trail-shoe/reviews?cursor=garbage'), 400, 'PAGINATION_INVALID_CURSOR');
      // A cursor of one order is not accepted by the other.
      assertProblem(await http.get(`/store/products/trail-shoe/reviews?sort=helpful&cursor=${first.body.nextCursor}`), 400, 'PAGINATION_INVALID_CURSOR');
      for (const q of ['sort=best', 'rating=0', 'rating=6', 'limit=0', 'limit=51', 'other=1']) {
        assertProblem(await http.get(`/store/products/trail-shoe/reviews?${q}`), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.get('/store/products/Trail_Shoe/reviews'), 400, 'VALIDATION_FAILED');
    });

    test('POST /store/reviews/:id/helpful: one vote per customer, never on one’s own review; sort=helpful follows', async () => {
      const vote = (id: string, token: string) => http.post(`/store/reviews/${id}/helpful`, undefined, { token });
      const count = async (id: string) => (await app.db.selectFrom('review').select('helpfulCount').where('id', '=', id).executeTakeFirstOrThrow()).helpfulCount;

      const first = await vote(ids.annShoe!, bob);
      assert.equal(first.status, 204, JSON.stringify(first.body));
      assert.equal(first.body, '');
      assert.equal((await vote(ids.annShoe!, bob)).status, 204, 'a repeated vote is accepted');
      assert.equal(await count(ids.annShoe!), 1);
      assert.equal((await vote(ids.annShoe!, cy)).status, 204);
      assert.equal((await vote(ids.cyShoe!, bob)).status, 204);
      assert.equal(await count(ids.annShoe!), 2);
      assert.equal(await count(ids.cyShoe!), 1);
      const votes = await app.db.selectFrom('reviewHelpfulVote').select(['reviewId', 'customerId']).orderBy('reviewId').orderBy('customerId').execute();
      assert.equal(votes.length, 3);

      assertProblem(await vote(ids.annShoe!, ann), 409, 'REVIEW_OWN_REVIEW');
      assertProblem(await vote('rev_nope', ann), 404, 'REVIEW_NOT_FOUND');
      assertProblem(await http.post(`/store/reviews/${ids.annShoe}/helpful`), 401, 'AUTH_REQUIRED');
      assertProblem(await vote(ids.annShoe!, owner), 403, 'AUTH_FORBIDDEN');

      const helpful = await http.get('/store/products/trail-shoe/reviews?sort=helpful');
      const expected = [ids.annShoe, ids.cyShoe, ids.bobSecond, ids.bobFirst];
      assert.deepEqual(
        helpful.body.items.map((r: any) => [r.id, r.helpfulCount]),
        expected.map((id, i) => [id, [2, 1, 0, 0][i]]),
      );
      // Walking the helpful order one at a time visits each review once.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await http.get(`/store/products/trail-shoe/reviews?sort=helpful&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        seen.push(...page.body.items.map((r: any) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, expected);
    });

    test('staff list reviews with filters; support may read but not moderate', async () => {
      const all = await http.get('/admin/reviews', { token: support });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.deepEqual(
        all.body.items.map((r: any) => r.id),
        [ids.cyShoe, ids.bobSecond, ids.bobFirst, ids.annJacket, ids.annShoe],
      );
      const annShoe = all.body.items.find((r: any) => r.id === ids.annShoe);
      assert.equal(annShoe.customerId, 'cus_ann');
      assert.equal(annShoe.hiddenReason, null);
      assert.equal(annShoe.orderId, 'ord_1');

      const page1 = await http.get('/admin/reviews?limit=2', { token: support });
      const page2 = await http.get(`/admin/reviews?limit=2&cursor=${page1.body.nextCursor}`, { token: support });
      assert.deepEqual(
        [...page1.body.items, ...page2.body.items].map((r: any) => r.id),
        all.body.items.slice(0, 4).map((r: any) => r.id),
      );
      const jacket = await http.get('/admin/reviews?productId=prod_jacket', { token: support });
      assert.deepEqual(
        jacket.body.items.map((r: any) => r.id),
        [ids.annJacket],
      );
      const twos = await http.get('/admin/reviews?rating=2&status=published', { token: support });
      assert.equal(twos.body.items.length, 2);
      assert.equal((await http.get('/admin/reviews?status=hidden', { token: support })).body.items.length, 0);
      const one = await http.get(`/admin/reviews/${ids.annShoe}`, { token: support });
      assert.equal(one.status, 200);
      assert.equal(one.body.customerId, 'cus_ann');
      assertProblem(await http.get('/admin/reviews/rev_nope', { token: support }), 404, 'REVIEW_NOT_FOUND');
      assertProblem(await http.get('/admin/reviews?status=deleted', { token: support }), 400, 'VALIDATION_FAILED');

      assertProblem(await http.get('/admin/reviews', { token: ann }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/reviews'), 401, 'AUTH_REQUIRED');
      assertProblem(await http.post(`/admin/reviews/${ids.annShoe}/hide`, { reason: 'x' }, { token: support }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.post(`/admin/reviews/${ids.annShoe}/show`, undefined, { token: ann }), 403, 'AUTH_FORBIDDEN');
    });

    test('hide and show: the store and the rating follow, events and audit entries commit with the change', async () => {
      const audits = (action: string) => app.db.selectFrom('auditLog').selectAll().where('action', '=', action).where('targetId', '=', ids.annShoe!).orderBy('id').execute();
      const hide = await http.post(`/admin/reviews/${ids.annShoe}/hide`, { reason: 'Contains a phone number' }, { token: owner });
      assert.equal(hide.status, 200, JSON.stringify(hide.body));
      assert.equal(hide.body.status, 'hidden');
      assert.equal(hide.body.hiddenReason, 'Contains a phone number');
      assert.ok(hide.body.updatedAt >= hide.body.createdAt);
      // prod_shoe published: 4, 2, 2.
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), { average: 2.67, count: 3 });
      assert.deepEqual(
        (await outbox(app.db, 'review.hidden')).map((e) => e.payload),
        [{ reviewId: ids.annShoe, productId: 'prod_shoe', staffId: 'stf_owner', reason: 'Contains a phone number' }],
      );
      const [entry] = await audits('review.hidden');
      assert.equal(entry?.actorId, 'stf_owner');
      assert.equal(entry?.targetType, 'review');
      assert.deepEqual(entry?.data, { productId: 'prod_shoe', reason: 'Contains a phone number', changed: true });

      const store = await http.get('/store/products/trail-shoe/reviews');
      assert.equal(store.body.items.some((r: any) => r.id === ids.annShoe), false);
      assert.equal(store.body.ratingCount, 3);
      assert.equal(store.body.ratingAverage, 2.67);
      assert.deepEqual(store.body.distribution, { '1': 0, '2': 2, '3': 0, '4': 1, '5': 0 });
      assertProblem(await http.post(`/store/reviews/${ids.annShoe}/helpful`, undefined, { token: bob }), 404, 'REVIEW_NOT_FOUND');

      // The author still sees it, marked hidden, without the staff's reason.
      const mine = await http.get('/store/me/reviews', { token: ann });
      const own = mine.body.items.find((r: any) => r.id === ids.annShoe);
      assert.equal(own.status, 'hidden');
      assert.equal('hiddenReason' in own, false);

      // Hiding again replaces the reason; nothing else moves.
      const again = await http.post(`/admin/reviews/${ids.annShoe}/hide`, { reason: 'Spam' }, { token: owner });
      assert.equal(again.status, 200);
      assert.equal(again.body.hiddenReason, 'Spam');
      assert.equal((await outbox(app.db, 'review.hidden')).length, 1);
      assert.deepEqual(
        (await audits('review.hidden')).map((a) => (a.data as any).changed),
        [true, false],
      );
      assertProblem(await http.post(`/admin/reviews/${ids.annShoe}/hide`, {}, { token: owner }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post(`/admin/reviews/${ids.annShoe}/hide`, { reason: '' }, { token: owner }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/admin/reviews/rev_nope/hide', { reason: 'x' }, { token: owner }), 404, 'REVIEW_NOT_FOUND');
      assert.equal((await http.get('/admin/reviews?status=hidden', { token: support })).body.items.length, 1);

      const show = await http.post(`/admin/reviews/${ids.annShoe}/show`, undefined, { token: owner });
      assert.equal(show.status, 200, JSON.stringify(show.body));
      assert.equal(show.body.status, 'published');
      assert.equal(show.body.hiddenReason, null);
      assert.equal(show.body.helpfulCount, 2, 'votes survive hiding');
      assert.deepEqual(await ratingOf(app.db, 'prod_shoe'), { average: 3.25, count: 4 });
      assert.deepEqual(
        (await outbox(app.db, 'review.shown')).map((e) => e.payload),
        [{ reviewId: ids.annShoe, productId: 'prod_shoe', staffId: 'stf_owner', reason: null }],
      );
      assert.equal((await http.post(`/admin/reviews/${ids.annShoe}/show`, undefined, { token: owner })).status, 200);
      assert.equal((await outbox(app.db, 'review.shown')).length, 1, 'showing a published review publishes nothing');
      assert.equal((await audits('review.shown')).length, 2);
      assertProblem(await http.post('/admin/reviews/rev_nope/show', undefined, { token: owner }), 404, 'REVIEW_NOT_FOUND');
      assert.equal((await http.get('/store/products/trail-shoe/reviews')).body.ratingCount, 4);
    });

    test('GET /store/me/reviews pages the customer’s own reviews; GET /store/orders/:id/reviews shows each line', async () => {
      const mine = await http.get('/store/me/reviews', { token: ann });
      assert.equal(mine.status, 200);
      assert.deepEqual(
        mine.body.items.map((r: any) => r.id),
        [ids.annJacket, ids.annShoe],
      );
      const p1 = await http.get('/store/me/reviews?limit=1', { token: bob });
      const p2 = await http.get(`/store/me/reviews?limit=1&cursor=${p1.body.nextCursor}`, { token: bob });
      assert.deepEqual(
        [...p1.body.items, ...p2.body.items].map((r: any) => r.id),
        [ids.bobSecond, ids.bobFirst],
      );
      assert.equal(p2.body.nextCursor, null);
      assert.deepEqual((await http.get('/store/me/reviews', { token: 'cus:cus_nobody' })).body, { items: [], nextCursor: null });
      assertProblem(await http.get('/store/me/reviews'), 401, 'AUTH_REQUIRED');

      const order = await http.get('/store/orders/ord_1/reviews', { token: ann });
      assert.equal(order.status, 200, JSON.stringify(order.body));
      assert.equal(order.body.eligible, true);
      assert.deepEqual(
        order.body.items.map((l: any) => [l.lineId, l.sku, l.review?.id]),
        [
          ['oln_1', 'SHOE-42', ids.annShoe],
          ['oln_2', 'JACKET-M', ids.annJacket],
        ],
      );
      const pending = await http.get('/store/orders/ord_2/reviews', { token: ann });
      assert.deepEqual(pending.body, { eligible: false, items: [{ lineId: 'oln_3', sku: 'SHOE-42', productId: 'prod_shoe', review: null }] });
      assertProblem(await http.get('/store/orders/ord_1/reviews', { token: bob }), 404, 'ORDER_NOT_FOUND');
    });
  });
}

// PGlite runs one transaction at a time, so races can only be shown on PostgreSQL.
for (const engine of DATABASES.filter((e) => e === 'postgres')) {
  describe(`reviews under concurrency [${engine}]`, () => {
    let app: ModuleApp;
    let http: ReturnType<typeof client>;
    before(async () => {
      app = await buildModuleApp(engine);
      http = client(app.server);
    });
    after(() => app.close());

    test('10 parallel reviews of one line: exactly one is stored, the others get 409 REVIEW_ALREADY_EXISTS', async () => {
      app.orders.set('ord_race', { customerId: 'cus_racer', status: 'delivered', lines: [{ lineId: 'oln_race', sku: 'TEE', productId: 'prod_race' }] });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => http.post('/store/orders/ord_race/reviews', { items: [{ sku: 'TEE', rating: 1 + (i % 5), body: `take ${i}` }] }, { token: 'cus:cus_racer' })),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(9).fill(409)]);
      for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.code, 'REVIEW_ALREADY_EXISTS');
      const rows = await reviewRows(app.db, 'ord_race');
      assert.equal(rows.length, 1);
      assert.deepEqual(await ratingOf(app.db, 'prod_race'), { average: Number(rows[0]!.rating), count: 1 });
      assert.equal((await outbox(app.db, 'review.created')).length, 1);
    });

    test('30 customers reviewing one product at once: the stored rating counts every review', async () => {
      const ratings = Array.from({ length: 30 }, (_, i) => 1 + ((i * 7) % 5));
      ratings.forEach((_, i) => app.orders.set(`ord_many_${i}`, { customerId: `cus_many_${i}`, status: 'completed', lines: [{ lineId: `oln_many_${i}`, sku: 'MUG', productId: 'prod_mug' }] }));
      const results = await Promise.all(
        ratings.map((rating, i) => http.post(`/store/orders/ord_many_${i}/reviews`, { items: [{ sku: 'MUG', rating, body: 'mug' }] }, { token: `cus:cus_many_${i}` })),
      );
      assert.ok(
        results.every((r) => r.status === 201),
        JSON.stringify(results.filter((r) => r.status !== 201).map((r) => r.body)),
      );
      const sum = ratings.reduce((s, r) => s + r, 0);
      assert.deepEqual(await ratingOf(app.db, 'prod_mug'), { average: Math.round((sum * 100) / ratings.length) / 100, count: 30 });
    });

    test('parallel helpful votes: one per customer, the counter matches the vote rows', async () => {
      app.orders.set('ord_voted', { customerId: 'cus_author', status: 'delivered', lines: [{ lineId: 'oln_voted', sku: 'TEE', productId: 'prod_race' }] });
      const created = await http.post('/store/orders/ord_voted/reviews', { items: [{ sku: 'TEE', rating: 4, body: 'nice' }] }, { token: 'cus:cus_author' });
      const id = created.body.items[0].id as string;
      const voters = [...Array.from({ length: 20 }, (_, i) => `cus:cus_voter_${i}`), ...Array(10).fill('cus:cus_voter_0')];
      const results = await Promise.all(voters.map((token) => http.post(`/store/reviews/${id}/helpful`, undefined, { token })));
      assert.ok(results.every((r) => r.status === 204));
      const row = await app.db.selectFrom('review').select('helpfulCount').where('id', '=', id).executeTakeFirstOrThrow();
      const votes = await app.db.selectFrom('reviewHelpfulVote').select((eb) => eb.fn.countAll<number>().as('n')).where('reviewId', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.helpfulCount, 20);
      assert.equal(Number(votes.n), 20);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Part 2: the whole shop over HTTP — register, cart, checkout, pay with the sandbox, ship,
// receive, review.
// ---------------------------------------------------------------------------------------------

for (const engine of DATABASES) {
  describe(`reviews through the shop [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let ownerToken: string;
    let supportToken: string;
    let productId: string;
    const address = { firstName: 'Ann', lastName: 'Lee', line1: '1 Main St', city: 'Shanghai', postalCode: '200000', country: 'CN', phone: '+86 21 5555 0100' };

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      const actors = await signInActors(app);
      ownerToken = actors.owner.token;
      supportToken = actors.supportToken;
      const product = await http.post(
        '/admin/products',
        {
          handle: 'trail-shoe',
          title: 'Trail shoe',
          status: 'published',
          options: [{ name: 'Size', values: ['41', '42'] }],
          variants: [
            { sku: 'SHOE-41', options: { Size: '41' }, prices: [{ currency: 'CNY', amount: 49900 }] },
            { sku: 'SHOE-42', options: { Size: '42' }, prices: [{ currency: 'CNY', amount: 49900 }] },
          ],
        },
        { token: ownerToken },
      );
      assert.equal(product.status, 201, JSON.stringify(product.body));
      productId = product.body.id;
      for (const sku of ['SHOE-41', 'SHOE-42']) {
        assert.equal((await http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand: 50 }, token: ownerToken })).status, 200);
      }
    });
    after(() => app?.close());

    const ok = (res: { status: number; body: unknown }, status: number) => assert.equal(res.status, status, JSON.stringify(res.body));

    /** Registers a customer and takes an order for `skus` all the way to delivered. Returns its token and order. */
    async function deliveredOrder(email: string, skus: string[]) {
      const reg = await http.post('/store/auth/register', { email, password: 'shopperpass1' });
      ok(reg, 201);
      const token = reg.body.token as string;
      const cart = await http.post('/store/carts', { currency: 'CNY' }, { token });
      ok(cart, 201);
      for (const sku of skus) ok(await http.post(`/store/carts/${cart.body.id}/items`, { sku, quantity: 1 }, { token }), 200);
      ok(await http.patch(`/store/carts/${cart.body.id}`, { email, shippingAddress: address, shippingMethodId: 'ship_default' }, { token }), 200);
      const checkout = await http.post(`/store/carts/${cart.body.id}/checkout`, undefined, { token, headers: { 'idempotency-key': `review-${email}` } });
      ok(checkout, 201);
      const order = (checkout.body.order ?? checkout.body) as { id: string };
      const payment = await http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { token });
      ok(payment, 201);
      ok(await http.post(`/sandbox/pay/${payment.body.payment.id}`, { result: 'succeeded' }), 200);
      // The sandbox notifier job posts the signed webhook; the order is paid once it has run.
      await app.jobs.drain();
      await app.dispatcher.drain();
      const paid = await http.get(`/store/orders/${order.id}`, { token });
      assert.equal(paid.body.status, 'paid', JSON.stringify(paid.body));
      return { token, orderId: order.id, order: paid.body };
    }

    async function ship(orderId: string) {
      ok(await http.post(`/admin/orders/${orderId}/ship`, { carrier: 'SF Express', trackingNumber: 'SF1234567890' }, { token: ownerToken }), 200);
    }

    test('a customer reviews a received order; the product page and the catalog rating follow', async () => {
      const { token, orderId } = await deliveredOrder('ann@example.com', ['SHOE-42']);
      // Paid but not yet delivered.
      assertProblem(await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-42', rating: 5, body: 'Great' }] }, { token }), 409, 'REVIEW_ORDER_NOT_DELIVERED');
      await ship(orderId);
      assertProblem(await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-42', rating: 5, body: 'Great' }] }, { token }), 409, 'REVIEW_ORDER_NOT_DELIVERED');
      ok(await http.post(`/store/orders/${orderId}/receive`, undefined, { token }), 200);

      assertProblem(await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-41', rating: 5, body: 'Great' }] }, { token }), 400, 'REVIEW_LINE_NOT_IN_ORDER');
      const created = await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-42', rating: 4, body: 'Great grip', images: ['https://img.example.com/shoe.jpg'] }] }, { token });
      ok(created, 201);
      const review = created.body.items[0];
      assert.equal(review.productId, productId);
      assertProblem(await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-42', rating: 1, body: 'Again' }] }, { token }), 409, 'REVIEW_ALREADY_EXISTS');

      const page = await http.get('/store/products/trail-shoe/reviews');
      ok(page, 200);
      assert.deepEqual(
        page.body.items.map((r: any) => r.id),
        [review.id],
      );
      assert.equal(page.body.ratingAverage, 4);
      const detail = await http.get('/store/products/trail-shoe');
      assert.equal(detail.body.rating, 4);
      assert.equal(detail.body.ratingCount, 1);

      // Someone else's order is not found; a second buyer votes the review helpful.
      const other = await deliveredOrder('bob@example.com', ['SHOE-41']);
      assertProblem(await http.post(`/store/orders/${orderId}/reviews`, { items: [{ sku: 'SHOE-42', rating: 1, body: 'x' }] }, { token: other.token }), 404, 'ORDER_NOT_FOUND');
      ok(await http.post(`/store/reviews/${review.id}/helpful`, undefined, { token: other.token }), 204);

      // Staff hide it: the store and the catalog drop it, the audit log has the entry.
      assertProblem(await http.post(`/admin/reviews/${review.id}/hide`, { reason: 'Spam' }, { token: supportToken }), 403, 'AUTH_FORBIDDEN');
      ok(await http.post(`/admin/reviews/${review.id}/hide`, { reason: 'Spam' }, { token: ownerToken }), 200);
      assert.equal((await http.get('/store/products/trail-shoe')).body.ratingCount, 0);
      assert.equal((await http.get('/store/products/trail-shoe/reviews')).body.items.length, 0);
      const audit = await http.get(`/admin/audit-log?targetId=${review.id}`, { token: ownerToken });
      assert.ok(audit.body.items.some((e: any) => e.action === 'review.hidden'), JSON.stringify(audit.body));
      ok(await http.post(`/admin/reviews/${review.id}/show`, undefined, { token: ownerToken }), 200);
      assert.equal((await http.get('/store/products/trail-shoe')).body.rating, 4);
    });
  });
}
