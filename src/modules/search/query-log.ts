import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/index.js';

/** One storefront search as served: what `search_query_log` stores. */
export interface ServedSearch {
  /** The normalised query (`normaliseSearchQuery`). */
  query: string;
  /** Products matching the query and every filter (the response's `total`). */
  results: number;
  /** The locale the results were served in. */
  locale: string;
  /** The storefront's anonymous session id, when the client sent one. */
  sessionId: string | null;
  searchedAt: Date;
}

/** A logged search as `searchesAfter` hands it out; `id` is a decimal string (bigint). */
export interface LoggedSearch extends ServedSearch {
  id: string;
}

/** Limits of the in-memory buffer. */
export interface SearchLogLimits {
  /** Most rows waiting in memory: beyond, searches are dropped (counted), never queued. */
  maxPending: number;
  /** Rows per INSERT statement. */
  batchSize: number;
}

/**
 * At 2,000 searches a second this holds ten seconds of searches: enough to ride out a slow
 * flush, small enough (a few MB) that a stalled database cannot grow the process.
 */
export const DEFAULT_SEARCH_LOG_LIMITS: SearchLogLimits = { maxPending: 20_000, batchSize: 1_000 };

/**
 * The query as counted: trimmed, lower-cased, inner whitespace collapsed, at most 200
 * characters; null when nothing is left. Exactly what analytics does to the text of storefront
 * `search` events, so served searches and searched-for events share their keys.
 */
export function normaliseSearchQuery(query: string | null | undefined): string | null {
  const q = query?.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
  return q ? q : null;
}

/**
 * Buffers served searches in memory and writes them with multi-row INSERTs when `flush()` is
 * called (the app calls it every second and on close), so a search request never waits on the
 * log. A full buffer drops new searches and counts them; a failed write loses its batch and is
 * logged. Either only lowers the counts a little.
 */
export function createSearchLogBuffer(write: (rows: readonly ServedSearch[]) => Promise<void>, log: Logger, limits: SearchLogLimits = DEFAULT_SEARCH_LOG_LIMITS) {
  let pending: ServedSearch[] = [];
  let writing: Promise<void> | null = null;
  let dropped = 0;
  let droppedSinceWarning = 0;
  let failed = 0;

  async function writeBatches(batch: readonly ServedSearch[]): Promise<void> {
    for (let i = 0; i < batch.length; i += limits.batchSize) {
      const chunk = batch.slice(i, i + limits.batchSize);
      try {
        await write(chunk);
      } catch (err) {
        failed += chunk.length;
        log.warn({ err, searches: chunk.length }, 'search log rows not written');
      }
    }
  }

  async function flush(): Promise<number> {
    // One flush at a time: a caller arriving mid-write waits for it, then writes what came since.
    while (writing) await writing;
    const batch = pending;
    pending = [];
    if (droppedSinceWarning > 0) {
      log.warn({ dropped: droppedSinceWarning }, 'search log rows dropped (buffer full)');
      droppedSinceWarning = 0;
    }
    if (batch.length === 0) return 0;
    writing = writeBatches(batch).finally(() => {
      writing = null;
    });
    await writing;
    return batch.length;
  }

  return {
    /** Queues one served search; O(1), never waits. */
    add(row: ServedSearch): void {
      if (pending.length >= limits.maxPending) {
        dropped++;
        droppedSinceWarning++;
        return;
      }
      pending.push(row);
    },
    /** Writes what is waiting in batches of `limits.batchSize`; resolves when written (errors are logged, not thrown). Returns the rows taken. */
    flush,
    /** Rows waiting, rows dropped because the buffer was full and rows lost to failed writes, since the process started. */
    stats: () => ({ pending: pending.length, dropped, failed }),
  };
}

export type SearchLogBuffer = ReturnType<typeof createSearchLogBuffer>;

/** Writes served searches with one multi-row INSERT. */
export async function insertSearches(db: Kysely<Database>, rows: readonly ServedSearch[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('searchQueryLog')
    .values(rows.map((r) => ({ query: r.query, results: r.results, locale: r.locale, sessionId: r.sessionId, searchedAt: r.searchedAt })))
    .execute();
}

/**
 * Logged searches after `afterId` in id order (keyset; `'0'` = from the start), at most `limit`,
 * written before `receivedBefore` (a batch whose ids were taken but not yet committed is not
 * skipped past). `db` may be a transaction.
 */
export async function searchesAfter(db: Kysely<Database>, afterId: string, limit: number, receivedBefore: Date): Promise<LoggedSearch[]> {
  const rows = await db
    .selectFrom('searchQueryLog')
    .select(['id', 'query', 'results', 'locale', 'sessionId', 'searchedAt'])
    .where('id', '>', afterId)
    .where('receivedAt', '<', receivedBefore)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** Rows deleted per statement by `pruneSearches`, so no single delete holds locks for long. */
export const PRUNE_BATCH = 10_000;

/** Deletes up to `PRUNE_BATCH` logged searches older than `before`; returns how many. */
export async function pruneSearches(db: Kysely<Database>, before: Date): Promise<number> {
  const oldest = db.selectFrom('searchQueryLog').select('id').where('searchedAt', '<', before).orderBy('searchedAt').limit(PRUNE_BATCH);
  const result = await db.deleteFrom('searchQueryLog').where('id', 'in', oldest).executeTakeFirst();
  return Number(result.numDeletedRows);
}
