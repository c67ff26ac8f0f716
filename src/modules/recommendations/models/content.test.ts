import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addNeighbourScores } from './blend.js';
import { buildContentSimilarity, productFeatures } from './content.js';
import { topNeighbours } from './cooccurrence.js';

const tokenize = (text: string) => text.toLowerCase().split(/\W+/).filter(Boolean);

const shop = [
  { item: 'tee-red', features: ['t:cotton', 't:tee', 't:red', 'c:tops', 'b:acme'] },
  { item: 'tee-blue', features: ['t:cotton', 't:tee', 't:blue', 'c:tops', 'b:acme'] },
  { item: 'polo-red', features: ['t:polo', 't:red', 'c:tops', 'b:other'] },
  { item: 'mug', features: ['t:mug', 't:red', 'c:kitchen'] },
  { item: 'lamp', features: ['t:lamp', 'c:home'] },
];

/** Reference cosine of two feature lists, computed the slow way. */
function cosine(all: { features: readonly string[] }[], a: readonly string[], b: readonly string[], weights: Record<string, number> = { t: 1, c: 2, b: 1.5, a: 1 }): number {
  const n = all.length;
  const df = new Map<string, number>();
  for (const it of all) for (const f of new Set(it.features)) df.set(f, (df.get(f) ?? 0) + 1);
  const vec = (fs: readonly string[]) => new Map([...new Set(fs)].map((f) => [f, (weights[f.split(':')[0]!] ?? 1) * Math.log(n / df.get(f)!)]));
  const va = vec(a);
  const vb = vec(b);
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  let dot = 0;
  for (const [f, x] of va) dot += x * (vb.get(f) ?? 0);
  return dot / (norm(va) * norm(vb));
}

test('items sharing more weighted features rank first; scores are the TF-IDF cosine', () => {
  const model = buildContentSimilarity(shop, { maxDocFrequency: 1 });
  const near = topNeighbours(model, 'tee-red', 5);
  assert.deepEqual(near.map((r) => r.item), ['tee-blue', 'polo-red', 'mug']);
  for (const r of near) {
    const other = shop.find((s) => s.item === r.item)!;
    assert.ok(Math.abs(r.score - cosine(shop, shop[0]!.features, other.features)) < 1e-6, r.item);
  }
  assert.deepEqual(topNeighbours(model, 'lamp', 5), [], 'nothing shared');
  assert.deepEqual(topNeighbours(model, 'unknown', 5), []);
});

test('never its own neighbour; duplicate features count once; repeated items merge', () => {
  const model = buildContentSimilarity(
    [
      { item: 1, features: ['t:a', 't:a', 't:a', 't:b'] },
      { item: 2, features: ['t:a', 't:b'] },
      { item: 3, features: ['t:b', 't:c'] },
      { item: 3, features: ['t:d'] },
      { item: 4, features: ['t:d', 't:e'] },
    ],
    { maxDocFrequency: 1 },
  );
  assert.ok(!topNeighbours(model, 1, 5).some((r) => r.item === 1));
  // 1 and 2 are the same set once duplicates collapse.
  assert.ok(Math.abs(topNeighbours(model, 1, 1)[0]!.score - 1) < 1e-6);
  assert.deepEqual(topNeighbours(model, 4, 5).map((r) => r.item), [3]);
  assert.deepEqual(Array.from(model.counts), [2, 2, 3, 2]);
});

test('features on more than maxDocFrequency of the items are ignored', () => {
  const withBrand = shop.map((s) => ({ ...s, features: [...s.features, 'b:everywhere'] }));
  const model = buildContentSimilarity(withBrand, { maxDocFrequency: 0.9 });
  assert.deepEqual(topNeighbours(model, 'lamp', 5), [], 'the shared brand does not link the lamp');
  // "red" and "tops" are on 3 of the 5 items: at 0.5 both are dropped, and with them the polo.
  const strict = buildContentSimilarity(shop, { maxDocFrequency: 0.5 });
  assert.deepEqual(topNeighbours(strict, 'tee-red', 5).map((r) => r.item), ['tee-blue']);
  assert.ok(topNeighbours(buildContentSimilarity(shop, { maxDocFrequency: 1 }), 'tee-red', 5).some((r) => r.item === 'polo-red'));
});

test('field weights change the ranking; ties go to the item seen first', () => {
  const items = [
    { item: 'x', features: ['c:1', 't:w'] },
    { item: 'same-category', features: ['c:1', 't:y'] },
    { item: 'same-word', features: ['c:2', 't:w'] },
    { item: 'filler', features: ['c:3', 't:z'] },
  ];
  assert.equal(topNeighbours(buildContentSimilarity(items, { maxDocFrequency: 1 }), 'x', 1)[0]!.item, 'same-category');
  assert.equal(topNeighbours(buildContentSimilarity(items, { maxDocFrequency: 1, fieldWeights: { c: 0.5 } }), 'x', 1)[0]!.item, 'same-word');
  const twins = buildContentSimilarity(
    [
      { item: 'q', features: ['t:k'] },
      { item: 'b', features: ['t:k'] },
      { item: 'a', features: ['t:k'] },
      { item: 'r', features: ['t:other'] },
    ],
    { maxDocFrequency: 1 },
  );
  assert.deepEqual(topNeighbours(twins, 'q', 5).map((r) => r.item), ['b', 'a']);
});

test('works with the co-occurrence helpers', () => {
  const model = buildContentSimilarity(shop, { maxDocFrequency: 1, maxNeighbours: 1 });
  const into = new Map<string, number>();
  addNeighbourScores(model, 'tee-red', 2, into);
  assert.deepEqual([...into.keys()], ['tee-blue']);
});

test('20,000 items: planted groups are found through rare and very common features alike', () => {
  // Groups of 4 share three rare words; everyone also carries random words, categories (50, and
  // 7 roots above them), brands and colours, the roots and colours on thousands of items.
  let seed = 1;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const pick = (n: number) => Math.floor(random() * n);
  const items = Array.from({ length: 20_000 }, (_, i) => {
    const g = Math.floor(i / 4);
    const features = [`t:group${g}`, `t:model${g}`, `t:line${g}`, `c:${pick(50)}`, `c:root${pick(7)}`, `b:${pick(300)}`, `a:color=${pick(12)}`];
    for (let k = 0; k < 13; k++) features.push(`t:w${pick(3000)}`);
    return { item: `p${i}`, features };
  });
  const model = buildContentSimilarity(items);
  assert.equal(model.items.ids.length, 20_000);
  for (const i of [0, 4_321, 19_999]) {
    const group = Math.floor(i / 4);
    const mates = [0, 1, 2, 3].map((k) => `p${group * 4 + k}`).filter((p) => p !== `p${i}`);
    const near = topNeighbours(model, `p${i}`, 50);
    assert.equal(near.length, 50);
    assert.deepEqual(near.slice(0, 3).map((r) => r.item).sort(), mates.sort(), `p${i}`);
    assert.ok(!near.some((r) => r.item === `p${i}`));
    for (let k = 1; k < near.length; k++) assert.ok(near[k - 1]!.score >= near[k]!.score);
  }
  // An item whose only features are on thousands of items still gets neighbours, scored exactly.
  const plain = buildContentSimilarity([...items, { item: 'plain', features: ['c:root1', 'a:color=7'] }]);
  const near = topNeighbours(plain, 'plain', 5);
  assert.equal(near.length, 5);
  const all = [...items, { item: 'plain', features: ['c:root1', 'a:color=7'] }];
  const other = all.find((x) => x.item === near[0]!.item)!;
  assert.ok(Math.abs(near[0]!.score - cosine(all, ['c:root1', 'a:color=7'], other.features)) < 1e-5);
});

test('productFeatures: prefixed, distinct, normalised', () => {
  const features = productFeatures(
    { texts: ['Red Cotton Tee', 'red tee'], categoryIds: ['cat_1', 'cat_2'], brand: ' Acme ', attributes: { material: 'Cotton', waterproof: false, weight: 0.26, size: '' } },
    tokenize,
  );
  assert.deepEqual(features, ['t:red', 't:cotton', 't:tee', 'c:cat_1', 'c:cat_2', 'b:acme', 'a:material=cotton', 'a:waterproof=false', 'a:weight=0.3']);
  assert.deepEqual(productFeatures({ texts: [], categoryIds: [], brand: null, attributes: {} }, tokenize), []);
});
