import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldGiveUp } from './retry.js';

const p = DEFAULT_RETRY_POLICY;

test('waits 30 s after the first failure, doubling, capped at 6 h', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 10, 11, 12, 40].map((n) => retryDelayMs(p, n, 0.5)),
    [30_000, 60_000, 120_000, 240_000, 15_360_000, 21_600_000, 21_600_000, 21_600_000],
  );
});

test('jitter stays within ±20%', () => {
  assert.equal(retryDelayMs(p, 1, 0), 24_000);
  assert.ok(retryDelayMs(p, 1, 0.999_999) <= 36_000);
  assert.equal(retryDelayMs(p, 20, 0), 17_280_000);
});

test('gives up after the last attempt or three days, whichever is first', () => {
  assert.ok(!shouldGiveUp(p, 1, 0));
  assert.ok(!shouldGiveUp(p, 24, 86_400_000));
  assert.ok(shouldGiveUp(p, 25, 0));
  assert.ok(shouldGiveUp(p, 3, 3 * 86_400_000));
});

test('the default schedule spans about three days', () => {
  let total = 0;
  let attempts = 0;
  while (!shouldGiveUp(p, attempts + 1, total)) {
    attempts++;
    total += retryDelayMs(p, attempts, 0.5);
  }
  assert.ok(total >= 2.5 * 86_400_000 && total <= 3.5 * 86_400_000, `${total / 3_600_000} h over ${attempts + 1} attempts`);
});
