import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPopularity, topPopular } from './popularity.js';

test('ranks by count and skips excluded items', () => {
  const model = buildPopularity([{ item: 'a' }, { item: 'b' }, { item: 'b' }, { item: 'c' }, { item: 'b' }, { item: 'a' }]);
  assert.deepEqual(topPopular(model, 2).map((r) => r.item), ['b', 'a']);
  assert.deepEqual(topPopular(model, 2, ['b']).map((r) => r.item), ['a', 'c']);
});

test('time decay lets recent items overtake old best-sellers', () => {
  const events = [
    { item: 'old', time: 0 },
    { item: 'old', time: 0 },
    { item: 'old', time: 0 },
    { item: 'new', time: 10 },
    { item: 'new', time: 10 },
  ];
  assert.equal(topPopular(buildPopularity(events), 1)[0]!.item, 'old');
  assert.equal(topPopular(buildPopularity(events, { halfLife: 2 }), 1)[0]!.item, 'new');
});

test('minUsers keeps one busy user from making a hit', () => {
  const events = [
    ...Array.from({ length: 50 }, () => ({ item: 'botted', user: 'bot' })),
    { item: 'liked', user: 'u1' },
    { item: 'liked', user: 'u2' },
  ];
  const model = buildPopularity(events, { minUsers: 2 });
  assert.deepEqual(topPopular(model, 5).map((r) => r.item), ['liked']);
});
