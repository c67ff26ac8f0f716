import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';

/**
 * Adds `counts` to rows of a rollup `table` keyed by `keys`, creating missing rows: one
 * multi-row `INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c`, so concurrent writers
 * add up instead of overwriting each other. Column names are snake_case. Rows with the same
 * key are merged first (one statement may not update a row twice). `replace` columns follow the
 * counts in each row and are overwritten, not added (a display name: the latest wins).
 */
export async function addCounts(
  db: Kysely<Database>,
  table: string,
  keys: readonly string[],
  counts: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  replace: readonly string[] = [],
): Promise<void> {
  if (rows.length === 0) return;
  const merged = new Map<string, (string | number | null)[]>();
  for (const row of rows) {
    const id = JSON.stringify(row.slice(0, keys.length));
    const prev = merged.get(id);
    if (!prev) merged.set(id, [...row]);
    else {
      for (let i = keys.length; i < keys.length + counts.length; i++) prev[i] = addDecimal(prev[i]!, row[i]!);
      for (let i = keys.length + counts.length; i < row.length; i++) prev[i] = row[i]!;
    }
  }
  const cols = [...keys, ...counts, ...replace];
  await sql`insert into ${sql.table(table)} (${sql.join(cols.map((c) => sql.id(c)))})
    values ${sql.join([...merged.values()].map((r) => sql`(${sql.join(r)})`))}
    on conflict (${sql.join(keys.map((c) => sql.id(c)))}) do update set
    ${sql.join([
      ...counts.map((c) => sql`${sql.id(c)} = ${sql.table(table)}.${sql.id(c)} + excluded.${sql.id(c)}`),
      ...replace.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`),
    ])}`.execute(db);
}

/** Sum of two counts: integers as numbers, base amounts as exact decimal strings. */
function addDecimal(a: string | number | null, b: string | number | null): string | number {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return decimalAdd(String(a ?? 0), String(b ?? 0));
}

/** Exact sum of two decimal strings (rollups keep base amounts with 12 fraction digits). */
export function decimalAdd(a: string, b: string): string {
  const scale = Math.max(frac(a), frac(b));
  const sum = scaled(a, scale) + scaled(b, scale);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

const frac = (s: string) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
function scaled(s: string, scale: number): bigint {
  const negative = s.startsWith('-');
  const [i = '0', f = ''] = s.replace('-', '').split('.');
  const v = BigInt(i + f.padEnd(scale, '0'));
  return negative ? -v : v;
}

/** Negates a decimal string. */
export const negate = (s: string) => (s.startsWith('-') ? s.slice(1) : `-${s}`);

/**
 * Adds rows keyed by day (`keys[0]` is `day`) to `<base>_day` and to `<base>_month` (the same
 * keys with the day's month), so that long periods read months instead of days.
 */
export async function addDaysAndMonths(
  db: Kysely<Database>,
  base: string,
  keys: readonly string[],
  counts: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  replace: readonly string[] = [],
): Promise<void> {
  if (rows.length === 0) return;
  await addCounts(db, `${base}_day`, keys, counts, rows, replace);
  await addCounts(db, `${base}_month`, ['month', ...keys.slice(1)], counts, rows.map((r) => [`${String(r[0]).slice(0, 7)}-01`, ...r.slice(1)]), replace);
}

/**
 * The rows of a day-and-month rollup covering local dates `from`..`to` (inclusive), as a
 * subquery `src` with `columns`: whole months from `<base>_month`, partial months from
 * `<base>_day`. With `measures` (the summed columns among `columns`), a partial month covering
 * more than half its days reads the month row minus the days outside the range instead (negated
 * rows: callers only sum them), so no query reads more than half a month of day rows at either
 * end. A year reads 12 month keys instead of 365 day keys.
 */
export function rollupSource(base: string, columns: readonly string[], from: string, to: string, measures: readonly string[] = []) {
  const cols = sql.join(columns.map((c) => sql.id(c)));
  const negated = sql.join(columns.map((c) => (measures.includes(c) ? sql`-${sql.id(c)} as ${sql.id(c)}` : sql.id(c))));
  const dayTable = sql.table(`${base}_day`);
  const monthTable = sql.table(`${base}_month`);
  const parts: ReturnType<typeof sql>[] = [];
  const days = (a: string, b: string, minus = false) => parts.push(sql`select ${minus ? negated : cols} from ${dayTable} where day >= ${a}::date and day <= ${b}::date`);
  const months = (a: string, bExclusive: string) => parts.push(sql`select ${cols} from ${monthTable} where month >= ${a}::date and month < ${bExclusive}::date`);
  let fullFrom: string | null = null;
  for (let cursor = from; cursor <= to; ) {
    const monthStart = `${cursor.slice(0, 7)}-01`;
    const next = nextMonth(cursor);
    const monthEnd = prevDay(next);
    const end = to < monthEnd ? to : monthEnd;
    if (cursor === monthStart && end === monthEnd) {
      fullFrom ??= monthStart;
    } else {
      if (fullFrom !== null) months(fullFrom, monthStart);
      fullFrom = null;
      if (measures.length > 0 && 2 * dayCount(cursor, end) > dayCount(monthStart, monthEnd)) {
        months(monthStart, next);
        if (cursor > monthStart) days(monthStart, prevDay(cursor), true);
        if (end < monthEnd) days(nextDay(end), monthEnd, true);
      } else days(cursor, end);
    }
    cursor = next;
  }
  if (fullFrom !== null) months(fullFrom, nextMonth(to));
  if (parts.length === 0) return sql`(select ${cols} from ${dayTable} where false) as src`;
  return sql`(${sql.join(parts, sql` union all `)}) as src`;
}

function dayCount(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000) + 1;
}

function prevDay(day: string): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() - 86_400_000).toISOString().slice(0, 10);
}

function nextMonth(day: string): string {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

function nextDay(day: string): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10);
}
