import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDecimalAmount, toDecimalString } from './amounts.js';

describe('gateway amounts', () => {
  test('minor units to decimal strings', () => {
    assert.equal(toDecimalString(8888, 'CNY'), '88.88');
    assert.equal(toDecimalString(5, 'CNY'), '0.05');
    assert.equal(toDecimalString(0, 'CNY'), '0.00');
    assert.equal(toDecimalString(1200, 'JPY'), '1200');
    assert.equal(toDecimalString(1234, 'KWD'), '1.234');
    assert.throws(() => toDecimalString(-1, 'CNY'), RangeError);
    assert.throws(() => toDecimalString(1.5, 'CNY'), RangeError);
  });

  test('decimal strings to minor units, exactly', () => {
    assert.equal(parseDecimalAmount('88.88', 'CNY'), 8888);
    assert.equal(parseDecimalAmount('88.8', 'CNY'), 8880);
    assert.equal(parseDecimalAmount('88', 'CNY'), 8800);
    assert.equal(parseDecimalAmount('0.07', 'CNY'), 7);
    // 0.29 * 100 is 28.999999999999996 as a float.
    assert.equal(parseDecimalAmount('0.29', 'CNY'), 29);
    assert.equal(parseDecimalAmount('1200', 'JPY'), 1200);
    for (const bad of ['', '-1.00', '1e3', '1.001', '.5', '1.', ' 1.00', '1,00', 'NaN']) assert.equal(parseDecimalAmount(bad, 'CNY'), null, bad);
    assert.equal(parseDecimalAmount('1.5', 'JPY'), null);
  });
});
