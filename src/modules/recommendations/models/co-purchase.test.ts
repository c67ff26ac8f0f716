import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCoPurchase, recommendBoughtTogether } from './co-purchase.js';

const orders = [
  { items: ['tent', 'pegs'] },
  { items: ['tent', 'pegs', 'lamp'] },
  { items: ['stove', 'gas'] },
  { items: ['lamp'] },
  { items: ['lamp'] },
];

test('recommends what was bought with the basket, then popular items', () => {
  const model = buildCoPurchase(orders);
  const recs = recommendBoughtTogether(model, ['tent'], 3).map((r) => r.item);
  assert.deepEqual(recs.slice(0, 2), ['pegs', 'lamp']);
  assert.equal(recs.length, 3);
  assert.ok(!recs.includes('tent'));
});

test('single-item orders count for popularity only', () => {
  const model = buildCoPurchase(orders);
  assert.deepEqual(recommendBoughtTogether(model, ['unknown'], 1).map((r) => r.item), ['lamp']);
});
