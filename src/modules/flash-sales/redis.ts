import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Pre-deducts stock and the customer's count in one step. KEYS: stock, per-customer hash.
 * ARGV: customer, quantity, limit. Returns the stock left, or -1 sold out, -2 limit reached,
 * -3 counters not loaded (the caller loads them from the database and retries).
 */
const BUY = `
local stock = redis.call('GET', KEYS[1])
if not stock then return -3 end
local q = tonumber(ARGV[2])
if tonumber(stock) < q then return -1 end
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if had + q > tonumber(ARGV[3]) then return -2 end
redis.call('DECRBY', KEYS[1], q)
redis.call('HINCRBY', KEYS[2], ARGV[1], q)
return tonumber(stock) - q`;

/**
 * Gives units back. KEYS: stock, per-customer hash, released-orders set. ARGV: customer,
 * quantity, order id ('' for an attempt that wrote nothing). With an order id it runs at most
 * once per order (events are delivered at least once). Counters not loaded: nothing to do, the
 * next load reads the database.
 */
const GIVE_BACK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[3], ARGV[3]) == 0 then return 0 end
local q = tonumber(ARGV[2])
redis.call('INCRBY', KEYS[1], q)
if redis.call('HINCRBY', KEYS[2], ARGV[1], -q) <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1`;

/**
 * Loads a sale's counters. KEYS: stock, per-customer hash, released set. ARGV: force (1 replaces
 * loaded counters), stock, ttl seconds, n customers, then n × (customer, count), then released
 * order ids. Returns 1 when loaded, 0 when already there and not forced.
 */
const LOAD = `
if ARGV[1] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
local n = tonumber(ARGV[4])
for i = 1, n do redis.call('HSET', KEYS[2], ARGV[3 + 2 * i], ARGV[4 + 2 * i]) end
for i = 5 + 2 * n, #ARGV do redis.call('SADD', KEYS[3], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1`;

/**
 * Brings the stock counter in line with the database's units left. KEYS: stock. ARGV: units
 * left, and the stock last observed ('' for none). Above the units left, the counter comes down
 * at once (purchases in flight only ever hold it below). Below, it goes up only if it still holds
 * the observed value, which the caller saw unchanged long enough that no purchase can be in
 * flight. Returns 1 lowered, 2 raised, 0 unchanged, -1 not loaded.
 */
const SETTLE = `
local s = redis.call('GET', KEYS[1])
if not s then return -1 end
s = tonumber(s)
local left = tonumber(ARGV[1])
if s > left then redis.call('SET', KEYS[1], left, 'KEEPTTL') return 1 end
if ARGV[2] ~= '' and s < left and s == tonumber(ARGV[2]) then redis.call('SET', KEYS[1], left, 'KEEPTTL') return 2 end
return 0`;

/** Fixed-window counter. KEYS: counter. ARGV: window seconds. Returns {hits, ttl}. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('TTL', KEYS[1])}`;

const sha = (script: string) => createHash('sha1').update(script).digest('hex');

/**
 * The flash-sale counters in Redis: an accelerator in front of PostgreSQL, never the record.
 * `isUp` (the connection's state) lets callers skip Redis at once while it is unreachable.
 */
export function createFlashRedis(redis: Redis, prefix: string, isUp: () => boolean = () => true) {
  async function run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(sha(script), keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return redis.eval(script, keys.length, ...keys, ...args);
    }
  }
  const keys = (saleId: string) => [`${prefix}fs:${saleId}:stock`, `${prefix}fs:${saleId}:cust`, `${prefix}fs:${saleId}:released`];
  return {
    isUp,
    async buy(saleId: string, customerId: string, quantity: number, limit: number): Promise<number> {
      const [stock, cust] = keys(saleId);
      return Number(await run(BUY, [stock!, cust!], [customerId, quantity, limit]));
    },
    async giveBack(saleId: string, customerId: string, quantity: number, orderId = ''): Promise<void> {
      await run(GIVE_BACK, keys(saleId), [customerId, quantity, orderId]);
    },
    /**
     * Loads a sale's counters; true when loaded. Best effort: while Redis is unreachable nothing
     * is loaded (false), and the next purchase finds them missing and loads them, or goes to
     * PostgreSQL alone. So starting a sale never fails on Redis.
     */
    async load(saleId: string, state: { stock: number; customers: [string, number][]; released: string[] }, ttlSeconds: number, force: boolean): Promise<boolean> {
      const args: (string | number)[] = [force ? '1' : '0', state.stock, Math.max(60, Math.ceil(ttlSeconds)), state.customers.length];
      for (const [c, n] of state.customers) args.push(c, n);
      args.push(...state.released);
      try {
        return Number(await run(LOAD, keys(saleId), args)) === 1;
      } catch {
        return false;
      }
    },
    /** Stock and per-customer counts as Redis holds them (tests, consistency checks). */
    async read(saleId: string): Promise<{ stock: number | null; customers: Record<string, number> }> {
      const [stock, cust] = keys(saleId);
      const [s, c] = await Promise.all([redis.get(stock!), redis.hgetall(cust!)]);
      return { stock: s === null ? null : Number(s), customers: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)])) };
    },
    /** The stock counter alone (null when not loaded). */
    async stock(saleId: string): Promise<number | null> {
      const s = await redis.get(keys(saleId)[0]!);
      return s === null ? null : Number(s);
    },
    /** See SETTLE: 1 lowered, 2 raised, 0 unchanged, -1 not loaded. */
    async settle(saleId: string, left: number, observed: number | null): Promise<number> {
      return Number(await run(SETTLE, [keys(saleId)[0]!], [left, observed ?? '']));
    },
    /** Forgets a sale's counters; best effort (a cancelled sale is refused before its counters are read). */
    async drop(saleId: string): Promise<void> {
      await redis.del(...keys(saleId)).catch(() => undefined);
    },
    async hit(key: string, windowSeconds: number): Promise<{ hits: number; ttl: number }> {
      const [hits, ttl] = (await run(HIT, [`${prefix}fs:rl:${key}`], [windowSeconds])) as [number, number];
      return { hits: Number(hits), ttl: Number(ttl) };
    },
  };
}

export type FlashRedis = ReturnType<typeof createFlashRedis>;
