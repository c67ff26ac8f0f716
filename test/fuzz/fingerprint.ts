import { sql } from 'kysely';
import type { TestApp } from '../helpers/app.js';

/**
 * Tables a rejected request may legitimately write, so they are left out of the fingerprint.
 * All three are throttles, whose job is to count requests, refused ones included:
 * - `auth_login_failure`: failed sign-ins, for the sign-in throttle.
 * - `flash_sale_rate`: the flash-sale purchase rate limiter's windows (PostgreSQL fallback of Redis).
 * - `recs_rate`: the storefront event rate limiter's windows.
 */
export const FINGERPRINT_EXCLUDED = ['auth_login_failure', 'flash_sale_rate', 'recs_rate'] as const;

/** Per table: row count and an order-independent sum of row hashes. */
export type Fingerprint = Map<string, string>;

/** Watches the database across a request: what changed, if anything. */
export interface RowWatch {
  /** Runs `work`; `changed` lists the fingerprinted tables whose rows differ afterwards. */
  around<T>(work: () => Promise<T>): Promise<{ result: T; changed: string[] }>;
}

/**
 * Fingerprints every table of the app's schema (except FINGERPRINT_EXCLUDED and the migration
 * bookkeeping) in one round trip: `count(*)` and `sum(hashtext(row::text))`, which both PGlite
 * and PostgreSQL run, catch inserts, deletes and any changed column.
 *
 * That query reads every table, so it only runs when the WAL insert position moved: no WAL,
 * no write (there are no unlogged tables; if one appears, every request is fingerprinted).
 * Other sessions' writes (tests sharing a PostgreSQL server) only make it run more often.
 */
export async function watchRows(db: TestApp['db']): Promise<RowWatch> {
  const listed = (
    await sql<{ name: string; persistence: string }>`
      select c.relname as name, c.relpersistence as persistence from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
      order by c.relname`.execute(db)
  ).rows.filter((r) => !(FINGERPRINT_EXCLUDED as readonly string[]).includes(r.name) && !r.name.includes('migration'));
  if (listed.length === 0) throw new Error('no tables to fingerprint');
  const logged = listed.every((r) => r.persistence === 'p');
  const query = listed
    .map((r) => `select '${r.name}' as tbl, count(*)::text || ':' || coalesce(sum(hashtext(x::text)::bigint), 0)::text as sig from "${r.name}" x`)
    .join(' union all ');
  const full = async (): Promise<Fingerprint> => new Map((await sql<{ tbl: string; sig: string }>`${sql.raw(query)}`.execute(db)).rows.map((r) => [r.tbl, r.sig]));
  const position = async (): Promise<string | null> =>
    logged ? (await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(db)).rows[0]!.lsn : null;

  let baseline: Fingerprint | null = null;
  let baselineAt: string | null = null;
  return {
    async around(work) {
      const now = await position();
      if (!baseline || now === null || now !== baselineAt) {
        baseline = await full();
        baselineAt = await position();
      }
      const before = baseline;
      const result = await work();
      const after = await position();
      if (after === null || after !== baselineAt) {
        baseline = await full();
        baselineAt = await position();
      }
      return { result, changed: fingerprintDiff(before, baseline) };
    },
  };
}

/** The tables whose fingerprint differs, with before → after. */
export function fingerprintDiff(before: Fingerprint, after: Fingerprint): string[] {
  const out: string[] = [];
  for (const [table, sig] of after) {
    const was = before.get(table);
    if (was !== sig) out.push(`${table}: ${was ?? '(none)'} → ${sig}`);
  }
  return out;
}
