/**
 * A flash sale under load: BENCH_ATTEMPTS (10,000) purchase attempts from BENCH_CUSTOMERS
 * (2,000) signed-in customers for BENCH_UNITS (100) units, limit 1 per customer, BENCH_CONCURRENCY
 * (200) requests in flight, against one API process and then two sharing PostgreSQL and Redis
 * (a fresh sale each). Reports attempts/s, p50/p99, outcomes, units sold (must equal the units)
 * and oversold (must be 0), checked in the database and against Redis. Results go to stdout as
 * Markdown and to bench/results/flash-sale.json. Run `npm run build` first (npm run
 * bench:flash-sale does). BENCH_REDIS_URL (default redis://127.0.0.1:6379); BENCH_REDIS=0 runs
 * on PostgreSQL alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { createLiveSale, postJson, startServer, type Server } from './lib.js';

const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 10_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2_000);
const UNITS = Number(process.env.BENCH_UNITS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const REDIS_URL = process.env.BENCH_REDIS === '0' ? null : (process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1' };
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const percentile = (s: number[], p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! : 0);

const env: Record<string, string> = {
  PAYMENT_PROVIDERS: 'sandbox',
  LOG_LEVEL: 'warn',
  LOGIN_THROTTLE_MAX_PER_IP: '1000000',
  BAZAAR_ADMIN_EMAIL: ADMIN.email,
  BAZAAR_ADMIN_PASSWORD: ADMIN.password,
  FLASH_SALE_RATE_PER_CUSTOMER: '1000',
  FLASH_SALE_RATE_PER_IP: '1000000',
  DATABASE_POOL_SIZE: '20',
  ...(REDIS_URL ? { REDIS_URL } : {}),
};

async function registerCustomers(base: string): Promise<string[]> {
  const tokens: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < CUSTOMERS) {
        const i = next++;
        const res = await postJson(`${base}/store/auth/register`, { email: `flash-${i}@example.com`, password: 'bench-password-1' });
        tokens.push(res.token as string);
        if (tokens.length % 250 === 0) process.stderr.write(`\r  customers: ${tokens.length}/${CUSTOMERS}`);
      }
    }),
  );
  process.stderr.write('\n');
  return tokens;
}

async function load(servers: Server[], saleId: string, tokens: string[]) {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = sent++; i < ATTEMPTS; i = sent++) {
        const server = servers[(i + w) % servers.length]!;
        const token = tokens[(i * 7919) % tokens.length]!;
        const t0 = performance.now();
        let key: string;
        try {
          const res = await fetch(`${server.url}/store/flash-sales/${saleId}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: '{"quantity":1}',
          });
          const body = (await res.json()) as { code?: string };
          key = res.status === 201 ? '201' : `${res.status} ${body.code ?? ''}`;
        } catch (err) {
          key = `error ${(err as Error).message}`;
        }
        latencies.push(performance.now() - t0);
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, attemptsPerSec: round(ATTEMPTS / seconds), p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), outcomes };
}

async function check(db: pg.Client, saleId: string) {
  const { rows } = await db.query<{ sold: number; quantity: number; active: string; orders: string; over: string }>(
    `select s.sold, s.quantity,
            (select coalesce(sum(quantity), 0) from flash_sale_purchase p where p.sale_id = s.id and p.status = 'active') as active,
            (select count(*) from flash_sale_purchase p join orders o on o.id = p.order_id where p.sale_id = s.id and o.status = 'pending_payment') as orders,
            (select count(*) from (select customer_id from flash_sale_purchase p where p.sale_id = s.id and p.status = 'active' group by customer_id having sum(quantity) > 1) x) as over
       from flash_sale s where s.id = $1`,
    [saleId],
  );
  const r = rows[0]!;
  let redisStock: number | null = null;
  if (REDIS_URL) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    redisStock = Number(await redis.get(`bazaar:fs:${saleId}:stock`));
    await redis.quit();
  }
  return { sold: Number(r.sold), unitsInOrders: Number(r.active), pendingOrders: Number(r.orders), oversold: Math.max(0, Number(r.active) - UNITS), customersOverLimit: Number(r.over), redisStock, agree: redisStock === null || redisStock === Number(r.quantity) - Number(r.sold) };
}

const first = await startServer('postgres', 3990, env);
let second: Server | undefined;
const db = new pg.Client({ connectionString: first.databaseUrl });
await db.connect();
const rows: Record<string, unknown>[] = [];
try {
  const { token } = await postJson(`${first.url}/admin/auth/login`, ADMIN);
  for (const sku of ['FLASH-1', 'FLASH-2']) {
    await postJson(`${first.url}/admin/products`, { handle: sku.toLowerCase(), title: `Flash ${sku}`, status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount: 9900 }] }] }, token);
    const res = await fetch(`${first.url}/admin/inventory/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ onHand: 1000 }) });
    if (!res.ok) throw new Error(await res.text());
  }
  const tokens = await registerCustomers(first.url);
  for (const [processes, sku] of [
    [1, 'FLASH-1'],
    [2, 'FLASH-2'],
  ] as const) {
    if (processes === 2) second = await startServer('postgres', 3991, { ...env, DATABASE_URL: first.databaseUrl! });
    const servers = processes === 2 ? [first, second!] : [first];
    const saleId = await createLiveSale(first.url, token, sku, UNITS);
    // Warm-up: connections and JIT, on a request that is refused before any counter moves.
    await Promise.all(servers.map((s) => fetch(`${s.url}/store/flash-sales/fls_warmup/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` }, body: '{"quantity":1}' })));
    const result = await load(servers, saleId, tokens);
    await new Promise((r) => setTimeout(r, 500));
    const verdict = await check(db, saleId);
    const row = { processes, redis: Boolean(REDIS_URL), ...result, ...verdict };
    rows.push(row);
    process.stderr.write(`${processes} process(es): ${result.attemptsPerSec} attempts/s, sold ${verdict.unitsInOrders}, oversold ${verdict.oversold}\n`);
  }
} finally {
  await db.end();
  if (second) await second.stop();
  await first.stop();
}

const meta = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, attempts: ATTEMPTS, customers: CUSTOMERS, units: UNITS, concurrency: CONCURRENCY, loadAverage: os.loadavg().map((l) => round(l, 2)) };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/flash-sale.json', JSON.stringify({ meta, rows }, null, 2));
console.log(`\n${meta.date} · ${meta.cpus} × ${meta.cpu} · Node ${meta.node} · ${ATTEMPTS} attempts, ${CUSTOMERS} customers, ${UNITS} units, concurrency ${CONCURRENCY}\n`);
console.log('| API processes | Redis | attempts/s | p50 / p99 ms | units sold | oversold | customers over limit | Redis = DB | outcomes |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of rows as { processes: number; redis: boolean; attemptsPerSec: number; p50: number; p99: number; unitsInOrders: number; oversold: number; customersOverLimit: number; agree: boolean; outcomes: Record<string, number> }[]) {
  console.log(
    `| ${r.processes} | ${r.redis ? 'yes' : 'no'} | ${r.attemptsPerSec} | ${r.p50} / ${r.p99} | ${r.unitsInOrders} | ${r.oversold} | ${r.customersOverLimit} | ${r.agree ? 'yes' : 'NO'} | ${Object.entries(r.outcomes).map(([k, v]) => `${k} ×${v}`).join(', ')} |`,
  );
}
