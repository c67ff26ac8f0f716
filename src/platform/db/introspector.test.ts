import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createDb, type Db } from './index.js';
import { runMigrations } from './migrate.js';

const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: the introspection tests cannot be skipped in CI');

const migrations = { '202601010000_widget': ['create table widget (id serial primary key, name text not null, note text)'] };

describe('introspection sees the current schema only [pglite]', () => {
  let db: Db;
  before(async () => {
    db = await createDb({ dataDir: 'memory://' });
  });
  after(() => db.close());

  test('migrations apply and the tables of the schema are described', async () => {
    assert.deepEqual(await runMigrations(db.db, [migrations]), ['202601010000_widget']);
    const tables = await db.db.introspection.getTables({ withInternalKyselyTables: true });
    const widget = tables.find((t) => t.name === 'widget');
    assert.ok(widget);
    assert.deepEqual(widget.columns.map((c) => [c.name, c.dataType, c.isNullable, c.isAutoIncrementing]), [
      ['id', 'int4', false, true],
      ['name', 'text', false, false],
      ['note', 'text', true, false],
    ]);
    assert.ok(tables.some((t) => t.name === 'bazaar_migration'));
    assert.deepEqual(await runMigrations(db.db, [migrations]), [], 'nothing is applied twice');
  });
});

describe('introspection sees the current schema only [postgres]', { skip: url ? false : 'TEST_DATABASE_URL not set' }, () => {
  const mine = `t_intro_${randomBytes(5).toString('hex')}`;
  const other = `t_intro_${randomBytes(5).toString('hex')}`;
  let admin: pg.Client;
  let db: Db;
  before(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${mine}`);
    db = await createDb({ url, schema: mine, poolSize: 4 });
  });
  after(async () => {
    await db.close();
    await admin.query(`drop schema if exists ${mine} cascade`);
    await admin.query(`drop schema if exists ${other} cascade`);
    await admin.end();
  });

  test("another schema's tables are not listed", async () => {
    await admin.query(`create schema ${other}`);
    await admin.query(`create table ${other}.widget (id int)`);
    await admin.query(`create table ${other}.gadget (id int)`);
    await runMigrations(db.db, [migrations]);
    const tables = await db.db.introspection.getTables({ withInternalKyselyTables: true });
    assert.deepEqual(new Set(tables.map((t) => t.schema)), new Set([mine]));
    assert.deepEqual(tables.map((t) => t.name).sort(), ['bazaar_migration', 'bazaar_migration_lock', 'widget']);
    await admin.query(`drop schema ${other} cascade`);
  });

  test('migrating while other schemas of the database are created and dropped never fails', async () => {
    let stop = false;
    const churner = async (n: number) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        for (let i = 0; !stop; i++) {
          const name = `${other}_${n}_${i}`;
          await c.query(`create schema ${name}`);
          for (let t = 0; t < 5; t++) await c.query(`create table ${name}.t${t} (id serial primary key, v text)`);
          await c.query(`drop schema ${name} cascade`);
        }
      } finally {
        await c.end();
      }
    };
    const churn = Promise.all([churner(1), churner(2)]);
    try {
      for (let i = 0; i < 150; i++) {
        assert.deepEqual(await runMigrations(db.db, [migrations]), []);
        await db.db.introspection.getTables({ withInternalKyselyTables: true });
      }
    } finally {
      stop = true;
      await churn;
    }
  });
});
