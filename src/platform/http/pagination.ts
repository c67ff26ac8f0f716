import { platformError } from '../errors.js';

/** Encodes the position after the last item of a page (its sort key values). */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor` with `arity` values; throws 400
 * `PAGINATION_INVALID_CURSOR` for anything else.
 */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return values as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw platformError('PAGINATION_INVALID_CURSOR', { detail: 'The cursor is not one this API issued' });
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says another page exists.
 */
export function toPage<T, I>(rows: T[], limit: number, map: (row: T) => I, key: (row: T) => (string | number)[]): { items: I[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last !== undefined ? encodeCursor(key(last)) : null };
}
