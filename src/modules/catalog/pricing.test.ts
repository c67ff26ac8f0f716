import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePrice, sqlConversionFactor } from './pricing.js';

const usd = { currency: 'USD', base: 'CNY', rate: '0.1387' };

test('own price wins; otherwise converted from the base and marked', () => {
  assert.deepEqual(resolvePrice(usd, { amount: 8900, compareAtAmount: null }, { amount: 59900, compareAtAmount: null }), {
    currency: 'USD', amount: 8900, compareAtAmount: null, converted: false,
  });
  assert.deepEqual(resolvePrice(usd, null, { amount: 59900, compareAtAmount: 69900 }), {
    currency: 'USD', amount: 8308, compareAtAmount: 9695, converted: true,
  });
});

test('no price when nothing can be converted', () => {
  assert.equal(resolvePrice({ ...usd, rate: null }, null, { amount: 1, compareAtAmount: null }), null);
  assert.equal(resolvePrice(usd, null, null), null);
  assert.equal(resolvePrice({ currency: 'CNY', base: 'CNY', rate: null }, null, { amount: 1, compareAtAmount: null }), null);
});

test('SQL factor shifts the decimal point by the minor-unit difference', () => {
  assert.equal(sqlConversionFactor(usd), '0.1387');
  assert.equal(sqlConversionFactor({ currency: 'JPY', base: 'CNY', rate: '21.05' }), '0.2105');
  assert.equal(sqlConversionFactor({ currency: 'JPY', base: 'CNY', rate: '0.05' }), '0.0005');
  assert.equal(sqlConversionFactor({ currency: 'CNY', base: 'JPY', rate: '0.0475' }), '4.75');
  assert.equal(sqlConversionFactor({ currency: 'KWD', base: 'USD', rate: '0.307' }), '3.07');
  assert.equal(sqlConversionFactor({ currency: 'USD', base: 'USD', rate: null }), null);
});
