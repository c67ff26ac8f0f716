import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { Period } from './calendar.js';

/** One cohort: customers whose first paid order fell in `cohort`, and who paid again later. */
export interface CohortRow {
  /** `YYYY-MM` */
  cohort: string;
  customers: number;
  /** Months after the first (offset ≥ 1) up to the period's last month, each with the share of the cohort that paid in it. */
  months: { month: string; offset: number; customers: number; rate: number }[];
}

/**
 * Cohorts whose first month lies in the period's months, with their activity in each later
 * month up to the period's last month. One query over `analytics_cohort` (cohort × month cells).
 */
export async function cohortsReport(db: Kysely<Database>, period: Period): Promise<{ cohorts: CohortRow[] }> {
  const first = `${period.from.slice(0, 7)}-01`;
  const last = `${period.to.slice(0, 7)}-01`;
  const { rows } = await sql<{ cohort: string; month: string; offset: number; customers: number }>`
    select to_char(cohort, 'YYYY-MM') as cohort, to_char(month, 'YYYY-MM') as month,
      ((extract(year from month) - extract(year from cohort)) * 12 + extract(month from month) - extract(month from cohort))::int as "offset",
      customers
    from analytics_cohort
    where cohort >= ${first}::date and cohort <= ${last}::date and month <= ${last}::date and customers <> 0
    order by cohort, month`.execute(db);
  const out = new Map<string, CohortRow>();
  for (const r of rows) {
    let c = out.get(r.cohort);
    if (!c) {
      c = { cohort: r.cohort, customers: 0, months: [] };
      out.set(r.cohort, c);
    }
    if (r.offset === 0) c.customers = Number(r.customers);
    else c.months.push({ month: r.month, offset: r.offset, customers: Number(r.customers), rate: 0 });
  }
  for (const c of out.values()) for (const m of c.months) m.rate = c.customers ? Math.round((m.customers / c.customers) * 10_000) / 10_000 : 0;
  return { cohorts: [...out.values()] };
}
