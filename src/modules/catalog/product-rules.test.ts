import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOptionMatrix, checkPrices, checkVariants } from './product-rules.js';

const color = { name: '颜色', values: ['黑色', '白色'] };
const size = { name: 'Size', values: ['S', 'M'] };

test('a complete, distinct matrix passes', () => {
  const variants = [
    { sku: 'A', options: { 颜色: '黑色', Size: 'S' } },
    { sku: 'B', options: { 颜色: '白色', Size: 'S' } },
    { sku: 'C', options: { 颜色: '黑色', Size: 'M' } },
  ];
  assert.deepEqual(checkOptionMatrix([color, size], variants), []);
});

test('missing, unknown and undeclared values are reported by path', () => {
  const problems = checkOptionMatrix([color, size], [
    { sku: 'A', options: { 颜色: '黑色' } },
    { sku: 'B', options: { 颜色: '红色', Size: 'S' } },
    { sku: 'C', options: { 颜色: '白色', Size: 'M', Material: 'wool' } },
  ]);
  assert.deepEqual(
    problems.map((p) => p.field),
    ['/variants/0/options', '/variants/1/options/颜色', '/variants/2/options/Material'],
  );
});

test('two variants with the same combination are rejected', () => {
  const problems = checkOptionMatrix([color], [
    { sku: 'A', options: { 颜色: '黑色' } },
    { sku: 'B', options: { 颜色: '黑色' } },
  ]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /same option values as variant 0/);
});

test('duplicate option names or values are rejected', () => {
  assert.equal(checkOptionMatrix([color, { name: '颜色', values: ['x'] }], []).length, 1);
  assert.equal(checkOptionMatrix([{ name: 'Size', values: ['S', 'S'] }], []).length, 1);
});

test('a product without options has one variant', () => {
  assert.deepEqual(checkOptionMatrix([], [{ sku: 'A' }]), []);
  assert.equal(checkOptionMatrix([], [{ sku: 'A' }, { sku: 'B' }]).length, 1);
});

test('SKUs unique within a request; prices checked', () => {
  const problems = checkVariants([
    { sku: 'A', prices: [{ currency: 'CNY', amount: 100 }] },
    { sku: 'A', prices: [{ currency: 'XXX', amount: 100 }, { currency: 'USD', amount: 5, compareAtAmount: 4 }] },
  ]);
  assert.deepEqual(problems.map((p) => p.field), ['/variants/1/sku', '/variants/1/prices/0/currency', '/variants/1/prices/1/compareAtAmount']);
  assert.equal(checkPrices([{ currency: 'CNY', amount: 1 }, { currency: 'CNY', amount: 2 }], '/p').length, 1);
});
