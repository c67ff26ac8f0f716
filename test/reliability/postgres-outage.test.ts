// PostgreSQL goes away under the service (a restart, a failover, a cut network) and comes back:
// requests fail fast with 503 problem+json meanwhile, and the same process serves again
// afterwards, without a restart. The outage is a TCP proxy in front of the server that drops
// every connection and refuses new ones, then accepts them again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type BazaarApp } from '../../src/app.js';
import { createDb } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { testConfig } from '../helpers/app.js';
import { client } from '../helpers/http.js';

const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL outage test cannot be skipped in CI');

/** A TCP proxy to the PostgreSQL server that can be cut (every connection dropped, new ones refused) and restored. */
function outageProxy(target: URL) {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  let port = 0;
  const open = () =>
    new Promise<number>((resolve, reject) => {
      server = createServer((inbound) => {
        const outbound = connect(Number(target.port || 5432), target.hostname);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve(port);
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  return { open, cut };
}

let app: BazaarApp;
let proxy: ReturnType<typeof outageProxy>;
let schema: string;

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

before(async () => {
  if (!url) return;
  schema = `o_${randomBytes(6).toString('hex')}`;
  await admin(`create schema ${schema}`);
  const target = new URL(url);
  proxy = outageProxy(target);
  const port = await proxy.open();
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(port);
  const db = await createDb({ url: viaProxy.toString(), schema, poolSize: 5 });
  app = await createApp({ config: testConfig(), db, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
});

after(async () => {
  if (!url) return;
  await proxy.open().catch(() => undefined);
  await app?.close();
  await admin(`drop schema if exists ${schema} cascade`);
});

test('PostgreSQL away: 503 problem+json at once; back: the same process serves and writes again', { skip: url ? false : 'needs TEST_DATABASE_URL', timeout: 120_000 }, async () => {
  const http = client(app.server);
  const { owner } = await signInActors(app as Parameters<typeof signInActors>[0]);
  const product = (handle: string) => http.post('/admin/products', { handle, title: handle, status: 'published', variants: [{ sku: handle.toUpperCase(), prices: [{ currency: 'CNY', amount: 100 }] }] }, { token: owner.token });
  assert.equal((await product('before-outage')).status, 201);
  assert.equal((await http.get('/store/products')).status, 200);

  await proxy.cut();
  for (const call of [() => http.get('/store/products'), () => http.get('/store/products/before-outage'), () => product('during-outage'), () => http.post('/store/carts', { currency: 'CNY' })]) {
    const started = Date.now();
    const res = await call();
    const took = Date.now() - started;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.body.code, 'SERVICE_UNAVAILABLE');
    assert.ok(took < 6000, `answered in ${took} ms, within the pool's connect timeout`);
  }
  const ready = await http.get('/readyz');
  assert.equal(ready.status, 503);

  await proxy.open();
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
});
