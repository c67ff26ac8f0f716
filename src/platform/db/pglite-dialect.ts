import type { PGlite } from '@electric-sql/pglite';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';

/**
 * A FIFO lock. PGlite is a single connection: without it, two requests that each open a
 * transaction would interleave their statements inside one another's BEGIN…COMMIT.
 */
class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];
  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

/**
 * PGlite reports changed rows as `affectedRows`; Kysely reads `numAffectedRows`. Without this,
 * `numUpdatedRows`/`numDeletedRows` would read 0 on PGlite and correctly on PostgreSQL.
 */
class AffectedRowsConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = (await this.inner.executeQuery<R>(query)) as QueryResult<R> & { affectedRows?: number };
    if (result.numAffectedRows === undefined && typeof result.affectedRows === 'number') {
      return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
    }
    return result;
  }
  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** Serialises connection use over the `kysely-pglite` driver, which hands out the same client to all. */
class ExclusivePGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  constructor(private readonly inner: Driver) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.acquire();
    try {
      return new AffectedRowsConnection(await this.inner.acquireConnection());
    } catch (err) {
      this.#mutex.release();
      throw err;
    }
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.#mutex.release();
    }
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** The `kysely-pglite` dialect with every connection use serialised (see `Mutex`). */
export function createPGliteDialect(pglite: PGlite): Dialect {
  const base = new KyselyPGlite(pglite).dialect;
  return {
    createAdapter: () => base.createAdapter(),
    createDriver: () => new ExclusivePGliteDriver(base.createDriver()),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
  };
}
