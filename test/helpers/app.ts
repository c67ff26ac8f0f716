import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type BazaarApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import { createDb, type Db, type Engine } from '../../src/platform/db/index.js';
import type { MailMessage, MailTransport } from '../../src/platform/mail.js';

/**
 * The engines integration tests run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is
 * set. `TEST_DB=pglite` or `TEST_DB=postgres` narrows the list. In CI (`CI=true`) a missing
 * TEST_DATABASE_URL is an error, not a skip.
 */
let warned = false;

export const DATABASES: Engine[] = (() => {
  const wanted = (process.env.TEST_DB ?? 'pglite,postgres').split(',').map((s) => s.trim());
  const out: Engine[] = [];
  if (wanted.includes('pglite')) out.push('pglite');
  if (wanted.includes('postgres')) {
    if (process.env.TEST_DATABASE_URL) out.push('postgres');
    else if (process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI');
    else if (!warned) {
      warned = true;
      process.stderr.write('note: TEST_DATABASE_URL not set; PostgreSQL tests skipped (PGlite only)\n');
    }
  }
  return out;
})();

/**
 * Redis for tests that need it (TEST_REDIS_URL): the URL, or null to skip them with a note. In CI
 * (`CI=true`) a missing TEST_REDIS_URL is an error, not a skip.
 */
export function testRedisUrl(): string | null {
  const url = process.env.TEST_REDIS_URL;
  if (url) return url;
  if (process.env.CI === 'true') throw new Error('CI=true but TEST_REDIS_URL is not set: Redis tests cannot be skipped in CI');
  process.stderr.write('note: TEST_REDIS_URL not set; Redis tests skipped\n');
  return null;
}

/**
 * NATS for tests that need it: TEST_NATS_URL (nats://127.0.0.1:4222 when `CI=true` and unset),
 * or null to skip them with a note when it is unset or unreachable. In CI an unreachable NATS
 * is an error, not a skip.
 */
export async function testNatsUrl(): Promise<string | null> {
  const url = process.env.TEST_NATS_URL ?? (process.env.CI === 'true' ? 'nats://127.0.0.1:4222' : undefined);
  if (!url) {
    process.stderr.write('note: TEST_NATS_URL not set; NATS tests skipped\n');
    return null;
  }
  const { hostname, port } = new URL(url);
  if (await reachable(url, 4222)) return url;
  if (process.env.CI === 'true') throw new Error(`CI=true but NATS at ${hostname}:${port} is unreachable: NATS tests cannot be skipped in CI`);
  process.stderr.write(`note: NATS at ${hostname}:${port} unreachable; NATS tests skipped\n`);
  return null;
}

/** True when a TCP connection to the URL's host and port opens within two seconds. */
export function reachable(url: string | undefined, defaultPort: number): Promise<boolean> {
  if (!url) return Promise.resolve(false);
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: hostname, port: Number(port || defaultPort), timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Deletes a test's JetStream stream (and so its consumers); a stream already gone is fine. */
export async function deleteNatsStream(url: string, stream: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const nc = await natsConnect({ servers: `${hostname}:${port || 4222}` });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

export interface TestApp extends BazaarApp {
  /** Mail handed to the transport, in order. */
  mail: MailMessage[];
  config: Config;
  /** The PostgreSQL schema this app uses (postgres only). */
  schema?: string;
  /** The prefix of this app's Redis keys. */
  redisKeyPrefix?: string;
}

export interface TestAppOptions {
  /** A second database the app treats as its read replica (store catalog pages and searches). */
  replica?: Db;
  /**
   * Another app of the same shop: this one opens the same PostgreSQL schema with its own pool,
   * and uses the same Redis key prefix, as a second API process would. The first app owns the
   * schema (dropped when it closes): close this one first.
   */
  sameShopAs?: TestApp;
}

/** Environment defaults for tests; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  // No store cache by default: tests read their own writes through several modules (stock, then
  // listing). The cache has its own tests.
  return loadConfig({ BAZAAR_DEMO: '0', LOG_LEVEL: 'silent', STORE_CACHE_TTL_MS: '0', PAYMENT_PROVIDERS: 'sandbox', ...env });
}

/**
 * A fresh app on a fresh database: an in-memory PGlite, or a new schema in the PostgreSQL
 * database of TEST_DATABASE_URL (dropped on close).
 */
export async function buildTestApp(engine: Engine, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  // TEST_EVENTS=nats runs every app's events through NATS (TEST_NATS_URL), each on its own stream.
  let natsStream: string | undefined;
  if (process.env.TEST_EVENTS === 'nats' && !env.NATS_URL) {
    const tag = randomBytes(6).toString('hex');
    natsStream = `TEST_${tag}`;
    env = { NATS_URL: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', NATS_STREAM: natsStream, NATS_SUBJECT_PREFIX: `t_${tag}`, ...env };
  }
  const config = testConfig(env);
  const mail: MailMessage[] = [];
  const mailTransport: MailTransport = {
    kind: 'log',
    async send(message) {
      mail.push(message);
    },
  };
  const peer = options.sameShopAs;
  if (peer && (engine !== 'postgres' || !peer.schema)) throw new Error('sameShopAs needs a PostgreSQL app: PGlite is one process');
  let schema: string | undefined = peer?.schema;
  const ownsSchema = !peer;
  if (engine === 'postgres' && ownsSchema) {
    schema = `t_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
  }
  const counting = { countStatements: config.database.countStatements, preparedStatements: config.database.preparedStatements };
  const db = await createDb(engine === 'postgres' ? { url: process.env.TEST_DATABASE_URL, schema, poolSize: 10, ...counting } : { dataDir: 'memory://', ...counting });
  // The sandbox gateway's notifications reach this app's webhook route in-process.
  const target: { server?: BazaarApp['server'] } = {};
  const paymentDeliver = async (url: string, body: string, headers: Record<string, string>) => {
    const res = await target.server!.inject({ method: 'POST', url: new URL(url).pathname, payload: body, headers });
    return { status: res.statusCode };
  };
  // Each app has its own Redis keys, so test files sharing one Redis never collide.
  const redisKeyPrefix = peer?.redisKeyPrefix ?? `test:${schema ?? randomBytes(6).toString('hex')}:`;
  const app = await createApp({ config, db, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), mailTransport, paymentDeliver, redisKeyPrefix, replica: options.replica });
  target.server = app.server;
  const close = app.close;
  return Object.assign(app, {
    mail,
    config,
    schema,
    redisKeyPrefix,
    async close() {
      await close();
      if (natsStream) await deleteNatsStream(env.NATS_URL!, natsStream);
      if (schema && ownsSchema) {
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      }
    },
  });
}
