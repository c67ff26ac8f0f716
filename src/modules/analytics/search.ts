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

/** A query the search module served with no results. */
export interface NoResultQueryRow {
  query: string;
  /** Times it was served with no results in the period. */
  searches: number;
  /** Times it was served in the period, with results or without. */
  served: number;
}

/** The search report. */
export interface SearchReport {
  /** Storefront `search` events (behaviour). */
  searches: number;
  clicks: number;
  clickThroughRate: number | null;
  /** Searches the search module served (first pages with a query), from its log. */
  served: number;
  /** Of those, the ones with no results. */
  noResults: number;
  /** noResults / served, 4 decimals; null without served searches. */
  noResultRate: number | null;
  topQueries: SearchQueryRow[];
  /** Frequent queries never followed by a product view within 30 minutes. */
  queriesWithoutClicks: SearchQueryRow[];
  /** The queries served with no results most often, most first. */
  queriesWithNoResults: NoResultQueryRow[];
}

const rate = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000);

/**
 * Totals, top queries, queries without click-through and queries with no results over the
 * period, in one statement. `searches`/`clicks` come from behaviour events and
 * `served`/`no_results` from the search module's log: each figure reads its own pair.
 */
export async function searchReport(db: Kysely<Database>, period: Period, limit: number): Promise<SearchReport> {
  const measures = ['searches', 'clicks', 'served', 'no_results'];
  const source = rollupSource('analytics_search', ['query', ...measures], period.from, period.to, measures);
  const { rows } = await sql<{ list: 'total' | 'top' | 'none' | 'empty'; query: string | null; searches: string; clicks: string; served: string; noResults: string }>`
    with q as materialized (
      select query, sum(searches) as searches, sum(clicks) as clicks, sum(served) as served, sum(no_results) as no_results from ${source} group by query)
    select 'total' as list, null as query, coalesce(sum(searches), 0)::text as searches, coalesce(sum(clicks), 0)::text as clicks,
      coalesce(sum(served), 0)::text as served, coalesce(sum(no_results), 0)::text as no_results from q
    union all
    select * from (select 'top', query, searches::text, clicks::text, served::text, no_results::text from q where searches > 0 order by searches desc, query limit ${limit}) a
    union all
    select * from (select 'none', query, searches::text, clicks::text, served::text, no_results::text from q where clicks = 0 and searches > 0 order by searches desc, query limit ${limit}) b
    union all
    select * from (select 'empty', query, searches::text, clicks::text, served::text, no_results::text from q where no_results > 0 order by no_results desc, query limit ${limit}) c`.execute(db);
  const row = (x: (typeof rows)[number]) => ({ query: x.query!, searches: Number(x.searches), clicks: Number(x.clicks), clickThroughRate: rate(Number(x.clicks), Number(x.searches)) });
  const total = rows.find((x) => x.list === 'total')!;
  const searches = Number(total.searches);
  const clicks = Number(total.clicks);
  const served = Number(total.served);
  const noResults = Number(total.noResults);
  return {
    searches,
    clicks,
    clickThroughRate: searches === 0 ? null : rate(clicks, searches),
    served,
    noResults,
    noResultRate: served === 0 ? null : rate(noResults, served),
    topQueries: rows.filter((x) => x.list === 'top').map(row),
    queriesWithoutClicks: rows.filter((x) => x.list === 'none').map(row),
    queriesWithNoResults: rows.filter((x) => x.list === 'empty').map((x) => ({ query: x.query!, searches: Number(x.noResults), served: Number(x.served) })),
  };
}
