import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByHandle, parseImport, splitList } from './import-rows.js';

test('CSV rows become column maps; empty cells are absent; bad rows are reported', () => {
  const csv = 'handle,title,sku,price_CNY\nshirt,T 恤,SH-1,9900\nshirt,,SH-2,9900\nbroken,row\n';
  const { rows, problems } = parseImport('csv', csv);
  assert.deepEqual(rows, [
    { row: 1, values: { handle: 'shirt', title: 'T 恤', sku: 'SH-1', price_CNY: '9900' } },
    { row: 2, values: { handle: 'shirt', sku: 'SH-2', price_CNY: '9900' } },
  ]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.row, 3);
});

test('NDJSON lines are flat objects; numbers and booleans become strings', () => {
  const { rows, problems } = parseImport('ndjson', '{"handle":"a","sku":"A-1","price_USD":500,"allow_backorder":true}\nnot json\n{"handle":"b","x":{"nested":1}}\n');
  assert.deepEqual(rows, [{ row: 1, values: { handle: 'a', sku: 'A-1', price_USD: '500', allow_backorder: 'true' } }]);
  assert.deepEqual(problems.map((p) => p.row), [2, 3]);
});

test('grouping keeps order and reports rows without a handle', () => {
  const { groups, problems } = groupByHandle([
    { row: 1, values: { handle: 'b' } },
    { row: 2, values: { handle: 'a' } },
    { row: 3, values: { handle: 'b' } },
    { row: 4, values: {} },
  ]);
  assert.deepEqual([...groups.keys()], ['b', 'a']);
  assert.deepEqual(groups.get('b')!.map((r) => r.row), [1, 3]);
  assert.deepEqual(problems, [{ row: 4, message: 'handle is required' }]);
  assert.deepEqual(splitList(' a | b ||c'), ['a', 'b', 'c']);
});
