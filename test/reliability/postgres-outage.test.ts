// PostgreSQL goes away under the service (a restart, a failover, a cut network) and comes back:
// requests fail fast with 503 problem+json meanwhile, and the same process serves again
// afterwards, without a restart. A second outage then checks that the process can still shut
// down while the database is away. The outage is a TCP proxy in front of the server that drops
// every connection and resets new ones, then pipes them again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type BazaarApp } from '../../src/app.js';
import { createDb } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { testConfig } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { startProxy, type TcpProxy } from '../helpers/proxy.js';

const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL outage test cannot be skipped in CI');

let app: BazaarApp | undefined;
let closed = false;
let proxy: TcpProxy | undefined;
let schema: string | undefined;

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** `work`, or a rejection naming `what` once `ms` have passed. */
async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

before(
  async () => {
    if (!url) return;
    schema = `o_${randomBytes(6).toString('hex')}`;
    await admin(`create schema ${schema}`);
    proxy = await startProxy(url);
    const db = await createDb({ url: proxy.url(url), schema, poolSize: 5 });
    app = await createApp({ config: testConfig(), db, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  },
  { timeout: 60_000 },
);

after(
  async () => {
    try {
      proxy?.restore();
      if (app && !closed) await within('closing the app', 30_000, app.close());
    } finally {
      await proxy?.close();
      if (schema) await admin(`drop schema if exists ${schema} cascade`);
    }
  },
  { timeout: 60_000 },
);

test('PostgreSQL away: 503 problem+json at once; back: the same process serves and writes again', { skip: url ? false : 'needs TEST_DATABASE_URL', timeout: 60_000 }, async () => {
  const http = client(app!.server);
  const { owner } = await signInActors(app as Parameters<typeof signInActors>[0]);
  const product = (handle: string) => http.post('/admin/products', { handle, title: handle, status: 'published', variants: [{ sku: handle.toUpperCase(), prices: [{ currency: 'CNY', amount: 100 }] }] }, { token: owner.token });
  assert.equal((await product('before-outage')).status, 201);
  assert.equal((await http.get('/store/products')).status, 200);
  assert.ok(proxy!.connections() > 0, 'the app reaches PostgreSQL through the proxy');

  proxy!.cut();
  for (const call of [() => http.get('/store/products'), () => http.get('/store/products/before-outage'), () => product('during-outage'), () => http.post('/store/carts', { currency: 'CNY' })]) {
    const started = Date.now();
    const res = await within('a request during the outage', 15_000, call());
    const took = Date.now() - started;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.body.code, 'SERVICE_UNAVAILABLE');
    assert.ok(took < 6000, `answered in ${took} ms, within the pool's connect timeout`);
  }
  assert.equal((await within('/readyz during the outage', 15_000, http.get('/readyz'))).status, 503);

  proxy!.restore();
  // The pool opens new connections on demand: the next requests succeed.
  let listed = await http.get('/store/products');
  for (let i = 0; listed.status !== 200 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    listed = await http.get('/store/products');
  }
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal((await http.get('/readyz')).status, 200);
  assert.equal((await product('after-outage')).status, 201);
  // Nothing of the refused write was kept.
  assert.equal((await http.get('/admin/products?q=during-outage', { token: owner.token })).body.items.length, 0);

  // Away again, the process still shuts down promptly: nothing waits on the dead connections
  // (the pool, the LISTEN connection of the invalidation bus and its reconnect timer).
  proxy!.cut();
  assert.equal((await within('a request during the second outage', 15_000, http.get('/store/products'))).status, 503);
  const started = Date.now();
  closed = true;
  await within('closing the app while PostgreSQL is away', 10_000, app!.close());
  assert.ok(Date.now() - started < 10_000);
});
