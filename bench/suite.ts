/**
 * The whole service under load, in one command (`npm run bench`): the built service in
 * production mode on PostgreSQL and Redis, a shop of BENCH_VARIANTS (100,000) variants with a
 * history of BENCH_HISTORY_ORDERS (2,000) paid orders and BENCH_CUSTOMERS (2,000) customers, and
 * for 1 and then 2 API processes (`--workers 2`, with its background worker):
 *
 *   catalog list and detail, search, add to cart, analytics overview   autocannon, BENCH_CONNECTIONS (10)
 *                                                                       connections, BENCH_SECONDS (10) s
 *   guest checkout to paid                                             BENCH_SHOPPERS (10) shoppers looping
 *                                                                       over the whole path (bench/shopper.ts)
 *   flash sale                                                         BENCH_ATTEMPTS (10,000) attempts for
 *                                                                       100 units, 200 connections
 *
 * reporting requests/s, p50/p99 latency, errors and the peak RSS of the API processes. Before
 * the load, a server with BAZAAR_SQL_COUNT=1 and the store cache off answers each request once
 * more and reports the SQL statements it sent; counts above bench/query-budget.json fail the
 * run (exit code 1), as do errors, unpaid orders and an oversold flash sale.
 *
 * The shop is built once through the public API (the catalog through the NDJSON import) into a
 * template database named after its size and BENCH_DATA_VERSION; every run clones it, so later
 * runs start in seconds. BENCH_FRESH=1 builds it again; `npm run bench -- --prepare` only builds it. BENCH_PROCESSES=1 or 2 runs one round
 * only; BENCH_ONLY=checkout,flash,search,… runs only the scenarios whose names contain one of
 * those words (and skips the statement count); BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres) is the server's
 * maintenance database; BENCH_REDIS_URL (redis://127.0.0.1:6379/9, flushed before each round),
 * or BENCH_REDIS=0 for PostgreSQL alone. Results: Markdown on stdout, bench/results/suite.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { catalogRows, importCatalog, PER_PRODUCT, seedTaxonomy } from './catalog-data.js';
import { createLiveSale, postJson, startServer, type Server } from './lib.js';
import { load, percentile, round, Stats, STEPS, type Step } from './shopper.js';

const VARIANTS = Number(process.env.BENCH_VARIANTS ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY_ORDERS ?? 2_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SHOPPERS = Number(process.env.BENCH_SHOPPERS ?? 10);
const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 10_000);
const UNITS = 100;
const FLASH_CONNECTIONS = 200;
const ROUNDS = (process.env.BENCH_PROCESSES ?? '1,2').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean) : null;
const selected = (name: string) => !ONLY || ONLY.some((w) => name.toLowerCase().includes(w));
const DATA_VERSION = process.env.BENCH_DATA_VERSION ?? '1';
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS === '0' ? null : (process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9');
const PORT = Number(process.env.BENCH_PORT ?? 3995);
const PRODUCTS = Math.ceil(VARIANTS / PER_PRODUCT);
const TEMPLATE = `bazaar_bench_suite_v${DATA_VERSION}_${VARIANTS}_${HISTORY}_${CUSTOMERS}`;
const RUN_DB = 'bazaar_bench_suite_run';
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1' };
const BUDGET_FILE = 'bench/query-budget.json';
/** SKUs the shoppers buy: in stock (the catalog leaves one SKU in seven at zero) and spread wide. */
const SHOPPING_SKUS = Array.from({ length: 5_000 }, (_, i) => {
  const p = (i * 4001) % PRODUCTS;
  const v = [0, 1, 2, 3].find((x) => (p + x) % 7 !== 0)!;
  return `SKU-${p}-${v}`;
});
const SEARCHES = ['耳机', 'earbuds', 'Kite 背包', 'running shoes', 'desk lamp', 'keybord', 'jacket', '手机', 'Nimbus bottle', 'soundwave earbuds', 'summit 外套', 'lumen 台灯', 'aurora phone', 'stride 跑鞋', 'vertex keyboard', 'echo backpak', 'haven 水杯', 'kite', 'phone 42', 'lamp 1200'];

for (const [name, v] of Object.entries({ VARIANTS, HISTORY, CUSTOMERS, SECONDS, CONNECTIONS, SHOPPERS, ATTEMPTS })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench: ${name} must be a positive integer, got ${v}`);
}
for (const n of ROUNDS) if (n !== 1 && n !== 2) throw new Error(`BENCH_PROCESSES: 1 and/or 2, got ${n}`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dbUrl = (name: string) => {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(BASE_URL, fn);

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl(RUN_DB),
    PUBLIC_URL: `http://127.0.0.1:${PORT}`,
    PAYMENT_PROVIDERS: 'sandbox',
    LOG_LEVEL: 'warn',
    BAZAAR_ADMIN_EMAIL: ADMIN.email,
    BAZAAR_ADMIN_PASSWORD: ADMIN.password,
    LOGIN_THROTTLE_MAX_PER_IP: '1000000',
    FLASH_SALE_RATE_PER_CUSTOMER: '1000',
    FLASH_SALE_RATE_PER_IP: '1000000',
    ...(REDIS_URL ? { REDIS_URL } : {}),
    ...extra,
  };
}

/** Waits until every placed order is paid and the outbox and job queue are empty. */
async function settle(url: string, timeoutMs: number): Promise<{ unpaid: number; pendingEvents: number; pendingJobs: number }> {
  return withClient(url, async (db) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query<{ unpaid: number; events: number; jobs: number }>(
        `select (select count(*) from orders where status = 'pending_payment')::int as unpaid,
                (select count(*) from event_outbox where processed_at is null)::int as events,
                (select count(*) from job where status in ('queued', 'running') and run_at <= now())::int as jobs`,
      );
      const r = rows[0]!;
      if ((r.unpaid === 0 && r.events === 0 && r.jobs === 0) || Date.now() > deadline) return { unpaid: r.unpaid, pendingEvents: r.events, pendingJobs: r.jobs };
      await sleep(500);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The shop, built once

async function templateReady(): Promise<boolean> {
  const exists = await admin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [TEMPLATE])).rowCount === 1);
  if (!exists || process.env.BENCH_FRESH === '1') return false;
  return withClient(dbUrl(TEMPLATE), async (c) => (await c.query(`select 1 from information_schema.tables where table_name = 'bench_suite_token'`)).rowCount === 1);
}

async function buildTemplate(): Promise<void> {
  const building = `${TEMPLATE}_building`;
  log(`building the benchmark shop (${VARIANTS.toLocaleString('en-US')} variants, ${HISTORY} orders, ${CUSTOMERS} customers) into ${TEMPLATE}`);
  await admin(async (c) => {
    await c.query(`drop database if exists ${building} with (force)`);
    await c.query(`drop database if exists ${TEMPLATE} with (force)`);
    await c.query(`create database ${building}`);
  });
  const server = await startServer('postgres', PORT, serverEnv({ DATABASE_URL: dbUrl(building), PUBLIC_URL: `http://127.0.0.1:${PORT}` }));
  const base = server.url;
  try {
    const { token } = await postJson(`${base}/admin/auth/login`, ADMIN);
    const categories = await seedTaxonomy(base, token);
    const { failed } = await importCatalog(base, token, catalogRows(PRODUCTS, categories));
    if (failed > 0) throw new Error(`the catalog import failed on ${failed} rows`);
    for (const sku of ['FLASH-1', 'FLASH-2', 'FLASH-3']) {
      await postJson(`${base}/admin/products`, { handle: sku.toLowerCase(), title: `Flash ${sku}`, status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount: 9900 }] }] }, token);
      const res = await fetch(`${base}/admin/inventory/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ onHand: 1000 }) });
      if (!res.ok) throw new Error(`stock for ${sku}: ${res.status} ${await res.text()}`);
    }
    const tokens: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < CUSTOMERS; i = next++) {
          const res = await postJson(`${base}/store/auth/register`, { email: `shopper-${i}@example.com`, password: 'bench-password-1' });
          tokens.push(res.token as string);
          if (tokens.length % 200 === 0) process.stderr.write(`\rcustomers: ${tokens.length}/${CUSTOMERS}   `);
        }
      }),
    );
    log('');
    const stats = new Stats();
    const errors: string[] = [];
    while (stats.checkouts201 < HISTORY) {
      await load(base, SHOPPING_SKUS, 10, 5_000, stats, errors);
      process.stderr.write(`\rorder history: ${stats.checkouts201}/${HISTORY}   `);
    }
    log('');
    const settled = await settle(dbUrl(building), 300_000);
    if (settled.unpaid > 0) throw new Error(`${settled.unpaid} history orders were not paid: ${errors.slice(0, 3).join('; ')}`);
    await withClient(dbUrl(building), async (c) => {
      await c.query('create table bench_suite_token (token text not null)');
      await c.query('insert into bench_suite_token select unnest($1::text[])', [tokens]);
      await c.query('vacuum analyze');
    });
  } finally {
    await server.stop();
  }
  await admin((c) => c.query(`alter database ${building} rename to ${TEMPLATE}`));
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  /** The request for the i-th call. */
  request: (i: number) => { path: string; body?: string };
  staff?: boolean;
  customer?: boolean;
}

interface Context {
  staffToken: string;
  customerTokens: string[];
  carts: string[];
  saleId: string;
}

function scenarios(ctx: Context): Scenario[] {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  return [
    { name: 'GET /store/products (newest, 20)', method: 'GET', request: () => ({ path: '/store/products?limit=20' }) },
    { name: 'GET /store/products?category= (20, with subcategories)', method: 'GET', request: () => ({ path: '/store/products?category=dept-1&limit=20' }) },
    { name: 'GET /store/products/:handle (200 popular)', method: 'GET', request: (i) => ({ path: `/store/products/product-${(i * 7919) % Math.min(200, PRODUCTS)}` }) },
    { name: 'GET /store/products/:handle (any of all)', method: 'GET', request: (i) => ({ path: `/store/products/product-${(i * 7919) % PRODUCTS}` }) },
    { name: 'GET /store/search?q=', method: 'GET', request: (i) => ({ path: `/store/search?q=${encodeURIComponent(SEARCHES[i % SEARCHES.length]!)}` }) },
    {
      name: 'POST /store/carts/:id/items',
      method: 'POST',
      request: (i) => ({ path: `/store/carts/${ctx.carts[i % ctx.carts.length]}/items`, body: JSON.stringify({ sku: SHOPPING_SKUS[(i * 31) % SHOPPING_SKUS.length], quantity: 1 }) }),
    },
    { name: 'GET /admin/analytics/overview (90 days)', method: 'GET', staff: true, request: () => ({ path: `/admin/analytics/overview?from=${from}&to=${today}` }) },
  ];
}

/** Peak RSS (MB) per role over the sampled process tree, while `run` runs. */
async function sampled<T>(server: Server, run: () => Promise<T>): Promise<{ value: T; apiPeakMb: number; totalPeakMb: number }> {
  let apiPeakMb = 0;
  let totalPeakMb = 0;
  const sample = () => {
    const tree = server.processes();
    for (const p of tree) if (p.role === 'server' || p.role === 'api') apiPeakMb = Math.max(apiPeakMb, p.rssMb);
    totalPeakMb = Math.max(totalPeakMb, tree.reduce((sum, p) => sum + p.rssMb, 0));
  };
  sample();
  const timer = setInterval(sample, 250);
  try {
    const value = await run();
    sample();
    return { value, apiPeakMb, totalPeakMb };
  } finally {
    clearInterval(timer);
  }
}

function headersFor(s: Scenario, ctx: Context, i: number): Record<string, string> {
  return {
    ...(s.method === 'POST' ? { 'content-type': 'application/json' } : {}),
    ...(s.staff ? { authorization: `Bearer ${ctx.staffToken}` } : {}),
    ...(s.customer ? { authorization: `Bearer ${ctx.customerTokens[(i * 7919) % ctx.customerTokens.length]}` } : {}),
  };
}

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  apiPeakMb: number;
  note?: string;
}

async function cannon(server: Server, s: Scenario, ctx: Context, options: { duration?: number; amount?: number; connections?: number; onResponse?: (status: number) => void }): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: server.url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? SECONDS }),
    requests: [
      {
        method: s.method,
        setupRequest: (req) => {
          const n = i++;
          const { path, body } = s.request(n);
          return { ...req, path, headers: headersFor(s, ctx, n), ...(body !== undefined ? { body } : {}) };
        },
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      },
    ],
  });
}

async function measureScenario(server: Server, s: Scenario, ctx: Context): Promise<Row> {
  await cannon(server, s, ctx, { duration: 1 });
  const { value: r, apiPeakMb } = await sampled(server, () => cannon(server, s, ctx, {}));
  log(`  ${s.name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${r.non2xx + r.errors} errors`);
  return { scenario: s.name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors, apiPeakMb };
}

async function newCarts(base: string, n: number): Promise<string[]> {
  const carts: string[] = [];
  for (let i = 0; i < n; i++) carts.push((await postJson(`${base}/store/carts`, { currency: 'CNY' })).id as string);
  return carts;
}

async function context(server: Server, saleSku: string, carts: number): Promise<Context> {
  const { token } = await postJson(`${server.url}/admin/auth/login`, ADMIN);
  const customerTokens = await withClient(dbUrl(RUN_DB), async (c) => (await c.query<{ token: string }>('select token from bench_suite_token')).rows.map((r) => r.token));
  const me = await fetch(`${server.url}/store/me`, { headers: { authorization: `Bearer ${customerTokens[0]}` } });
  if (me.status !== 200) throw new Error(`the stored customer sessions no longer work (${me.status}): run again with BENCH_FRESH=1`);
  return { staffToken: token, customerTokens, carts: await newCarts(server.url, carts), saleId: await createLiveSale(server.url, token, saleSku, UNITS) };
}

// ---------------------------------------------------------------------------------------------
// SQL statements per request

interface Count {
  request: string;
  statements: number;
  budget: number | null;
}

async function countStatements(): Promise<Count[]> {
  log('counting SQL statements per request (BAZAAR_SQL_COUNT=1, store cache off)');
  const server = await startServer('postgres', PORT, serverEnv({ BAZAAR_SQL_COUNT: '1', STORE_CACHE_TTL_MS: '0' }));
  try {
    const ctx = await context(server, 'FLASH-1', 4);
    const counts = new Map<string, number>();
    // Each request three times, keeping the largest count: the first may load lazily built state.
    for (const s of scenarios(ctx)) {
      for (let i = 0; i < 3; i++) {
        const { path, body } = s.request(i);
        const res = await fetch(`${server.url}${path}`, { method: s.method, headers: headersFor(s, ctx, i), body });
        if (res.status >= 300) throw new Error(`${s.name}: ${res.status} ${await res.text()}`);
        counts.set(s.name, Math.max(counts.get(s.name) ?? 0, Number(res.headers.get('bazaar-sql-statements'))));
      }
    }
    const flash = await fetch(`${server.url}/store/flash-sales/${ctx.saleId}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.customerTokens[0]}` }, body: '{"quantity":1}' });
    if (flash.status !== 201) throw new Error(`flash-sale purchase: ${flash.status} ${await flash.text()}`);
    counts.set('POST /store/flash-sales/:id/orders (a unit bought)', Number(flash.headers.get('bazaar-sql-statements')));
    const stats = new Stats();
    const errors: string[] = [];
    while (stats.full.length < 3 && errors.length < 3) await load(server.url, SHOPPING_SKUS, 1, 1, stats, errors);
    if (stats.full.length < 3) throw new Error(`checkout path: ${errors.join('; ')}`);
    const stepNames: Record<Step, string> = {
      cart: 'POST /store/carts',
      items: 'POST /store/carts/:id/items',
      address: 'PATCH /store/carts/:id (email, address)',
      'shipping-methods': 'GET /store/carts/:id/shipping-methods',
      shipping: 'PATCH /store/carts/:id (shipping method)',
      checkout: 'POST /store/carts/:id/checkout',
      payment: 'POST /store/orders/:id/payments',
      'sandbox-pay': 'POST /sandbox/pay/:id',
    };
    for (const step of STEPS) {
      const seen = stats.statements.get(step)!;
      if (step !== 'items') counts.set(stepNames[step], Math.max(...seen));
    }
    const budget = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as Record<string, number>;
    return [...counts].map(([request, statements]) => ({ request, statements, budget: budget[request] ?? null }));
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// One round: N API processes

interface Round {
  processes: number;
  rows: Row[];
  checkout: null | { placed: number; paid: number; paidPerSec: number; checkoutP50: number; checkoutP99: number; errors: string[]; apiPeakMb: number };
  flash: null | { soldOutMs: number | null; firstRefusalMs: number | null; attemptsPerSec: number; p50: number; p99: number; sold: number; oversold: number; statuses: Record<string, number>; apiPeakMb: number };
  memory: { role: string; peakMb: number }[];
}

async function flushRedis(): Promise<void> {
  if (!REDIS_URL) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();
}

async function checkoutRound(server: Server): Promise<NonNullable<Round['checkout']>> {
  const warm = new Stats();
  await load(server.url, SHOPPING_SKUS, SHOPPERS, 2_000, warm, []);
  await settle(server.databaseUrl!, 60_000);
  const stats = new Stats();
  const errors: string[] = [];
  const started = Date.now();
  const { apiPeakMb } = await sampled(server, () => load(server.url, SHOPPING_SKUS, SHOPPERS, SECONDS * 1000, stats, errors));
  const ids = stats.placed.map((o) => o.id);
  await settle(server.databaseUrl!, 60_000);
  const paid = await withClient(server.databaseUrl!, async (c) => {
    const { rows } = await c.query<{ n: number; last: Date | null }>('select count(*)::int as n, max(paid_at) as last from orders where id = any($1) and paid_at is not null', [ids]);
    return rows[0]!;
  });
  const seconds = ((paid.last?.getTime() ?? Date.now()) - started) / 1000;
  const checkoutMs = [...stats.latency.get('checkout')!].sort((a, b) => a - b);
  const row = { placed: ids.length, paid: paid.n, paidPerSec: round(paid.n / Math.max(seconds, SECONDS)), checkoutP50: round(percentile(checkoutMs, 0.5)), checkoutP99: round(percentile(checkoutMs, 0.99)), errors, apiPeakMb };
  log(`  checkout → paid: ${row.paidPerSec} paid orders/s (${row.paid}/${row.placed} paid), checkout p99 ${row.checkoutP99} ms`);
  return row;
}

async function flashRound(server: Server, ctx: Context): Promise<NonNullable<Round['flash']>> {
  const s: Scenario = { name: 'flash', method: 'POST', customer: true, request: () => ({ path: `/store/flash-sales/${ctx.saleId}/orders`, body: '{"quantity":1}' }) };
  // When the last unit went and when the first refusal came: how long the sale took to sell out.
  let lastSold = 0;
  let firstRefused = 0;
  let lastResponse = 0;
  const onResponse = (status: number) => {
    lastResponse = Date.now();
    if (status === 201) lastSold = Date.now();
    else if (status === 409 && !firstRefused) firstRefused = Date.now();
  };
  const { value: r, apiPeakMb } = await sampled(server, () => cannon(server, s, ctx, { amount: ATTEMPTS, connections: FLASH_CONNECTIONS, onResponse }));
  await sleep(500);
  const sold = await withClient(server.databaseUrl!, async (c) => {
    const { rows } = await c.query<{ units: number }>(`select coalesce(sum(quantity), 0)::int as units from flash_sale_purchase where sale_id = $1 and status = 'active'`, [ctx.saleId]);
    return rows[0]!.units;
  });
  const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => [code, (v as { count: number }).count]));
  if (r.errors) statuses.socket = r.errors;
  // From the start to the last answer: autocannon notices that it is done only at its next
  // once-a-second tick, so its own duration and finish time are rounded up to whole seconds.
  const began = new Date(r.start).getTime();
  const seconds = Math.max(0.001, (lastResponse - began) / 1000);
  const row = { soldOutMs: lastSold ? lastSold - began : null, firstRefusalMs: firstRefused ? firstRefused - began : null, attemptsPerSec: Math.round(ATTEMPTS / seconds), p50: r.latency.p50, p99: r.latency.p99, sold, oversold: Math.max(0, sold - UNITS), statuses, apiPeakMb };
  log(`  flash sale: ${row.attemptsPerSec} attempts/s, ${sold} of ${UNITS} units sold (the last at ${row.soldOutMs} ms, the first refusal at ${row.firstRefusalMs} ms), statuses ${JSON.stringify(statuses)}`);
  return row;
}

/**
 * Reads the fresh copy's tables and indexes into the OS page cache (pg_prewarm's `read` mode), as
 * they are in a shop that has been serving: a clone's files start cold, and the first requests
 * would measure the disk instead of the service.
 */
async function prewarm(): Promise<void> {
  await withClient(dbUrl(RUN_DB), async (c) => {
    const available = (await c.query(`select 1 from pg_available_extensions where name = 'pg_prewarm'`)).rowCount === 1;
    if (!available) return log('  pg_prewarm is not installed: measuring on a cold copy');
    await c.query('create extension if not exists pg_prewarm');
    await c.query(`select sum(pg_prewarm(c.oid, 'read')) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and c.relkind in ('r', 'i', 't', 'm')`);
  });
}

async function runRound(processes: number): Promise<Round> {
  log(`\n${processes} API process${processes > 1 ? 'es and a worker' : ' (background work in the same process)'}`);
  await admin(async (c) => {
    await c.query(`drop database if exists ${RUN_DB} with (force)`);
    await c.query(`create database ${RUN_DB} template ${TEMPLATE}`);
  });
  await flushRedis();
  await prewarm();
  const server = await startServer('postgres', PORT, serverEnv(), processes > 1 ? ['--workers', String(processes)] : []);
  try {
    // A cluster answers /readyz from its first API process: wait for all of them and the worker.
    for (let i = 0; i < 100 && processes > 1; i++) {
      const tree = server.processes();
      if (tree.filter((p) => p.role === 'api').length === processes && tree.some((p) => p.role === 'worker')) break;
      await sleep(200);
    }
    await settle(server.databaseUrl!, 60_000);
    const ctx = await context(server, 'FLASH-2', 500);
    const rows: Row[] = [];
    for (const s of scenarios(ctx).filter((x) => selected(x.name))) rows.push(await measureScenario(server, s, ctx));
    const checkout = selected('checkout') ? await checkoutRound(server) : null;
    const flash = selected('flash sale') ? await flashRound(server, ctx) : null;
    const memory = server.processes().map((p) => ({ role: p.role, peakMb: p.peakMb }));
    return { processes, rows, checkout, flash, memory };
  } finally {
    await server.stop();
    await admin((c) => c.query(`drop database if exists ${RUN_DB} with (force)`));
  }
}

// ---------------------------------------------------------------------------------------------

const started = Date.now();
if (!(await templateReady())) await buildTemplate();
else log(`using the benchmark shop ${TEMPLATE} (BENCH_FRESH=1 builds it again)`);
if (process.argv.includes('--prepare')) process.exit(0);

await admin(async (c) => {
  await c.query(`drop database if exists ${RUN_DB} with (force)`);
  await c.query(`create database ${RUN_DB} template ${TEMPLATE}`);
});
await flushRedis();
const counts = ONLY ? [] : await countStatements();
await admin((c) => c.query(`drop database if exists ${RUN_DB} with (force)`));
const rounds: Round[] = [];
for (const n of ROUNDS) rounds.push(await runRound(n));

const meta = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  postgres: await admin(async (c) => (await c.query<{ server_version: string }>('show server_version')).rows[0]!.server_version),
  redis: Boolean(REDIS_URL),
  variants: PRODUCTS * PER_PRODUCT,
  historyOrders: HISTORY,
  customers: CUSTOMERS,
  seconds: SECONDS,
  connections: CONNECTIONS,
  shoppers: SHOPPERS,
  minutes: round((Date.now() - started) / 60_000),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/suite.json', JSON.stringify({ meta, counts, rounds }, null, 2));

const failures: string[] = [];
for (const c of counts) if (c.budget !== null && c.statements > c.budget) failures.push(`${c.request}: ${c.statements} SQL statements, budget ${c.budget}`);
for (const r of rounds) {
  for (const row of r.rows) if (row.errors > 0) failures.push(`${r.processes} process(es), ${row.scenario}: ${row.errors} errors`);
  if (r.checkout && r.checkout.paid < r.checkout.placed) failures.push(`${r.processes} process(es): ${r.checkout.placed - r.checkout.paid} checked-out orders not paid`);
  if (r.checkout?.errors.length) failures.push(`${r.processes} process(es), checkout: ${r.checkout.errors[0]}`);
  // Each customer may buy one unit: with fewer customers than units, the sale ends with units left.
  const sellable = Math.min(UNITS, CUSTOMERS);
  if (r.flash && r.flash.sold !== sellable) failures.push(`${r.processes} process(es), flash sale: ${r.flash.sold} units sold, ${sellable} expected`);
}

const header = rounds.map((r) => `${r.processes} API process${r.processes > 1 ? 'es' : ''}`);
console.log(`\n${meta.date} · ${meta.cpus} × ${meta.cpu} · ${meta.memoryGb} GiB · Node ${meta.node} · PostgreSQL ${meta.postgres}${meta.redis ? ' + Redis' : ''}`);
console.log(`${meta.variants.toLocaleString('en-US')} variants, ${HISTORY.toLocaleString('en-US')} orders of history, ${CUSTOMERS.toLocaleString('en-US')} customers; ${CONNECTIONS} connections × ${SECONDS} s per scenario\n`);
console.log(`| scenario | ${header.map((h) => `${h}: req/s · p50 / p99 ms · errors · API RSS MB`).join(' | ')} |`);
console.log(`| --- | ${header.map(() => '---:').join(' | ')} |`);
for (let i = 0; i < (rounds[0]?.rows.length ?? 0); i++) {
  console.log(`| \`${rounds[0]!.rows[i]!.scenario}\` | ${rounds.map((r) => r.rows[i]!).map((x) => `${x.rps.toLocaleString('en-US')} · ${x.p50} / ${x.p99} · ${x.errors} · ${x.apiPeakMb}`).join(' | ')} |`);
}
if (rounds.every((r) => r.checkout)) console.log(`| guest checkout → paid (${SHOPPERS} shoppers; paid orders/s · checkout p50 / p99 ms) | ${rounds.map(({ checkout: c }) => `${c!.paidPerSec} · ${c!.checkoutP50} / ${c!.checkoutP99} · ${c!.placed - c!.paid} unpaid · ${c!.apiPeakMb}`).join(' | ')} |`);
if (rounds.every((r) => r.flash)) console.log(`| flash sale (${ATTEMPTS.toLocaleString('en-US')} attempts, ${UNITS} units; attempts/s) | ${rounds.map(({ flash: f }) => `${f!.attemptsPerSec.toLocaleString('en-US')} · ${f!.p50} / ${f!.p99} · sold ${f!.sold} · ${f!.apiPeakMb}`).join(' | ')} |`);
console.log(`\nPeak RSS per process (MB): ${rounds.map((r) => `${r.processes} → ${r.memory.map((m) => `${m.role} ${m.peakMb}`).join(', ')}`).join('; ')}`);
console.log('\n| request | SQL statements | budget |');
console.log('| --- | ---: | ---: |');
for (const c of counts) console.log(`| \`${c.request}\` | ${c.statements} | ${c.budget ?? 'none'}${c.budget !== null && c.statements > c.budget ? ' **over**' : ''} |`);
if (failures.length) {
  console.log(`\nFAILED:\n- ${failures.join('\n- ')}`);
  process.exitCode = 1;
} else console.log('\nAll checks passed: statement budgets, no errors, every order paid, the flash sale sold exactly its units.');
