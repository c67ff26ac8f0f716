import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, reachable, type TestApp } from '../helpers/app.js';
import { flash } from '../helpers/flash.js';
import { client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

// Several API processes of one shop, played by two apps on one PostgreSQL schema (and one Redis
// key prefix). Needs TEST_DATABASE_URL and TEST_REDIS_URL reachable: skipped with a note on a
// laptop without them, a failure in CI.

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = [
  ...((await reachable(pgUrl, 5432)) ? [] : [`PostgreSQL (TEST_DATABASE_URL${pgUrl ? ' unreachable' : ' not set'})`]),
  ...((await reachable(redisUrl, 6379)) ? [] : [`Redis (TEST_REDIS_URL${redisUrl ? ' unreachable' : ' not set'})`]),
];
if (missing.length && process.env.CI === 'true') throw new Error(`CI=true but ${missing.join(' and ')}: cache and Redis tests cannot be skipped in CI`);
const skip = missing.length ? `needs ${missing.join(' and ')}` : false;
if (skip) process.stderr.write(`note: cache-redis tests skipped: ${skip}\n`);

/** Polls `read` until `ok` holds (the bus is asynchronous), failing after `ms`. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP proxy in front of Redis that a test can stop (Redis "goes down") and start again. */
async function redisProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let listenPort = 0;
  async function start(): Promise<void> {
    server = createServer((inbound) => {
      const outbound = connect({ host: hostname, port: Number(port || 6379) });
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server!.listen(listenPort, '127.0.0.1', resolve));
    listenPort = (server.address() as { port: number }).port;
  }
  await start();
  return {
    url: () => `redis://127.0.0.1:${listenPort}`,
    start,
    async stop(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
    },
  };
}

const price = (body: { price: { amount: number } | null }) => body.price?.amount;

for (const variant of [
  { name: 'Redis', env: (): Record<string, string> => ({ REDIS_URL: redisUrl! }) },
  { name: 'PostgreSQL NOTIFY only', env: (): Record<string, string> => ({}) },
]) {
  describe(`store cache across two processes [${variant.name}]`, { skip }, () => {
    let a: TestApp;
    let b: TestApp;
    let actors: Actors;

    before(async () => {
      // A long TTL: anything seen fresh in B came through the bus, not expiry.
      const env = { ...variant.env(), STORE_CACHE_TTL_MS: '60000' };
      a = await buildTestApp('postgres', env);
      b = await buildTestApp('postgres', env, { sameShopAs: a });
      actors = await signInActors(a);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    test('a price changed through A’s admin API is what B’s store shows at once', async () => {
      const s = shop(a, actors.owner.token);
      const product = await s.product('CR-PRICE', { cny: 1000, stock: 50 });
      const storeA = client(a.server);
      const storeB = client(b.server);
      assert.equal(price((await storeA.get('/store/products/cr-price')).body), 1000);
      const first = await storeB.get('/store/products/cr-price');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(price(first.body), 1000);
      if (variant.name === 'Redis') assert.equal(b.storeCache.stats().sharedHits, 1, 'B served A’s load from Redis');
      const listed = await storeB.get('/store/products?limit=50');
      assert.equal(listed.body.items.find((p: { handle: string }) => p.handle === 'cr-price')?.price.amount, 1000);

      const detail = await client(a.server).get(`/admin/products/${product.id}`, { token: actors.owner.token });
      const variantId = detail.body.variants[0].id as string;
      const started = Date.now();
      const repriced = await client(a.server).patch(`/admin/products/${product.id}/variants/${variantId}`, { prices: [{ currency: 'CNY', amount: 800 }] }, { token: actors.owner.token });
      assert.equal(repriced.status, 200, JSON.stringify(repriced.body));
      assert.equal(price((await storeA.get('/store/products/cr-price')).body), 800, 'the writer’s own process at once');
      const seen = await eventually(() => storeB.get('/store/products/cr-price'), (r) => price(r.body) === 800);
      assert.equal(price(seen.body), 800);
      const relisted = await eventually(
        () => storeB.get('/store/products?limit=50'),
        (r) => r.body.items.find((p: { handle: string }) => p.handle === 'cr-price')?.price.amount === 800,
      );
      assert.equal(relisted.body.items.find((p: { handle: string }) => p.handle === 'cr-price')?.price.amount, 800);
      assert.ok(Date.now() - started < 60_000, 'well within the TTL');
    });

    test('a checkout through A that takes the last unit shows out of stock in B at once', async () => {
      const s = shop(a, actors.owner.token);
      await s.product('CR-LAST', { cny: 500, stock: 1 });
      const storeB = client(b.server);
      assert.equal((await storeB.get('/store/products/cr-last')).body.inStock, true);
      const cart = await s.readyCart([['CR-LAST', 1]], { token: actors.customerToken });
      const placed = await s.checkout(cart.id, { token: actors.customerToken });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const seen = await eventually(() => storeB.get('/store/products/cr-last'), (r) => r.body.inStock === false);
      assert.equal(seen.body.inStock, false);
    });

    test('failed sign-ins count across processes: 5 split over A and B lock the 6th', async () => {
      const register = await client(a.server).post('/store/auth/register', { email: 'throttle@example.com', password: 'rightpass123' });
      assert.equal(register.status, 201, JSON.stringify(register.body));
      for (let i = 0; i < 5; i++) {
        const res = await client(i % 2 ? b.server : a.server).post('/store/auth/login', { email: 'throttle@example.com', password: 'wrongpass123' });
        assert.equal(res.status, 401, JSON.stringify(res.body));
      }
      for (const app of [a, b]) {
        const locked = await client(app.server).post('/store/auth/login', { email: 'throttle@example.com', password: 'rightpass123' });
        assert.equal(locked.status, 429, JSON.stringify(locked.body));
        assert.equal(locked.body.code, 'AUTH_THROTTLED');
        assert.ok(Number(locked.headers['retry-after']) > 0);
      }
      const rows = await a.db.selectFrom('authLoginFailure').select('key').where('key', 'like', '%throttle@example.com').execute();
      assert.equal(rows.length, variant.name === 'Redis' ? 0 : 5, variant.name === 'Redis' ? 'counted in Redis' : 'counted in PostgreSQL');
    });
  });
}

describe('Redis going down mid-load, and coming back', { skip }, () => {
  let app: TestApp;
  let actors: Actors;
  let proxy: Awaited<ReturnType<typeof redisProxy>>;

  before(async () => {
    proxy = await redisProxy(redisUrl!);
    app = await buildTestApp('postgres', { REDIS_URL: proxy.url(), STORE_CACHE_TTL_MS: '60000' });
    actors = await signInActors(app);
  });
  after(async () => {
    await app?.close();
    await proxy?.stop();
  });

  test('sign-ins, product reads, admin writes, checkout and flash-sale purchases all succeed without Redis', async () => {
    assert.equal(app.redis?.isUp(), true);
    const s = shop(app, actors.owner.token);
    const f = flash(app, actors.owner.token);
    const http = client(app.server);
    await s.product('RD-PLAIN', { cny: 700, stock: 20 });
    await s.product('RD-FLASH', { cny: 900, stock: 20 });
    const sale = await f.sale('RD-FLASH', { quantity: 5, limit: 2 });
    const [buyer] = await f.customers(1, 'rd');
    assert.equal((await f.buy(sale.id, buyer!.token)).status, 201, 'with Redis');
    assert.equal((await app.modules.flashSales.redisCounters(sale.id))?.stock, 4);
    assert.equal(price((await http.get('/store/products/rd-plain')).body), 700);

    await proxy.stop();
    await eventually(async () => app.redis?.isUp(), (up) => up === false);
    assert.equal(app.redis?.isUp(), false);

    const login = await http.post('/store/auth/login', { email: 'shopper@example.com', password: 'shopperpass1' });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const wrong = await http.post('/store/auth/login', { email: 'shopper@example.com', password: 'nottheone1' });
    assert.equal(wrong.status, 401, JSON.stringify(wrong.body));
    assert.equal((await http.get('/store/products/rd-plain')).status, 200);
    assert.equal((await http.get('/store/products?limit=10')).status, 200);
    const products = await http.get('/admin/products?limit=50', { token: actors.owner.token });
    const plain = products.body.items.find((p: { handle: string }) => p.handle === 'rd-plain');
    const detail = await http.get(`/admin/products/${plain.id}`, { token: actors.owner.token });
    const repriced = await http.patch(`/admin/products/${plain.id}/variants/${detail.body.variants[0].id}`, { prices: [{ currency: 'CNY', amount: 650 }] }, { token: actors.owner.token });
    assert.equal(repriced.status, 200, JSON.stringify(repriced.body));
    assert.equal(price((await http.get('/store/products/rd-plain')).body), 650, 'invalidated without Redis');
    const cart = await s.readyCart([['RD-PLAIN', 1]], { token: actors.customerToken });
    const placed = await s.checkout(cart.id, { token: actors.customerToken });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const bought = await f.buy(sale.id, buyer!.token);
    assert.equal(bought.status, 201, JSON.stringify(bought.body));
    assert.equal((await f.buy(sale.id, buyer!.token)).body.code, 'FLASH_SALE_LIMIT_REACHED', 'PostgreSQL still enforces the limit');
    const events = await http.post('/store/events', { sessionId: 'sess_redis_down', events: [{ type: 'view', sku: 'RD-PLAIN' }] });
    assert.ok(events.status < 500, JSON.stringify(events.body));

    // Redis returns: the sale's counters are rebuilt from the database (2 sold, 3 left).
    await proxy.start();
    await eventually(async () => app.redis?.isUp(), (up) => up === true, 10_000);
    const counters = await eventually(() => app.modules.flashSales.redisCounters(sale.id), (c) => c?.stock === 3, 5000);
    assert.equal(counters?.stock, 3);
    assert.deepEqual(counters?.customers, { [buyer!.id]: 2 });
    const [second] = await f.customers(1, 'rd-back');
    assert.equal((await f.buy(sale.id, second!.token)).status, 201, 'through Redis again');
    assert.equal((await app.modules.flashSales.redisCounters(sale.id))?.stock, 2);
  });

  test('an app that starts while Redis is unreachable (a closed port) serves anyway', async () => {
    const closed = await redisProxy(redisUrl!);
    const url = closed.url();
    await closed.stop();
    const started = Date.now();
    const lonely = await buildTestApp('postgres', { REDIS_URL: url, STORE_CACHE_TTL_MS: '60000' });
    try {
      assert.ok(Date.now() - started < 60_000);
      assert.equal(lonely.redis?.isUp(), false);
      const people = await signInActors(lonely);
      const s = shop(lonely, people.owner.token);
      await s.product('RD-COLD', { cny: 300, stock: 5 });
      const http = client(lonely.server);
      assert.equal(price((await http.get('/store/products/rd-cold')).body), 300);
      const login = await http.post('/store/auth/login', { email: 'shopper@example.com', password: 'shopperpass1' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const cart = await s.readyCart([['RD-COLD', 1]], { token: people.customerToken });
      assert.equal((await s.checkout(cart.id, { token: people.customerToken })).status, 201);
    } finally {
      await lonely.close();
    }
  });
});
