import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/index.js';
import type { RedisLink } from '../../platform/redis.js';

/**
 * A fixed one-minute window of events per session, shared by every API process: counted in
 * Redis when it is up (one script call per batch), else in PostgreSQL (one upsert per batch for
 * all its sessions). A refused batch still counts (the window measures what a client sends), so
 * a client over its quota waits for the next window. Rows of past windows are reused, never piled
 * up: one row per session; Redis counters expire with their window.
 */
export function createSessionLimiter(
  db: Kysely<Database>,
  perMinute: number,
  now: () => number = Date.now,
  redis: Pick<RedisLink, 'isUp' | 'hitFixed'> | null = null,
) {
  async function countInRedis(wanted: ReadonlyMap<string, number>, window: number): Promise<number[] | null> {
    if (!redis?.isUp()) return null;
    try {
      // Keyed by window, so a counter never spans two; kept a little past its end for clock skew.
      const hits = await redis.hitFixed([...wanted.keys()].map((s) => `recs:rl:${window}:${s}`), [...wanted.values()], 70_000);
      return hits.map((h) => h.count);
    } catch {
      return null;
    }
  }
  return {
    /** Counts `wanted` events per session; null when all fit, else the seconds until the window ends. */
    async take(wanted: ReadonlyMap<string, number>): Promise<number | null> {
      if (wanted.size === 0) return null;
      const t = now();
      const window = Math.floor(t / 60_000);
      const counted = await countInRedis(wanted, window);
      if (counted) return counted.every((n) => n <= perMinute) ? null : Math.max(1, Math.ceil(((window + 1) * 60_000 - t) / 1000));
      const { rows } = await sql<{ events: number }>`
        insert into recs_rate (session_id, window_start, events)
        select s, ${window}::bigint, n from unnest(${[...wanted.keys()]}::text[], ${[...wanted.values()]}::int[]) as w(s, n)
        on conflict (session_id) do update set
          events = case when recs_rate.window_start = excluded.window_start then recs_rate.events + excluded.events else excluded.events end,
          window_start = excluded.window_start
        returning events`.execute(db);
      if (rows.every((r) => Number(r.events) <= perMinute)) return null;
      return Math.max(1, Math.ceil(((window + 1) * 60_000 - t) / 1000));
    },
  };
}

export type SessionLimiter = ReturnType<typeof createSessionLimiter>;
