import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery, type DatabaseConnection, type Dialect } from 'kysely';
import { pino } from 'pino';
import type { Database, Db } from './db/index.js';
import { createInvalidationBus, type BusRedis, type InvalidationOrigin } from './invalidation.js';

/**
 * Two or more "processes" joined by stand-ins for the transports: a Redis channel and a
 * PostgreSQL NOTIFY channel whose notifications inside a transaction wait for its commit.
 */
function network() {
  const redisSubscribers = new Set<(m: string) => void>();
  const pgListeners = new Set<(p: string) => void>();
  const redisResyncs = new Set<() => void>();
  let redisUp = true;
  const sent = { redis: 0, pg: 0 };

  function process(engine: Db['engine'] = 'postgres') {
    const redis: BusRedis = {
      isUp: () => redisUp,
      async publish(_channel, message) {
        if (!redisUp) throw new Error('down');
        sent.redis++;
        for (const fn of redisSubscribers) fn(message);
      },
      async subscribe(_channel, onMessage, onResync) {
        redisSubscribers.add(onMessage);
        redisResyncs.add(onResync);
      },
    };
    let open: string[] | null = null;
    const connection: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery) {
        if (query.sql.includes('pg_notify')) {
          sent.pg++;
          const payload = String(query.parameters[1]);
          if (open) open.push(payload);
          else for (const fn of pgListeners) fn(payload);
        }
        return { rows: [] as R[] };
      },
      // eslint-disable-next-line require-yield
      async *streamQuery() {
        throw new Error('not streamed');
      },
    };
    const dialect: Dialect = {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => ({
        init: async () => undefined,
        acquireConnection: async () => connection,
        beginTransaction: async () => {
          open = [];
        },
        commitTransaction: async () => {
          const payloads = open ?? [];
          open = null;
          for (const p of payloads) for (const fn of pgListeners) fn(p);
        },
        rollbackTransaction: async () => {
          open = null;
        },
        releaseConnection: async () => undefined,
        destroy: async () => undefined,
      }),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    };
    const db = new Kysely<Database>({ dialect });
    const listen: Db['listen'] = async (_channel, onPayload) => {
      pgListeners.add(onPayload);
      return async () => {
        pgListeners.delete(onPayload);
      };
    };
    return { db, engine, listen, redis };
  }

  return {
    sent,
    setRedisUp(up: boolean) {
      redisUp = up;
    },
    resyncRedis() {
      for (const fn of redisResyncs) fn();
    },
    async bus(options: { namespace?: string; engine?: Db['engine']; redis?: boolean } = {}) {
      const p = process(options.engine);
      const bus = createInvalidationBus({ namespace: options.namespace ?? 'shop:', db: p, redis: options.redis === false ? null : p.redis, log: pino({ level: 'silent' }) });
      await bus.start();
      const seen: InvalidationOrigin[] = [];
      bus.subscribe('catalog', (origin) => {
        seen.push(origin);
      });
      return { bus, seen, db: p.db };
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a publish reaches this process before it resolves, and the others once, over Redis', async () => {
  const net = network();
  const a = await net.bus();
  const b = await net.bus();
  await a.bus.publish('catalog');
  assert.deepEqual(a.seen, ['local']);
  await tick();
  assert.deepEqual(b.seen, ['remote']);
  assert.deepEqual(a.seen, ['local'], 'not delivered twice to the publisher');
  assert.deepEqual(net.sent, { redis: 1, pg: 0 });
});

test('with Redis down, the other processes are told over PostgreSQL NOTIFY', async () => {
  const net = network();
  const a = await net.bus();
  const b = await net.bus();
  net.setRedisUp(false);
  await a.bus.publish('catalog');
  await tick();
  assert.deepEqual(a.seen, ['local']);
  assert.deepEqual(b.seen, ['remote']);
  assert.deepEqual(net.sent, { redis: 0, pg: 1 });
});

test('without Redis configured, NOTIFY carries it', async () => {
  const net = network();
  const a = await net.bus({ redis: false });
  const b = await net.bus({ redis: false });
  await a.bus.publish('catalog');
  await tick();
  assert.deepEqual(b.seen, ['remote']);
});

test('an invalidation at commit reaches every process, the writer too, and none on rollback', async () => {
  const net = network();
  const a = await net.bus();
  const b = await net.bus();
  await a.db.transaction().execute(async (trx) => {
    await a.bus.publishInTransaction(trx, 'catalog');
    assert.deepEqual(a.seen, [], 'nothing before the commit');
  });
  await tick();
  assert.deepEqual(a.seen, ['commit']);
  assert.deepEqual(b.seen, ['commit']);
  await a.db
    .transaction()
    .execute(async (trx) => {
      await a.bus.publishInTransaction(trx, 'catalog');
      throw new Error('rolled back');
    })
    .catch(() => undefined);
  await tick();
  assert.deepEqual(b.seen, ['commit']);
});

test('other shops on the same transports are not told', async () => {
  const net = network();
  const a = await net.bus({ namespace: 'one:' });
  const b = await net.bus({ namespace: 'two:' });
  await a.bus.publish('catalog');
  await tick();
  assert.deepEqual(b.seen, []);
});

test('a transport that reconnects makes subscribers resync', async () => {
  const net = network();
  const a = await net.bus();
  net.resyncRedis();
  await tick();
  assert.deepEqual(a.seen, ['resync']);
});

test('on PGlite (one process) a publish stays in process; a failing handler does not fail it', async () => {
  const net = network();
  const a = await net.bus({ engine: 'pglite' });
  a.bus.subscribe('catalog', () => {
    throw new Error('handler bug');
  });
  await a.bus.publish('catalog');
  assert.deepEqual(a.seen, ['local']);
  assert.deepEqual(net.sent, { redis: 0, pg: 0 });
});
