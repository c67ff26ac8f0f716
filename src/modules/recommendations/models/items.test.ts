import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createItemIndex, internItem, selectTop } from './items.js';

test('internItem numbers items densely in first-seen order', () => {
  const idx = createItemIndex<string>();
  assert.equal(internItem(idx, 'b'), 0);
  assert.equal(internItem(idx, 'a'), 1);
  assert.equal(internItem(idx, 'b'), 0);
  assert.deepEqual(idx.ids, ['b', 'a']);
});

test('selectTop keeps the k best positive scores, ties to the smaller id, skipping exclusions', () => {
  const scores = new Map([[3, 1], [1, 1], [2, 5], [4, 0], [5, 9]]);
  assert.deepEqual(selectTop(scores, 3, new Set([5])), [[2, 5], [1, 1], [3, 1]]);
  assert.deepEqual(selectTop(scores, 10).map((t) => t[0]), [5, 2, 1, 3]);
});
