import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from './schema.js';
import { listenOnDedicatedClient, type Unlisten } from './listen.js';
import { withCurrentSchemaIntrospection } from './introspector.js';
import { createStatementNames } from './prepared.js';
import { statementLog } from './statements.js';

export type { Database } from './schema.js';
export { withTransaction, type Tx } from './tx.js';
export { runMigrations, pendingMigrations, type MigrationSet } from './migrate.js';
export { countStatements, currentStatements } from './statements.js';

export type Engine = 'pglite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
  /**
   * Receives NOTIFYs on `channel`: on PostgreSQL over a connection of its own (reopened after
   * errors, then `onResync`), on PGlite in process. A NOTIFY inside a transaction arrives at commit.
   */
  listen?(channel: string, onPayload: (payload: string) => void, onResync: () => void): Promise<Unlisten>;
}

export interface DbOptions {
  /** `postgres://…`; absent → embedded PGlite. */
  url?: string;
  poolSize?: number;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  dataDir?: string;
  /** PostgreSQL schema to use as `search_path` (tests give each file its own). */
  schema?: string;
  /** Count statements per `countStatements` scope (a diagnostic: one callback per statement). */
  countStatements?: boolean;
  /** PostgreSQL: name (prepare once per connection) the statements sent again and again. */
  preparedStatements?: boolean;
}

/** Options from the `database` slice of the configuration. */
export function dbOptionsFromConfig(config: Config['database']): DbOptions {
  return { url: config.url?.reveal(), poolSize: config.poolSize, dataDir: config.dataDir, countStatements: config.countStatements, preparedStatements: config.preparedStatements };
}

/**
 * Opens the database: PostgreSQL through a `pg` pool when `url` is set, otherwise embedded
 * PGlite (persisted in `dataDir`). Both get the same Kysely type, plugins and SQL.
 */
export async function createDb(options: DbOptions): Promise<Db> {
  // Only column names are re-cased: keys inside jsonb values (attribute names, locales) are data.
  const plugins = [new CamelCasePlugin({ maintainNestedObjectKeys: true })];
  const log = options.countStatements ? statementLog : undefined;
  if (options.url) {
    const pg = await import('pg');
    // int8 (counts, sums) as JS numbers: every bigint Bazaar stores fits in 2^53.
    pg.default.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.default.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      // A server that vanishes without closing the connection (a partition, a dead host) is
      // noticed by TCP keepalive instead of leaving queries waiting forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Connections are replaced every 15 minutes: the statements a connection has prepared keep
      // the plans made when they were prepared, and a shop that grew since (a fresh shop filling
      // up, a server where autovacuum lags) gets them re-planned on current statistics.
      maxLifetimeSeconds: 900,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // A client losing its server (restart, failover, cut network) must not crash the process.
    // Idle clients report through the pool; a checked-out client emits 'error' itself, and with
    // no listener that would be an uncaught exception. Its queries fail either way (503).
    pool.on('error', () => {});
    const names = options.preparedStatements ? createStatementNames() : null;
    pool.on('connect', (client) => {
      client.on('error', () => {});
      names?.install(client);
    });
    const db = new Kysely<Database>({ dialect: withCurrentSchemaIntrospection(new PostgresDialect({ pool })), plugins, log });
    const url = options.url;
    const newClient = () => new pg.default.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    return { db, engine: 'postgres', close: () => db.destroy(), listen: (channel, onPayload, onResync) => listenOnDedicatedClient(newClient, channel, onPayload, onResync) };
  }
  const [{ PGlite }, { createPGliteDialect }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('./pglite-dialect.js'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) {
    await mkdir(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) initPGliteDataDir(dataDir);
  }
  // pg_trgm ships with PGlite but must be loaded explicitly; search uses it for typo tolerance.
  const pglite = await PGlite.create({ dataDir, postgresqlconf: PGLITE_CONF, extensions: { pg_trgm }, parsers: { 20: (v: string) => Number(v) } });
  const db = new Kysely<Database>({ dialect: withCurrentSchemaIntrospection(createPGliteDialect(pglite)), plugins, log });
  return {
    db,
    engine: 'pglite',
    close: () => db.destroy(),
    async listen(channel, onPayload) {
      const stop = await pglite.listen(channel, onPayload);
      return () => stop();
    },
  };
}

/**
 * Embedded PostgreSQL settings. The server default of 128 MB shared buffers more than doubles
 * the process's resident memory for no gain at the sizes PGlite serves.
 */
const PGLITE_CONF = ['shared_buffers = 16MB'];

/**
 * Creates a PGlite data directory in a short-lived child process. initdb grows WebAssembly
 * memory to ~700 MB, which a process never gives back; done apart, the serving process starts
 * at a fraction of that.
 */
function initPGliteDataDir(dataDir: string): void {
  const script = 'const { PGlite } = await import(process.argv[1]); const db = await PGlite.create({ dataDir: process.argv[2] }); await db.close();';
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dataDir], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`Could not initialise the database in ${dataDir}`);
}

/** True when the database answers a trivial query. */
export async function pingDb(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
