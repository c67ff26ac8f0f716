import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { withTransaction } from '../../src/platform/db/index.js';
import { publish, type DomainEvent } from '../../src/platform/events/index.js';
import { AppError, platformError } from '../../src/platform/errors.js';
import { installProblemHandlers, toAppError } from '../../src/platform/http/problem.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

describe('toAppError', () => {
  test('an unexpected error becomes a generic 500 that reveals nothing', () => {
    for (const thrown of [new Error('password=hunter2 at db.internal:5432'), new TypeError('x is undefined'), 'a string', 42, null, undefined]) {
      const e = toAppError(thrown);
      assert.equal(e.code, 'INTERNAL');
      assert.equal(e.status, 500);
      assert.equal(e.detail, undefined);
      assert.equal(e.message, 'Internal server error');
    }
  });

  test('database errors map to 409 and 503', () => {
    const unique = toAppError(Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505' }));
    assert.equal(unique.code, 'CONFLICT');
    assert.equal(unique.status, 409);
    assert.ok(!unique.detail?.includes('duplicate key'));
    assert.equal(toAppError({ code: '23505' }).status, 409);
    assert.equal(toAppError({ code: '23503' }).code, 'CONFLICT');
    for (const err of [{ code: 'ECONNREFUSED' }, { code: 'ECONNRESET' }, { code: '57P01' }, new Error('Connection terminated unexpectedly')]) {
      const e = toAppError(err);
      assert.equal(e.code, 'SERVICE_UNAVAILABLE', JSON.stringify(err));
      assert.equal(e.status, 503);
    }
    // Any other SQLSTATE is a bug, not the client's problem.
    assert.equal(toAppError({ code: '42P01', message: 'relation "x" does not exist' }).status, 500);
  });

  test('app errors pass through; Fastify client errors stay 4xx', () => {
    const own = platformError('NOT_FOUND', { detail: 'gone' });
    assert.equal(toAppError(own), own);
    assert.ok(own instanceof AppError);
    assert.equal(toAppError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }).code, 'PAYLOAD_TOO_LARGE');
    assert.equal(toAppError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }).code, 'MALFORMED_JSON');
    assert.equal(toAppError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }).code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(toAppError({ code: 'FST_ERR_SOMETHING', statusCode: 400, message: 'bad' }).code, 'BAD_REQUEST');
    assert.equal(toAppError({ statusCode: 502, message: 'upstream' }).code, 'INTERNAL');
    const validation = toAppError({ validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'email' } }], validationContext: 'body' });
    assert.equal(validation.code, 'VALIDATION_FAILED');
    assert.deepEqual(validation.fields, [{ field: '/email', message: 'is required' }]);
  });

  test('the problem handler renders even a thrown null as a problem+json 500', async () => {
    const server = Fastify();
    installProblemHandlers(server);
    server.get('/null', async () => {
      throw null;
    });
    server.get('/error', async () => {
      throw new Error('secret internals');
    });
    for (const url of ['/null', '/error']) {
      const res = await server.inject(url);
      assert.equal(res.statusCode, 500);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(res.json(), { type: 'https://bazaar.dev/problems/internal', title: 'Internal server error', status: 500, code: 'INTERNAL' });
    }
    await server.close();
  });
});

for (const engine of DATABASES) {
  describe(`HTTP platform [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let ownerToken: string;

    before(async () => {
      app = await buildTestApp(engine, { BODY_LIMIT_BYTES: '2048' });
      http = client(app.server);
      await app.modules.staff.ensureOwner('owner@example.com', 'owner-password-1');
      const login = await http.post('/admin/auth/login', { email: 'owner@example.com', password: 'owner-password-1' });
      assert.equal(login.status, 200);
      ownerToken = login.body.token;
    });
    after(() => app.close());

    const customersWith = async (email: string) =>
      Number((await app.db.selectFrom('customer').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', email).executeTakeFirstOrThrow()).n);

    test('an unknown route is a 404 ROUTE_NOT_FOUND problem', async () => {
      for (const [method, url] of [
        ['GET', '/nope?x=1'],
        ['POST', '/admin/nothing'],
        ['DELETE', '/admin/staff'],
      ] as const) {
        const res = await http.call(method, url);
        assertProblem(res, 404, 'ROUTE_NOT_FOUND');
        assert.equal(res.body.detail, `No route ${method} ${url.split('?')[0]}`);
      }
    });

    test('every response carries x-request-id; a caller-supplied one is echoed', async () => {
      for (const res of [await http.get('/healthz'), await http.get('/nope'), await http.post('/store/auth/login', {})]) {
        assert.equal(typeof res.headers['x-request-id'], 'string');
        assert.ok(String(res.headers['x-request-id']).length > 0);
      }
      const echoed = await http.get('/healthz', { headers: { 'x-request-id': 'trace-abc-123' } });
      assert.equal(echoed.headers['x-request-id'], 'trace-abc-123');
    });

    test('a body over BODY_LIMIT_BYTES → 413 PAYLOAD_TOO_LARGE and nothing is written', async () => {
      const res = await http.post('/store/auth/register', { email: 'big@example.com', password: 'big-password-1', name: 'x'.repeat(5000) });
      assertProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      assert.equal(await customersWith('big@example.com'), 0);
      // Under the limit the same request reaches validation.
      assertProblem(await http.post('/store/auth/register', { email: 'big@example.com', password: 'big-password-1', name: 'x'.repeat(1500) }), 400, 'VALIDATION_FAILED');
    });

    test('malformed or empty JSON → 400 MALFORMED_JSON', async () => {
      assertProblem(await http.call('POST', '/store/auth/register', { raw: '{"email": "a@example.com",' }), 400, 'MALFORMED_JSON');
      assertProblem(await http.call('POST', '/store/auth/login', { raw: "{'single': 'quotes'}" }), 400, 'MALFORMED_JSON');
      assertProblem(await http.call('POST', '/store/auth/login', { raw: '' }), 400, 'MALFORMED_JSON');
    });

    test('a non-JSON content type is a 4xx problem, never a 500', async () => {
      const text = await http.call('POST', '/store/auth/register', {
        raw: 'email=a@example.com&password=password-1',
        headers: { 'content-type': 'text/plain' },
      });
      // Fastify parses text/plain into a string, which the object schema then rejects.
      assertProblem(text, 400, 'VALIDATION_FAILED');
      const xml = await http.call('POST', '/store/auth/register', { raw: '<customer/>', headers: { 'content-type': 'application/xml' } });
      assertProblem(xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const form = await http.call('POST', '/store/auth/login', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assertProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(await customersWith('a@example.com'), 0);
    });

    test('query strings are coerced; bodies are not', async () => {
      const page = await http.get('/admin/staff?limit=5&active=true', { token: ownerToken });
      assert.equal(page.status, 200);
      assert.equal(page.body.items.length, 1);
      assertProblem(await http.get('/admin/staff?limit=five', { token: ownerToken }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/admin/staff?unknown=1', { token: ownerToken }), 400, 'VALIDATION_FAILED');

      const numeric = await http.post('/store/auth/register', { email: 'num@example.com', password: 12345678 });
      assertProblem(numeric, 400, 'VALIDATION_FAILED');
      assert.deepEqual(numeric.body.fields, [{ field: '/password', message: 'must be string' }]);
      const extra = await http.post('/store/auth/register', { email: 'num@example.com', password: 'password-123', isAdmin: true });
      assertProblem(extra, 400, 'VALIDATION_FAILED');
      assert.deepEqual(extra.body.fields, [{ field: '/isAdmin', message: 'is not an allowed field' }]);
      assertProblem(await http.patch('/admin/staff/stf_x', { active: 'false' }, { token: ownerToken }), 400, 'VALIDATION_FAILED');
      assert.equal(await customersWith('num@example.com'), 0);
    });

    test('GET /openapi.json describes the API as OpenAPI 3.1', async () => {
      const res = await http.get('/openapi.json');
      assert.equal(res.status, 200);
      const doc = res.body;
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/store/auth/register', '/admin/staff', '/admin/staff/{id}', '/admin/customers/{id}', '/admin/audit-log']) {
        assert.ok(doc.paths[path], `missing ${path}`);
      }
      assert.ok(doc.paths['/admin/staff'].post);
      assert.ok(doc.paths['/admin/staff'].get);
      for (const name of ['Problem', 'Customer', 'Staff', 'AuditEntry']) assert.ok(doc.components.schemas[name], `missing schema ${name}`);
      assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
      assert.equal(doc.paths['/openapi.json'], undefined);
    });

    test('GET /docs serves the API explorer', async () => {
      const res = await http.get('/docs');
      assert.ok(res.status === 200 || (res.status >= 300 && res.status < 400), `got ${res.status}`);
      const page = res.status === 200 ? res : await http.get(String(res.headers.location));
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
    });

    test('GET /metrics labels requests by route pattern, never by raw URL', async () => {
      const id = 'cus_01JZZZZZZZZZZZZZZZZZZZZZZZ';
      assertProblem(await http.get(`/admin/customers/${id}`, { token: ownerToken }), 404, 'USER_NOT_FOUND');
      await http.get('/no/such/route/xyz');
      const res = await http.get('/metrics');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      const text = String(res.body);
      assert.match(text, /^http_requests_total\{method="GET",route="\/admin\/customers\/:id",status_code="404"\} 1$/m);
      assert.match(text, /^http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/admin\/customers\/:id",status_code="404"\} \d+$/m);
      assert.ok(!text.includes(id), 'raw id in metrics');
      assert.ok(!text.includes('/no/such/route'), 'raw unknown URL in metrics');
      assert.match(text, /route="unmatched",status_code="404"/);
      assert.match(text, /^process_cpu_user_seconds_total /m);
    });
  });
}

for (const engine of DATABASES) {
  describe(`events and transactions [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
      await sql`create table tx_counter (id integer primary key, n integer not null)`.execute(app.db);
      await sql`insert into tx_counter (id, n) values (1, 0), (2, 0), (3, 0)`.execute(app.db);
    });
    after(() => app.close());

    const counter = async (id: number) => (await sql<{ n: number }>`select n from tx_counter where id = ${id}`.execute(app.db)).rows[0]!.n;
    const outbox = (id: string) => app.db.selectFrom('eventOutbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    /** This test's own subscribers that handled the event (the app's `*` subscribers, such as webhooks, see every event too). */
    const deliveries = async (id: string) =>
      (await app.db.selectFrom('eventDelivery').select('subscriber').where('eventId', '=', id).where('subscriber', 'like', 'test.%').orderBy('subscriber').execute()).map((r) => r.subscriber);
    /** Lets a failed event's backoff lease expire now. */
    const expireLease = (id: string) => app.db.updateTable('eventOutbox').set({ lockedUntil: new Date(Date.now() - 60_000) }).where('id', '=', id).execute();

    test('a committed event is delivered once; redelivery is a no-op', async () => {
      const seen: DomainEvent[] = [];
      app.dispatcher.subscribe('test.happened', 'test.recorder', async (event) => {
        seen.push(event);
      });
      const id = await withTransaction(app.db, (trx) => publish(trx, 'test.happened', { n: 1, note: 'hello' }));
      await app.dispatcher.drain();
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.id, id);
      assert.equal(seen[0]!.name, 'test.happened');
      assert.deepEqual(seen[0]!.payload, { n: 1, note: 'hello' });
      const row = await outbox(id);
      assert.ok(row.processedAt);
      assert.equal(row.lastError, null);
      assert.deepEqual(await deliveries(id), ['test.recorder']);

      await app.dispatcher.drain();
      assert.equal(seen.length, 1);
      // Even if the event is handed out again (a lease expired mid-delivery), the recorded
      // delivery keeps the handler from running twice.
      await app.db.updateTable('eventOutbox').set({ processedAt: null, lockedUntil: null }).where('id', '=', id).execute();
      await app.dispatcher.drain();
      assert.equal(seen.length, 1);
      assert.ok((await outbox(id)).processedAt);
    });

    test('a rolled-back transaction publishes nothing', async () => {
      let calls = 0;
      app.dispatcher.subscribe('test.rolled_back', 'test.rollback', async () => {
        calls++;
      });
      let id: string | undefined;
      await assert.rejects(
        withTransaction(app.db, async (trx) => {
          id = await publish(trx, 'test.rolled_back', {});
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.ok(id);
      assert.equal(await app.db.selectFrom('eventOutbox').select('id').where('name', '=', 'test.rolled_back').executeTakeFirst(), undefined);
      await app.dispatcher.drain();
      assert.equal(calls, 0);
    });

    test('a failing handler is retried after its backoff; other subscribers are not re-run', async () => {
      let okCalls = 0;
      let flakyCalls = 0;
      app.dispatcher.subscribe('test.flaky', 'test.steady', async () => {
        okCalls++;
      });
      app.dispatcher.subscribe('test.flaky', 'test.flaky', async () => {
        flakyCalls++;
        if (flakyCalls === 1) throw new Error('boom once');
      });
      const id = await withTransaction(app.db, (trx) => publish(trx, 'test.flaky', { x: 1 }));
      await app.dispatcher.drain();
      assert.deepEqual([okCalls, flakyCalls], [1, 1]);
      let row = await outbox(id);
      assert.equal(row.processedAt, null);
      assert.equal(row.lastError, 'boom once');
      assert.equal(row.attempts, 1);
      assert.ok(row.lockedUntil && new Date(row.lockedUntil).getTime() > Date.now(), 'backoff lease');
      assert.deepEqual(await deliveries(id), ['test.steady']);

      await app.dispatcher.drain();
      assert.equal(flakyCalls, 1, 'not retried before the backoff ends');

      await expireLease(id);
      await app.dispatcher.drain();
      assert.deepEqual([okCalls, flakyCalls], [1, 2]);
      row = await outbox(id);
      assert.ok(row.processedAt);
      assert.equal(row.lastError, null);
      assert.equal(row.attempts, 2);
      assert.deepEqual(await deliveries(id), ['test.flaky', 'test.steady']);
    });

    test('withTransaction returns the value, rolls back on throw and reuses a given transaction', async () => {
      assert.equal(await withTransaction(app.db, async () => 42), 42);

      let runs = 0;
      await assert.rejects(
        withTransaction(app.db, async (trx) => {
          runs++;
          await sql`update tx_counter set n = 99 where id = 1`.execute(trx);
          throw new Error('nope');
        }),
        /nope/,
      );
      assert.equal(runs, 1, 'ordinary errors are not retried');
      assert.equal(await counter(1), 0);

      const same = await withTransaction(app.db, async (trx) => {
        await sql`update tx_counter set n = 5 where id = 1`.execute(trx);
        return withTransaction(trx, async (inner) => {
          assert.equal(inner.isTransaction, true);
          // The outer write is visible: one transaction, not a nested one.
          return [inner === trx, (await sql<{ n: number }>`select n from tx_counter where id = 1`.execute(inner)).rows[0]!.n] as const;
        });
      });
      assert.deepEqual(same, [true, 5]);
      assert.equal(await counter(1), 5);

      // An inner failure rolls back the outer work too.
      await assert.rejects(
        withTransaction(app.db, async (trx) => {
          await sql`update tx_counter set n = 6 where id = 1`.execute(trx);
          await withTransaction(trx, async () => {
            throw new Error('inner');
          });
        }),
        /inner/,
      );
      assert.equal(await counter(1), 5);
    });

    test('a serialization failure or deadlock is retried on a fresh transaction', async () => {
      let runs = 0;
      const value = await withTransaction(app.db, async (trx) => {
        runs++;
        await sql`update tx_counter set n = n + 1 where id = 3`.execute(trx);
        if (runs < 3) throw Object.assign(new Error('could not serialize access'), { code: runs === 1 ? '40001' : '40P01' });
        return 'done';
      });
      assert.equal(value, 'done');
      assert.equal(runs, 3);
      assert.equal(await counter(3), 1, 'the failed attempts rolled back');

      let attempts = 0;
      const first = Object.assign(new Error('first'), { code: '40001' });
      await assert.rejects(
        withTransaction(
          app.db,
          async () => {
            attempts++;
            throw attempts === 1 ? first : Object.assign(new Error('later'), { code: '40001' });
          },
          { retries: 2 },
        ),
        (err) => err === first,
      );
      assert.equal(attempts, 3);
    });

    test('concurrent serializable read-modify-writes conflict and are retried (PostgreSQL)', { skip: engine !== 'postgres' }, async () => {
      let runs = 0;
      let arrived = 0;
      let release!: () => void;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const bump = () =>
        withTransaction(
          app.db,
          async (trx) => {
            runs++;
            const n = (await sql<{ n: number }>`select n from tx_counter where id = 2`.execute(trx)).rows[0]!.n;
            if (++arrived === 2) release();
            await bothRead; // both transactions hold a snapshot with the old value
            await sql`update tx_counter set n = ${n + 1} where id = 2`.execute(trx);
            return n;
          },
          { isolation: 'serializable' },
        );
      const seen = await Promise.all([bump(), bump()]);
      assert.ok(runs > 2, `expected a retry, ran ${runs} times`);
      assert.deepEqual(seen.sort(), [0, 1]);
      assert.equal(await counter(2), 2);
    });

    test('20 concurrent read-modify-write transactions serialise on PGlite', { skip: engine !== 'pglite' }, async () => {
      await sql`update tx_counter set n = 0 where id = 2`.execute(app.db);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          withTransaction(app.db, async (trx) => {
            const n = (await sql<{ n: number }>`select n from tx_counter where id = 2`.execute(trx)).rows[0]!.n;
            await new Promise((resolve) => setImmediate(resolve));
            await sql`update tx_counter set n = ${n + 1} where id = 2`.execute(trx);
          }),
        ),
      );
      assert.equal(await counter(2), 20);
    });

    test('a query outside an open transaction never sees its uncommitted writes', async () => {
      let proceed!: () => void;
      const mayFinish = new Promise<void>((resolve) => (proceed = resolve));
      let inside!: () => void;
      const wrote = new Promise<void>((resolve) => (inside = resolve));
      const tx = withTransaction(app.db, async (trx) => {
        await sql`update tx_counter set n = 777 where id = 3`.execute(trx);
        inside();
        await mayFinish;
        throw new Error('rollback');
      });
      await wrote;
      const outside = counter(3); // on PGlite this waits for the transaction to end
      await new Promise((resolve) => setTimeout(resolve, 20));
      proceed();
      await assert.rejects(tx, /rollback/);
      assert.equal(await outside, 1);
    });
  });
}
