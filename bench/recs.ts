/**
 * Offline quality of Bazaar's recommendation models on the shared data sets (see
 * ../shared/datasets/README.md). Every folder of DIR is scored by what it holds:
 *   sequences.tsv + valid.tsv        → "for you" (HR/NDCG@10,20, full ranking minus history)
 *   train_sessions.tsv + valid.tsv   → next in session (P@20, MRR@20 in percent)
 *   train-purchases.csv              → bought together (HR@10)
 *
 *   npm run bench:recs -- [--data DIR] [--only NAME] [--params JSON]
 *
 * --params overrides model options while tuning (on the valid splits only), e.g.
 * '{"forYou":{"lastN":4},"sknn":{"neighbours":200}}'. Prints a Markdown table per data set,
 * then, as the last line, one JSON object with every figure. Data is read in place, never copied.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { models as recs } from '../src/modules/recommendations/index.js';

const { values: args } = parseArgs({ options: { data: { type: 'string' }, only: { type: 'string' }, params: { type: 'string' }, every: { type: 'string', default: '1' } } });
// --every K scores every K-th case only: for quick tuning runs, never for reported figures.
const every = Math.max(1, Number(args.every));
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(args.data ?? join(repo, '../shared/datasets'));
const params: Record<string, any> = args.params ? JSON.parse(args.params) : {};

type Row = Record<string, number>;
interface Result {
  dataset: string;
  task: string;
  cases: number;
  bazaar: Row;
  popularity: Row;
  trainSeconds: number;
  evalSeconds: number;
  heapMb: number;
  peakRssMb: number;
}

function readRows(file: string, sep = '\t'): string[][] {
  return readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split(sep));
}
const ints = (s: string | undefined) => (s ? s.split(' ').filter(Boolean).map(Number) : []);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Rank-based measures, accumulated over cases; `rank` is 0-based or -1 when missed. */
function createScorer(cutoffs: number[]) {
  const sums: Row = {};
  let n = 0;
  return {
    add(rank: number) {
      n++;
      for (const c of cutoffs) {
        const hit = rank >= 0 && rank < c;
        sums[`HR@${c}`] = (sums[`HR@${c}`] ?? 0) + (hit ? 1 : 0);
        sums[`NDCG@${c}`] = (sums[`NDCG@${c}`] ?? 0) + (hit ? 1 / Math.log2(rank + 2) : 0);
        sums[`MRR@${c}`] = (sums[`MRR@${c}`] ?? 0) + (hit ? 1 / (rank + 1) : 0);
      }
    },
    mean(keys: string[], scale = 1): Row {
      return Object.fromEntries(keys.map((k) => [k, Math.round(((sums[k] ?? 0) / Math.max(1, n)) * scale * 10000) / 10000]));
    },
    get count() {
      return n;
    },
  };
}
const rankOf = <T>(list: { item: T }[], target: T) => list.findIndex((r) => r.item === target);

function scoreForYou(dir: string, name: string): Result {
  const seqs = readRows(join(dir, 'sequences.tsv')).map(([u, items]) => ({ user: u!, items: ints(items) }));
  const valid = new Map(readRows(join(dir, 'valid.tsv')).map(([u, t]) => [u!, Number(t)]));
  // valid target = the last item of each sequence: train on, and predict from, what came before it.
  const cases = seqs
    .filter((s) => s.items.length >= 2 && valid.get(s.user) === s.items[s.items.length - 1])
    .map((s) => ({ history: s.items.slice(0, -1), target: s.items[s.items.length - 1]! }));
  const t0 = performance.now();
  const model = recs.buildSequentialModel(cases.map((c) => ({ items: c.history })), params.sequential);
  const trainSeconds = seconds(t0);
  const heap = heapMb();
  const t1 = performance.now();
  const ours = createScorer([10, 20]);
  const base = createScorer([10, 20]);
  for (const c of cases) {
    ours.add(rankOf(recs.recommendForUser(model, c.history, 20, params.forYou), c.target));
    base.add(rankOf(recs.topPopular(model.popularity, 20, c.history), c.target));
  }
  const keys = ['HR@10', 'NDCG@10', 'HR@20', 'NDCG@20'];
  return { dataset: name, task: 'for you', cases: ours.count, bazaar: ours.mean(keys), popularity: base.mean(keys), trainSeconds, evalSeconds: seconds(t1), heapMb: heap, peakRssMb: peakRssMb() };
}

function scoreSessions(dir: string, name: string): Result {
  const train = readRows(join(dir, 'train_sessions.tsv'))
    .filter((r) => r[1] === 'train')
    .map(([, , items]) => ({ items: ints(items) }));
  const cases = readRows(join(dir, 'valid.tsv'))
    .filter((_, i) => i % every === 0)
    .map(([, , prefix, target]) => ({ prefix: ints(prefix), target: Number(target) }));
  const t0 = performance.now();
  const index = recs.buildSessionIndex(train);
  const pop = recs.buildPopularity(train.flatMap((s) => s.items.map((item) => ({ item }))));
  const trainSeconds = seconds(t0);
  const heap = heapMb();
  const t1 = performance.now();
  const ours = createScorer([20]);
  const base = createScorer([20]);
  const popTop = recs.topPopular(pop, 20);
  for (const c of cases) {
    ours.add(rankOf(recs.recommendNextInSession(index, c.prefix, 20, params.sknn), c.target));
    base.add(rankOf(popTop, c.target));
  }
  const keys = ['HR@20', 'MRR@20'];
  const rename = (r: Row): Row => ({ 'P@20': r['HR@20']!, 'MRR@20': r['MRR@20']! });
  return { dataset: name, task: 'next in session', cases: ours.count, bazaar: rename(ours.mean(keys, 100)), popularity: rename(base.mean(keys, 100)), trainSeconds, evalSeconds: seconds(t1), heapMb: heap, peakRssMb: peakRssMb() };
}

function scoreBoughtTogether(dir: string, name: string): Result {
  // sessionId;userId;timeframe;eventdate;ordernumber;itemId
  const orders = new Map<string, { items: number[]; user: string; time: number }>();
  for (const [session, user, , date, order, item] of readRows(join(dir, 'train-purchases.csv'), ';')) {
    const o = orders.get(order!) ?? { items: [], user: user === 'NA' ? `s${session}` : user!, time: Date.parse(date!) / 86_400_000 };
    if (!o.items.includes(Number(item))) o.items.push(Number(item));
    orders.set(order!, o);
  }
  // Time split: the latest 20 % of orders are the test; each hides its last item.
  const sorted = [...orders.entries()].sort((a, b) => a[1].time - b[1].time || Number(a[0]) - Number(b[0])).map((e) => e[1]);
  const cut = Math.floor(sorted.length * 0.8);
  const trainOrders = sorted.slice(0, cut);
  const cases = sorted.slice(cut).filter((o) => o.items.length >= 2);
  const t0 = performance.now();
  const model = recs.buildCoPurchase(trainOrders, params.coPurchase);
  const trainSeconds = seconds(t0);
  const heap = heapMb();
  const t1 = performance.now();
  const ours = createScorer([10]);
  const base = createScorer([10]);
  for (const o of cases) {
    const basket = o.items.slice(0, -1);
    const hidden = o.items[o.items.length - 1]!;
    ours.add(rankOf(recs.recommendBoughtTogether(model, basket, 10), hidden));
    base.add(rankOf(recs.topPopular(model.popularity, 10, basket), hidden));
  }
  return { dataset: name, task: 'bought together', cases: ours.count, bazaar: ours.mean(['HR@10']), popularity: base.mean(['HR@10']), trainSeconds, evalSeconds: seconds(t1), heapMb: heap, peakRssMb: peakRssMb() };
}

function printTable(r: Result): void {
  const lines = [
    `### ${r.dataset} — ${r.task} (${r.cases.toLocaleString('en')} cases)`,
    '',
    `| method | ${Object.keys(r.bazaar).join(' | ')} |`,
    `| --- | ${Object.keys(r.bazaar).map(() => '---:').join(' | ')} |`,
    `| Bazaar | ${Object.values(r.bazaar).join(' | ')} |`,
    `| popularity | ${Object.values(r.popularity).join(' | ')} |`,
    '',
    `training ${r.trainSeconds.toFixed(2)} s, scoring ${r.evalSeconds.toFixed(1)} s, heap after training ${r.heapMb} MB, peak RSS ${r.peakRssMb} MB`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const results: Result[] = [];
for (const entry of readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
  if (args.only && entry.name !== args.only) continue;
  const dir = join(dataDir, entry.name);
  let result: Result | undefined;
  if (existsSync(join(dir, 'sequences.tsv'))) result = scoreForYou(dir, entry.name);
  else if (existsSync(join(dir, 'train_sessions.tsv'))) result = scoreSessions(dir, entry.name);
  else if (existsSync(join(dir, 'train-purchases.csv'))) result = scoreBoughtTogether(dir, entry.name);
  if (!result) continue;
  printTable(result);
  results.push(result);
}
process.stdout.write(`${JSON.stringify({ bench: 'recs', date: new Date().toISOString(), node: process.version, results })}\n`);
