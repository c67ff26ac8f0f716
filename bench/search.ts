/**
 * Search relevance and latency on the Home Depot dev set (see ../shared/datasets/README.md):
 * indexes every product title through the search engine's `index()` into a fresh database,
 * runs each judged query through the engine's `search()` (the function behind GET /store/search,
 * facets included) and scores the top results.
 *
 *   npm run bench:search                          # PGlite in memory
 *   BENCH_DATABASE_URL=postgres://… npm run bench:search
 *   npm run bench:search -- --data DIR --sample 4 --baseline
 *
 * Options: --data DIR (default ../shared/datasets), --sample K (every K-th query, for quick
 * tuning runs), --baseline (also score the README's BM25 reference in memory), --ranking JSON
 * (override ranking knobs while tuning). Prints a table, then one JSON line with the figures.
 * The dataset is read in place, never copied.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDb, runMigrations } from '../src/platform/db/index.js';
import { createProgressBar } from '../src/platform/progress.js';
import { createPgSearchEngine, searchMigrations, type SearchDocument } from '../src/modules/search/index.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    sample: { type: 'string', default: '1' },
    baseline: { type: 'boolean', default: false },
    ranking: { type: 'string' },
    facets: { type: 'string', default: 'true' },
  },
});
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(args.data ?? join(repo, '../shared/datasets'), 'homedepot');
const sample = Math.max(1, Number(args.sample));

function readTsv(file: string): string[][] {
  const lines = readFileSync(join(dataDir, file), 'utf8').split('\n').filter(Boolean);
  return lines.slice(1).map((l) => l.split('\t'));
}

const products = readTsv('products.tsv').map(([uid, title]) => ({ uid: uid!, title: title ?? '' }));
const queries = new Map(readTsv('queries.tsv').map(([id, q]) => [id!, q ?? '']));
const qrels = new Map<string, Map<string, number>>();
for (const [qid, uid, rel] of readTsv('qrels.tsv')) {
  const m = qrels.get(qid!) ?? new Map<string, number>();
  m.set(uid!, Number(rel));
  qrels.set(qid!, m);
}
const judged = [...qrels.keys()].filter((id) => queries.has(id)).sort().filter((_, i) => i % sample === 0);

// ---- metrics -------------------------------------------------------------------------------

interface Scores {
  ndcg10: number;
  recall100: number;
  mrr: number;
}

function score(ranked: string[], rels: Map<string, number>): Scores {
  const gain = (uid: string) => Math.max(0, (rels.get(uid) ?? 1) - 1);
  let dcg = 0;
  ranked.slice(0, 10).forEach((uid, i) => (dcg += gain(uid) / Math.log2(i + 2)));
  const ideal = [...rels.values()].map((r) => Math.max(0, r - 1)).sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  const relevant = [...rels].filter(([, r]) => r >= 2).map(([u]) => u);
  const top = new Set(ranked.slice(0, 100));
  const first = ranked.findIndex((u) => (rels.get(u) ?? 0) >= 2);
  return {
    ndcg10: idcg > 0 ? dcg / idcg : 0,
    recall100: relevant.length ? relevant.filter((u) => top.has(u)).length / relevant.length : 0,
    mrr: first >= 0 ? 1 / (first + 1) : 0,
  };
}

function summarise(all: { s: Scores; rels: Map<string, number> }[]) {
  const withRelevant = all.filter((x) => [...x.rels.values()].some((r) => r >= 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    ndcg10: mean(all.map((x) => x.s.ndcg10)),
    recall100: mean(withRelevant.map((x) => x.s.recall100)),
    mrr: mean(withRelevant.map((x) => x.s.mrr)),
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

// ---- the README's BM25 reference, in memory --------------------------------------------------

function bm25Baseline() {
  const tok = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const docs = products.map((p) => tok(p.title));
  const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
  const postings = new Map<string, Map<number, number>>();
  docs.forEach((d, i) => {
    for (const t of d) {
      const m = postings.get(t) ?? new Map<number, number>();
      m.set(i, (m.get(i) ?? 0) + 1);
      postings.set(t, m);
    }
  });
  return judged.map((qid) => {
    const acc = new Map<number, number>();
    for (const t of new Set(tok(queries.get(qid)!))) {
      const p = postings.get(t);
      if (!p) continue;
      const idf = Math.log(1 + (docs.length - p.size + 0.5) / (p.size + 0.5));
      for (const [i, tf] of p) acc.set(i, (acc.get(i) ?? 0) + (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * docs[i]!.length) / avg)));
    }
    const ranked = [...acc].sort((a, b) => b[1] - a[1]).slice(0, 100).map(([i]) => products[i]!.uid);
    return { s: score(ranked, qrels.get(qid)!), rels: qrels.get(qid)! };
  });
}

// ---- the engine ----------------------------------------------------------------------------

const url = process.env.BENCH_DATABASE_URL;
let schema: string | undefined;
if (url) {
  schema = `bench_search_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
}
const database = await createDb(url ? { url, schema, poolSize: 4 } : { dataDir: 'memory://' });
try {
  await runMigrations(database.db, [searchMigrations]);
  const engine = createPgSearchEngine(database.db, { ranking: args.ranking ? JSON.parse(args.ranking) : undefined });
  const doc = (p: { uid: string; title: string }): SearchDocument => ({
    productId: p.uid,
    status: 'published',
    handle: `hd-${p.uid}`,
    titles: { 'en-US': p.title },
    subtitles: {},
    descriptions: {},
    brand: null,
    categories: [],
    categoryNames: [],
    attributes: {},
    tags: [],
    skus: [],
    barcodes: [],
    prices: {},
    salesCount: 0,
    image: null,
    ratingX100: 0,
    ratingCount: 0,
    publishedAt: null,
  });
  const started = Date.now();
  const batch = 1000;
  const indexing = createProgressBar('Indexing products');
  indexing.setTotal(products.length);
  for (let i = 0; i < products.length; i += batch) {
    const slice = products.slice(i, i + batch);
    await engine.index(slice.map(doc));
    indexing.advance(slice.length);
  }
  indexing.finish();
  const indexSeconds = (Date.now() - started) / 1000;
  if (database.engine === 'postgres') await import('kysely').then(({ sql }) => sql`analyze`.execute(database.db));

  const latencies: number[] = [];
  const results: { s: Scores; rels: Map<string, number> }[] = [];
  const facets = args.facets !== 'false';
  const querying = createProgressBar('Running queries');
  querying.setTotal(judged.length);
  for (const qid of judged) {
    const q = queries.get(qid)!;
    const t0 = performance.now();
    const r = await engine.search({ q, sort: 'relevance', limit: 100, price: { currency: 'USD', base: 'USD', rate: null }, locale: 'en-US', defaultLocale: 'en-US', facets });
    latencies.push(performance.now() - t0);
    results.push({ s: score(r.hits.map((h) => h.productId), qrels.get(qid)!), rels: qrels.get(qid)! });
    querying.advance(1);
  }
  querying.finish();
  const quality = summarise(results);
  const figures = {
    engine: database.engine,
    queries: judged.length,
    products: products.length,
    ndcg10: Number(quality.ndcg10.toFixed(4)),
    recall100: Number(quality.recall100.toFixed(4)),
    mrr: Number(quality.mrr.toFixed(4)),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    indexSeconds: Number(indexSeconds.toFixed(1)),
    indexBytes: await engine.sizeBytes(),
  };
  const rows: [string, string][] = [
    ['engine', figures.engine],
    ['queries (with judgements)', String(figures.queries)],
    ['products indexed', String(figures.products)],
    ['NDCG@10', String(figures.ndcg10)],
    ['Recall@100 (rel ≥ 2)', String(figures.recall100)],
    ['MRR (rel ≥ 2)', String(figures.mrr)],
    ['latency p50 / p99 (ms)', `${figures.p50Ms} / ${figures.p99Ms}`],
    ['index build (s)', String(figures.indexSeconds)],
    ['index size (MB)', (figures.indexBytes / 1048576).toFixed(1)],
  ];
  if (args.baseline) {
    const b = summarise(bm25Baseline());
    rows.push(['BM25 reference NDCG@10 / Recall@100 / MRR', `${b.ndcg10.toFixed(4)} / ${b.recall100.toFixed(4)} / ${b.mrr.toFixed(4)}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n| ${'metric'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|\n`);
  for (const [k, v] of rows) process.stdout.write(`| ${k.padEnd(width)} | ${v} |\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  await database.close();
  if (schema && url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema ${schema} cascade`);
    await client.end();
  }
}
