// The sandbox gateway's HTTP side, end to end, on a small app of its own: the payer page and
// result routes, the notifier job delivering through `inject` to a webhook route that hands the
// raw body to the sandbox provider.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import {
  createProviders,
  sandboxGatewayRoutes,
  sandboxMigrations,
  type GatewayNotification,
  type PaymentProvider,
  type SandboxGateway,
} from '../../src/modules/payments/index.js';
import { createDb, runMigrations, type Db, type Engine } from '../../src/platform/db/index.js';
import { eventMigrations } from '../../src/platform/events/index.js';
import { installProblemHandlers } from '../../src/platform/http/problem.js';
import { ProblemSchema } from '../../src/platform/http/schemas.js';
import { createValidatorCompiler } from '../../src/platform/http/validation.js';
import { createJobQueue, jobMigrations, type JobQueue } from '../../src/platform/jobs/index.js';
import { Secret } from '../../src/platform/secret.js';
import { assertProblem, client } from '../helpers/http.js';

const ENGINES: Engine[] = (process.env.TEST_DB ?? 'pglite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((e): e is Engine => e === 'pglite' || (e === 'postgres' && !!process.env.TEST_DATABASE_URL));

async function openDb(engine: Engine): Promise<{ db: Db; drop(): Promise<void> }> {
  const sets = [eventMigrations, jobMigrations, sandboxMigrations];
  if (engine === 'pglite') {
    const db = await createDb({ dataDir: 'memory://' });
    await runMigrations(db.db, sets);
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`create schema ${schema}`);
  const db = await createDb({ url: process.env.TEST_DATABASE_URL, schema, poolSize: 4 });
  await runMigrations(db.db, sets);
  return {
    db,
    async drop() {
      await db.close();
      await admin(`drop schema ${schema} cascade`);
    },
  };
}

for (const engine of ENGINES) {
  describe(`sandbox gateway over HTTP [${engine}]`, () => {
    let handle: { db: Db; drop(): Promise<void> };
    let server: FastifyInstance;
    let jobs: JobQueue;
    let provider: PaymentProvider;
    let gateway: SandboxGateway;
    let http: ReturnType<typeof client>;
    const received: GatewayNotification[] = [];

    before(async () => {
      handle = await openDb(engine);
      const log = pino({ level: 'silent' });
      jobs = createJobQueue(handle.db.db, log);
      const built = await createProviders(
        {
          requested: ['sandbox'],
          webhookToleranceSeconds: 300,
          sandbox: { secret: new Secret('sandbox-secret'), notifyUrl: 'http://localhost:3000/webhooks/payments/sandbox', publicUrl: 'http://localhost:3000' },
        },
        {
          db: handle.db.db,
          jobs,
          log,
          deliver: async (url, body, headers) => {
            const res = await server.inject({ method: 'POST', url: new URL(url).pathname, payload: body, headers });
            return { status: res.statusCode };
          },
        },
      );
      provider = built.providers.get('sandbox')!;
      gateway = built.sandbox!;

      server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
      server.setValidatorCompiler(createValidatorCompiler([ProblemSchema]));
      server.addSchema(ProblemSchema);
      installProblemHandlers(server);
      await server.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '0' } } });
      await server.register(sandboxGatewayRoutes, { gateway });
      // The shop's webhook endpoint as the payments core has it: the raw bytes go to the provider.
      await server.register(async (hooks) => {
        hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
        hooks.post('/webhooks/payments/sandbox', async (request, reply) => {
          received.push(await provider.parseNotification(request.body as Buffer, request.headers, new Date()));
          const ack = provider.acknowledgement();
          return reply.type(ack.contentType).send(ack.body);
        });
      });
      await server.ready();
      http = client(server);
    });
    after(async () => {
      await server.close();
      await handle.drop();
    });

    const open = (paymentId: string, extra: { returnUrl?: string | null; description?: string } = {}) =>
      provider.createPayment({
        paymentId,
        orderId: 'ord_1',
        orderNumber: 'B-1042',
        amount: 8800,
        currency: 'CNY',
        description: extra.description ?? 'Two tees',
        returnUrl: extra.returnUrl === undefined ? 'http://localhost:5173/orders/ord_1' : extra.returnUrl,
        notifyUrl: 'http://localhost:3000/webhooks/payments/sandbox',
      });

    test('the payer page shows the amount and order with Pay and Fail buttons', async () => {
      const { action } = await open('pay_page', { description: '<script>alert(1)</script> & more' });
      assert.equal(action.type, 'redirect');
      const url = new URL((action as { url: string }).url);
      assert.equal(url.pathname, '/sandbox/pay/pay_page');
      const res = await server.inject({ method: 'GET', url: url.pathname });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.match(res.body, /CNY 88\.00/);
      assert.match(res.body, /B-1042/);
      assert.match(res.body, /<form method="post" action="\/sandbox\/pay\/pay_page"><input type="hidden" name="result" value="succeeded"><button[^>]*>Pay<\/button>/);
      assert.match(res.body, /name="result" value="failed"><button[^>]*>Fail<\/button>/);
      assert.ok(!res.body.includes('<script>'), 'merchant text is escaped');
      assert.match(res.body, /&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; more/);
      assertProblem(await http.get('/sandbox/pay/pay_nothing'), 404, 'SANDBOX_CHARGE_NOT_FOUND');
    });

    test('a JSON result settles the charge, and the shop receives the signed notification', async () => {
      await open('pay_json');
      const res = await http.post('/sandbox/pay/pay_json', { result: 'succeeded' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['amount', 'createdAt', 'currency', 'id', 'orderNumber', 'paymentId', 'refundedAmount', 'settledAt', 'status']);
      assert.equal(res.body.status, 'succeeded');
      assert.equal(res.body.paymentId, 'pay_json');
      assert.equal(res.body.amount, 8800);
      await jobs.drain();
      const n = received.find((r) => r.paymentId === 'pay_json');
      assert.ok(n, 'delivered');
      assert.deepEqual([n.status, n.amount, n.currency, n.gatewayReference], ['succeeded', 8800, 'CNY', res.body.id]);
      const job = await handle.db.db.selectFrom('job').select(['status', 'result']).where('kind', '=', 'payments.sandbox.notify').executeTakeFirstOrThrow();
      assert.equal(job.status, 'succeeded');
      assert.equal((job.result as { delivered: boolean; status: number }).status, 200);

      assertProblem(await http.post('/sandbox/pay/pay_json', { result: 'failed' }), 409, 'SANDBOX_CHARGE_FINAL');
      const page = await server.inject({ method: 'GET', url: '/sandbox/pay/pay_json' });
      assert.match(page.body, /This payment is <strong>succeeded<\/strong>/);
      assert.ok(!page.body.includes('<form'), 'no buttons on a final charge');
    });

    test('the page’s form post goes back to the shop, or shows the result', async () => {
      await open('pay_form');
      const back = await server.inject({ method: 'POST', url: '/sandbox/pay/pay_form', payload: 'result=failed', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(back.statusCode, 303);
      assert.equal(back.headers.location, 'http://localhost:5173/orders/ord_1');
      assert.equal((await gateway.getCharge('pay_form'))?.status, 'failed');

      await open('pay_form_plain', { returnUrl: null });
      const shown = await server.inject({ method: 'POST', url: '/sandbox/pay/pay_form_plain', payload: 'result=succeeded', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(shown.statusCode, 200);
      assert.match(String(shown.headers['content-type']), /^text\/html/);
      assert.match(shown.body, /Payment succeeded/);
      await jobs.drain();
      assert.deepEqual(
        received.filter((r) => r.paymentId.startsWith('pay_form')).map((r) => [r.paymentId, r.status]),
        [
          ['pay_form', 'failed'],
          ['pay_form_plain', 'succeeded'],
        ],
      );
    });

    test('bad results are refused', async () => {
      await open('pay_bad');
      assertProblem(await http.post('/sandbox/pay/pay_bad', { result: 'maybe' }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/sandbox/pay/pay_bad', { result: 'succeeded', amount: 1 }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/sandbox/pay/pay_bad', {}), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/sandbox/pay/pay_missing', { result: 'succeeded' }), 404, 'SANDBOX_CHARGE_NOT_FOUND');
      assert.equal((await gateway.getCharge('pay_bad'))?.status, 'pending');
    });

    test('the routes document themselves in OpenAPI', async () => {
      const doc = server.swagger() as { paths: Record<string, Record<string, unknown>> };
      assert.ok(doc.paths['/sandbox/pay/{paymentId}']?.get);
      assert.ok(doc.paths['/sandbox/pay/{paymentId}']?.post);
    });
  });
}
