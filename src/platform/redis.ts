import { createHash, randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Secret } from './secret.js';

/**
 * Fixed-window counters. KEYS: counters. ARGV: window ms, then one amount per key. Each counter
 * gets the window as its expiry when created (or when it somehow has none). Returns
 * {count, ms left} per key.
 */
const HIT_FIXED = `
local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCRBY', KEYS[i], ARGV[i + 1])
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[1]); ttl = tonumber(ARGV[1]) end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

/**
 * Records one event in sliding-window logs (sorted sets scored by time). KEYS: logs. ARGV: now
 * ms, window ms, member, then one cap per key (older entries beyond the cap are dropped, so a
 * flood cannot grow a log).
 */
const LOG_EVENT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  redis.call('ZADD', KEYS[i], now, ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(tonumber(ARGV[i + 3]) + 1))
  redis.call('PEXPIRE', KEYS[i], window)
end
return 1`;

/** Counts sliding-window log entries. KEYS: logs. ARGV: now ms, window ms. Returns {count, oldest ms or -1} per key. */
const COUNT_EVENTS = `
local out = {}
local since = tonumber(ARGV[1]) - tonumber(ARGV[2])
for i = 1, #KEYS do
  local n = redis.call('ZCOUNT', KEYS[i], '(' .. since, '+inf')
  local oldest = -1
  if n > 0 then
    local first = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    oldest = tonumber(first[2])
  end
  out[#out + 1] = n
  out[#out + 1] = oldest
end
return out`;

/**
 * One shared-cache read: the generation and, under it, the entry with its remaining life.
 * KEYS: generation counter. ARGV: entry key before the generation, entry key after it.
 */
const CACHE_READ = `
local g = redis.call('GET', KEYS[1]) or '0'
local k = ARGV[1] .. g .. ':' .. ARGV[2]
local v = redis.call('GET', k)
if not v then return {g, false, 0} end
return {g, v, redis.call('PTTL', k)}`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export interface RedisLinkOptions {
  url: Secret;
  /** Prefix of every key and channel (one shop's processes share it). */
  prefix: string;
  log: Logger;
  /**
   * Per-command limit, so a hung server fails calls instead of holding requests. Default 5000:
   * generous, because a busy process's event loop delays replies too, and a call that timed out
   * may still have run (an unreachable server fails calls at once, without waiting for this).
   */
  commandTimeoutMs?: number;
  /** Default 2000. */
  connectTimeoutMs?: number;
}

/** A shared-cache read: the generation the entry was looked up under, and the entry if any. */
export interface SharedCacheRead {
  generation: string;
  value: string | null;
  ttlMs: number;
}

/** Count and oldest event time (ms, null when none) of a sliding-window log. */
export interface EventCount {
  count: number;
  oldestMs: number | null;
}

/**
 * The process's Redis: a command connection and, on first `subscribe`, a subscriber connection.
 * Commands fail at once while Redis is unreachable (no offline queue, one retry, a command
 * timeout), so callers fall back to PostgreSQL instead of waiting; the connections reconnect
 * with backoff for as long as the process runs. Up/down transitions are logged once each,
 * without the URL (it may hold a password).
 */
export function createRedisLink(options: RedisLinkOptions) {
  const { prefix, log } = options;
  const base: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    // Backoff from 100 ms to 5 s, never giving up.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times - 1, 6), 5000),
    // A failover turns a primary read-only: reconnect to find the writable one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
  // Commands in flight when the connection drops are not sent again after it returns: the caller
  // has moved on to PostgreSQL by then, and a replayed write (a flash-sale pre-deduction, a rate
  // counter) would count twice.
  const client = new Redis(options.url.reveal(), { ...base, enableOfflineQueue: false, autoResendUnfulfilledCommands: false });
  // ioredis keeps those commands aside until the reconnect, so their callers would wait out the
  // command timeout; they fail as soon as the connection is lost instead.
  client.on('reconnecting', () => failUnanswered(client));
  client.on('end', () => failUnanswered(client));
  let subscriber: Redis | null = null;
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  let lastError: string | undefined;
  let closing = false;
  const upListeners = new Set<() => void>();

  client.on('error', (err: Error & { code?: string }) => {
    lastError = err.code ?? err.name;
    // Unreachable from the start counts as down, so its first connection is a comeback.
    if (state === 'connecting') down();
  });
  client.on('ready', () => {
    const wasDown = state === 'down';
    state = 'up';
    if (wasDown) log.info('redis reachable again');
    else log.info('redis connected');
    if (wasDown) for (const fn of upListeners) fn();
  });
  function down(): void {
    if (closing || state === 'down') return;
    state = 'down';
    log.warn({ reason: lastError }, 'redis unreachable: caches, rate limits and flash sales use PostgreSQL until it returns');
  }
  client.on('close', down);
  client.on('end', down);

  const scripts = new Map<string, string>();
  /** Runs a script by its SHA, sending the body only when the server does not know it yet. */
  async function run(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    let sha = scripts.get(script);
    if (!sha) scripts.set(script, (sha = sha1(script)));
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return client.eval(script, keys.length, ...keys, ...args);
    }
  }

  return {
    client,
    prefix,
    /** True while the command connection is ready. */
    isUp: () => state === 'up',
    /** Resolves true once connected, false after `timeoutMs` (startup waits briefly, never fails). */
    ready(timeoutMs: number): Promise<boolean> {
      if (state === 'up') return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          resolve(ok);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        client.once('ready', onReady);
      });
    },
    /** Calls `fn` each time Redis comes back after being unreachable (not on the first connect). */
    onUp(fn: () => void): () => void {
      upListeners.add(fn);
      return () => upListeners.delete(fn);
    },
    run,
    /**
     * Listens on a channel (prefixed) over the subscriber connection. `onResync` runs when that
     * connection comes back after a loss: messages sent meanwhile are gone.
     */
    async subscribe(channel: string, onMessage: (message: string) => void, onResync: () => void): Promise<void> {
      if (!subscriber) {
        // Subscriptions are queued until connected and renewed on every reconnect.
        subscriber = new Redis(options.url.reveal(), { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
        subscriber.on('error', () => undefined);
        let lost = false;
        subscriber.on('close', () => {
          lost = true;
        });
        subscriber.on('ready', () => {
          if (!lost) return;
          lost = false;
          onResync();
        });
      }
      const full = `${prefix}${channel}`;
      subscriber.on('message', (ch: string, message: string) => {
        if (ch === full) onMessage(message);
      });
      // Not awaited: while Redis is down the command waits in the queue for the connection.
      subscriber.subscribe(full).catch(() => undefined);
    },
    /** Publishes on a channel (prefixed). Throws when Redis is unreachable. */
    async publish(channel: string, message: string): Promise<void> {
      await client.publish(`${prefix}${channel}`, message);
    },
    /** Adds `amounts` to fixed-window counters (keys prefixed) in one round trip. */
    async hitFixed(keys: readonly string[], amounts: readonly number[], windowMs: number): Promise<{ count: number; ttlMs: number }[]> {
      const flat = (await run(HIT_FIXED, keys.map((k) => `${prefix}${k}`), [windowMs, ...amounts])) as number[];
      return keys.map((_, i) => ({ count: Number(flat[2 * i]), ttlMs: Number(flat[2 * i + 1]) }));
    },
    /** Records one event now in each sliding-window log (keys prefixed), each kept to its cap. */
    async logEvent(keys: readonly string[], caps: readonly number[], windowMs: number, now = Date.now()): Promise<void> {
      await run(LOG_EVENT, keys.map((k) => `${prefix}${k}`), [now, windowMs, `${now}:${randomBytes(6).toString('hex')}`, ...caps]);
    },
    /** Events within the window in each sliding-window log (keys prefixed). */
    async countEvents(keys: readonly string[], windowMs: number, now = Date.now()): Promise<EventCount[]> {
      const flat = (await run(COUNT_EVENTS, keys.map((k) => `${prefix}${k}`), [now, windowMs])) as number[];
      return keys.map((_, i) => {
        const oldest = Number(flat[2 * i + 1]);
        return { count: Number(flat[2 * i]), oldestMs: oldest < 0 ? null : oldest };
      });
    },
    /** Deletes keys (prefixed). */
    async del(keys: readonly string[]): Promise<void> {
      if (keys.length) await client.del(...keys.map((k) => `${prefix}${k}`));
    },
    /** A shared cache tier `name` in Redis: entries under a generation that `bump` moves on. */
    cacheTier(name: string) {
      const genKey = `${prefix}sc:${name}:gen`;
      const entryPrefix = `${prefix}sc:${name}:`;
      // Long keys (search URLs) are hashed: Redis keys stay short and bounded.
      const entryKey = (key: string) => (key.length > 160 ? `h:${sha1(key)}` : key);
      return {
        isUp: () => state === 'up',
        async read(key: string): Promise<SharedCacheRead> {
          const [generation, value, ttl] = (await run(CACHE_READ, [genKey], [entryPrefix, entryKey(key)])) as [string, string | null, number];
          return { generation: String(generation), value: value ?? null, ttlMs: Number(ttl) };
        },
        async write(generation: string, key: string, value: string, ttlMs: number): Promise<void> {
          await client.set(`${entryPrefix}${generation}:${entryKey(key)}`, value, 'PX', ttlMs);
        },
        async bump(): Promise<void> {
          await client.incr(genKey);
        },
      };
    },
    /** Closes both connections. */
    async close(): Promise<void> {
      closing = true;
      upListeners.clear();
      subscriber?.disconnect();
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/**
 * Rejects the commands ioredis set aside when the connection closed (its `prevCommandQueue`),
 * which would otherwise settle only on reconnect or at the command timeout.
 */
function failUnanswered(client: Redis): void {
  const held = (client as unknown as { prevCommandQueue?: { shift(): { command?: { reject?: (err: Error) => void } } | undefined; length: number } | null }).prevCommandQueue;
  if (!held) return;
  const err = new Error('Connection to Redis lost before the command was answered');
  for (let item = held.shift(); item; item = held.shift()) item.command?.reject?.(err);
}

export type RedisLink = ReturnType<typeof createRedisLink>;
export type SharedCacheTier = ReturnType<RedisLink['cacheTier']>;
