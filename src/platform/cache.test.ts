import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTieredCache, createTtlCache, type SharedTier } from './cache.js';
import type { InvalidationHandler } from './invalidation.js';

test('entries expire after the TTL', () => {
  let t = 0;
  const cache = createTtlCache<string>({ maxEntries: 10, ttlMs: 100, now: () => t });
  cache.set('a', 'x');
  t = 99;
  assert.equal(cache.get('a'), 'x');
  t = 100;
  assert.equal(cache.get('a'), undefined);
});

test('expired entries are let go of, not held until new keys push them out', () => {
  let t = 0;
  const cache = createTtlCache<string>({ maxEntries: 10_000, ttlMs: 2000, now: () => t });
  for (let i = 0; i < 5000; i++) cache.set(`page-${i}`, 'x'.repeat(100));
  t = 1500;
  cache.get('page-7');
  cache.set('late', 'y');
  assert.equal(cache.stats().size, 5001, 'nothing has expired yet');
  t = 2500;
  cache.set('next', 'z');
  assert.equal(cache.stats().size, 2, 'the burst expired and is gone');
  assert.equal(cache.get('late'), 'y');
  assert.equal(cache.get('next'), 'z');
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

/** A stand-in for Redis: entries under a generation, with call counts and an on/off switch. */
function sharedTier() {
  let generation = 0;
  let up = true;
  let failing = false;
  const entries = new Map<string, string>();
  const calls = { read: 0, write: 0, bump: 0 };
  const tier: SharedTier = {
    isUp: () => up,
    async read(key) {
      calls.read++;
      if (failing) throw new Error('connection lost');
      const value = entries.get(`${generation}:${key}`) ?? null;
      return { generation: String(generation), value, ttlMs: value === null ? 0 : 1000 };
    },
    async write(gen, key, value) {
      calls.write++;
      if (failing) throw new Error('connection lost');
      entries.set(`${gen}:${key}`, value);
    },
    async bump() {
      calls.bump++;
      if (failing) throw new Error('connection lost');
      generation++;
    },
  };
  return {
    tier,
    calls,
    setUp: (v: boolean) => (up = v),
    setFailing: (v: boolean) => (failing = v),
  };
}

/** Processes joined by a bus: the publisher's handlers run first ('local'), then everyone else's ('remote'). */
function busOf() {
  const members: Map<string, Set<InvalidationHandler>>[] = [];
  return () => {
    const mine = new Map<string, Set<InvalidationHandler>>();
    members.push(mine);
    return {
      subscribe(topic: string, fn: InvalidationHandler) {
        if (!mine.has(topic)) mine.set(topic, new Set());
        mine.get(topic)!.add(fn);
        return () => mine.get(topic)!.delete(fn);
      },
      async publish(topic: string) {
        for (const fn of mine.get(topic) ?? []) await fn('local');
        for (const other of members) if (other !== mine) for (const fn of other.get(topic) ?? []) await fn('remote');
      },
    };
  };
}

test('tiered: N processes load a key once; in-process hits never reach the shared tier', async () => {
  const shared = sharedTier();
  const join = busOf();
  const a = createTieredCache<{ price: number }>({ maxEntries: 10, ttlMs: 1000, shared: shared.tier, bus: join(), topic: 'catalog' });
  const b = createTieredCache<{ price: number }>({ maxEntries: 10, ttlMs: 1000, shared: shared.tier, bus: join(), topic: 'catalog' });
  let loads = 0;
  const load = async () => ({ price: 100 + loads++ });
  assert.deepEqual(await a.getOrLoad('p', load), { price: 100 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(await b.getOrLoad('p', load), { price: 100 }, 'from the shared tier');
  assert.equal(loads, 1);
  const reads = shared.calls.read;
  for (let i = 0; i < 100; i++) await a.getOrLoad('p', load);
  assert.equal(shared.calls.read, reads, 'hits stay in process');
  assert.deepEqual(a.stats(), { size: 1, hits: 100, sharedHits: 0, misses: 1, sharedErrors: 0 });
  assert.equal(b.stats().sharedHits, 1);
});

test('tiered: clear() in one process invalidates every process and the shared tier at once', async () => {
  const shared = sharedTier();
  const join = busOf();
  const a = createTieredCache<number>({ maxEntries: 10, ttlMs: 60_000, shared: shared.tier, bus: join(), topic: 'catalog' });
  const b = createTieredCache<number>({ maxEntries: 10, ttlMs: 60_000, shared: shared.tier, bus: join(), topic: 'catalog' });
  let price = 100;
  const load = async () => price;
  assert.equal(await a.getOrLoad('p', load), 100);
  await new Promise((r) => setImmediate(r));
  assert.equal(await b.getOrLoad('p', load), 100);
  price = 80;
  await a.clear();
  assert.equal(shared.calls.bump, 1, 'one generation move, by the publisher');
  assert.equal(await a.getOrLoad('p', load), 80);
  assert.equal(await b.getOrLoad('p', load), 80);
});

test('tiered: an invalidation at commit makes each process move the generation itself', async () => {
  const shared = sharedTier();
  const handlers: InvalidationHandler[] = [];
  const bus = { subscribe: (_t: string, fn: InvalidationHandler) => (handlers.push(fn), () => undefined), publish: async () => undefined };
  const a = createTieredCache<number>({ maxEntries: 10, ttlMs: 60_000, shared: shared.tier, bus, topic: 'catalog' });
  let price = 100;
  assert.equal(await a.getOrLoad('p', async () => price), 100);
  price = 90;
  for (const fn of handlers) await fn('commit');
  assert.equal(shared.calls.bump, 1);
  assert.equal(await a.getOrLoad('p', async () => price), 90);
  for (const fn of handlers) await fn('remote');
  assert.equal(shared.calls.bump, 1, 'another process moved it for a remote publish');
});

test('tiered: a load that raced an invalidation is not kept', async () => {
  const shared = sharedTier();
  const a = createTieredCache<number>({ maxEntries: 10, ttlMs: 60_000, shared: shared.tier, bus: null, topic: 'catalog' });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pending = a.getOrLoad('p', async () => {
    await gate;
    return 100;
  });
  await a.clear();
  release();
  assert.equal(await pending, 100);
  assert.equal(a.get('p'), undefined);
  assert.equal(await a.getOrLoad('p', async () => 80), 80);
});

test('tiered: a shared tier that is down or failing falls back to loading, never failing a read', async () => {
  const shared = sharedTier();
  const a = createTieredCache<number>({ maxEntries: 10, ttlMs: 60_000, shared: shared.tier, bus: null, topic: 'catalog' });
  shared.setFailing(true);
  assert.equal(await a.getOrLoad('p', async () => 1), 1);
  await a.clear();
  shared.setUp(false);
  assert.equal(await a.getOrLoad('q', async () => 2), 2);
  assert.ok(a.stats().sharedErrors >= 2);
  await assert.rejects(a.getOrLoad('r', async () => Promise.reject(new Error('db down'))), /db down/, 'load errors still surface');
});

test('tiered: a shared entry is kept here only for the life it has left there', async () => {
  let t = 0;
  const tier: SharedTier = {
    isUp: () => true,
    read: async () => ({ generation: '0', value: '7', ttlMs: 100 }),
    write: async () => undefined,
    bump: async () => undefined,
  };
  const a = createTieredCache<number>({ maxEntries: 10, ttlMs: 1000, shared: tier, bus: null, topic: 'catalog', now: () => t });
  assert.equal(await a.getOrLoad('p', async () => 1), 7);
  t = 99;
  assert.equal(a.get('p'), 7);
  t = 100;
  assert.equal(a.get('p'), undefined);
});
