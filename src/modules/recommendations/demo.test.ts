import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../../../test/helpers/app.js';
import { demoComplements, generateDemoBehaviour, seedDemoBehaviour, type DemoEventRow, type DemoProduct } from './demo.js';
import { buildCoPurchase, buildItemCooccurrence, recommendBoughtTogether, topNeighbours } from './models/index.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const DAY = 86_400_000;

// Shaped like the demo catalog: 240 products over 12 leaves of 5 top-level categories, each
// product listing its top-level category and its leaf, three brands per leaf.
const TREE: Record<string, string[]> = {
  electronics: ['phones', 'headphones', 'laptops', 'smart-home'],
  apparel: ['mens', 'womens', 'shoes'],
  home: ['kitchen', 'bedding'],
  sports: ['fitness', 'camping'],
  beauty: ['skincare'],
};
const LEAVES = Object.entries(TREE).flatMap(([root, leaves]) => leaves.map((leaf) => ({ root, leaf })));
const cat = (handle: string) => `cat_${handle}`;
const PRODUCTS: DemoProduct[] = Array.from({ length: 240 }, (_, i) => {
  const { root, leaf } = LEAVES[i % LEAVES.length]!;
  return { productId: `prod_${String(i).padStart(4, '0')}`, categoryIds: [cat(root), cat(leaf)], brand: `${leaf}-brand-${i % 3}` };
});
const LEAF_OF = new Map(PRODUCTS.map((p) => [p.productId, p.categoryIds[1]!]));
const COMPLEMENTS = demoComplements(new Map(LEAVES.map(({ leaf }) => [leaf, cat(leaf)])));

function bySession(rows: readonly DemoEventRow[]): Map<string, DemoEventRow[]> {
  const out = new Map<string, DemoEventRow[]>();
  for (const r of rows) {
    const events = out.get(r.sessionId);
    if (events) events.push(r);
    else out.set(r.sessionId, [r]);
  }
  return out;
}

/** Share of the sessions that view category `a` which also view category `b`. */
function alsoViewed(rows: readonly DemoEventRow[], a: string, b: string): number {
  let withA = 0;
  let withBoth = 0;
  for (const events of bySession(rows).values()) {
    const leaves = new Set(events.filter((e) => e.type === 'view').map((e) => LEAF_OF.get(e.productId)));
    if (!leaves.has(a)) continue;
    withA++;
    if (leaves.has(b)) withBoth++;
  }
  return withBoth / withA;
}

describe('generateDemoBehaviour', () => {
  const rows = generateDemoBehaviour(PRODUCTS, { now: NOW, complements: COMPLEMENTS });
  const sessions = bySession(rows);

  test('is deterministic for a seed and changes with it', () => {
    assert.deepEqual(generateDemoBehaviour(PRODUCTS, { now: NOW, complements: COMPLEMENTS }), rows);
    const a = generateDemoBehaviour(PRODUCTS, { now: NOW, seed: 7, sessions: 50 });
    assert.deepEqual(generateDemoBehaviour(PRODUCTS, { now: NOW, seed: 7, sessions: 50 }), a);
    assert.notDeepEqual(generateDemoBehaviour(PRODUCTS, { now: NOW, seed: 8, sessions: 50 }), a);
  });

  test('1,500 sessions over 30 days by default, 10–20k events, all in the window and oldest first', () => {
    assert.equal(sessions.size, 1500);
    assert.ok(rows.length >= 10_000 && rows.length <= 20_000, `${rows.length} events`);
    const from = NOW.getTime() - 30 * DAY;
    for (const r of rows) assert.ok(r.occurredAt.getTime() >= from && r.occurredAt.getTime() <= NOW.getTime());
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.occurredAt >= rows[i - 1]!.occurredAt);
    assert.deepEqual([...sessions.keys()].sort(), Array.from({ length: 1500 }, (_, i) => `demo-${i + 1}`).sort());
    // Spread over the window, not bunched: every one of the 30 days has sessions.
    assert.equal(new Set(rows.map((r) => Math.floor((NOW.getTime() - r.occurredAt.getTime()) / DAY))).size, 30);
  });

  test('sessions are 2–12 views 10–120 s apart, then cart adds, then purchases, in strictly increasing time', () => {
    for (const [id, events] of sessions) {
      const views = events.filter((e) => e.type === 'view');
      assert.ok(views.length >= 2 && views.length <= 12, `${id}: ${views.length} views`);
      for (let i = 1; i < events.length; i++) assert.ok(events[i]!.occurredAt > events[i - 1]!.occurredAt, id);
      for (let i = 1; i < views.length; i++) {
        const gap = views[i]!.occurredAt.getTime() - views[i - 1]!.occurredAt.getTime();
        assert.ok(gap >= 10_000 && gap <= 120_000, `${id}: ${gap} ms between views`);
      }
      const order = events.map((e) => ['view', 'add_to_cart', 'purchase'].indexOf(e.type));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `${id}: views, then cart, then purchase`);
      for (const e of events) {
        assert.equal(e.customerId, null);
        assert.equal(e.orderId, null);
        assert.ok(e.type === 'purchase' ? e.quantity === 1 || e.quantity === 2 : e.quantity === 1);
      }
      const bought = events.filter((e) => e.type === 'purchase').map((e) => e.productId);
      assert.ok(bought.length <= 3 && new Set(bought).size === bought.length, id);
    }
  });

  test('every product id comes from the input, and most of the catalog is seen', () => {
    const known = new Set(PRODUCTS.map((p) => p.productId));
    for (const r of rows) assert.ok(known.has(r.productId), r.productId);
    assert.ok(new Set(rows.map((r) => r.productId)).size >= 200);
  });

  test('about a quarter of the sessions add to the cart and about a tenth buy (at least 5%)', () => {
    const withType = (type: string) => [...sessions.values()].filter((events) => events.some((e) => e.type === type)).length / sessions.size;
    assert.ok(withType('purchase') >= 0.05 && withType('purchase') <= 0.15, `${withType('purchase')} buy`);
    assert.ok(withType('add_to_cart') >= 0.18 && withType('add_to_cart') <= 0.32, `${withType('add_to_cart')} add to cart`);
  });

  test('complementary categories are browsed together far more than unrelated ones', () => {
    const phonesThenHeadphones = alsoViewed(rows, cat('phones'), cat('headphones'));
    const kitchenOfPhones = alsoViewed(rows, cat('phones'), cat('kitchen'));
    assert.ok(phonesThenHeadphones >= 0.4, `${phonesThenHeadphones} of phone sessions view headphones`);
    assert.ok(phonesThenHeadphones > 3 * kitchenOfPhones, `${phonesThenHeadphones} vs ${kitchenOfPhones}`);
    assert.ok(alsoViewed(rows, cat('bedding'), cat('kitchen')) >= 0.4);
    // The beauty tree has one leaf: either id stands for it, so its pair still holds.
    assert.ok(alsoViewed(rows, cat('skincare'), cat('womens')) >= 0.4);
  });

  test('without a complement map, sorted category ids are paired 1st with 2nd, 3rd with 4th, …', () => {
    const paired = generateDemoBehaviour(PRODUCTS, { now: NOW });
    // Sorted: beauty (standing for skincare, its only leaf), bedding, camping, fitness, headphones, kitchen, …
    assert.ok(alsoViewed(paired, cat('skincare'), cat('bedding')) >= 0.4);
    assert.ok(alsoViewed(paired, cat('camping'), cat('fitness')) >= 0.4);
    assert.ok(alsoViewed(paired, cat('headphones'), cat('kitchen')) >= 0.4);
    assert.ok(alsoViewed(paired, cat('camping'), cat('headphones')) < 0.2);
  });

  test('popular items have a shape: the best sellers are each bought in several sessions', () => {
    const buyers = new Map<string, Set<string>>();
    for (const r of rows) if (r.type === 'purchase') buyers.set(r.productId, (buyers.get(r.productId) ?? new Set()).add(r.sessionId));
    const ranked = [...buyers.values()].map((s) => s.size).sort((a, b) => b - a);
    assert.ok(ranked.slice(0, 10).every((n) => n >= 3), `top sellers bought in ${ranked.slice(0, 10).join(', ')} sessions`);
    assert.ok(ranked[0]! >= 3 * ranked[Math.floor(ranked.length / 2)]!, 'a long tail, not a flat spread');
  });

  test('the session and basket models learn the complements (similar and bought together work)', () => {
    const sequences = [...sessions.values()].map((events) => ({ items: events.map((e) => e.productId).filter((p, i, all) => p !== all[i - 1]) }));
    const similar = buildItemCooccurrence(sequences);
    const baskets = [...sessions.values()].map((events) => ({ items: events.filter((e) => e.type === 'purchase').map((e) => e.productId) }));
    const coPurchase = buildCoPurchase(baskets.filter((b) => b.items.length > 0));
    const phones = PRODUCTS.filter((p) => LEAF_OF.get(p.productId) === cat('phones')).map((p) => p.productId);
    const busiest = phones.sort((a, b) => rows.filter((r) => r.productId === b).length - rows.filter((r) => r.productId === a).length)[0]!;
    const neighbours = topNeighbours(similar, busiest, 10).map((s) => LEAF_OF.get(s.item));
    assert.ok(neighbours.includes(cat('headphones')), `neighbours of the busiest phone: ${neighbours.join(', ')}`);
    const together = recommendBoughtTogether(coPurchase, [busiest], 5).map((s) => LEAF_OF.get(s.item));
    assert.ok(together.includes(cat('headphones')), `bought with the busiest phone: ${together.join(', ')}`);
  });

  test('edge cases: no products or no sessions give no events; bad options throw', () => {
    assert.deepEqual(generateDemoBehaviour([], { now: NOW }), []);
    assert.deepEqual(generateDemoBehaviour(PRODUCTS, { now: NOW, sessions: 0 }), []);
    const lone = generateDemoBehaviour([{ productId: 'prod_only', categoryIds: [], brand: null }], { now: NOW, sessions: 3 });
    assert.ok(lone.length >= 6 && lone.every((r) => r.productId === 'prod_only'));
    assert.throws(() => generateDemoBehaviour(PRODUCTS, { now: NOW, sessions: -1 }), RangeError);
    assert.throws(() => generateDemoBehaviour(PRODUCTS, { now: NOW, days: 0 }), RangeError);
    assert.throws(() => generateDemoBehaviour(PRODUCTS, { now: new Date('nope') }), RangeError);
  });
});

for (const engine of DATABASES) {
  describe(`seedDemoBehaviour (${engine})`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
    });
    after(async () => {
      await app.close();
    });

    test('inserts the generated events once, in a few seconds; the second run is a no-op', async () => {
      const opts = { now: NOW, complements: COMPLEMENTS };
      const expected = generateDemoBehaviour(PRODUCTS, opts);
      const started = performance.now();
      assert.equal(await seedDemoBehaviour(app.db, PRODUCTS, opts), expected.length);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 15_000, `seeding took ${Math.round(elapsed)} ms`);
      const count = async () => Number((await app.db.selectFrom('recsEvent').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(await count(), expected.length);
      const stored = await app.db
        .selectFrom('recsEvent')
        .select(['type', 'productId', 'sessionId', 'customerId', 'quantity', 'orderId', 'occurredAt'])
        .where('sessionId', '=', 'demo-42')
        .orderBy('occurredAt')
        .execute();
      assert.deepEqual(stored, expected.filter((r) => r.sessionId === 'demo-42'));
      assert.equal(await seedDemoBehaviour(app.db, PRODUCTS, { ...opts, seed: 99 }), 0);
      assert.equal(await count(), expected.length);
    });
  });
}
