import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createStatementNames } from './prepared.js';

const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: the prepared-statement tests cannot be skipped in CI');

describe('named statements for repeated SQL [postgres]', { skip: url ? false : 'TEST_DATABASE_URL not set' }, () => {
  const schema = `t_prep_${randomBytes(5).toString('hex')}`;
  let client: pg.Client;
  const prepared = async () => (await client.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map((r) => r.statement);

  before(async () => {
    client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.query('create table item (id int primary key, name text)');
    await client.query(`insert into item values (1, 'one'), (2, 'two')`);
    createStatementNames().install(client);
  });
  after(async () => {
    await client.query(`drop schema ${schema} cascade`);
    await client.end();
  });

  test('a text with parameters is prepared once it repeats; other texts stay unnamed', async () => {
    const text = 'select name from item where id = $1';
    for (let i = 0; i < 2; i++) assert.equal((await client.query(text, [1])).rows[0].name, 'one');
    assert.deepEqual(await prepared(), []);
    for (let i = 0; i < 4; i++) assert.equal((await client.query(text, [2])).rows[0].name, 'two');
    assert.deepEqual(await prepared(), [text]);
    for (let i = 0; i < 5; i++) await client.query('select count(*) from item');
    assert.deepEqual(await prepared(), [text], 'statements without parameters are not named');
  });

  test('a column added under a prepared select * is answered: retried outside a transaction, failed once inside one', async () => {
    const text = 'select * from item where id = $1';
    for (let i = 0; i < 4; i++) await client.query(text, [1]);
    assert.ok((await prepared()).includes(text));
    await client.query('alter table item add column price int');
    // Outside a transaction: the stale statement is replaced and the call answers.
    assert.deepEqual((await client.query(text, [1])).rows[0], { id: 1, name: 'one', price: null });

    for (let i = 0; i < 4; i++) await client.query(text, [2]);
    await client.query('alter table item add column stock int');
    await client.query('begin');
    await assert.rejects(client.query(text, [2]), /cached plan must not change result type/);
    await client.query('rollback');
    // The next use prepares it afresh.
    assert.deepEqual((await client.query(text, [2])).rows[0], { id: 2, name: 'two', price: null, stock: null });
  });
});
