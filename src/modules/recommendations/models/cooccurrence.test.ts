import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildItemCooccurrence, topNeighbours } from './cooccurrence.js';

const sessions = [{ items: [1, 2, 3] }, { items: [1, 2] }, { items: [4, 1, 5] }];

test('strictly directional: only what followed', () => {
  const model = buildItemCooccurrence(sessions, { window: 1, backwardWeight: 0 });
  assert.deepEqual(topNeighbours(model, 1, 5).map((r) => r.item), [2, 5]);
  assert.deepEqual(topNeighbours(model, 3, 5), []);
  assert.deepEqual(topNeighbours(model, 99, 5), []);
});

test('the window and backward weight widen the neighbourhood', () => {
  const model = buildItemCooccurrence(sessions, { window: 2, backwardWeight: 0.5, popularityDamping: 0 });
  const n3 = topNeighbours(model, 3, 5).map((r) => r.item);
  assert.deepEqual(n3.sort(), [1, 2]);
  // 2 came right before 3: it outranks 1, two positions back.
  assert.equal(topNeighbours(model, 3, 1)[0]!.item, 2);
});

test('exclusions and k are honoured; an item is never its own neighbour', () => {
  const model = buildItemCooccurrence([{ items: ['a', 'a', 'b', 'c'] }], { window: 3 });
  assert.deepEqual(topNeighbours(model, 'a', 1, ['b']).map((r) => r.item), ['c']);
  assert.ok(!topNeighbours(model, 'a', 5).some((r) => r.item === 'a'));
});
