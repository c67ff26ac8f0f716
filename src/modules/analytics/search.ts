import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Period } from './calendar.js';
import { rollupSource } from './rollup.js';

/** A normalised query's searches and click-throughs. */
export interface SearchQueryRow {
  query: string;
  searches: number;
  clicks: number;
  /** clicks / searches, 4 decimals. */
  clickThroughRate: number;
}

/** The search report. */
export interface SearchReport {
  searches: number;
  clicks: number;
  clickThroughRate: number | null;
  topQueries: SearchQueryRow[];
  /** Frequent queries never followed by a product view within 30 minutes. */
  queriesWithoutClicks: SearchQueryRow[];
  /** Always null: the search module does not record how many results a query had. */
  queriesWithNoResults: null;
}

const rate = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000);

/** Totals, top queries and queries without click-through over the period, in one statement. */
export async function searchReport(db: Kysely<Database>, period: Period, limit: number): Promise<SearchReport> {
  const source = rollupSource('analytics_search', ['query', 'searches', 'clicks'], period.from, period.to, ['searches', 'clicks']);
  const { rows } = await sql<{ list: 'total' | 'top' | 'none'; query: string | null; searches: string; clicks: string }>`
    with q as materialized (select query, sum(searches) as searches, sum(clicks) as clicks from ${source} group by query)
    select 'total' as list, null as query, coalesce(sum(searches), 0)::text as searches, coalesce(sum(clicks), 0)::text as clicks from q
    union all
    select * from (select 'top', query, searches::text, clicks::text from q where searches > 0 order by searches desc, query limit ${limit}) a
    union all
    select * from (select 'none', query, searches::text, clicks::text from q where clicks = 0 and searches > 0 order by searches desc, query limit ${limit}) b`.execute(db);
  const row = (x: (typeof rows)[number]) => ({ query: x.query!, searches: Number(x.searches), clicks: Number(x.clicks), clickThroughRate: rate(Number(x.clicks), Number(x.searches)) });
  const total = rows.find((x) => x.list === 'total')!;
  const searches = Number(total.searches);
  const clicks = Number(total.clicks);
  return {
    searches,
    clicks,
    clickThroughRate: searches === 0 ? null : rate(clicks, searches),
    topQueries: rows.filter((x) => x.list === 'top').map(row),
    queriesWithoutClicks: rows.filter((x) => x.list === 'none').map(row),
    queriesWithNoResults: null,
  };
}
