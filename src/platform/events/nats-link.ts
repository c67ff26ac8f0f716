import { createHash } from 'node:crypto';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Secret } from '../secret.js';

/**
 * Where and under which names a shop's events live on NATS. Shops sharing one NATS need their
 * own `stream` and their own `subjectPrefix` (a stream's subjects may not overlap another's).
 */
export interface NatsNames {
  /** The JetStream stream (NATS_STREAM, default `BAZAAR_EVENTS`). */
  stream: string;
  /** First subject tokens: events go to `<subjectPrefix>.events.<event name>` (NATS_SUBJECT_PREFIX, default `bazaar`). */
  subjectPrefix: string;
}

const TOKEN = /[^A-Za-z0-9_-]/g;

/** The subject an event called `name` is published on (`bazaar.events.order.placed`); `*` → every event. */
export function eventSubject(names: NatsNames, name: string): string {
  if (name === '*') return `${names.subjectPrefix}.events.>`;
  return `${names.subjectPrefix}.events.${name.split('.').map((t) => t.replace(TOKEN, '_') || '_').join('.')}`;
}

/**
 * The durable consumer name of a subscriber. Durable names may not contain `.`, `*`, `>` or
 * spaces, so `search.index` becomes `search_index-<hash>`: the hash keeps two subscribers whose
 * names differ only in such characters apart.
 */
export function consumerName(subscriber: string): string {
  const safe = subscriber.replace(TOKEN, '_');
  if (safe === subscriber) return subscriber;
  return `${safe}-${createHash('sha256').update(subscriber).digest('hex').slice(0, 8)}`;
}

/**
 * Connection options from NATS_URL: one or more comma-separated `nats://` or `tls://` URLs,
 * credentials as `user:password@` or `token@`. The client does not read credentials from
 * server URLs, so they are lifted out here.
 */
export function natsConnectionOptions(url: string, name: string): ConnectionOptions {
  const servers: string[] = [];
  const options: ConnectionOptions = { name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 5000, pingInterval: 20_000 };
  for (const raw of url.split(',').map((u) => u.trim()).filter(Boolean)) {
    const parsed = new URL(raw);
    if (parsed.protocol === 'tls:') options.tls = {};
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    if (user && pass && !options.user) {
      options.user = user;
      options.pass = pass;
    } else if (user && !pass && !options.token) {
      options.token = user;
    }
    // `hostname` keeps an IPv6 address's brackets.
    servers.push(`${parsed.hostname}:${parsed.port || '4222'}`);
  }
  options.servers = servers;
  return options;
}

export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * One NATS connection for a dispatcher, opened on first use. While the first connection fails,
 * `get()` throws and a later call tries again (not more than once per `retryMs`); once
 * connected, the client reconnects by itself for as long as it takes. Outages are logged once
 * when they begin and once when they end, however many events wait meanwhile.
 */
export function createNatsLink(url: Secret, log: Logger, options: { retryMs?: number; name?: string } = {}) {
  const retryMs = options.retryMs ?? 2000;
  let state: LinkState = 'idle';
  let detail: string | undefined;
  let nc: NatsConnection | null = null;
  let opening: Promise<NatsConnection> | null = null;
  let lastAttempt = 0;
  let down = false;
  /** Called when a (re)connection happens, so streams and consumers are checked again. */
  const onConnect: (() => void)[] = [];

  function markDown(reason: string, err?: unknown): void {
    detail = reason;
    if (down) return;
    down = true;
    log.warn({ err, reason }, 'NATS unreachable: events wait in the outbox until it is back');
  }

  function markUp(): void {
    detail = undefined;
    if (!down) return;
    down = false;
    log.info('NATS reachable again: relaying waiting events');
  }

  async function watch(conn: NatsConnection): Promise<void> {
    for await (const s of conn.status()) {
      if (s.type === 'disconnect') {
        state = 'disconnected';
        markDown('disconnected');
      } else if (s.type === 'reconnect') {
        state = 'connected';
        markUp();
        for (const f of onConnect) f();
      }
    }
  }

  async function open(): Promise<NatsConnection> {
    lastAttempt = Date.now();
    state = 'connecting';
    try {
      const conn = await connect(natsConnectionOptions(url.reveal(), options.name ?? 'bazaar'));
      nc = conn;
      state = 'connected';
      markUp();
      for (const f of onConnect) f();
      void watch(conn).catch(() => undefined);
      void conn.closed().then(() => {
        if (nc === conn) {
          nc = null;
          state = 'closed';
        }
      });
      return conn;
    } catch (err) {
      state = 'disconnected';
      markDown(err instanceof Error ? err.message : String(err), err);
      throw err;
    } finally {
      opening = null;
    }
  }

  let closed = false;

  return {
    /** The connection, opening it if needed; throws while NATS cannot be reached. */
    async get(): Promise<NatsConnection> {
      if (closed) throw new Error('NATS link closed');
      if (nc && !nc.isClosed()) return nc;
      if (opening) return opening;
      const wait = lastAttempt + retryMs - Date.now();
      if (wait > 0) throw new Error(`NATS unreachable (${detail ?? 'not connected'}); next attempt in ${wait} ms`);
      opening = open();
      return opening;
    },
    /** True while the connection is up (publishing would be buffered, then time out, otherwise). */
    isUp(): boolean {
      return nc !== null && state === 'connected';
    },
    /** Records a failure seen while using the connection (a publish timed out, no stream). */
    failed(reason: string, err?: unknown): void {
      markDown(reason, err);
    },
    /** Records a success after `failed`. */
    succeeded(): void {
      markUp();
    },
    onConnect(f: () => void): void {
      onConnect.push(f);
    },
    status(): { state: LinkState; detail?: string } {
      return detail ? { state, detail } : { state };
    },
    async close(): Promise<void> {
      closed = true;
      const conn = nc ?? (opening ? await opening.catch(() => null) : null);
      nc = null;
      state = 'closed';
      if (conn && !conn.isClosed()) await conn.drain().catch(() => conn.close());
    },
  };
}

export type NatsLink = ReturnType<typeof createNatsLink>;
