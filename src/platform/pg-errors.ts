/** PostgreSQL error fields Bazaar looks at (both `pg` and PGlite report them). */
export interface PgError {
  code: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

/** True for errors raised by the database server with a SQLSTATE. */
export function isPgError(err: unknown): err is PgError {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const CHECK_VIOLATION = '23514';

/** True when `err` is a unique violation, optionally of the named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return isPgError(err) && err.code === UNIQUE_VIOLATION && (!constraint || err.constraint === constraint);
}

/** True for errors that mean the database is unreachable rather than the query wrong. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003'].includes(code)) {
    return true;
  }
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}
