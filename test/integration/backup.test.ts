import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type BazaarApp } from '../../src/app.js';
import { BackupError, backupDatabase, restoreDatabase } from '../../src/platform/db/backup.js';
import { createDb, type Database, type DbOptions } from '../../src/platform/db/index.js';
import type { MailMessage } from '../../src/platform/mail.js';
import { signInActors } from '../helpers/actors.js';
import { DATABASES, testConfig, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A test app on a database of our choosing (a PGlite directory or a scratch PostgreSQL database). */
async function appOn(options: DbOptions): Promise<TestApp> {
  const config = testConfig();
  const mail: MailMessage[] = [];
  const db = await createDb(options);
  const target: { server?: BazaarApp['server'] } = {};
  const app = await createApp({
    config,
    db,
    logger: pino({ level: 'silent' }),
    mailTransport: { kind: 'log', send: async (m) => void mail.push(m) },
    paymentDeliver: async (url, body, headers) => ({ status: (await target.server!.inject({ method: 'POST', url: new URL(url).pathname, payload: body, headers })).statusCode }),
  });
  target.server = app.server;
  return Object.assign(app, { mail, config });
}

interface Filled {
  ownerToken: string;
  orderId: string;
  orderNumber: string;
  total: number;
}

/** Staff, a customer, two products with stock, and a guest order paid through the sandbox. */
async function fillShop(app: TestApp): Promise<Filled> {
  const actors = await signInActors(app);
  const s = shop(app, actors.owner.token);
  await s.product('TEE', { cny: 9900, usd: 1500, stock: 10, title: '恤衫 Tee' });
  await s.product('MUG', { cny: 4950, stock: 3 });
  const cart = await s.readyCart([
    ['TEE', 2],
    ['MUG', 1],
  ]);
  const placed = await s.checkout(cart.id);
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  await s.paySandbox(placed.body.id, { orderToken: placed.body.accessToken });
  await app.dispatcher.drain();
  return { ownerToken: actors.owner.token, orderId: placed.body.id, orderNumber: placed.body.number, total: placed.body.total };
}

/** The restored shop serves what the original held: sessions, the paid order, logins, stock. */
async function assertShopContent(app: TestApp, filled: Filled): Promise<void> {
  const http = client(app.server);
  const order = await http.get(`/admin/orders/${filled.orderId}`, { token: filled.ownerToken });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  assert.equal(order.body.number, filled.orderNumber);
  assert.equal(order.body.total, filled.total);
  assert.equal(order.body.paymentStatus, 'paid');
  const login = await http.post('/store/auth/login', { email: 'shopper@example.com', password: 'shopperpass1' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const tee = await app.db.selectFrom('catalogProduct').select('title').where('handle', '=', 'tee').executeTakeFirstOrThrow();
  assert.equal(tee.title, '恤衫 Tee');
}

type Query = (text: string) => Promise<Record<string, unknown>[]>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Row count and content checksum of every table in the connection's schema. */
async function snapshot(query: Query): Promise<Record<string, { rows: number; md5: string | null }>> {
  const tables = await query(`select tablename from pg_tables where schemaname = current_schema() order by 1`);
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const { tablename } of tables) {
    const name = String(tablename);
    const [row] = await query(`select count(*)::int as n, md5(string_agg(t::text, '' order by t::text)) as md5 from ${quote(name)} t`);
    out[name] = { rows: Number(row!.n), md5: (row!.md5 as string | null) ?? null };
  }
  return out;
}

const kyselyQuery =
  (db: Kysely<Database>): Query =>
  async (text) =>
    (await sql.raw<Record<string, unknown>>(text).execute(db)).rows;

function assertSameShop(actual: Awaited<ReturnType<typeof snapshot>>, expected: Awaited<ReturnType<typeof snapshot>>): void {
  assert.ok(Object.keys(expected).length > 50, `expected Bazaar's tables, got ${Object.keys(expected).length}`);
  for (const table of ['catalog_product', 'customer', 'orders', 'order_line', 'payment']) {
    if (expected[table]) assert.ok(expected[table].rows > 0, `${table} has rows`);
  }
  assert.deepEqual(actual, expected);
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, exitCode: number): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BackupError, String(err));
    assert.match(err.message, pattern);
    assert.equal(err.exitCode, exitCode);
    return true;
  });
}

if (DATABASES.includes('pglite')) {
  describe('backup and restore [pglite]', () => {
    let dir: string;
    let source: string;
    let file: string;
    let filled: Filled;
    let original: Awaited<ReturnType<typeof snapshot>>;
    const restoredSnapshot = async (dataDir: string) => {
      const db = await createDb({ dataDir });
      try {
        return await snapshot(kyselyQuery(db.db));
      } finally {
        await db.close();
      }
    };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bazaar-backup-'));
      source = join(dir, 'source');
      file = join(dir, 'shop.tar.gz');
      const app = await appOn({ dataDir: source });
      try {
        filled = await fillShop(app);
        original = await snapshot(kyselyQuery(app.db));
      } finally {
        await app.close();
      }
    });
    after(() => rm(dir, { recursive: true, force: true }));

    test('a backup restores into a fresh directory with every table and row', async () => {
      const backup = await backupDatabase({ dataDir: source, file });
      assert.equal(backup.engine, 'pglite');
      assert.equal(backup.tables, Object.keys(original).length);
      assert.ok(backup.bytes > 1000);
      await rejectsWith(backupDatabase({ dataDir: source, file }), /already exists/, 2);
      // Backing up leaves the source as it was.
      assert.deepEqual(await restoredSnapshot(source), original);

      const target = join(dir, 'restored');
      const restored = await restoreDatabase({ dataDir: target, file });
      assert.equal(restored.tables, backup.tables);
      assert.equal(restored.movedAside, undefined);
      assert.ok(!existsSync(join(target, 'postmaster.pid')), 'the restored directory is closed cleanly');
      const app = await appOn({ dataDir: target });
      try {
        assertSameShop(await snapshot(kyselyQuery(app.db)), original);
        await assertShopContent(app, filled);
      } finally {
        await app.close();
      }
    });

    test('the CLI backs up to a file relative to INIT_CWD and restores it', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, BAZAAR_DATA_DIR: source, BAZAAR_DEMO: '0', LOG_LEVEL: 'silent', INIT_CWD: dir };
      delete env.DATABASE_URL;
      const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
        spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env: { ...env, ...extra }, encoding: 'utf8', timeout: 180_000 });

      const backup = run(['backup', 'cli.tar.gz']);
      assert.equal(backup.status, 0, backup.stderr);
      assert.ok(backup.stdout.includes(`Backed up PGlite data directory ${source} to ${join(dir, 'cli.tar.gz')}`), backup.stdout);
      assert.match(backup.stdout, /\d+\.\d (KB|MB), \d+ table\(s\), \d+\.\d s/);

      const target = join(dir, 'cli-restored');
      const restore = run(['restore', 'cli.tar.gz'], { BAZAAR_DATA_DIR: target });
      assert.equal(restore.status, 0, restore.stderr);
      assert.ok(restore.stdout.includes(`Restored ${join(dir, 'cli.tar.gz')} into PGlite data directory ${target}`), restore.stdout);
      assert.deepEqual(await restoredSnapshot(target), original);

      const usage = run(['restore', '--fast']);
      assert.equal(usage.status, 2);
      assert.match(usage.stderr, /Unknown option --fast\nUsage: npm run restore -- <file>/);
    });

    test('restore refuses a non-empty directory unless forced, and then moves it aside', async () => {
      const target = join(dir, 'occupied');
      await restoreDatabase({ dataDir: target, file });
      await writeFile(join(target, 'marker'), 'the old shop');

      await rejectsWith(restoreDatabase({ dataDir: target, file }), /is not empty; nothing was changed.*--force/, 2);
      assert.ok(existsSync(join(target, 'marker')));
      const forced = await restoreDatabase({ dataDir: target, file, force: true });
      assert.ok(forced.movedAside?.startsWith(`${target}.before-restore-`), forced.movedAside);
      assert.ok(existsSync(join(forced.movedAside!, 'marker')), 'the old data directory is kept');
      assert.ok(!existsSync(join(target, 'marker')));
      const siblings = await readdir(dir);
      assert.ok(!siblings.some((name) => name.includes('.restoring-')), siblings.join(', '));
      assert.deepEqual(await restoredSnapshot(target), original);
    });

    test('a data directory open in a process is refused; a stale postmaster.pid is not', async () => {
      const locked = join(dir, 'locked.tar.gz');
      const open = await createDb({ dataDir: source });
      try {
        await sql`select 1`.execute(open.db);
        await rejectsWith(backupDatabase({ dataDir: source, file: locked }), new RegExp(`in use by process ${process.pid}\\b`), 1);
        await rejectsWith(restoreDatabase({ dataDir: source, file, force: true }), new RegExp(`in use by process ${process.pid}\\b`), 1);
      } finally {
        await open.close();
      }
      assert.ok(!existsSync(locked), 'no file is left by a refused backup');
      await writeFile(join(source, 'postmaster.pid'), '-42\n/pglite/data\n');
      const stale = await backupDatabase({ dataDir: source, file: locked });
      assert.match(stale.notes.join('\n'), /did not shut down cleanly/);
    });

    test('mismatched, missing and foreign files are refused with a clear message', async () => {
      await rejectsWith(restoreDatabase({ url: 'postgres://nobody@127.0.0.1:1/none', dataDir: source, file }), /is a PGlite data directory, but this shop runs on PostgreSQL/, 2);
      await rejectsWith(restoreDatabase({ dataDir: join(dir, 'x'), file: join(dir, 'missing.tar.gz') }), /not found/, 2);
      const foreign = join(dir, 'notes.txt');
      await writeFile(foreign, 'hello');
      await rejectsWith(restoreDatabase({ dataDir: join(dir, 'x'), file: foreign }), /is not a Bazaar backup/, 2);
      await rejectsWith(backupDatabase({ dataDir: 'memory://', file: join(dir, 'mem.tar.gz') }), /in-memory/, 2);
      await rejectsWith(backupDatabase({ dataDir: join(dir, 'empty'), file: join(dir, 'empty.tar.gz') }), /No Bazaar database/, 2);
    });
  });
}

if (DATABASES.includes('postgres')) {
  describe('backup and restore [postgres]', () => {
    const base = process.env.TEST_DATABASE_URL!;
    const names = { source: `bazaar_backup_${process.pid}_src`, target: `bazaar_backup_${process.pid}_dst` };
    const urlOf = (database: string) => {
      const url = new URL(base);
      url.pathname = `/${database}`;
      return url.toString();
    };
    const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    const snapshotOf = async (database: string) => {
      const c = new pg.Client({ connectionString: urlOf(database) });
      await c.connect();
      try {
        return await snapshot(async (text) => (await c.query<Record<string, unknown>>(text)).rows);
      } finally {
        await c.end();
      }
    };
    let dir: string;
    let filled: Filled;
    let original: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bazaar-backup-pg-'));
      await admin(async (c) => {
        for (const name of Object.values(names)) {
          await c.query(`drop database if exists ${name} with (force)`);
          await c.query(`create database ${name}`);
        }
      });
      const app = await appOn({ url: urlOf(names.source), poolSize: 4 });
      try {
        filled = await fillShop(app);
      } finally {
        await app.close();
      }
      original = await snapshotOf(names.source);
    });
    after(async () => {
      await admin(async (c) => {
        for (const name of Object.values(names)) await c.query(`drop database if exists ${name} with (force)`);
      });
      await rm(dir, { recursive: true, force: true });
    });

    test('pg_dump then pg_restore into another database keeps every table and row', async () => {
      const file = join(dir, 'shop.dump');
      const backup = await backupDatabase({ url: urlOf(names.source), dataDir: 'unused', file, env: process.env });
      assert.equal(backup.engine, 'postgres');
      assert.equal(backup.database, names.source);
      assert.equal(backup.tables, Object.keys(original).length);

      const restored = await restoreDatabase({ url: urlOf(names.target), dataDir: 'unused', file, env: process.env });
      assert.equal(restored.tables, backup.tables);
      assertSameShop(await snapshotOf(names.target), original);
      const app = await appOn({ url: urlOf(names.target), poolSize: 4 });
      try {
        await assertShopContent(app, filled);
      } finally {
        await app.close();
      }
    });

    test('a database with tables is refused unless --clean, which drops and recreates', async () => {
      const file = join(dir, 'shop.dump');
      const target = urlOf(names.target);
      const c = new pg.Client({ connectionString: target });
      await c.connect();
      await c.query(`delete from order_history`);
      await c.end();
      await rejectsWith(restoreDatabase({ url: target, dataDir: 'unused', file, env: process.env }), /already has \d+ table\(s\).*nothing was changed.*--clean/, 2);
      const cleaned = await restoreDatabase({ url: target, dataDir: 'unused', file, force: true, env: process.env });
      assert.equal(cleaned.tables, Object.keys(original).length);
      assertSameShop(await snapshotOf(names.target), original);
    });

    test('a missing tool or an unreachable database fails with a clear message and no file', async () => {
      const file = join(dir, 'failed.dump');
      await rejectsWith(backupDatabase({ url: urlOf(names.source), dataDir: 'unused', file, env: { ...process.env, PATH: '/nonexistent' } }), /pg_dump not found on PATH/, 1);
      await rejectsWith(backupDatabase({ url: urlOf(`bazaar_backup_${process.pid}_missing`), dataDir: 'unused', file, env: process.env }), /pg_dump failed \(exit code 1\); no backup was written[\s\S]*does not exist/, 1);
      assert.ok(!existsSync(file));
      assert.deepEqual((await readdir(dir)).filter((name) => name.includes('partial')), []);
      await rejectsWith(restoreDatabase({ dataDir: join(dir, 'pglite'), file: join(dir, 'shop.dump') }), /is a PostgreSQL pg_dump archive, but this shop runs on the embedded PGlite/, 2);
    });
  });
}
