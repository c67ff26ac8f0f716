import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogEvent } from 'kysely';

/**
 * Counts the SQL statements a unit of work sends (an HTTP request, when `BAZAAR_SQL_COUNT=1`).
 * Every statement Kysely runs is seen here, `begin` and `commit` included, so the count is the
 * number of round trips to the database. Work outside a counted scope costs one context lookup.
 */
interface Tally {
  statements: number;
}

const scope = new AsyncLocalStorage<Tally>();

/** Runs `fn` in a new counting scope; everything it starts, awaited or not, counts there. */
export function countStatements<T>(fn: () => T): { result: T; tally: Tally } {
  const tally: Tally = { statements: 0 };
  return { result: scope.run(tally, fn), tally };
}

/** Kysely's `log` option: adds each statement, failed ones too, to the current scope. */
export function statementLog(_event: LogEvent): void {
  const tally = scope.getStore();
  if (tally) tally.statements++;
}

/** Statements counted so far in the current scope, or undefined outside one. */
export function currentStatements(): number | undefined {
  return scope.getStore()?.statements;
}
