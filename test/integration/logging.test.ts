import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp, REDACT_PATHS, type BazaarApp } from '../../src/app.js';
import { createDb } from '../../src/platform/db/index.js';
import { testConfig } from '../helpers/app.js';

// Logging does not depend on the engine: one in-memory PGlite.
describe('secrets never reach the logs', () => {
  const lines: string[] = [];
  let app: BazaarApp;
  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
    app = await createApp({ config: testConfig(), db: await createDb({ dataDir: 'memory://' }), logger });
  });
  after(() => app.close());

  test('guest order tokens in query strings and bearer tokens are masked in request lines', async () => {
    await app.server.inject({ url: '/store/orders/ord_x?token=ordt_SECRETQUERY&x=1' });
    await app.server.inject({ url: '/store/me', headers: { authorization: 'Bearer bzc_SECRETBEARER', 'x-order-token': 'ordt_SECRETHEADER' } });
    await app.server.inject({ method: 'POST', url: '/store/auth/login', payload: { email: 'a@example.com', password: 'SECRETPASSWORD1' } });
    const all = lines.join('');
    assert.match(all, /token=\[redacted\]&x=1/);
    for (const secret of ['SECRETQUERY', 'SECRETBEARER', 'SECRETHEADER', 'SECRETPASSWORD1']) assert.doesNotMatch(all, new RegExp(secret));
  });
});
