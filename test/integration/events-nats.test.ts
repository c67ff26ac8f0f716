import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { withTransaction } from '../../src/platform/db/index.js';
import { createDispatcher, publish, type Dispatcher, type DomainEvent, type NatsEventsOptions } from '../../src/platform/events/index.js';
import { consumerName } from '../../src/platform/events/nats-link.js';
import { Secret } from '../../src/platform/secret.js';
import { buildTestApp, DATABASES, deleteNatsStream, testNatsUrl, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

// Events through NATS JetStream against the real server: outbox → relay → stream → durable
// pull consumers. Each describe block gets its own stream and subject prefix, deleted after.
const natsUrl = await testNatsUrl();

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Log lines written by a dispatcher, to count how often an outage is reported. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

for (const engine of DATABASES) {
  describe(`events over NATS JetStream (${engine})`, { skip: natsUrl ? false : 'NATS unreachable' }, () => {
    const tag = randomBytes(5).toString('hex');
    const stream = `TEST_EVENTS_${tag}`;
    const subjectPrefix = `t_${tag}`;
    const url = natsUrl ?? 'nats://127.0.0.1:4222';
    let app: TestApp;
    let nc: NatsConnection;
    const dispatchers: Dispatcher[] = [];
    const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

    const natsOptions = (extra: Partial<NatsEventsOptions> = {}): NatsEventsOptions => ({
      url: new Secret(url),
      stream,
      subjectPrefix,
      retryBaseMs: 50,
      retryMaxMs: 400,
      drainWaitMs: 5000,
      ...extra,
    });
    const dispatcher = (extra: Partial<NatsEventsOptions> = {}, log = silent, pollMs = 50): Dispatcher => {
      const d = createDispatcher(app.db, log, { nats: natsOptions(extra), pollMs });
      dispatchers.push(d);
      return d;
    };
    const publishAll = (name: string, payloads: unknown[]) => withTransaction(app.db, async (trx) => Promise.all(payloads.map((p) => publish(trx, name, p))));
    const outboxRows = (name: string) => app.db.selectFrom('eventOutbox').selectAll().where('name', '=', name).orderBy('id').execute();
    const deliveries = async (subscriber: string) => (await app.db.selectFrom('eventDelivery').select('eventId').where('subscriber', '=', subscriber).execute()).map((r) => r.eventId).sort();

    before(async () => {
      app = await buildTestApp(engine);
      const { hostname, port } = new URL(url);
      nc = await connect({ servers: `${hostname}:${port || 4222}` });
    });
    after(async () => {
      for (const d of dispatchers) await d.stop();
      await nc?.close();
      await app?.close();
      await deleteNatsStream(url, stream);
    });

    test('events committed in a transaction reach each subscriber once, through a durable stream', async () => {
      const d = dispatcher();
      const seen: DomainEvent[] = [];
      d.subscribe('test.nats_placed', 'test.nats-recorder', async (e) => {
        seen.push(e);
      });
      const ids = await publishAll('test.nats_placed', [{ n: 1 }, { n: 2 }, { n: 3 }]);
      await assert.rejects(
        withTransaction(app.db, async (trx) => {
          await publish(trx, 'test.nats_placed', { n: 99 });
          throw new Error('abort');
        }),
        /abort/,
      );
      await d.drain();
      assert.deepEqual(seen.map((e) => e.id).sort(), [...ids].sort());
      assert.deepEqual(seen.map((e) => (e.payload as { n: number }).n).sort(), [1, 2, 3]);
      assert.ok(seen.every((e) => e.name === 'test.nats_placed' && e.createdAt instanceof Date));
      for (const row of await outboxRows('test.nats_placed')) assert.ok(row.processedAt, 'relayed rows are marked processed');
      assert.deepEqual(await deliveries('test.nats-recorder'), [...ids].sort());

      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(stream);
      assert.equal(info.config.storage, 'file');
      assert.equal(info.config.retention, 'limits');
      assert.equal(info.config.max_age, 7 * 86_400 * 1e9);
      assert.ok(info.config.duplicate_window >= 120 * 1e9);
      assert.deepEqual(info.config.subjects, [`${subjectPrefix}.events.>`]);
      assert.ok(info.state.messages >= 3);

      await d.drain();
      assert.equal(seen.length, 3, 'a second drain delivers nothing again');
      assert.equal(d.status().transport, 'nats');
      assert.equal(d.status().state, 'connected');
    });

    test('a re-published message id is dropped by the stream; a redelivered, already handled event is only acknowledged', async () => {
      const d = dispatcher();
      let effects = 0;
      d.subscribe('test.nats_once', 'test.nats-once', async () => {
        effects++;
      });
      const [id] = await publishAll('test.nats_once', [{ k: 'a' }]);
      await d.drain();
      assert.equal(effects, 1);
      const row = (await outboxRows('test.nats_once'))[0]!;
      const body = JSON.stringify({ id, name: row.name, payload: row.payload, createdAt: new Date(row.createdAt).toISOString() });
      const js = jetstream(nc);
      // A relay that died after the PubAck but before marking the row publishes it again.
      const again = await js.publish(`${subjectPrefix}.events.test.nats_once`, body, { msgID: id });
      assert.equal(again.duplicate, true);
      await d.drain();
      assert.equal(effects, 1);
      // The same event delivered again outside the duplicate window (another message id).
      const replay = await js.publish(`${subjectPrefix}.events.test.nats_once`, body, { msgID: `${id}-replay` });
      assert.equal(replay.duplicate, false);
      await d.drain();
      assert.equal(effects, 1, 'the recorded (event, subscriber) pair keeps the handler from running twice');
      assert.deepEqual(await deliveries('test.nats-once'), [id]);
    });

    test('a message handed back unacknowledged (nak) is handled once', async () => {
      const d = dispatcher();
      let effects = 0;
      d.subscribe('test.nats_nak', 'test.nats-nak', async () => {
        effects++;
      });
      await d.drain(); // creates the consumer
      await publishAll('test.nats_nak', [{ k: 1 }]);
      assert.equal(await d.runOnce(), 1, 'relayed');
      // Another process takes the message and gives it back (a worker shutting down).
      const consumer = await jetstream(nc).consumers.get(stream, consumerName('test.nats-nak'));
      const m = await consumer.next({ expires: 2000 });
      assert.ok(m, 'the message is on the consumer');
      m.nak();
      await d.drain();
      assert.equal(effects, 1);
      await d.drain();
      assert.equal(effects, 1);
    });

    test('a failing handler is retried with backoff until it succeeds; other subscribers are not re-run', async () => {
      const d = dispatcher();
      let steady = 0;
      let flaky = 0;
      d.subscribe('test.nats_flaky', 'test.nats-steady', async () => {
        steady++;
      });
      d.subscribe('test.nats_flaky', 'test.nats-flaky', async () => {
        flaky++;
        if (flaky <= 2) throw new Error(`boom ${flaky}`);
      });
      const [id] = await publishAll('test.nats_flaky', [{ x: 1 }]);
      await d.drain();
      assert.equal(steady, 1);
      assert.ok(flaky >= 1);
      await until('the flaky handler to succeed', async () => {
        await d.drain();
        return (await deliveries('test.nats-flaky')).includes(id!);
      });
      assert.equal(flaky, 3);
      assert.equal(steady, 1);
      const row = (await outboxRows('test.nats_flaky'))[0]!;
      assert.equal(row.lastError, null, 'the failure note is cleared once the subscriber succeeded');
    });

    test('two dispatcher processes share a subscriber’s events without handling one twice', async () => {
      const handledBy = new Map<string, string[]>();
      const make = (who: string) => {
        const d = dispatcher({ consumeBatch: 3 });
        d.subscribe('test.nats_split', 'test.nats-split', async (e) => {
          handledBy.set(e.id, [...(handledBy.get(e.id) ?? []), who]);
          await new Promise((r) => setTimeout(r, 5));
        });
        return d;
      };
      const d1 = make('one');
      const d2 = make('two');
      await d1.drain(); // the consumer exists before events are relayed
      const ids = await publishAll(
        'test.nats_split',
        Array.from({ length: 60 }, (_, i) => ({ i })),
      );
      d1.start();
      d2.start();
      await until('all events handled', async () => handledBy.size === ids.length && (await deliveries('test.nats-split')).length === ids.length);
      await d1.stop();
      await d2.stop();
      for (const [id, who] of handledBy) assert.equal(who.length, 1, `${id} handled by ${who.join(', ')}`);
      const counts = [...handledBy.values()].reduce((acc, [who]) => acc.set(who!, (acc.get(who!) ?? 0) + 1), new Map<string, number>());
      assert.ok((counts.get('one') ?? 0) > 0 && (counts.get('two') ?? 0) > 0, `both processes worked: ${JSON.stringify([...counts])}`);
      for (const row of await outboxRows('test.nats_split')) assert.ok(row.processedAt);
    });

    test('while NATS is unreachable events wait in the outbox (one log line), then flow once it is back', async () => {
      const { logger, lines } = capturingLogger();
      const down = dispatcher({ url: new Secret(`nats://127.0.0.1:${await closedPort()}`) }, logger);
      const seenDown: string[] = [];
      down.subscribe('test.nats_outage', 'test.nats-outage', async (e) => {
        seenDown.push(e.id);
      });
      const ids = await publishAll(
        'test.nats_outage',
        Array.from({ length: 5 }, (_, i) => ({ i })),
      );
      await down.drain();
      down.start();
      await new Promise((r) => setTimeout(r, 300));
      await down.drain();
      await down.stop();
      assert.equal(seenDown.length, 0);
      const rows = await outboxRows('test.nats_outage');
      assert.ok(rows.every((r) => r.processedAt === null && r.attempts === 0), 'nothing is claimed while NATS is down');
      assert.equal(down.status().transport, 'nats');
      assert.notEqual(down.status().state, 'connected');
      assert.equal(lines.filter((l) => l.msg.startsWith('NATS unreachable')).length, 1, 'an outage is logged once');

      const live = dispatcher();
      const seen: string[] = [];
      live.subscribe('test.nats_outage', 'test.nats-outage', async (e) => {
        seen.push(e.id);
      });
      await live.drain();
      assert.deepEqual([...new Set(seen)].sort(), [...ids].sort(), 'every event delivered');
      for (const row of await outboxRows('test.nats_outage')) assert.ok(row.processedAt);
    });

    test('the app wires NATS from NATS_URL: mail flows through it and /readyz reports it without failing', async () => {
      const shop = await buildTestApp(engine, { NATS_URL: url, NATS_STREAM: `${stream}_APP`, NATS_SUBJECT_PREFIX: `${subjectPrefix}_app` });
      try {
        const http = client(shop.server);
        const res = await http.post('/store/auth/register', { email: `nats-${tag}@example.com`, password: 'shopperpass1' });
        assert.equal(res.status, 201);
        assert.equal((await http.post('/store/auth/password-reset', { email: `nats-${tag}@example.com` })).status, 202);
        assert.equal(shop.mail.length, 0);
        await shop.dispatcher.drain();
        assert.ok(shop.mail.some((m) => m.to === `nats-${tag}@example.com` && m.template === 'password_reset'), 'mail sent through NATS');
        const ready = await http.get('/readyz');
        assert.equal(ready.status, 200);
        assert.deepEqual(ready.body.nats, { state: 'connected' });
      } finally {
        await shop.close();
        await deleteNatsStream(url, `${stream}_APP`);
      }
      const broken = await buildTestApp(engine, { NATS_URL: `nats://127.0.0.1:${await closedPort()}`, NATS_STREAM: `${stream}_DOWN`, NATS_SUBJECT_PREFIX: `${subjectPrefix}_down` });
      try {
        await broken.dispatcher.drain();
        const ready = await client(broken.server).get('/readyz');
        assert.equal(ready.status, 200, 'NATS down does not make the process unready');
        assert.equal(ready.body.status, 'ready');
        assert.equal(ready.body.nats.state, 'disconnected');
      } finally {
        await broken.close();
      }
    });
  });
}
