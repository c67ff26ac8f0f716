// DATABASE_REPLICA_URL: the store's catalog pages and searches read the replica; admin reads,
// carts, checkout and payment use the primary. The "replica" here is a second, migrated but empty
// schema, so where each read went shows in what it finds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { MIGRATIONS } from '../../src/app.js';
import { createDb, runMigrations, type Db } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { shop } from '../helpers/shop.js';

const postgres = DATABASES.includes('postgres');
let app: TestApp;
let replica: Db;
let replicaSchema: string;
let token: string;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

before(async () => {
  if (!postgres) return;
  replicaSchema = `r_${randomBytes(6).toString('hex')}`;
  await admin(`create schema ${replicaSchema}`);
  replica = await createDb({ url: process.env.TEST_DATABASE_URL, schema: replicaSchema, poolSize: 4 });
  await runMigrations(replica.db, MIGRATIONS);
  app = await buildTestApp('postgres', {}, { replica });
  token = (await signInActors(app)).owner.token;
});

after(async () => {
  if (!postgres) return;
  await app?.close();
  await admin(`drop schema if exists ${replicaSchema} cascade`);
});

test('store catalog reads and searches go to the replica; admin, cart, checkout and payment to the primary', { skip: postgres ? false : 'needs TEST_DATABASE_URL' }, async () => {
  const s = shop(app, token);
  await s.product('REP-1', { cny: 1990, stock: 5, title: 'Replica kettle' });
  await app.dispatcher.drain();

  // The primary has the product; the (empty) replica does not, and the store reads the replica.
  assert.equal((await s.http.get('/admin/products?q=REP-1', { token })).body.items.length, 1);
  assert.equal((await s.http.get('/store/products')).body.items.length, 0);
  assert.equal((await s.http.get('/store/products/rep-1')).status, 404);
  assert.equal((await s.http.get('/store/search?q=kettle')).body.total, 0);
  assert.equal((await s.http.get('/store/categories')).status, 200);

  // Cart, checkout and payment use the primary, where the product and its stock are.
  const cart = await s.readyCart([['REP-1', 2]]);
  const placed = await s.checkout(cart.id);
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  await s.paySandbox(placed.body.id, { orderToken: placed.body.accessToken });
  const order = await s.http.get(`/admin/orders/${placed.body.id as string}`, { token });
  assert.equal(order.body.paymentStatus, 'paid');

  // Once the replica has the rows (as replication would bring them), the store shows them.
  await app.dispatcher.drain();
  for (const table of ['catalog_product', 'catalog_variant', 'catalog_variant_price', 'catalog_product_price', 'inventory_item', 'inventory_level', 'search_document', 'search_term']) {
    await admin(`insert into ${replicaSchema}.${table} select * from ${app.schema}.${table}`);
  }
  const listed = await s.http.get('/store/products');
  assert.deepEqual(listed.body.items.map((p: { handle: string }) => p.handle), ['rep-1']);
  assert.equal((await s.http.get('/store/products/rep-1')).status, 200);
  assert.equal((await s.http.get('/store/search?q=kettle')).body.total, 1);
});
