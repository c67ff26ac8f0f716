import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convert, isRate } from '../../platform/money.js';
import { canonicalDecimal, rateFromInput } from './exchange-rates.js';

test('canonicalDecimal drops insignificant zeros', () => {
  assert.equal(canonicalDecimal('0.138700000000'), '0.1387');
  assert.equal(canonicalDecimal('7.000000000000'), '7');
  assert.equal(canonicalDecimal('7.2'), '7.2');
  assert.equal(canonicalDecimal('007.50'), '7.5');
  assert.equal(canonicalDecimal('10'), '10');
  assert.equal(canonicalDecimal('100.000'), '100');
  assert.equal(canonicalDecimal('0.000000000001'), '0.000000000001');
  assert.equal(canonicalDecimal('000.5'), '0.5');
  for (const r of ['0.138700000000', '7.000000000000', '123456789012.123456789012']) assert.ok(isRate(canonicalDecimal(r)), r);
  assert.equal(convert(19900, 'CNY', 'USD', canonicalDecimal('0.138700000000')), 2760);
});

test('rateFromInput accepts strings as sent and finite positive numbers', () => {
  assert.equal(rateFromInput('0.1387'), '0.1387');
  assert.equal(rateFromInput('abc'), 'abc', 'strings are validated by the service');
  assert.equal(rateFromInput(0.1387), '0.1387');
  assert.equal(rateFromInput(7), '7');
  assert.equal(rateFromInput(0), null);
  assert.equal(rateFromInput(-1), null);
  assert.equal(rateFromInput(Number.POSITIVE_INFINITY), null);
  assert.equal(rateFromInput(Number.NaN), null);
  assert.equal(isRate(rateFromInput(1e-7)!), false, 'exponent notation stays invalid');
});
