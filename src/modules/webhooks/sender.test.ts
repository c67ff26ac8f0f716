import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { refusalOf, sendWebhook } from './sender.js';

test('only http(s) URLs without credentials are sent to', async () => {
  assert.equal(await refusalOf('https://example.com/hooks', true), null);
  assert.equal(await refusalOf('http://127.0.0.1:8080/hooks', true), null);
  assert.match((await refusalOf('ftp://example.com/x', true))!, /ftp: URLs are not allowed/);
  assert.match((await refusalOf('file:///etc/passwd', true))!, /file: URLs are not allowed/);
  assert.match((await refusalOf('https://user:pw@example.com/', true))!, /credentials/);
  assert.equal(await refusalOf('not a url', true), 'not a URL');
});

test('with private targets refused: loopback, private, link-local and mapped addresses', async () => {
  for (const url of [
    'http://127.0.0.1/',
    'http://localhost:3000/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
  ]) {
    assert.equal(await refusalOf(url, false), 'private address refused', url);
  }
  for (const url of ['http://93.184.216.34/', 'https://[2606:4700::1111]/', 'http://8.8.8.8:8080/x']) {
    assert.equal(await refusalOf(url, false), null, url);
  }
});

async function withServer(handler: (req: IncomingMessage, res: ServerResponse) => void, fn: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const body = { id: 'evt_1', type: 'order.paid', createdAt: '2026-11-27T00:00:00.000Z', data: { orderId: 'ord_1' } };
const options = { timeoutMs: 10_000, maxResponseBytes: 16, allowPrivate: true };

test('an answer slower than the timeout is a failure without a status', async () => {
  await withServer(
    (_req, res) => setTimeout(() => res.end('late'), 3000).unref(),
    async (url) => {
      const r = await sendWebhook(url, 'whsec_x', body, { ...options, timeoutMs: 200 });
      assert.deepEqual([r.statusCode, r.succeeded, r.error], [null, false, 'timed out']);
      assert.ok(r.durationMs >= 150, String(r.durationMs));
    },
  );
});

test('redirects are not followed; bodies are cut at maxResponseBytes', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/' });
      res.end('y'.repeat(100));
    },
    async (url) => {
      const r = await sendWebhook(url, 'whsec_x', body, options);
      assert.deepEqual([r.statusCode, r.succeeded, r.error, r.responseBody], [302, false, 'HTTP 302', 'y'.repeat(16)]);
    },
  );
});

test('a refused URL is never requested', async () => {
  const r = await sendWebhook('http://127.0.0.1:9/hook', 'whsec_x', body, { ...options, allowPrivate: false });
  assert.deepEqual([r.statusCode, r.succeeded, r.error], [null, false, 'refused: private address refused']);
});

test('a connection refused is a failure with the reason', async () => {
  const r = await sendWebhook('http://127.0.0.1:9/hook', 'whsec_x', body, options);
  assert.deepEqual([r.statusCode, r.succeeded], [null, false]);
  assert.match(r.error!, /^fetch failed/);
});
