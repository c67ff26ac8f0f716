import type { InvalidationBus } from './invalidation.js';

/**
 * A bounded in-process cache with a time to live: least recently used entries go first when it
 * is full. For read-heavy public responses that may be a few seconds stale (catalog pages);
 * never for anything a write path decides on. `clear()` drops everything in this process; see
 * `createTieredCache` for a cache that other processes clear too.
 */
export function createTtlCache<V>(options: { maxEntries: number; ttlMs: number; now?: () => number }) {
  const { maxEntries, ttlMs } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; expires: number }>();
  const pending = new Map<string, Promise<V>>();
  let generation = 0;
  let hits = 0;
  let misses = 0;

  function get(key: string): V | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    entries.delete(key);
    entries.set(key, entry);
    return entry.value;
  }

  let swept = now();
  /**
   * Drops expired entries, at most once per TTL (and second): a short-lived cache that a burst
   * filled would otherwise hold its dead pages, megabytes of them, until new keys pushed them out.
   */
  function sweep(at: number): void {
    if (at - swept < Math.max(ttlMs, 1000)) return;
    swept = at;
    for (const [key, entry] of entries) if (entry.expires <= at) entries.delete(key);
  }

  /** Stores `value` for `ttl` (default: the cache's TTL). */
  function set(key: string, value: V, ttl = ttlMs): void {
    if (ttl <= 0) return;
    const at = now();
    sweep(at);
    entries.delete(key);
    entries.set(key, { value, expires: at + ttl });
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    get,
    set,
    /**
     * The cached value, or `load()`'s. Concurrent misses for one key share one load, and a load
     * that started before a `clear()` is not stored (it may have read data the write changed).
     */
    async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
      const cached = get(key);
      if (cached !== undefined) {
        hits++;
        return cached;
      }
      misses++;
      const inflight = pending.get(key);
      if (inflight) return inflight;
      const started = generation;
      const promise = load().then(
        (value) => {
          if (started === generation) set(key, value);
          return value;
        },
      ).finally(() => pending.delete(key));
      pending.set(key, promise);
      return promise;
    },
    clear(): void {
      generation++;
      entries.clear();
      pending.clear();
    },
    stats: () => ({ size: entries.size, hits, misses }),
  };
}

export type TtlCache<V> = ReturnType<typeof createTtlCache<V>>;

/** A cache tier shared by every process (Redis; see `RedisLink.cacheTier`). */
export interface SharedTier {
  isUp(): boolean;
  /** The current generation and the entry stored under it, if any, with its remaining life. */
  read(key: string): Promise<{ generation: string; value: string | null; ttlMs: number }>;
  /** Stores an entry under a generation (the one read before loading it). */
  write(generation: string, key: string, value: string, ttlMs: number): Promise<void>;
  /** Moves to a new generation: every entry stored so far is unreachable at once. */
  bump(): Promise<void>;
}

export interface TieredCacheOptions {
  maxEntries: number;
  ttlMs: number;
  /** The shared tier, or null for in-process only. Its failures fall back to loading. */
  shared: SharedTier | null;
  /** Tells the other processes; null for a cache only this process uses. */
  bus: Pick<InvalidationBus, 'publish' | 'subscribe'> | null;
  /** The bus topic that clears this cache. */
  topic: string;
  now?: () => number;
}

/**
 * Two tiers of JSON-able values: in process (hits never leave the process), then shared (one
 * load per TTL for all processes, not one per process). Shared entries live under a generation
 * that an invalidation moves on, so one `INCR` hides them all. `clear()` publishes `topic` on the
 * bus: every process drops its entries; the publisher (and, for invalidations at commit, each
 * receiver) also moves the shared generation on before its own readers look again. Values are
 * stale for at most the TTL when an invalidation is lost, and never fail a read when the shared
 * tier does.
 */
export function createTieredCache<V>(options: TieredCacheOptions) {
  const { ttlMs, shared, bus, topic } = options;
  const local = createTtlCache<V>({ maxEntries: options.maxEntries, ttlMs, now: options.now });
  const pending = new Map<string, Promise<V>>();
  let generation = 0;
  let hits = 0;
  let sharedHits = 0;
  let misses = 0;
  let sharedErrors = 0;

  async function fetch(key: string, load: () => Promise<V>): Promise<{ value: V; ttl: number }> {
    if (!shared?.isUp()) {
      misses++;
      return { value: await load(), ttl: ttlMs };
    }
    let read: Awaited<ReturnType<SharedTier['read']>>;
    try {
      read = await shared.read(key);
    } catch {
      sharedErrors++;
      misses++;
      return { value: await load(), ttl: ttlMs };
    }
    if (read.value !== null) {
      sharedHits++;
      // Kept here no longer than it has left there: staleness stays within one TTL.
      return { value: JSON.parse(read.value) as V, ttl: read.ttlMs > 0 ? Math.min(ttlMs, read.ttlMs) : ttlMs };
    }
    misses++;
    const value = await load();
    const text = JSON.stringify(value);
    if (text !== undefined) {
      shared.write(read.generation, key, text, ttlMs).catch(() => {
        sharedErrors++;
      });
    }
    return { value, ttl: ttlMs };
  }

  function dropLocal(): void {
    generation++;
    local.clear();
    pending.clear();
  }

  async function invalidateHere(moveShared: boolean): Promise<void> {
    dropLocal();
    if (!moveShared || !shared?.isUp()) return;
    try {
      await shared.bump();
    } catch {
      sharedErrors++;
      return;
    }
    // Readers here that looked up the old generation while the bump was on its way may have stored what they found.
    dropLocal();
  }

  // Other processes' publishes moved the shared generation already; at commit nobody has.
  bus?.subscribe(topic, (origin) => invalidateHere(origin === 'local' || origin === 'commit'));

  return {
    get: local.get,
    set: local.set,
    /**
     * The cached value, or the shared tier's, or `load()`'s (then stored in both). Concurrent
     * misses for one key share one load, and a load that started before an invalidation is not
     * kept here (it may have read data the write changed).
     */
    async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
      const cached = local.get(key);
      if (cached !== undefined) {
        hits++;
        return cached;
      }
      if (ttlMs <= 0) {
        misses++;
        return load();
      }
      const inflight = pending.get(key);
      if (inflight) return inflight;
      const started = generation;
      const promise: Promise<V> = fetch(key, load)
        .then(({ value, ttl }) => {
          if (started === generation) local.set(key, value, ttl);
          return value;
        })
        .finally(() => {
          if (pending.get(key) === promise) pending.delete(key);
        });
      pending.set(key, promise);
      return promise;
    },
    /** Invalidates everywhere: publishes `topic` (resolves once this process's tiers are clear). */
    clear(): Promise<void> {
      return bus ? bus.publish(topic) : invalidateHere(true);
    },
    /** Drops this process's entries only. */
    dropLocal,
    stats: () => ({ size: local.stats().size, hits, sharedHits, misses, sharedErrors }),
  };
}

export type TieredCache<V> = ReturnType<typeof createTieredCache<V>>;
