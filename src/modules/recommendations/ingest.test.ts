import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RECS_LIMITS } from './deps.js';
import { checkEvent } from './ingest.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const PRODUCT = 'prod_01JDB4X8K3M0Q9W2E5R7T6Y1V3';
const check = (e: Record<string, string>) => {
  const out = checkEvent({ type: 'view', sessionId: 's1', ...e } as never, 0, NOW, DEFAULT_RECS_LIMITS);
  return 'code' in out ? out.code : 'ok';
};

test('events are checked per type without I/O', () => {
  assert.equal(check({ productId: PRODUCT }), 'ok');
  assert.equal(check({ sku: 'SKU-1' }), 'ok');
  assert.equal(check({ type: 'search', query: 'mug' }), 'ok');
  assert.equal(check({ type: 'search', query: '   ' }), 'RECS_EVENT_QUERY_REQUIRED');
  assert.equal(check({ type: 'purchase' }), 'RECS_EVENT_PRODUCT_REQUIRED');
  assert.equal(check({ type: 'VIEW', productId: PRODUCT }), 'RECS_EVENT_UNKNOWN_TYPE');
  assert.equal(check({ productId: 'cus_01JDB4X8K3M0Q9W2E5R7T6Y1V3' }), 'RECS_EVENT_INVALID_PRODUCT_ID');
  assert.equal(check({ productId: PRODUCT, sessionId: '' }), 'RECS_EVENT_SESSION_REQUIRED');
});

test('occurredAt may be a few minutes ahead (clock skew) but not far ahead or past retention', () => {
  assert.equal(check({ productId: PRODUCT, occurredAt: '2026-11-27T12:04:00Z' }), 'ok');
  assert.equal(check({ productId: PRODUCT, occurredAt: '2026-11-27T12:06:00Z' }), 'RECS_EVENT_INVALID_TIME');
  assert.equal(check({ productId: PRODUCT, occurredAt: '2026-06-01T00:00:00+08:00' }), 'ok');
  assert.equal(check({ productId: PRODUCT, occurredAt: '2026-05-01T00:00:00Z' }), 'RECS_EVENT_INVALID_TIME');
  assert.equal(check({ productId: PRODUCT, occurredAt: '2026-11-27' }), 'RECS_EVENT_INVALID_TIME');
});
