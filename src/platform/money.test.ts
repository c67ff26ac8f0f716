import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocate, convert, formatMoney, isCurrency, isRate, minorUnits } from './money.js';

test('minor units per currency', () => {
  assert.equal(minorUnits('CNY'), 2);
  assert.equal(minorUnits('JPY'), 0);
  assert.equal(minorUnits('KWD'), 3);
  assert.ok(isCurrency('USD'));
  assert.ok(!isCurrency('XYZ'));
  assert.ok(!isCurrency('usd'));
  assert.throws(() => minorUnits('XYZ'), RangeError);
});

test('rates are positive decimal strings', () => {
  for (const ok of ['1', '7.2', '0.1387', '0.000001']) assert.ok(isRate(ok), ok);
  for (const bad of ['0', '0.0', '-1', '1e3', '', '.5', '1.', 'abc']) assert.ok(!isRate(bad), bad);
});

test('conversion is exact and rounds half away from zero', () => {
  assert.equal(convert(19900, 'CNY', 'USD', '0.1387'), 2760); // 2760.13
  assert.equal(convert(50, 'USD', 'USD', '0.5'), 25);
  assert.equal(convert(5, 'USD', 'USD', '0.5'), 3); // 2.5 → 3
  assert.equal(convert(-5, 'USD', 'USD', '0.5'), -3);
  assert.equal(convert(100, 'USD', 'JPY', '151.37'), 151); // $1.00 → ¥151.37 → ¥151
  assert.equal(convert(15137, 'JPY', 'USD', '0.0066'), 9990); // ¥15137 → $99.90
  assert.equal(convert(1000, 'USD', 'KWD', '0.307'), 3070); // $10 → 3.070 KWD
  // 0.1 + 0.2 style float traps do not apply: 3 × 0.1 exactly 0.3
  assert.equal(convert(3, 'USD', 'USD', '0.1'), 0);
  assert.equal(convert(30, 'USD', 'USD', '0.15'), 5); // 4.5 → 5
  assert.throws(() => convert(1.5, 'USD', 'CNY', '7'), RangeError);
  assert.throws(() => convert(1, 'USD', 'CNY', '0'), RangeError);
});

test('allocation sums exactly and gives the remainder to the largest fractions', () => {
  assert.deepEqual(allocate(100, [1, 1, 1]), [34, 33, 33]);
  assert.deepEqual(allocate(5000, [19900, 9900, 100]), [3328, 1655, 17]); // 3327.76, 1655.52, 16.72
  assert.deepEqual(allocate(7, [0, 0]), [7, 0]);
  assert.deepEqual(allocate(0, [3, 4]), [0, 0]);
  for (let i = 0; i < 200; i++) {
    const weights = Array.from({ length: 1 + (i % 7) }, (_, k) => ((i * 31 + k * 17) % 1000) + 1);
    const total = (i * 7919) % 100000;
    const parts = allocate(total, weights);
    assert.equal(parts.reduce((a, b) => a + b, 0), total);
    assert.ok(parts.every((p) => p >= 0));
  }
});

test('formatting', () => {
  assert.equal(formatMoney({ currency: 'CNY', amount: 19900 }), 'CNY 199.00');
  assert.equal(formatMoney({ currency: 'USD', amount: 5 }), 'USD 0.05');
  assert.equal(formatMoney({ currency: 'JPY', amount: 1500 }), 'JPY 1500');
  assert.equal(formatMoney({ currency: 'USD', amount: -250 }), 'USD -2.50');
});
