import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults apply to an empty environment', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.database.url, undefined);
  assert.equal(c.database.dataDir, './.bazaar');
  assert.equal(c.demo, true);
  assert.equal(c.auth.throttle.maxPerEmail, 5);
  assert.equal(c.processes.heapGrowthPercent, 30);
});

test('strings are converted and empty strings count as unset', () => {
  const c = loadConfig({ PORT: '8080', BAZAAR_DEMO: '0', DATABASE_POOL_SIZE: '', TRUST_PROXY: '1', HEAP_GROWTH_PERCENT: '0' });
  assert.equal(c.port, 8080);
  assert.equal(c.demo, false);
  assert.equal(c.database.poolSize, 10);
  assert.equal(c.http.trustProxy, true);
  assert.equal(c.processes.heapGrowthPercent, 0);
});

test('every bad variable is listed at once', () => {
  assert.throws(
    () => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://a', HEAP_GROWTH_PERCENT: '-5' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      assert.ok(err.problems.some((p) => p.startsWith('LOG_LEVEL: must be one of')));
      return true;
    },
  );
});

test('secret values are neither echoed in errors nor printable', () => {
  assert.throws(() => loadConfig({ BAZAAR_ADMIN_EMAIL: 'a@b.co', BAZAAR_ADMIN_PASSWORD: 'short' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.ok(!err.message.includes('short'));
    return true;
  });
  const c = loadConfig({ DATABASE_URL: 'postgres://u:hunter2@h/db', BAZAAR_ADMIN_EMAIL: ' Boss@Shop.com ', BAZAAR_ADMIN_PASSWORD: 'longenough' });
  assert.equal(c.admin.email, 'boss@shop.com');
  assert.equal(c.database.url?.reveal(), 'postgres://u:hunter2@h/db');
  assert.ok(!JSON.stringify(c).includes('hunter2'));
  assert.ok(!inspect(c, { depth: 10 }).includes('hunter2'));
  assert.ok(!`${c.admin.password}`.includes('longenough'));
});

test('admin email and password go together', () => {
  assert.throws(() => loadConfig({ BAZAAR_ADMIN_EMAIL: 'a@b.co' }), ConfigError);
});
