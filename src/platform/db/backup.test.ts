import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../config.js';
import { Secret } from '../secret.js';
import { backupFilePath, formatBytes, parseBackupArgs, runBackupCli } from './backup-cli.js';
import { BackupError, backupKindOf, defaultBackupFileName, pgEnvFromUrl, processesUsingDir } from './backup.js';

test('the connection reaches the PostgreSQL tools as libpq variables, password decoded', () => {
  assert.deepEqual(pgEnvFromUrl('postgres://shop:p%40ss%3Aw0rd@db.internal:6432/bazaar?sslmode=require&application_name=backup'), {
    PGHOST: 'db.internal',
    PGPORT: '6432',
    PGUSER: 'shop',
    PGPASSWORD: 'p@ss:w0rd',
    PGDATABASE: 'bazaar',
    PGSSLMODE: 'require',
    PGAPPNAME: 'backup',
  });
  assert.deepEqual(pgEnvFromUrl('postgresql://postgres@[::1]/test'), { PGHOST: '::1', PGUSER: 'postgres', PGDATABASE: 'test' });
  assert.deepEqual(pgEnvFromUrl('postgres:///bazaar?host=/var/run/postgresql'), { PGDATABASE: 'bazaar', PGHOST: '/var/run/postgresql' });
  assert.deepEqual(pgEnvFromUrl('postgres://u@h/db?ssl=true'), { PGHOST: 'h', PGUSER: 'u', PGDATABASE: 'db', PGSSLMODE: 'require' });
  assert.throws(() => pgEnvFromUrl('postgres://u:secret@h:notaport/db'), (e: unknown) => e instanceof BackupError && !e.message.includes('secret'));
});

test('a backup file tells its engine by its first bytes', () => {
  const header = (text: string, at = 0) => {
    const bytes = new Uint8Array(512);
    bytes.set(Buffer.from(text, 'latin1'), at);
    return bytes;
  };
  assert.equal(backupKindOf(header('PGDMP\x01\x0f')), 'postgres');
  assert.equal(backupKindOf(header('\x1f\x8b\x08')), 'pglite');
  assert.equal(backupKindOf(header('ustar', 257)), 'pglite');
  assert.equal(backupKindOf(header('-- PostgreSQL database dump')), null);
  assert.equal(backupKindOf(new Uint8Array(0)), null);
});

test('default file names carry the engine and a sortable UTC time', () => {
  const now = new Date('2026-11-27T18:01:02.345Z');
  assert.equal(defaultBackupFileName('postgres', now), 'bazaar-postgres-20261127T180102Z.dump');
  assert.equal(defaultBackupFileName('pglite', now), 'bazaar-pglite-20261127T180102Z.tar.gz');
});

test('backup goes to the file given, or to the default name in a directory given or in the caller\'s', async () => {
  const now = new Date('2026-11-27T18:01:02Z');
  const cwd = await mkdtemp(join(tmpdir(), 'bazaar-cwd-'));
  try {
    await mkdir(join(cwd, 'nightly'));
    assert.equal(backupFilePath(cwd, undefined, 'pglite', now), join(cwd, 'bazaar-pglite-20261127T180102Z.tar.gz'));
    assert.equal(backupFilePath(cwd, 'shop.dump', 'postgres', now), join(cwd, 'shop.dump'));
    assert.equal(backupFilePath(cwd, '/srv/backups/shop.dump', 'postgres', now), '/srv/backups/shop.dump');
    assert.equal(backupFilePath(cwd, 'nightly', 'postgres', now), join(cwd, 'nightly', 'bazaar-postgres-20261127T180102Z.dump'));
    assert.equal(backupFilePath(cwd, 'weekly/', 'postgres', now), join(cwd, 'weekly', 'bazaar-postgres-20261127T180102Z.dump'));
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('arguments: one file, --force or --clean, nothing else', () => {
  assert.deepEqual(parseBackupArgs([]), { force: false });
  assert.deepEqual(parseBackupArgs(['a.dump', '--clean']), { file: 'a.dump', force: true });
  assert.deepEqual(parseBackupArgs(['--force', 'a.dump']), { file: 'a.dump', force: true });
  assert.throws(() => parseBackupArgs(['--fast']), /Unknown option --fast/);
  assert.throws(() => parseBackupArgs(['a', 'b']), /Unexpected argument b/);
});

test('sizes for people', () => {
  assert.equal(formatBytes(812), '812 B');
  assert.equal(formatBytes(5_632_300), '5.4 MB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
});

test('the CLI reports misuse and refusals with exit code 2 and a message', async () => {
  const run = async (command: 'backup' | 'restore', argv: string[], database: Config['database'] = { poolSize: 1, dataDir: 'memory://' }) => {
    let out = '';
    let err = '';
    const code = await runBackupCli(command, database, argv, { cwd: tmpdir(), env: {}, out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  };
  assert.deepEqual(await run('restore', []), { code: 2, out: '', err: 'Usage: npm run restore -- <file> [--force | --clean]\n' });
  assert.equal((await run('backup', ['--nope'])).err, 'Unknown option --nope\nUsage: npm run backup -- [file | directory] [--force]\n');
  const memory = await run('backup', []);
  assert.equal(memory.code, 2);
  assert.match(memory.err, /in-memory database/);
  const missing = await run('restore', ['no-such-backup.dump'], { poolSize: 1, dataDir: 'memory://', url: new Secret('postgres://u:pw@127.0.0.1:1/db') });
  assert.equal(missing.code, 2);
  assert.match(missing.err, new RegExp(`Backup file ${join(tmpdir(), 'no-such-backup.dump')} not found`));
});

test('processes with a file open under a directory are found through /proc', async () => {
  const root = await mkdtemp(join(tmpdir(), 'bazaar-proc-'));
  try {
    const data = join(root, 'data');
    await mkdir(join(data, 'base'), { recursive: true });
    await writeFile(join(data, 'base', '1'), '');
    const proc = join(root, 'proc');
    const fd = async (pid: string, n: string, target: string) => {
      await mkdir(join(proc, pid, 'fd'), { recursive: true });
      await symlink(target, join(proc, pid, 'fd', n));
    };
    await fd('100', '3', join(data, 'base', '1'));
    await fd('200', '1', join(root, 'elsewhere'));
    await fd('300', '4', `${data}-other/base/1`);
    await mkdir(join(proc, 'self'));
    assert.deepEqual(await processesUsingDir(data, proc), [100]);

    await rm(join(proc, '100'), { recursive: true });
    assert.deepEqual(await processesUsingDir(data, proc), []);
    // A process whose descriptors cannot be listed leaves the answer unknown.
    await mkdir(join(proc, '400'));
    await writeFile(join(proc, '400', 'fd'), '');
    assert.equal(await processesUsingDir(data, proc), null);
    assert.equal(await processesUsingDir(data, join(root, 'no-proc')), null);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
