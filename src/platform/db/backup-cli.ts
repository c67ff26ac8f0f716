/** The `backup` and `restore` commands of `main.js`: arguments in, a summary or a clear error out. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { BackupError, backupDatabase, defaultBackupFileName, restoreDatabase, type BackupSummary } from './backup.js';
import type { Engine } from './index.js';

export interface BackupArgs {
  file?: string;
  force: boolean;
}

/** `[file] [--force|--clean]`; anything else is a usage error. */
export function parseBackupArgs(argv: readonly string[]): BackupArgs {
  const out: BackupArgs = { force: false };
  for (const arg of argv) {
    if (arg === '--force' || arg === '--clean') out.force = true;
    else if (arg.startsWith('-')) throw new BackupError(`Unknown option ${arg}`, 2);
    else if (out.file === undefined) out.file = arg;
    else throw new BackupError(`Unexpected argument ${arg}: give one file`, 2);
  }
  return out;
}

/**
 * Where `backup` writes: the file given (relative to `cwd`), the default name inside a directory
 * given, or the default name in `cwd`.
 */
export function backupFilePath(cwd: string, arg: string | undefined, engine: Engine, now: Date): string {
  const path = resolve(cwd, arg ?? '.');
  const isDir = arg === undefined || arg.endsWith('/') || (existsSync(path) && statSync(path).isDirectory());
  return isDir ? join(path, defaultBackupFileName(engine, now)) : path;
}

/** `812 B`, `5.4 MB`: a file size for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function summaryText(command: 'backup' | 'restore', s: BackupSummary): string {
  const where = s.engine === 'postgres' ? `PostgreSQL database "${s.database}"` : `PGlite data directory ${s.database}`;
  const lines = [command === 'backup' ? `Backed up ${where} to ${s.file}` : `Restored ${s.file} into ${where}`];
  lines.push(`  ${formatBytes(s.bytes)}, ${s.tables} table(s), ${(s.durationMs / 1000).toFixed(1)} s`);
  if (s.movedAside) lines.push(`  the previous data directory was moved to ${s.movedAside}`);
  for (const note of s.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export interface BackupCliContext {
  /** Directory relative file names are resolved against (npm's INIT_CWD). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  now?: Date;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const USAGE = {
  backup: 'Usage: npm run backup -- [file | directory] [--force]',
  restore: 'Usage: npm run restore -- <file> [--force | --clean]',
};

/**
 * `main.js backup [file] [--force]` and `main.js restore <file> [--force | --clean]`: prints what
 * was done and returns the process exit code: 0 done, 1 failed, 2 refused or misused. Never throws.
 */
export async function runBackupCli(command: 'backup' | 'restore', database: Config['database'], argv: readonly string[], ctx: BackupCliContext): Promise<number> {
  const out = ctx.out ?? ((t: string) => void process.stdout.write(t));
  const err = ctx.err ?? ((t: string) => void process.stderr.write(t));
  let args: BackupArgs;
  try {
    args = parseBackupArgs(argv);
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\n${USAGE[command]}\n`);
    return 2;
  }
  if (command === 'restore' && !args.file) {
    err(`${USAGE.restore}\n`);
    return 2;
  }
  const url = database.url?.reveal();
  const file = command === 'backup' ? backupFilePath(ctx.cwd, args.file, url ? 'postgres' : 'pglite', ctx.now ?? new Date()) : resolve(ctx.cwd, args.file!);
  const options = { url, dataDir: database.dataDir, file, force: args.force, env: ctx.env };
  try {
    out(summaryText(command, command === 'backup' ? await backupDatabase(options) : await restoreDatabase(options)));
    return 0;
  } catch (e) {
    if (e instanceof BackupError) {
      err(`${e.message}\n`);
      return e.exitCode;
    }
    err(`${command} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
