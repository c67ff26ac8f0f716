import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

/** SQLSTATEs after which the whole transaction may succeed if simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export interface TransactionOptions {
  /** Extra attempts after a serialization failure or deadlock (default 3). */
  retries?: number;
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `fn` in one transaction and returns its value. The transaction is passed as a value:
 * inside `fn` use only `trx`. Serialization failures (40001) and deadlocks (40P01) re-run `fn`
 * on a fresh transaction up to `retries` times, then the first error is rethrown. Called with a
 * transaction, it runs `fn` in that transaction: transactions never nest.
 *
 * @example
 * const order = await withTransaction(db, async (trx) => placeOrder(trx, cart));
 */
export async function withTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  const retries = options.retries ?? 3;
  let firstError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      let builder = db.transaction();
      if (options.isolation) builder = builder.setIsolationLevel(options.isolation);
      return await builder.execute(fn);
    } catch (err) {
      const state = sqlState(err);
      if (!state || !RETRYABLE.has(state)) throw err;
      firstError ??= err;
      if (attempt >= retries) throw firstError;
      // Jittered backoff so colliding transactions do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    }
  }
}
