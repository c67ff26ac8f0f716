/**
 * Behaviour-event ingestion under load: N connections (BENCH_CONNECTIONS, 10), each looping
 *   POST /store/events { events: [50 × { type, productId | query, sessionId, occurredAt }] }
 * against the built service for BENCH_SECONDS (15) after BENCH_WARMUP_SECONDS (2). Each batch
 * comes from its own anonymous session (a storefront flushing its buffer), so the per-session
 * rate limit is not what is measured. Product ids only need the id pattern: ingestion never
 * reads the catalog for them. Reports events/s, p50/p99 per request, the server's RSS and, on
 * PostgreSQL, that the stored row count equals the accepted count. Results go to stdout as
 * Markdown and to bench/results/events.json. Run `npm run build` first (npm run bench:events does).
 *
 *   npm run bench:events
 *   BENCH_ENGINES=postgres,pglite BENCH_CONNECTIONS=10,32 BENCH_BATCH=50 npm run bench:events
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { newId } from '../src/platform/ids.js';
import { startServer, type Engine } from './lib.js';

const engines = (process.env.BENCH_ENGINES ?? 'postgres').split(',').map((e) => e.trim()) as Engine[];
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '10').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const batchSize = Number(process.env.BENCH_BATCH ?? 50);
const PRODUCTS = Array.from({ length: 500 }, () => newId('prod'));
const TYPES = ['view', 'view', 'view', 'view', 'search', 'add_to_cart', 'click_recommendation', 'remove_from_cart', 'purchase'] as const;

for (const e of engines) if (e !== 'postgres' && e !== 'pglite') throw new Error(`BENCH_ENGINES: unknown engine ${e}`);
for (const n of connectionCounts) if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_CONNECTIONS: bad count ${n}`);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100) throw new Error(`BENCH_BATCH: 1–100, got ${batchSize}`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function batchBody(): string {
  const sessionId = `bench-${randomUUID()}`;
  const now = Date.now();
  const events = Array.from({ length: batchSize }, (_, i) => {
    const type = TYPES[Math.floor(Math.random() * TYPES.length)]!;
    const occurredAt = new Date(now - (batchSize - i) * 1000).toISOString();
    return type === 'search' ? { type, query: `query ${i % 7}`, sessionId, occurredAt } : { type, productId: PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)]!, sessionId, occurredAt };
  });
  return JSON.stringify({ events });
}

interface Stats {
  latencies: number[];
  statuses: Map<number, number>;
  accepted: number;
  rejected: number;
  firstErrors: string[];
}

async function load(base: string, connections: number, durationMs: number, stats: Stats | null): Promise<number> {
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const body = batchBody();
        const t0 = performance.now();
        let status = 0;
        let text: string;
        try {
          const res = await fetch(`${base}/store/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          status = res.status;
          text = await res.text();
        } catch (err) {
          text = err instanceof Error ? err.message : String(err);
        }
        if (!stats) continue;
        stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
        if (status === 202) {
          stats.latencies.push(performance.now() - t0);
          const result = JSON.parse(text) as { accepted: number; rejected: unknown[] };
          stats.accepted += result.accepted;
          stats.rejected += result.rejected.length;
        } else if (stats.firstErrors.length < 5) stats.firstErrors.push(`${status} ${text}`.slice(0, 300));
      }
    }),
  );
  return performance.now() - started;
}

interface Result {
  engine: Engine;
  connections: number;
  batch: number;
  requests: number;
  accepted: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  rssMb: number;
  peakRssMb: number;
  statuses: Record<string, number>;
  rejected: number;
  storedRows: number | null;
}

async function run(engine: Engine, connections: number, port: number): Promise<Result> {
  const server = await startServer(engine, port);
  try {
    await load(server.url, connections, warmupSeconds * 1000, null);
    let before = 0;
    let db: pg.Client | null = null;
    if (server.databaseUrl) {
      db = new pg.Client({ connectionString: server.databaseUrl });
      await db.connect();
      before = Number((await db.query('select count(*) as n from recs_event')).rows[0].n);
    }
    const stats: Stats = { latencies: [], statuses: new Map(), accepted: 0, rejected: 0, firstErrors: [] };
    const elapsed = await load(server.url, connections, seconds * 1000, stats);
    const memory = server.memory();
    let storedRows: number | null = null;
    if (db) {
      storedRows = Number((await db.query('select count(*) as n from recs_event')).rows[0].n) - before;
      await db.end();
    }
    for (const e of stats.firstErrors) console.error(`  error: ${e}`);
    const sorted = stats.latencies.sort((a, b) => a - b);
    return {
      engine,
      connections,
      batch: batchSize,
      requests: sorted.length,
      accepted: stats.accepted,
      eventsPerSecond: Math.round(stats.accepted / (elapsed / 1000)),
      requestsPerSecond: round(sorted.length / (elapsed / 1000)),
      p50: round(percentile(sorted, 0.5)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? 0),
      rssMb: memory.rssMb,
      peakRssMb: memory.peakMb,
      statuses: Object.fromEntries([...stats.statuses].map(([s, n]) => [String(s), n])),
      rejected: stats.rejected,
      storedRows,
    };
  } finally {
    await server.stop();
  }
}

const results: Result[] = [];
let port = 3900;
for (const engine of engines) {
  for (const connections of connectionCounts) {
    console.error(`bench:events ${engine}, ${connections} connections, batches of ${batchSize}, ${seconds} s …`);
    results.push(await run(engine, connections, port++));
  }
}

const cpus = os.cpus();
console.log(`\n${new Date().toISOString().slice(0, 10)} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'} · Node ${process.version} · ${seconds} s per run\n`);
console.log('| engine | connections | events/request | events/s | requests/s | p50 / p99 ms | max ms | RSS / peak MB | stored = accepted | statuses |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of results) {
  const stored = r.storedRows === null ? 'n/a' : `${r.storedRows === r.accepted ? 'yes' : 'NO'} (${r.storedRows.toLocaleString('en-US')})`;
  const statuses = Object.entries(r.statuses).map(([s, n]) => `${s} ×${n}`).join(', ');
  console.log(`| ${r.engine} | ${r.connections} | ${r.batch} | ${r.eventsPerSecond.toLocaleString('en-US')} | ${r.requestsPerSecond} | ${r.p50} / ${r.p99} | ${r.max} | ${r.rssMb} / ${r.peakRssMb} | ${stored} | ${statuses} |`);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/events.json', JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
