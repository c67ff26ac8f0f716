import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localKeys, periodOf, scaleRate, toBase } from './calendar.js';

test('localKeys: wall-clock hour, day and month in the zone', () => {
  const at = new Date('2026-11-30T17:30:00Z');
  assert.deepEqual(localKeys(at, 'UTC'), { hour: '2026-11-30 17:00:00', day: '2026-11-30', month: '2026-11-01' });
  assert.deepEqual(localKeys(at, 'Asia/Shanghai'), { hour: '2026-12-01 01:00:00', day: '2026-12-01', month: '2026-12-01' });
  assert.equal(localKeys(new Date('2026-01-01T00:10:00Z'), 'Asia/Kolkata').hour, '2026-01-01 05:00:00');
});

test('periodOf: inclusive dates, previous period of equal length, clipped buckets', () => {
  const p = periodOf('2026-12-02', '2026-12-15', 'week');
  assert.equal(p.start, '2026-12-02 00:00:00');
  assert.equal(p.end, '2026-12-16 00:00:00');
  assert.equal(p.days, 14);
  assert.deepEqual(p.previous, { from: '2026-11-18', to: '2026-12-01', start: '2026-11-18 00:00:00', end: '2026-12-02 00:00:00' });
  // 2026-12-07 is a Monday.
  assert.deepEqual(p.buckets, [
    { start: '2026-12-02 00:00:00', end: '2026-12-07 00:00:00' },
    { start: '2026-12-07 00:00:00', end: '2026-12-14 00:00:00' },
    { start: '2026-12-14 00:00:00', end: '2026-12-16 00:00:00' },
  ]);
  assert.equal(periodOf('2026-01-31', '2026-03-01', 'month').buckets.length, 3);
  assert.equal(periodOf('2026-12-01', '2026-12-01', 'hour').buckets.length, 24);
});

test('periodOf: bad ranges', () => {
  assert.throws(() => periodOf('2026-02-30', '2026-03-01', 'day'), { code: 'ANALYTICS_INVALID_RANGE' });
  assert.throws(() => periodOf('2026-03-02', '2026-03-01', 'day'), { code: 'ANALYTICS_INVALID_RANGE' });
  assert.throws(() => periodOf('2026-01-01', '2026-03-01', 'hour'), { code: 'ANALYTICS_RANGE_TOO_LARGE' });
});

test('toBase: exact to 12 decimals, minor-unit shift, half away from zero', () => {
  assert.equal(toBase(19900, 'CNY', 'CNY', null), '19900.000000000000');
  // 1000 cents at 0.1387 USD per CNY → 7209.805335255948… fen.
  assert.equal(toBase(1000, 'USD', 'CNY', '0.1387'), '7209.805335255948');
  // 100 yen at 20 JPY per CNY (JPY has no minor unit) → 5 CNY = 500 fen.
  assert.equal(toBase(100, 'JPY', 'CNY', '20'), '500.000000000000');
  assert.equal(toBase(-1, 'USD', 'CNY', '3'), '-0.333333333333');
});

test('scaleRate', () => {
  assert.equal(scaleRate('0.1387', 0), '0.1387');
  assert.equal(scaleRate('0.1387', -2), '0.001387');
  assert.equal(scaleRate('7.2', 2), '720');
  assert.equal(scaleRate('7', 1), '70');
});
