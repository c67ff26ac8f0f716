import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signatureHeader, verifySignature } from './signature.js';

const secret = 'whsec_test';
const body = '{"id":"evt_1","type":"order.paid","createdAt":"2026-11-27T00:00:00.000Z","data":{}}';

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
  const header = signatureHeader(secret, 1_700_000_000, body);
  const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
  assert.equal(header, `t=1700000000,v1=${expected}`);
});

test('a receiver verifies the header with the secret and the raw body', () => {
  const header = signatureHeader(secret, 1_700_000_000, body);
  assert.ok(verifySignature(secret, header, body, { now: 1_700_000_010 }));
  assert.ok(!verifySignature('whsec_other', header, body, { now: 1_700_000_010 }));
  assert.ok(!verifySignature(secret, header, body.replace('order.paid', 'order.placed'), { now: 1_700_000_010 }));
  assert.ok(!verifySignature(secret, header, body, { now: 1_700_000_000 + 301 }), 'too old');
  assert.ok(!verifySignature(secret, 'v1=abc', body), 'no timestamp');
  assert.ok(!verifySignature(secret, 't=1700000000,v1=zz', body, { now: 1_700_000_000 }), 'not hex');
});
