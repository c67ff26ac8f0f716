import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeTerms } from './index.js';

test('analyzeTerms: distinct normalised terms in first-seen order', () => {
  assert.deepEqual(analyzeTerms('Wireless Earbuds, 2 pack — wireless'), ['wireless', 'earbud', '2', '2pack', 'pack']);
  assert.deepEqual(analyzeTerms('The Lamps of the House'), ['lamp', 'house']);
  assert.deepEqual(analyzeTerms(''), []);
});

test('analyzeTerms: CJK is segmented into words without bigrams', () => {
  assert.deepEqual(analyzeTerms('无线蓝牙耳机 蓝牙'), ['无线', '蓝牙', '耳机']);
});
