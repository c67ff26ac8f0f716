import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSessionIndex, recommendNextInSession } from './session-knn.js';

const past = [{ items: [1, 2, 3] }, { items: [1, 2, 3] }, { items: [2, 4] }, { items: [5, 6] }];

test('similar past sessions vote for what came after the shared item', () => {
  const index = buildSessionIndex(past);
  const recs = recommendNextInSession(index, [1, 2], 3, { anchorWeight: 0, backwardWeight: 0 }).map((r) => r.item);
  assert.equal(recs[0], 3);
  assert.ok(!recs.includes(6));
});

test('items of the session may come back unless excluded', () => {
  const index = buildSessionIndex(past);
  assert.ok(recommendNextInSession(index, [1, 2], 5).some((r) => r.item === 2));
  assert.ok(!recommendNextInSession(index, [1, 2], 5, {}, [2]).some((r) => r.item === 2));
});

test('unknown sessions get nothing; sampleSize keeps the most recent sessions', () => {
  const index = buildSessionIndex([{ items: ['a', 'old'] }, { items: ['a', 'new'] }]);
  assert.deepEqual(recommendNextInSession(index, ['zzz'], 5), []);
  const recs = recommendNextInSession(index, ['a'], 5, { sampleSize: 1 }).map((r) => r.item);
  assert.ok(recs.includes('new') && !recs.includes('old'));
});
