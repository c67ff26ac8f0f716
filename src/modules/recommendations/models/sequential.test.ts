import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSequentialModel, recommendForUser } from './sequential.js';

const histories = [
  { items: ['shampoo', 'conditioner', 'mask'] },
  { items: ['shampoo', 'conditioner'] },
  { items: ['soap', 'lotion'] },
  { items: ['soap', 'lotion'] },
  { items: ['lotion', 'sunscreen'] },
];

test('recommends what followed the latest items, never the history', () => {
  const model = buildSequentialModel(histories);
  const recs = recommendForUser(model, ['soap', 'shampoo'], 3).map((r) => r.item);
  assert.equal(recs[0], 'conditioner');
  assert.ok(recs.includes('lotion'));
  assert.ok(!recs.includes('shampoo') && !recs.includes('soap'));
});

test('an unknown history falls back to popularity', () => {
  const model = buildSequentialModel(histories);
  const recs = recommendForUser(model, ['unknown'], 2).map((r) => r.item);
  assert.equal(recs.length, 2);
  assert.equal(recs[0], 'lotion');
});
