import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

test('cursors round-trip and are opaque', () => {
  const c = encodeCursor(['cus_01', 42]);
  assert.doesNotMatch(c, /cus_01/);
  assert.deepEqual(decodeCursor(c, 2), ['cus_01', 42]);
});

test('foreign or malformed cursors are a 400', () => {
  for (const bad of ['%%%', encodeCursor(['a']), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[{}]').toString('base64url')]) {
    assert.throws(() => decodeCursor(bad, 2), (e: unknown) => e instanceof AppError && e.code === 'PAGINATION_INVALID_CURSOR' && e.status === 400);
  }
});

test('toPage uses the extra row only to decide on a next cursor', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const page = toPage(rows, 2, (r) => r.id, (r) => [r.id]);
  assert.deepEqual(page.items, ['a', 'b']);
  assert.deepEqual(decodeCursor(page.nextCursor!, 1), ['b']);
  assert.equal(toPage(rows.slice(0, 2), 2, (r) => r.id, (r) => [r.id]).nextCursor, null);
  assert.deepEqual(toPage([], 2, (r: { id: string }) => r.id, (r) => [r.id]), { items: [], nextCursor: null });
});
