import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { consumerName, eventSubject, natsConnectionOptions } from './nats-link.js';

describe('NATS names and connection options', () => {
  const names = { stream: 'BAZAAR_EVENTS', subjectPrefix: 'shop1.bazaar' };

  test('events map to subjects under the prefix; * is every event', () => {
    assert.equal(eventSubject(names, 'order.placed'), 'shop1.bazaar.events.order.placed');
    assert.equal(eventSubject(names, '*'), 'shop1.bazaar.events.>');
    // Characters NATS gives meaning to never reach a subject.
    assert.equal(eventSubject(names, 'odd name.with*star'), 'shop1.bazaar.events.odd_name.with_star');
  });

  test('consumer names are valid durable names and stay distinct', () => {
    assert.equal(consumerName('payments'), 'payments');
    assert.equal(consumerName('flash-sales'), 'flash-sales');
    const a = consumerName('search.index');
    const b = consumerName('search_index');
    assert.match(a, /^search_index-[0-9a-f]{8}$/);
    assert.equal(b, 'search_index');
    assert.notEqual(a, b);
  });

  test('credentials are lifted out of the URLs; several servers are accepted', () => {
    const o = natsConnectionOptions('nats://app:s3cr%40t@nats-1:4222, nats://nats-2', 'bazaar');
    assert.deepEqual(o.servers, ['nats-1:4222', 'nats-2:4222']);
    assert.equal(o.user, 'app');
    assert.equal(o.pass, 's3cr@t');
    assert.equal(o.token, undefined);
    assert.equal(o.maxReconnectAttempts, -1);
    const t = natsConnectionOptions('tls://tok3n@[::1]:4443', 'bazaar');
    assert.deepEqual(t.servers, ['[::1]:4443']);
    assert.equal(t.token, 'tok3n');
    assert.deepEqual(t.tls, {});
  });

  test('NATS_URL is optional, secret and validated; stream and prefix have defaults', () => {
    assert.equal(loadConfig({}).events.nats, undefined);
    const c = loadConfig({ NATS_URL: 'nats://u:p@127.0.0.1:4222' });
    assert.equal(c.events.nats?.stream, 'BAZAAR_EVENTS');
    assert.equal(c.events.nats?.subjectPrefix, 'bazaar');
    assert.equal(c.events.nats?.url.reveal(), 'nats://u:p@127.0.0.1:4222');
    assert.equal(JSON.stringify(c.events), '{"nats":{"url":"[redacted]","stream":"BAZAAR_EVENTS","subjectPrefix":"bazaar"}}');
    assert.throws(
      () => loadConfig({ NATS_URL: 'http://u:hunter2@x', NATS_STREAM: 'bad.name', NATS_SUBJECT_PREFIX: 'a..b' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /NATS_URL/);
        assert.match(text, /NATS_STREAM/);
        assert.match(text, /NATS_SUBJECT_PREFIX/);
        assert.doesNotMatch(text, /hunter2/);
        return true;
      },
    );
  });
});
