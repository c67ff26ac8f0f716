import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTree, pathIds } from './categories.js';

test('paths', () => {
  assert.deepEqual(pathIds('/cat_A/cat_B/'), ['cat_A', 'cat_B']);
  assert.deepEqual(pathIds('/'), []);
});

test('buildTree nests, localises and orders siblings by position then name', () => {
  const row = (id: string, parentId: string | null, name: string, position: number, translations: Record<string, { name?: string; description?: string }> = {}) => ({
    id,
    handle: id,
    name,
    description: null,
    parentId,
    position,
    translations,
  });
  const rows = [
    row('c', 'a', '裤子', 0, { 'en-US': { name: 'Trousers' } }),
    row('b', 'a', '上衣', 0, { 'en-US': { name: 'Tops', description: 'Shirts' } }),
    row('a', null, '服装', 1, { 'en-US': { name: 'Clothing' } }),
    row('d', null, '鞋', 0),
    row('e', 'b', 'T恤', 5),
  ];
  const en = buildTree(rows, 'en-US', 'zh-CN');
  assert.deepEqual(
    en.map((n) => n.name),
    ['鞋', 'Clothing'],
  );
  assert.deepEqual(
    en[1]!.children.map((n) => [n.name, n.description]),
    [
      ['Tops', 'Shirts'],
      ['Trousers', null],
    ],
  );
  assert.deepEqual(en[1]!.children[0]!.children.map((n) => n.id), ['e']);
  const zh = buildTree(rows, 'zh-CN', 'zh-CN');
  assert.deepEqual(zh[1]!.children.map((n) => n.name).length, 2);
  assert.equal(zh[1]!.name, '服装');
  assert.deepEqual(buildTree([], 'en-US', 'zh-CN'), []);
});
