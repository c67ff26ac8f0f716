/**
 * A bounded in-process cache with a time to live: least recently used entries go first when it
 * is full. For read-heavy public responses that may be a few seconds stale (catalog pages);
 * never for anything a write path decides on. `clear()` drops everything at once after a write
 * in this process; other processes see the change when their entries expire.
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

  function set(key: string, value: V): void {
    if (ttlMs <= 0) return;
    entries.delete(key);
    entries.set(key, { value, expires: now() + ttlMs });
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
