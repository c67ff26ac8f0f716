import { mkdir } from 'node:fs/promises';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import type { Config } from '../config.js';
import { createPGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';
export { withTransaction, type Tx } from './tx.js';
export { runMigrations, pendingMigrations, type MigrationSet } from './migrate.js';

export type Engine = 'pglite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://…`; absent → embedded PGlite. */
  url?: string;
  poolSize?: number;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  dataDir?: string;
  /** PostgreSQL schema to use as `search_path` (tests give each file its own). */
  schema?: string;
}

/** Options from the `database` slice of the configuration. */
export function dbOptionsFromConfig(config: Config['database']): DbOptions {
  return { url: config.url?.reveal(), poolSize: config.poolSize, dataDir: config.dataDir };
}

/**
 * Opens the database: PostgreSQL through a `pg` pool when `url` is set, otherwise embedded
 * PGlite (persisted in `dataDir`). Both get the same Kysely type, plugins and SQL.
 */
export async function createDb(options: DbOptions): Promise<Db> {
  const plugins = [new CamelCasePlugin()];
  if (options.url) {
    const pg = await import('pg');
    // int8 (counts, sums) as JS numbers: every bigint Bazaar stores fits in 2^53.
    pg.default.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.default.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client losing its server (restart, failover) must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, parsers: { 20: (v: string) => Number(v) } });
  const db = new Kysely<Database>({ dialect: createPGliteDialect(pglite), plugins });
  return { db, engine: 'pglite', close: () => db.destroy() };
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
