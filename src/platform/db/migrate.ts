import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';

/**
 * Migrations a module contributes: name → ordered SQL statements. Names start with a
 * `yyyymmddhhmm_` timestamp so the set from all modules sorts into one global order.
 * Statements are plain SQL that both PostgreSQL 15 and PGlite accept, one statement each.
 */
export type MigrationSet = Record<string, readonly string[]>;

class StaticProvider implements MigrationProvider {
  constructor(private readonly sets: readonly MigrationSet[]) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const set of this.sets) {
      for (const [name, statements] of Object.entries(set)) {
        if (out[name]) throw new Error(`Duplicate migration name ${name}`);
        out[name] = {
          up: async (db: Kysely<unknown>) => {
            for (const statement of statements) await sql.raw(statement).execute(db);
          },
        };
      }
    }
    return out;
  }
}

async function migrator(db: Kysely<Database>, sets: readonly MigrationSet[]): Promise<Migrator> {
  // The bookkeeping tables live in the schema the connection works in. Named explicitly,
  // because Kysely otherwise looks for them in every schema and would find another
  // deployment's (or test's) tables sharing the database.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({
    db,
    provider: new StaticProvider(sets),
    migrationTableName: 'bazaar_migration',
    migrationLockTableName: 'bazaar_migration_lock',
    migrationTableSchema: rows[0]?.schema ?? 'public',
  });
}

/**
 * Applies every pending migration in one transaction, under the migrator's lock
 * (so several processes starting at once apply each migration exactly once). Returns the names
 * applied; on a failure nothing of the batch stays and the error is thrown.
 */
export async function runMigrations(db: Kysely<Database>, sets: readonly MigrationSet[]): Promise<string[]> {
  const { error, results } = await (await migrator(db, sets)).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(db: Kysely<Database>, sets: readonly MigrationSet[]): Promise<string[]> {
  const all = await (await migrator(db, sets)).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
