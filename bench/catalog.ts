/**
 * Store catalog throughput on PostgreSQL with 100,000 variants: imports a generated catalog
 * through the real import endpoint (timing it), then measures `GET /store/products` (20 per
 * page: unfiltered, by category, filtered and sorted by price) and `GET /store/products/:handle`.
 *
 *   npm run bench:catalog                       # 25,000 products × 4 variants, 10 connections, 10 s
 *   BENCH_VARIANTS=20000 BENCH_SECONDS=5 npm run bench:catalog
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { catalogRows, importCatalog, PER_PRODUCT, seedTaxonomy } from './catalog-data.js';
import { postJson, startServer } from './lib.js';

const variantsWanted = Number(process.env.BENCH_VARIANTS ?? 100_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const products = Math.ceil(variantsWanted / PER_PRODUCT);

const server = await startServer('postgres', 3990, { BAZAAR_ADMIN_EMAIL: 'bench@example.com', BAZAAR_ADMIN_PASSWORD: 'bench-password-1' });
try {
  const { token } = await postJson(`${server.url}/admin/auth/login`, { email: 'bench@example.com', password: 'bench-password-1' });
  const categories = await seedTaxonomy(server.url, token);
  const lines = catalogRows(products, categories);
  const { seconds: importSeconds } = await importCatalog(server.url, token, lines);
  // Let the outbox (search indexing of 25,000 products) settle so it does not skew the reads.
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`${server.url}/readyz`).then((r) => r.ok);
    if (ready) break;
  }

  const scenarios: [string, string | ((i: number) => string)][] = [
    ['GET /store/products (newest, 20)', '/store/products?limit=20'],
    ['GET /store/products?category=… (20)', '/store/products?category=dept-1&limit=20'],
    ['GET /store/products?brand=…&inStock=true&sort=price_asc', '/store/products?brand=Kite,Echo&inStock=true&sort=price_asc&limit=20'],
    ['GET /store/products?currency=USD&locale=en-US', '/store/products?currency=USD&locale=en-US&limit=20'],
    // Shoppers mostly look at popular products: 200 handles take the traffic (cache warm)…
    ['GET /store/products/:handle (200 popular)', (i) => `/store/products/product-${(i * 7919) % Math.min(200, products)}`],
    // …and the long tail misses the cache: every request a different product, straight from the database.
    ['GET /store/products/:handle (all, uncached)', (i) => `/store/products/product-${(i * 7919) % products}`],
  ];
  const rows: { scenario: string; rps: number; p50: number; p99: number; non2xx: number; rssMb: number }[] = [];
  for (const [scenario, path] of scenarios) {
    let i = 0;
    const opts: autocannon.Options = {
      url: server.url,
      connections,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: typeof path === 'string' ? path : path(i++) }) }],
    };
    await autocannon({ ...opts, duration: 1 });
    const result = await autocannon(opts);
    rows.push({ scenario, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors, rssMb: server.memory().rssMb });
    process.stderr.write(`${scenario}: ${Math.round(result.requests.average)} req/s\n`);
  }
  mkdirSync('bench/results', { recursive: true });
  const meta = { date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, variants: lines.length, products, importSeconds, seconds, connections };
  writeFileSync('bench/results/catalog.json', JSON.stringify({ meta, rows }, null, 2));
  console.log(`\n${meta.date} · ${meta.cpus} CPUs · ${lines.length.toLocaleString()} variants / ${products.toLocaleString()} products · import ${importSeconds.toFixed(1)} s\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx | RSS MB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.rssMb} |`);
} finally {
  await server.stop();
}
