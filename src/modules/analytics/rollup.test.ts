import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createDb, type Db } from '../../platform/db/index.js';
import { rollupSource } from './rollup.js';

let database: Db;
const day = (t: number) => new Date(Date.UTC(2025, 10, 20) + t * 86_400_000).toISOString().slice(0, 10);

before(async () => {
  database = await createDb({ dataDir: 'memory://' });
  const db = database.db;
  await sql`create table t_day (day date not null, k text not null, n bigint not null, m bigint not null)`.execute(db);
  await sql`create table t_month (month date not null, k text not null, n bigint not null, m bigint not null)`.execute(db);
  // 150 days over 6 months, three keys, deterministic values; months hold the sums of their days.
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 2147483647) % 100;
  const rows = [];
  for (let t = 0; t < 150; t++) for (const k of ['a', 'b', 'c']) if (rnd() < 70) rows.push(sql`(${day(t)}::date, ${k}, ${rnd()}, ${rnd()})`);
  await sql`insert into t_day values ${sql.join(rows)}`.execute(db);
  await sql`insert into t_month select date_trunc('month', day)::date, k, sum(n), sum(m) from t_day group by 1, 2`.execute(db);
});
after(() => database.close());

test('any range sums to the same figures as its day rows, with and without month-minus-days', async () => {
  const db = database.db;
  let seed = 11;
  const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  const ranges: [number, number][] = [[0, 149], [11, 11], [11, 40], [3, 130], [12, 71], [41, 71], [0, 10]];
  for (let i = 0; i < 40; i++) {
    const a = rnd(150);
    ranges.push([a, a + rnd(150 - a)]);
  }
  for (const [a, b] of ranges) {
    const from = day(a);
    const to = day(b);
    const { rows: expected } = await sql<{ k: string; n: string; m: string }>`select k, sum(n)::text as n, sum(m)::text as m from t_day where day between ${from}::date and ${to}::date group by k order by k`.execute(db);
    for (const measures of [[], ['n', 'm']]) {
      const { rows } = await sql<{ k: string; n: string; m: string }>`select k, sum(n)::text as n, sum(m)::text as m from ${rollupSource('t', ['k', 'n', 'm'], from, to, measures)} group by k having sum(n) <> 0 or sum(m) <> 0 order by k`.execute(db);
      assert.deepEqual(rows, expected.filter((r) => r.n !== '0' || r.m !== '0'), `${from}..${to} with measures [${measures.join(',')}]`);
    }
  }
});
