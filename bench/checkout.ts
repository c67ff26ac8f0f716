/**
 * The money path under load: N concurrent guest shoppers, each looping over
 *   POST /store/carts → POST items (1–3 SKUs) → PATCH email + address → GET shipping-methods →
 *   PATCH shippingMethodId → POST checkout (Idempotency-Key) → POST /store/orders/:id/payments
 *   {provider: 'sandbox'} → POST /sandbox/pay/:paymentId {result: 'succeeded'}
 * against the built service. The order becomes paid asynchronously: the sandbox gateway's
 * notifier (a background job) POSTs a signed notification to PUBLIC_URL/webhooks/payments/
 * sandbox, i.e. to this same server. An order counts as completed when `orders.paid_at` is
 * set; at the end the benchmark waits (BENCH_DRAIN_SECONDS, 30 s) for every 201 order to be
 * paid and reports those that are not. Results go to stdout as Markdown tables and to
 * bench/results/checkout.json. Run `npm run build` first (npm run bench:checkout does).
 *
 *   npm run bench:checkout                                   # PostgreSQL, 10 shoppers, 15 s
 *   BENCH_SHOPPERS=1,10,32 npm run bench:checkout            # a sweep, fresh database each
 *   BENCH_ENGINES=postgres,pglite BENCH_SECONDS=20 npm run bench:checkout
 *
 * On PostgreSQL the paid times, the notification backlog and the stock check are read from
 * the database (bench/lib names it bazaar_bench_<pid>); on PGlite, whose files belong to the
 * server process, paid times come from GET /store/orders/:id with the order token.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { postJson, startServer, type Engine, type Server } from './lib.js';
import { load, round, STEPS, Stats, summary, type Placed, type Step } from './shopper.js';

const engines = (process.env.BENCH_ENGINES ?? 'postgres').split(',').map((e) => e.trim()) as Engine[];
const shopperCounts = (process.env.BENCH_SHOPPERS ?? '10').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 30);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 50);
const STOCK = 1_000_000;
const loadAtStart = os.loadavg();
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1' };
const NOTIFY_JOB = 'payments.sandbox.notify';

for (const n of shopperCounts) if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SHOPPERS: bad count ${n}`);
for (const e of engines) if (e !== 'postgres' && e !== 'pglite') throw new Error(`BENCH_ENGINES: unknown engine ${e}`);

// ---------------------------------------------------------------------------------------------
// Measurement helpers

/** CPU seconds (user + system) a process has used so far. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}
/** Machine-wide busy and total jiffies, from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}


// ---------------------------------------------------------------------------------------------
// Where paid times come from: the database on PostgreSQL, the order API on PGlite

interface PaidSource {
  /** paid_at (ms) of each of these orders that is paid. */
  paidAt(orders: Placed[]): Promise<Map<string, number>>;
  /** Queued and running sandbox notifications, or null when the database is not reachable. */
  backlog(): Promise<{ queued: number; running: number; dueNow: number } | null>;
  close(): Promise<void>;
  db: pg.Client | null;
}

async function paidSource(engine: Engine, server: Server): Promise<PaidSource> {
  if (engine === 'postgres') {
    const url = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.pathname = `/bazaar_bench_${process.pid}`;
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    return {
      db,
      async paidAt(orders) {
        const { rows } = await db.query<{ id: string; paid_at: Date }>('select id, paid_at from orders where id = any($1) and paid_at is not null', [orders.map((o) => o.id)]);
        return new Map(rows.map((r) => [r.id, r.paid_at.getTime()]));
      },
      async backlog() {
        const { rows } = await db.query<{ queued: string; running: string; due: string }>(
          `select count(*) filter (where status = 'queued') as queued, count(*) filter (where status = 'running') as running,
                  count(*) filter (where status = 'queued' and run_at <= now()) as due
             from job where kind = $1 and status in ('queued', 'running')`,
          [NOTIFY_JOB],
        );
        return { queued: Number(rows[0]!.queued), running: Number(rows[0]!.running), dueNow: Number(rows[0]!.due) };
      },
      close: () => db.end(),
    };
  }
  return {
    db: null,
    async paidAt(orders) {
      const out = new Map<string, number>();
      const queue = [...orders];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let o = queue.shift(); o; o = queue.shift()) {
            const res = await fetch(`${server.url}/store/orders/${o.id}`, { headers: { 'x-order-token': o.token } });
            const body = (await res.json()) as { paidAt?: string | null };
            if (res.ok && body.paidAt) out.set(o.id, Date.parse(body.paidAt));
          }
        }),
      );
      return out;
    },
    backlog: async () => null,
    close: async () => {},
  };
}

/** Waits until every order is paid or `timeoutMs` passes; returns the paid times found. */
async function waitPaid(source: PaidSource, orders: Placed[], timeoutMs: number, known = new Map<string, number>()): Promise<Map<string, number>> {
  const paid = new Map(known);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const unpaid = orders.filter((o) => !paid.has(o.id));
    if (unpaid.length === 0) return paid;
    for (const [id, at] of await source.paidAt(unpaid)) paid.set(id, at);
    if (paid.size >= orders.length || Date.now() > deadline) return paid;
    process.stderr.write(`\r  waiting for notifications: ${paid.size}/${orders.length} paid   `);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---------------------------------------------------------------------------------------------

interface Row {
  engine: Engine;
  shoppers: number;
  seconds: number;
  checkouts: number;
  checkoutsPerSec: number;
  /** Orders placed in the window that got paid (after the drain). */
  paidOrders: number;
  /** paidOrders ÷ (time from the start of the window to the last paid_at). */
  paidPerSec: number;
  /** Orders paid by the end of the load window, and that ÷ window length. */
  paidByEndOfLoad: number;
  paidInWindowPerSec: number;
  unpaid: number;
  unpaidSample: string[];
  secondsToLastPaid: number;
  /** Orders paid after the load stopped ÷ time from then to the last paid_at: the notifier alone. */
  drainPaidPerSec: number | null;
  checkoutMs: { p50: number; p99: number };
  pathMs: { p50: number; p99: number };
  fullPathMs: { p50: number; p99: number };
  /** Sandbox pay press answered → orders.paid_at. */
  paidLagMs: { p50: number; p99: number; max: number };
  steps: Record<Step, { requests: number; ok: number; p50: number; p99: number }>;
  errors: Record<string, number>;
  firstErrors: string[];
  notificationBacklog: { maxQueued: number; atEndOfLoad: number; samples: { t: number; queued: number; dueNow: number; paid: number }[] } | null;
  stockCheck: string | null;
  serverCpuPercent: number;
  machineCpuPercent: number;
  rssMb: number;
  peakRssMb: number;
}

async function seed(base: string): Promise<string[]> {
  const { token } = await postJson(`${base}/admin/auth/login`, ADMIN);
  const skus = Array.from({ length: productCount }, (_, i) => `BENCH-${String(i).padStart(3, '0')}`);
  const queue = [...skus.entries()];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [i, sku] = next;
        await postJson(
          `${base}/admin/products`,
          { handle: sku.toLowerCase(), title: `Bench product ${i}`, status: 'published', variants: [{ sku, weightGrams: 100 + i, prices: [{ currency: 'CNY', amount: 1900 + ((i * 7919) % 50_000) }] }] },
          token,
        );
        const res = await fetch(`${base}/admin/inventory/${encodeURIComponent(sku)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ onHand: STOCK }),
        });
        if (!res.ok) throw new Error(`PUT /admin/inventory/${sku} → ${res.status} ${await res.text()}`);
      }
    }),
  );
  return skus;
}

async function runOne(engine: Engine, shoppers: number, port: number): Promise<Row> {
  const server = await startServer(engine, port, {
    PAYMENT_PROVIDERS: 'sandbox',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    LOGIN_THROTTLE_MAX_PER_IP: '1000000',
    BAZAAR_ADMIN_EMAIL: ADMIN.email,
    BAZAAR_ADMIN_PASSWORD: ADMIN.password,
  });
  const source = await paidSource(engine, server);
  try {
    const skus = await seed(server.url);
    process.stderr.write(`${engine} · ${shoppers} shoppers: seeded ${skus.length} products\n`);

    // Warm-up: JIT, connection pools, plan caches; its orders are paid before measuring.
    if (warmupSeconds > 0) {
      const warm = new Stats();
      await load(server.url, skus, shoppers, warmupSeconds * 1000, warm, []);
      const paid = await waitPaid(source, warm.placed.filter((o) => o.pressedAt), drainSeconds * 1000);
      process.stderr.write(`\r  warm-up: ${warm.checkouts201} orders, ${paid.size} paid${' '.repeat(30)}\n`);
    }

    const stats = new Stats();
    const firstErrors: string[] = [];
    const samples: { t: number; queued: number; dueNow: number; paid: number }[] = [];
    const startedAt = Date.now();
    const cpu0 = processCpuSeconds(server.pid);
    const machine0 = machineJiffies();
    let sampling = true;
    const sampler = (async () => {
      if (!source.db) return;
      while (sampling) {
        await new Promise((r) => setTimeout(r, 1000));
        const b = await source.backlog();
        const { rows } = await source.db.query<{ n: string }>('select count(*) as n from orders where paid_at >= $1', [new Date(startedAt)]);
        if (b) samples.push({ t: round((Date.now() - startedAt) / 1000), queued: b.queued + b.running, dueNow: b.dueNow, paid: Number(rows[0]!.n) });
      }
    })();
    const elapsedMs = await load(server.url, skus, shoppers, seconds * 1000, stats, firstErrors);
    sampling = false;
    await sampler;
    const serverCpu = processCpuSeconds(server.pid) - cpu0;
    const machine1 = machineJiffies();
    const endOfLoad = Date.now();
    const backlogAtEnd = await source.backlog();
    const mem = server.memory();

    const pressed = stats.placed.filter((o) => o.pressedAt);
    const paidByEnd = [...(await source.paidAt(pressed)).values()].filter((t) => t <= endOfLoad).length;
    process.stderr.write(`  load done: ${stats.checkouts201} checkouts in ${round(elapsedMs / 1000)} s, ${paidByEnd} paid so far\n`);
    const paid = await waitPaid(source, stats.placed, drainSeconds * 1000);
    process.stderr.write('\n');
    const unpaid = stats.placed.filter((o) => !paid.has(o.id));
    const lastPaid = Math.max(...paid.values(), startedAt + 1);
    const lags = pressed.filter((o) => paid.has(o.id)).map((o) => paid.get(o.id)! - o.pressedAt!);

    // Stock: with every order paid nothing stays reserved and on-hand fell by what was sold.
    let stockCheck: string | null = null;
    if (source.db) {
      const { rows } = await source.db.query<{ reserved: string; sold: string; ordered: string; unpaid: string }>(
        `select (select coalesce(sum(reserved), 0) from inventory_level where sku like 'BENCH-%') as reserved,
                (select coalesce(sum(${STOCK} - on_hand), 0) from inventory_level where sku like 'BENCH-%') as sold,
                (select coalesce(sum(quantity), 0) from order_line l join orders o on o.id = l.order_id where o.paid_at is not null) as ordered,
                (select count(*) from orders where paid_at is null) as unpaid`,
      );
      const r = rows[0]!;
      const ok = Number(r.sold) === Number(r.ordered) && (Number(r.unpaid) > 0 || Number(r.reserved) === 0);
      stockCheck = `${ok ? 'ok' : 'MISMATCH'}: on-hand fell by ${r.sold}, paid order lines hold ${r.ordered}, reserved ${r.reserved} (${r.unpaid} unpaid orders)`;
    }

    const steps = Object.fromEntries(
      STEPS.map((s) => {
        const l = summary(stats.latency.get(s)!);
        return [s, { requests: stats.requests(s), ok: l.n, p50: l.p50, p99: l.p99 }];
      }),
    ) as Row['steps'];
    const machineBusy = (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total);
    const lag = summary(lags);
    return {
      engine,
      shoppers,
      seconds: round(elapsedMs / 1000, 2),
      checkouts: stats.checkouts201,
      checkoutsPerSec: round(stats.checkouts201 / (elapsedMs / 1000)),
      paidOrders: paid.size,
      paidPerSec: round(paid.size / Math.max(0.001, (lastPaid - startedAt) / 1000)),
      paidByEndOfLoad: paidByEnd,
      paidInWindowPerSec: round(paidByEnd / (elapsedMs / 1000)),
      unpaid: unpaid.length,
      unpaidSample: unpaid.slice(0, 10).map((o) => `${o.id}${o.pressedAt ? '' : ' (payment steps failed)'}`),
      secondsToLastPaid: round((lastPaid - startedAt) / 1000, 2),
      drainPaidPerSec: paid.size - paidByEnd >= 20 ? round((paid.size - paidByEnd) / Math.max(0.001, (lastPaid - endOfLoad) / 1000)) : null,
      checkoutMs: { p50: steps.checkout.p50, p99: steps.checkout.p99 },
      pathMs: (({ p50, p99 }) => ({ p50, p99 }))(summary(stats.path)),
      fullPathMs: (({ p50, p99 }) => ({ p50, p99 }))(summary(stats.full)),
      paidLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
      steps,
      errors: stats.errors(),
      firstErrors,
      notificationBacklog: source.db
        ? { maxQueued: Math.max(0, ...samples.map((s) => s.queued)), atEndOfLoad: backlogAtEnd ? backlogAtEnd.queued + backlogAtEnd.running : 0, samples }
        : null,
      stockCheck,
      serverCpuPercent: round((serverCpu / (elapsedMs / 1000)) * 100, 0),
      machineCpuPercent: round(machineBusy * 100, 0),
      rssMb: mem.rssMb,
      peakRssMb: mem.peakMb,
    };
  } finally {
    await source.close();
    await server.stop();
  }
}

const rows: Row[] = [];
let port = 3950;
for (const engine of engines) {
  for (const shoppers of shopperCounts) {
    const row = await runOne(engine, shoppers, port++);
    rows.push(row);
    process.stderr.write(`${engine} · ${shoppers} shoppers: ${row.checkoutsPerSec} checkouts/s, ${row.paidPerSec} paid orders/s, ${row.unpaid} unpaid\n`);
  }
}

mkdirSync('bench/results', { recursive: true });
const meta = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  node: process.version,
  seconds,
  warmupSeconds,
  drainSeconds,
  products: productCount,
  /** Load average when the run started: other work on the machine skews the figures. */
  loadAverage: loadAtStart.map((l) => round(l, 2)),
};
writeFileSync('bench/results/checkout.json', JSON.stringify({ meta, rows }, null, 2));

console.log(`\n${meta.date} · ${meta.cpus} × ${meta.cpu} · Node ${meta.node} · ${seconds} s per run (after ${warmupSeconds} s warm-up) · ${productCount} products · load average at start ${meta.loadAverage.join(' ')}\n`);
console.log('| engine | shoppers | checkouts/s | paid orders/s | paid by end of load /s | checkout p50 / p99 ms | cart→checkout p50 / p99 ms | cart→pay p50 / p99 ms | pay→paid p50 / p99 ms | unpaid | errors | server CPU % | RSS MB (peak) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  console.log(
    `| ${r.engine} | ${r.shoppers} | ${r.checkoutsPerSec} | ${r.paidPerSec} | ${r.paidInWindowPerSec} | ${r.checkoutMs.p50} / ${r.checkoutMs.p99} | ${r.pathMs.p50} / ${r.pathMs.p99} | ${r.fullPathMs.p50} / ${r.fullPathMs.p99} | ${r.paidLagMs.p50} / ${r.paidLagMs.p99} | ${r.unpaid} of ${r.checkouts} | ${errors} | ${r.serverCpuPercent} | ${r.rssMb} (${r.peakRssMb}) |`,
  );
}
console.log('\nPer step (requests sent, p50 / p99 ms of successful ones):\n');
console.log(`| engine | shoppers | ${STEPS.join(' | ')} |`);
console.log(`| --- | ---: | ${STEPS.map(() => '---:').join(' | ')} |`);
for (const r of rows) {
  console.log(`| ${r.engine} | ${r.shoppers} | ${STEPS.map((s) => `${r.steps[s].requests} · ${r.steps[s].p50} / ${r.steps[s].p99}`).join(' | ')} |`);
}
for (const r of rows) {
  const notes: string[] = [];
  if (Object.keys(r.errors).length) notes.push(`errors by step and status: ${Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  for (const e of r.firstErrors) notes.push(`  e.g. ${e}`);
  if (r.unpaid) notes.push(`NOT PAID after ${drainSeconds} s: ${r.unpaid} order(s), e.g. ${r.unpaidSample.join(', ')}`);
  if (r.notificationBacklog) notes.push(`sandbox notification backlog: max ${r.notificationBacklog.maxQueued} queued during load, ${r.notificationBacklog.atEndOfLoad} at end of load; last order paid ${r.secondsToLastPaid} s after start`);
  if (r.drainPaidPerSec !== null) notes.push(`after the load stopped, the notifier alone paid ${r.paidOrders - r.paidByEndOfLoad} orders at ${r.drainPaidPerSec}/s`);
  if (r.stockCheck) notes.push(`stock: ${r.stockCheck}`);
  notes.push(`machine CPU busy ${r.machineCpuPercent} % during load (server process ${r.serverCpuPercent} % of one core)`);
  console.log(`\n${r.engine} · ${r.shoppers} shoppers:\n${notes.map((n) => `- ${n}`).join('\n')}`);
}
