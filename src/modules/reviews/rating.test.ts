import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from './rating.js';

test('no reviews: count 0, average 0, an all-zero distribution', () => {
  assert.deepEqual(summarize([]), { average: 0, count: 0, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } });
});

test('the mean comes from the exact integer sum, rounded half up to 2 decimals', () => {
  assert.deepEqual(summarize([{ rating: 5, n: 2 }, { rating: 4, n: 1 }]), { average: 4.67, count: 3, distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 2 } });
  // 187 / 40 = 4.675 exactly: half up, where Math.round(4.675 * 100) would give 467.
  const rows = [
    { rating: 5, n: 27 },
    { rating: 4, n: 13 },
  ];
  assert.equal(summarize(rows).average, 4.68);
  assert.equal(summarize([{ rating: 1, n: 2 }, { rating: 2, n: 1 }]).average, 1.33);
  assert.equal(summarize([{ rating: 3, n: 1 }]).average, 3);
});

test('unknown ratings and empty groups are ignored', () => {
  assert.deepEqual(summarize([{ rating: 0, n: 4 }, { rating: 6, n: 1 }, { rating: 2, n: 0 }, { rating: 2, n: 3 }]), {
    average: 2,
    count: 3,
    distribution: { '1': 0, '2': 3, '3': 0, '4': 0, '5': 0 },
  });
});

test('the average stays within 1–5 for any mix', () => {
  for (let i = 0; i < 200; i++) {
    const rows = [1, 2, 3, 4, 5].map((rating) => ({ rating, n: Math.floor(Math.random() * 50) }));
    const s = summarize(rows);
    if (s.count === 0) continue;
    assert.ok(s.average >= 1 && s.average <= 5, JSON.stringify(rows));
    assert.equal(Number(s.average.toFixed(2)), s.average);
  }
});
