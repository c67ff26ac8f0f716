/**
 * Recommendation serving under load: the built service on PostgreSQL with the demo shop (its
 * catalog and generated behaviour), models trained, then for BENCH_SECONDS (15) each at
 * BENCH_CONNECTIONS (1 and 10):
 *   GET /store/products/:handle/similar          (a random demo product per request)
 *   GET /store/products/:handle/bought-together
 *   GET /store/recommendations?sessionId=…       (a random demo shopper's session)
 * Reports requests/s, p50/p99/max latency, errors and the server's RSS. Results go to stdout as
 * Markdown and to bench/results/recs-serving.json. `npm run bench:recs-serving` builds first.
 *
 *   npm run bench:recs-serving
 *   BENCH_SECONDS=30 BENCH_CONNECTIONS=10,32 npm run bench:recs-serving
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { postJson, startServer } from './lib.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '1,10').split(',').map(Number);
const email = 'bench-owner@example.com';
const password = 'bench-owner-password-1';

interface Row {
  scenario: string;
  connections: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  emptyAnswers: number;
  rssMb: number;
  peakRssMb: number;
}

const server = await startServer('postgres', 3950, { BAZAAR_DEMO: '1', BAZAAR_ADMIN_EMAIL: email, BAZAAR_ADMIN_PASSWORD: password, LOGIN_THROTTLE_MAX_PER_IP: '1000000' });
const rows: Row[] = [];
let trained: { version: number; events: number; products: number; durationMs: number };
try {
  const { token } = await postJson(`${server.url}/admin/auth/login`, { email, password });
  const res = await fetch(`${server.url}/admin/recommendations/train`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  trained = (await res.json()) as typeof trained;
  if (!res.ok || trained.events === 0) throw new Error(`training: ${res.status} ${JSON.stringify(trained)}`);
  process.stderr.write(`models v${trained.version}: ${trained.events} events, ${trained.products} products, ${trained.durationMs} ms\n`);

  const handles: string[] = [];
  let cursor: string | null = null;
  do {
    const list = (await (await fetch(`${server.url}/store/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json()) as { items?: { handle: string }[]; nextCursor?: string | null };
    handles.push(...(list.items ?? []).map((i) => i.handle));
    cursor = list.nextCursor ?? null;
  } while (cursor && handles.length < 1_000);
  if (handles.length === 0) throw new Error('the demo catalog has no products');
  const sessions = Array.from({ length: 500 }, (_, i) => `demo-${i}`);
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;

  const scenarios: [string, () => string][] = [
    ['GET /store/products/:handle/similar', () => `/store/products/${pick(handles)}/similar?limit=10`],
    ['GET /store/products/:handle/bought-together', () => `/store/products/${pick(handles)}/bought-together?limit=10`],
    ['GET /store/recommendations (for you)', () => `/store/recommendations?limit=10&sessionId=${pick(sessions)}`],
  ];
  for (const connections of connectionCounts) {
    for (const [scenario, path] of scenarios) {
      let empty = 0;
      const opts: autocannon.Options = {
        url: server.url,
        connections,
        requests: [
          {
            setupRequest: (req) => ({ ...req, path: path() }),
            onResponse: (status, body) => {
              if (status === 200 && body.includes('"items":[]')) empty++;
            },
          },
        ],
      };
      await autocannon({ ...opts, duration: 2 });
      empty = 0;
      const result = await autocannon({ ...opts, duration: seconds });
      const mem = server.memory();
      rows.push({
        scenario,
        connections,
        requestsPerSec: Math.round(result.requests.average),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        errors: result.non2xx + result.errors + result.timeouts,
        emptyAnswers: empty,
        rssMb: mem.rssMb,
        peakRssMb: mem.peakMb,
      });
      process.stderr.write(`${scenario} @${connections}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms\n`);
    }
  }
} finally {
  await server.stop();
}

mkdirSync('bench/results', { recursive: true });
const meta = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, seconds, trained: trained! };
writeFileSync('bench/results/recs-serving.json', JSON.stringify({ meta, rows }, null, 2));
console.log(`\n${meta.date} · ${meta.cpus} × ${meta.cpu} · Node ${meta.node} · PostgreSQL · ${seconds} s per row\n`);
console.log('| scenario | connections | req/s | p50 ms | p99 ms | max ms | errors | empty answers | server RSS MB (peak) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.scenario} | ${r.connections} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.errors} | ${r.emptyAnswers} | ${r.rssMb} (${r.peakRssMb}) |`);
}
