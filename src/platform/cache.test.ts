import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTtlCache } from './cache.js';

test('entries expire after the TTL', () => {
  let t = 0;
  const cache = createTtlCache<string>({ maxEntries: 10, ttlMs: 100, now: () => t });
  cache.set('a', 'x');
  t = 99;
  assert.equal(cache.get('a'), 'x');
  t = 100;
  assert.equal(cache.get('a'), undefined);
});

test('the least recently used entry is evicted first', () => {
  const cache = createTtlCache<number>({ maxEntries: 2, ttlMs: 1000 });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
});

test('concurrent misses share one load; clear() drops entries and in-flight results', async () => {
  const cache = createTtlCache<number>({ maxEntries: 10, ttlMs: 1000 });
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const load = async () => {
    loads++;
    await gate;
    return 42;
  };
  const both = Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
  cache.clear();
  release();
  assert.deepEqual(await both, [42, 42]);
  assert.equal(loads, 1);
  assert.equal(cache.get('k'), undefined, 'a load that raced a clear is not stored');
  assert.equal(await cache.getOrLoad('k', load), 42);
  assert.equal(cache.get('k'), 42);
});

test('a TTL of zero disables caching', async () => {
  const cache = createTtlCache<number>({ maxEntries: 10, ttlMs: 0 });
  let loads = 0;
  await cache.getOrLoad('k', async () => ++loads);
  await cache.getOrLoad('k', async () => ++loads);
  assert.equal(loads, 2);
});
