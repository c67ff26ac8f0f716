import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Db } from './db/index.js';
import type { Unlisten } from './db/listen.js';

/** The PostgreSQL NOTIFY channel; one database may hold several shops, told apart by namespace. */
const PG_CHANNEL = 'bazaar_invalidate';
/** The Redis channel, after the key prefix. */
const REDIS_CHANNEL = 'invalidate';

/**
 * Why a subscriber is told: this process published (`local`); another process did (`remote`); a
 * transaction of any process that asked for it committed (`commit`); or a transport came back
 * after a loss, so messages may have been missed (`resync`).
 */
export type InvalidationOrigin = 'local' | 'remote' | 'commit' | 'resync';
export type InvalidationHandler = (origin: InvalidationOrigin) => void | Promise<void>;

/** The Redis side the bus needs (see `RedisLink`). */
export interface BusRedis {
  isUp(): boolean;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void, onResync: () => void): Promise<void>;
}

interface Wire {
  ns: string;
  topic: string;
  from: string;
  commit?: true;
}

export interface InvalidationBusOptions {
  /** Processes of one shop share it (the Redis key prefix). */
  namespace: string;
  db: Pick<Db, 'db' | 'engine' | 'listen'>;
  redis: BusRedis | null;
  log: Logger;
}

/**
 * Tells every process of the shop that something it caches changed. Transports: Redis pub/sub
 * when Redis is up, else PostgreSQL NOTIFY; every process listens on both, so either reaches it.
 * On PGlite (one process) the bus is in-process. Delivery to other processes is best effort and
 * at most once; a transport that reconnects tells its subscribers to resync (clear everything),
 * so what a lost message could leave stale is bounded by the caches' TTL.
 */
export function createInvalidationBus(options: InvalidationBusOptions) {
  const { namespace, db, redis, log } = options;
  const self = randomBytes(8).toString('hex');
  const handlers = new Map<string, Set<InvalidationHandler>>();
  const stops: Unlisten[] = [];
  const multiProcess = db.engine === 'postgres';

  async function deliver(topic: string, origin: InvalidationOrigin): Promise<void> {
    const set = handlers.get(topic);
    if (!set) return;
    await Promise.all(
      [...set].map(async (fn) => {
        try {
          await fn(origin);
        } catch (err) {
          log.error({ err, topic, origin }, 'invalidation handler failed');
        }
      }),
    );
  }

  async function resyncAll(): Promise<void> {
    await Promise.all([...handlers.keys()].map((topic) => deliver(topic, 'resync')));
  }

  function receive(raw: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(raw) as Wire;
    } catch {
      return;
    }
    if (wire.ns !== namespace || typeof wire.topic !== 'string') return;
    if (wire.commit) void deliver(wire.topic, 'commit');
    // This process's own publishes were delivered before they were sent.
    else if (wire.from !== self) void deliver(wire.topic, 'remote');
  }

  const message = (topic: string, commit: boolean) => JSON.stringify({ ns: namespace, topic, from: self, ...(commit ? { commit: true } : {}) } satisfies Wire);

  return {
    /** Starts listening (Redis channel, PostgreSQL or PGlite NOTIFY). Never fails: a transport that is down is retried. */
    async start(): Promise<void> {
      if (redis && multiProcess) await redis.subscribe(REDIS_CHANNEL, receive, () => void resyncAll());
      if (db.listen) {
        try {
          stops.push(await db.listen(PG_CHANNEL, receive, () => void resyncAll()));
        } catch (err) {
          log.warn({ err }, 'invalidation: LISTEN failed; only this process is told');
        }
      }
    },
    /** Calls `fn` for every invalidation of `topic`; returns the unsubscribe. */
    subscribe(topic: string, fn: InvalidationHandler): () => void {
      let set = handlers.get(topic);
      if (!set) handlers.set(topic, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    /**
     * Invalidates `topic`: this process's subscribers first (awaited, so a write's response
     * follows its own invalidation), then the other processes over Redis, or PostgreSQL NOTIFY
     * when Redis is absent or fails. Never throws.
     */
    async publish(topic: string): Promise<void> {
      await deliver(topic, 'local');
      if (!multiProcess) return;
      const text = message(topic, false);
      if (redis?.isUp()) {
        try {
          await redis.publish(REDIS_CHANNEL, text);
          return;
        } catch {
          // Redis went away between the check and the call: NOTIFY below.
        }
      }
      try {
        await sql`select pg_notify(${PG_CHANNEL}, ${text})`.execute(db.db);
      } catch (err) {
        log.warn({ err, topic }, 'invalidation not sent to other processes');
      }
    },
    /**
     * Invalidates `topic` when `trx` commits, in every process including this one (a NOTIFY,
     * which PostgreSQL delivers at commit and drops on rollback). For writes outside admin routes
     * (stock taken at checkout) whose callers cannot act after their commit.
     */
    async publishInTransaction(trx: Kysely<Database>, topic: string): Promise<void> {
      await sql`select pg_notify(${PG_CHANNEL}, ${message(topic, true)})`.execute(trx);
    },
    /** Stops listening. */
    async close(): Promise<void> {
      await Promise.all(stops.splice(0).map((stop) => stop().catch(() => undefined)));
      handlers.clear();
    },
  };
}

export type InvalidationBus = ReturnType<typeof createInvalidationBus>;
