import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, readlink, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Engine } from './index.js';

/**
 * Whole-shop backups. PostgreSQL goes through `pg_dump --format=custom` and `pg_restore`; the
 * embedded PGlite database through its own data-directory tarball (`dumpDataDir`, restored with
 * `loadDataDir`). A backup of one engine cannot be restored into the other.
 */

/** A failure to report to the operator as it is: no stack, the message says what to do. */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupOptions {
  /** `postgres://…` (PostgreSQL) or absent (PGlite in `dataDir`). */
  url?: string;
  dataDir: string;
  /** Absolute path of the backup file to write. */
  file: string;
  /** Overwrite an existing file. */
  force?: boolean;
  /** Environment for `pg_dump` (PATH, PGSSL…); the connection itself comes from `url`. */
  env?: NodeJS.ProcessEnv;
}

export interface RestoreOptions {
  url?: string;
  dataDir: string;
  file: string;
  /** PostgreSQL: drop and recreate the backup's objects; PGlite: move the existing data directory aside. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface BackupSummary {
  engine: Engine;
  /** The PostgreSQL database name or the PGlite data directory. */
  database: string;
  file: string;
  bytes: number;
  tables: number;
  durationMs: number;
  /** Where an existing PGlite data directory was moved by a forced restore. */
  movedAside?: string;
  /** Things the operator should know that did not stop the work. */
  notes: string[];
}

/** `bazaar-<engine>-<yyyymmddThhmmssZ>.<dump|tar.gz>`: the default backup file name. */
export function defaultBackupFileName(engine: Engine, now: Date): string {
  return `bazaar-${engine}-${timestamp(now)}.${engine === 'postgres' ? 'dump' : 'tar.gz'}`;
}

/** `20261127T180102Z`: UTC, sortable, safe in a file name. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Query parameters of a connection URL that libpq also reads from the environment. */
const URL_PARAMS_TO_ENV: Record<string, string> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
  host: 'PGHOST',
  port: 'PGPORT',
};

/**
 * The libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE…) for a
 * `postgres://` URL. The PostgreSQL tools get the connection this way so that the password never
 * appears in a command line (`ps`) or a log.
 */
export function pgEnvFromUrl(url: string): Record<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BackupError('DATABASE_URL is not a valid postgres:// URL', 2);
  }
  const env: Record<string, string> = {};
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host) env.PGHOST = decodeURIComponent(host);
  if (parsed.port) env.PGPORT = parsed.port;
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  for (const [param, value] of parsed.searchParams) {
    const name = URL_PARAMS_TO_ENV[param];
    if (name) env[name] = value;
    // node-postgres reads `ssl=true` as "use TLS"; libpq's nearest equivalent.
    else if (param === 'ssl' && ['true', '1'].includes(value) && !parsed.searchParams.has('sslmode')) env.PGSSLMODE = 'require';
  }
  return env;
}

/** The engine a backup file belongs to, from its first bytes; null when it is neither. */
export function backupKindOf(header: Uint8Array): Engine | null {
  const text = (from: number, to: number) => Buffer.from(header.subarray(from, to)).toString('latin1');
  if (text(0, 5) === 'PGDMP') return 'postgres';
  if (header[0] === 0x1f && header[1] === 0x8b) return 'pglite';
  if (text(257, 262) === 'ustar') return 'pglite';
  return null;
}

/** Backs up the whole database the options point at into `options.file`. */
export async function backupDatabase(options: BackupOptions): Promise<BackupSummary> {
  const started = Date.now();
  if (existsSync(options.file) && !options.force) {
    throw new BackupError(`${options.file} already exists; choose another file or pass --force to overwrite it`, 2);
  }
  const notes = options.url ? [] : await checkPGliteSource(options.dataDir);
  await mkdir(dirname(options.file), { recursive: true });
  const partial = join(dirname(options.file), `.${basename(options.file)}.partial-${process.pid}`);
  try {
    const tables = options.url ? await dumpPostgres(options.url, partial, options.env) : await dumpPGlite(options.dataDir, partial);
    // Renamed only once complete, so a failed or interrupted backup never looks like a good one.
    await rename(partial, options.file);
    const bytes = (await stat(options.file)).size;
    return { engine: options.url ? 'postgres' : 'pglite', database: databaseName(options), file: options.file, bytes, tables, durationMs: Date.now() - started, notes };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Restores a backup file into the database the options point at, refusing to overwrite unless forced. */
export async function restoreDatabase(options: RestoreOptions): Promise<BackupSummary> {
  const started = Date.now();
  const engine: Engine = options.url ? 'postgres' : 'pglite';
  const bytes = await checkBackupFile(options.file, engine);
  const done = options.url ? await restorePostgres(options.url, options.file, Boolean(options.force), options.env) : await restorePGlite(options.dataDir, options.file, Boolean(options.force));
  return { engine, database: databaseName(options), file: options.file, bytes, durationMs: Date.now() - started, ...done };
}

function databaseName(options: { url?: string; dataDir: string }): string {
  if (!options.url) return resolve(options.dataDir);
  const env = pgEnvFromUrl(options.url);
  return env.PGDATABASE ?? env.PGUSER ?? '(default)';
}

/** The file's size, after checking it exists and was made for `engine`. */
async function checkBackupFile(file: string, engine: Engine): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BackupError(`Backup file ${file} not found`, 2);
  }
  const handle = await open(file, 'r');
  const header = new Uint8Array(512);
  try {
    await handle.read(header, 0, header.length, 0);
  } finally {
    await handle.close();
  }
  const kind = backupKindOf(header);
  if (kind === null) throw new BackupError(`${file} is not a Bazaar backup (neither a pg_dump custom archive nor a PGlite data directory tarball)`, 2);
  if (kind !== engine) {
    const target = engine === 'postgres' ? 'PostgreSQL (DATABASE_URL is set)' : 'the embedded PGlite database (DATABASE_URL is not set)';
    const source = kind === 'postgres' ? 'a PostgreSQL pg_dump archive' : 'a PGlite data directory';
    throw new BackupError(`${file} is ${source}, but this shop runs on ${target}. Restore it with the same engine it was made on; backups do not move between engines.`, 2);
  }
  return size;
}

// ─── PostgreSQL ────────────────────────────────────────────────────────────────────────────────

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a PostgreSQL client tool; a missing binary is a `BackupError` that says what to install. */
function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new BackupError(`${tool} not found on PATH: install the PostgreSQL client tools of the server's major version (Debian: apt-get install postgresql-client-15)`));
      else reject(new BackupError(`${tool} could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function toolFailed(tool: string, result: ToolResult, consequence: string): BackupError {
  const detail = result.stderr.trim().split('\n').slice(-20).join('\n  ');
  return new BackupError(`${tool} failed (exit code ${result.code}); ${consequence}.${detail ? `\n  ${detail}` : ''}`);
}

/** The tools' environment: the caller's (PATH, locale) with the connection from the URL on top. */
function toolEnv(url: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...env, ...pgEnvFromUrl(url) };
}

/** Tables in a custom-format archive, from its table of contents. */
async function countArchiveTables(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const listed = await runTool('pg_restore', ['--list', file], env);
  if (listed.code !== 0) throw toolFailed('pg_restore --list', listed, 'the archive could not be read back');
  return listed.stdout.split('\n').filter((line) => /^\d+; \d+ \d+ TABLE (?!DATA )/.test(line)).length;
}

/** Dumps the whole database into `file`; returns the number of tables in the archive. */
async function dumpPostgres(url: string, file: string, baseEnv?: NodeJS.ProcessEnv): Promise<number> {
  const env = toolEnv(url, baseEnv);
  const result = await runTool('pg_dump', ['--format=custom', '--no-password', `--file=${file}`], env);
  if (result.code !== 0) throw toolFailed('pg_dump', result, 'no backup was written');
  return countArchiveTables(file, env);
}

/** User tables of the database, at most a few names plus the count. */
async function userTables(url: string): Promise<{ count: number; sample: string[] }> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(`Cannot connect to the database of DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      `select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by tablename = 'bazaar_migration' desc, 1`,
    );
    return { count: rows.length, sample: rows.slice(0, 3).map((r) => r.name) };
  } finally {
    await client.end();
  }
}

/** `dbname='…'` for libpq: the database name as a connection string, whatever characters it has. */
function conninfoDbname(name: string): string {
  return `dbname='${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

async function restorePostgres(url: string, file: string, clean: boolean, baseEnv?: NodeJS.ProcessEnv): Promise<{ tables: number; notes: string[] }> {
  const env = toolEnv(url, baseEnv);
  const database = env.PGDATABASE ?? env.PGUSER;
  if (!database) throw new BackupError('DATABASE_URL names no database to restore into', 2);
  const before = await userTables(url);
  if (before.count > 0 && !clean) {
    throw new BackupError(
      `Database "${database}" already has ${before.count} table(s) (${before.sample.join(', ')}${before.count > 3 ? ', …' : ''}); nothing was changed. ` +
        'Restore into an empty database (createdb), or pass --clean (or --force) to drop and recreate the objects in the backup.',
      2,
    );
  }
  // One transaction: a restore that fails part way leaves the database as it was. Objects are
  // owned by the DATABASE_URL user, as they are when Bazaar creates them, so a backup moves
  // between servers whose role names differ.
  const args = ['--single-transaction', '--no-owner', '--no-privileges', '--no-password', ...(clean ? ['--clean', '--if-exists'] : []), `--dbname=${conninfoDbname(database)}`, file];
  const result = await runTool('pg_restore', args, env);
  if (result.code !== 0) throw toolFailed('pg_restore', result, 'the restore was rolled back and the database is as it was');
  return { tables: (await userTables(url)).count, notes: [] };
}

// ─── PGlite ────────────────────────────────────────────────────────────────────────────────────

/** Same as the serving process (see createDb): the default 128 MB of shared buffers buys nothing here. */
const PGLITE_CONF = ['shared_buffers = 16MB'];

async function openPGlite(dataDir: string, loadDataDir?: File) {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
  return PGlite.create({ dataDir, postgresqlconf: PGLITE_CONF, extensions: { pg_trgm }, ...(loadDataDir ? { loadDataDir } : {}) });
}

const COUNT_TABLES = `select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;

/**
 * Process ids with a file open inside `dir` (Linux `/proc`), or null when that cannot be told
 * for every process. PGlite keeps its relation and WAL files open while it runs.
 */
export async function processesUsingDir(dir: string, procRoot = '/proc'): Promise<number[] | null> {
  let entries: string[];
  try {
    entries = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const prefix = (await realpath(dir)) + sep;
  const users: number[] = [];
  let unknown = false;
  for (const pid of entries) {
    let fds: string[];
    try {
      fds = await readdir(join(procRoot, pid, 'fd'));
    } catch (err) {
      // A process that ended meanwhile is fine; one we may not look into is not.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unknown = true;
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(join(procRoot, pid, 'fd', fd)).catch(() => '');
      if (target.startsWith(prefix)) {
        users.push(Number(pid));
        break;
      }
    }
  }
  return users.length === 0 && unknown ? null : users;
}

/**
 * Refuses to touch a PGlite data directory another process has open. PGlite writes
 * `postmaster.pid` while open and removes it on a clean close, but never checks it, so two
 * processes could open one directory and corrupt it. Returns a note for a stale file.
 */
async function assertDataDirFree(dataDir: string): Promise<string[]> {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return [];
  const users = await processesUsingDir(dataDir);
  if (users && users.length > 0) {
    throw new BackupError(`${dataDir} is in use by process ${users.join(', ')} (a running Bazaar?). Stop it first: the embedded database belongs to one process.`);
  }
  if (users === null) {
    throw new BackupError(
      `${dataDir} has a postmaster.pid: a Bazaar process may be using it. Stop it first. If none is running (the last one did not shut down cleanly), delete ${join(dataDir, 'postmaster.pid')} and try again.`,
    );
  }
  return [`${join(dataDir, 'postmaster.pid')} was left by a process that did not shut down cleanly; no process has the directory open, so it was ignored.`];
}

/** Refuses a data directory that cannot be backed up; returns notes about a stale lock. */
async function checkPGliteSource(dataDir: string): Promise<string[]> {
  if (dataDir.startsWith('memory://')) throw new BackupError('BAZAAR_DATA_DIR is an in-memory database: there is nothing on disk to back up', 2);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) throw new BackupError(`No Bazaar database in ${resolve(dataDir)} (BAZAAR_DATA_DIR); nothing to back up`, 2);
  return assertDataDirFree(dataDir);
}

/** Writes the data directory's tarball to `file`; returns the number of tables. */
async function dumpPGlite(dataDir: string, file: string): Promise<number> {
  const pglite = await openPGlite(dataDir);
  try {
    // Data files brought up to date with the WAL, so the restored copy needs no crash recovery.
    await pglite.exec('checkpoint');
    const { rows } = await pglite.query<{ n: number }>(COUNT_TABLES);
    const tarball = await pglite.dumpDataDir('gzip');
    await writeFile(file, new Uint8Array(await tarball.arrayBuffer()));
    return rows[0]?.n ?? 0;
  } finally {
    await pglite.close();
  }
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Unpacks the tarball into a fresh directory beside the target and opens it there once; only a
 * copy that opened replaces the data directory, which a forced restore moves aside, never deletes.
 */
async function restorePGlite(dataDir: string, file: string, force: boolean): Promise<{ tables: number; notes: string[]; movedAside?: string }> {
  if (dataDir.startsWith('memory://')) throw new BackupError('BAZAAR_DATA_DIR is an in-memory database: set it to a directory to restore into', 2);
  const target = resolve(dataDir);
  const occupied = await isNonEmptyDir(target);
  if (occupied && !force) {
    throw new BackupError(`${target} (BAZAAR_DATA_DIR) is not empty; nothing was changed. Pass --force to move it aside to ${basename(target)}.before-restore-<timestamp> and restore.`, 2);
  }
  const notes = occupied ? await assertDataDirFree(target) : [];
  const stamp = timestamp(new Date());
  const staging = `${target}.restoring-${stamp}`;
  await mkdir(staging, { recursive: true });
  let tables: number;
  try {
    const bytes = await readFile(file);
    // PGlite decides whether to gunzip from the name and type it is handed.
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const tarball = new File([bytes], gzipped ? 'pgdata.tar.gz' : 'pgdata.tar', { type: gzipped ? 'application/x-gzip' : 'application/x-tar' });
    const pglite = await openPGlite(staging, tarball);
    try {
      const { rows } = await pglite.query<{ n: number }>(COUNT_TABLES);
      tables = rows[0]?.n ?? 0;
    } finally {
      await pglite.close();
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw new BackupError(`${file} could not be restored (${err instanceof Error ? err.message : String(err)}); nothing was changed.`);
  }
  let movedAside: string | undefined;
  if (occupied) {
    movedAside = `${target}.before-restore-${stamp}`;
    await rename(target, movedAside);
  } else if (existsSync(target)) {
    await rmdir(target);
  }
  await rename(staging, target);
  return { tables, notes, movedAside };
}
