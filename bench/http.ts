/**
 * Request throughput of the account API: `GET /store/me` (token lookup + profile read) and
 * `POST /store/auth/login` (argon2id verification + session write), on PGlite and on
 * PostgreSQL. Run `npm run build` first (npm run bench:http does). Results go to stdout as a
 * Markdown table and to bench/results/http.json.
 *
 *   npm run bench:http                      # both engines, 10 connections, 10 s each
 *   BENCH_ENGINES=postgres BENCH_SECONDS=20 npm run bench:http
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { postJson, startServer, type Engine } from './lib.js';

const engines = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',') as Engine[];
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Row {
  engine: Engine;
  scenario: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  rssMb: number;
  peakRssMb: number;
}

async function run(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  // One warm-up second so JIT and connection pools settle before measuring.
  await autocannon({ url, connections, duration: 1, ...opts });
  return autocannon({ url, connections, duration: seconds, ...opts });
}

const rows: Row[] = [];
let port = 3900;
for (const engine of engines) {
  const server = await startServer(engine, port++, { LOGIN_THROTTLE_MAX_PER_IP: '1000000' });
  try {
    const email = 'bench@example.com';
    const password = 'bench-password-1';
    const { token } = await postJson(`${server.url}/store/auth/register`, { email, password, name: 'Bench' });
    const scenarios: [string, Partial<autocannon.Options>][] = [
      ['GET /store/me', { url: `${server.url}/store/me`, headers: { authorization: `Bearer ${token}` } }],
      [
        'POST /store/auth/login',
        { url: `${server.url}/store/auth/login`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) },
      ],
    ];
    for (const [scenario, opts] of scenarios) {
      const result = await run(opts.url as string, opts);
      const mem = server.memory();
      rows.push({
        engine,
        scenario,
        requestsPerSec: Math.round(result.requests.average),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        rssMb: mem.rssMb,
        peakRssMb: mem.peakMb,
      });
      process.stderr.write(`${engine} ${scenario}: ${Math.round(result.requests.average)} req/s\n`);
    }
  } finally {
    await server.stop();
  }
}

mkdirSync('bench/results', { recursive: true });
const meta = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, seconds, connections };
writeFileSync('bench/results/http.json', JSON.stringify({ meta, rows }, null, 2));
console.log(`\n${meta.date} · ${meta.cpus} × ${meta.cpu} · Node ${meta.node} · ${connections} connections × ${seconds} s\n`);
console.log('| engine | scenario | req/s | p50 ms | p99 ms | non-2xx | server RSS MB (peak) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.engine} | ${r.scenario} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx + r.errors} | ${r.rssMb} (${r.peakRssMb}) |`);
}
