import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DiscountInput, DiscountLine } from '../cart/index.js';
import { evaluatePromotions, type Action, type Condition, type EngineContext, type EnginePromotion } from './engine.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const ctx: EngineContext = { now: NOW, firstOrder: null };

function line(id: string, unitPrice: number, quantity: number, extra: Partial<DiscountLine> = {}): DiscountLine {
  return { id, sku: `SKU-${id}`, productId: `prod_${id}`, categoryIds: [], collectionIds: [], brand: null, quantity, unitPrice, subtotal: unitPrice * quantity, ...extra };
}

function cart(lines: DiscountLine[], extra: Partial<DiscountInput> = {}): DiscountInput {
  return { cartId: 'cart_1', customerId: null, currency: 'CNY', codes: [], lines, subtotal: lines.reduce((s, l) => s + l.subtotal, 0), shipping: { methodId: 'ship', amount: 1500 }, ...extra };
}

let seq = 0;
function promo(actions: Action[], conditions: Condition[] = [], extra: Partial<EnginePromotion> = {}): EnginePromotion {
  seq++;
  return { id: `promo_${String(seq).padStart(3, '0')}`, name: `P${seq}`, coupon: false, code: null, priority: 0, stacking: 'stackable', conditions, actions, startsAt: null, endsAt: null, budgetLeft: null, ...extra };
}

const total = (r: ReturnType<typeof evaluatePromotions>) => r.applied.reduce((s, a) => s + a.amount, 0);
const lineAmounts = (r: ReturnType<typeof evaluatePromotions>, input: DiscountInput) => input.lines.map((l) => r.lines.find((x) => x.lineId === l.id)?.amount ?? 0);
const off = (amount: number): Action => ({ type: 'amount_off_order', amount });

describe('promotion engine: conditions', () => {
  const base = cart([line('a', 10000, 2, { categoryIds: ['cat_shoes'], collectionIds: ['col_new'], brand: 'Acme' }), line('b', 5000, 1)]);
  const cases: [string, Condition, DiscountInput, EngineContext, boolean][] = [
    ['min_subtotal met', { type: 'min_subtotal', amount: 25000 }, base, ctx, true],
    ['min_subtotal not met', { type: 'min_subtotal', amount: 25001 }, base, ctx, false],
    ['min_subtotal other currency', { type: 'min_subtotal', amount: 1, currency: 'USD' }, base, ctx, false],
    ['min_quantity met', { type: 'min_quantity', quantity: 3 }, base, ctx, true],
    ['min_quantity not met', { type: 'min_quantity', quantity: 4 }, base, ctx, false],
    ['products', { type: 'products', productIds: ['prod_b'] }, base, ctx, true],
    ['products absent', { type: 'products', productIds: ['prod_z'] }, base, ctx, false],
    ['categories', { type: 'categories', categoryIds: ['cat_shoes'] }, base, ctx, true],
    ['categories absent', { type: 'categories', categoryIds: ['cat_hats'] }, base, ctx, false],
    ['collections', { type: 'collections', collectionIds: ['col_new'] }, base, ctx, true],
    ['collections absent', { type: 'collections', collectionIds: ['col_old'] }, base, ctx, false],
    ['brands', { type: 'brands', brands: ['Acme'] }, base, ctx, true],
    ['brands absent', { type: 'brands', brands: ['Other'] }, base, ctx, false],
    ['logged_in guest', { type: 'logged_in' }, base, ctx, false],
    ['logged_in customer', { type: 'logged_in' }, { ...base, customerId: 'cus_1' }, ctx, true],
    ['first_order yes', { type: 'first_order' }, { ...base, customerId: 'cus_1' }, { ...ctx, firstOrder: true }, true],
    ['first_order no', { type: 'first_order' }, { ...base, customerId: 'cus_1' }, { ...ctx, firstOrder: false }, false],
    ['first_order guest', { type: 'first_order' }, base, { ...ctx, firstOrder: true }, false],
    ['customers listed', { type: 'customers', customerIds: ['cus_1'] }, { ...base, customerId: 'cus_1' }, ctx, true],
    ['customers not listed', { type: 'customers', customerIds: ['cus_2'] }, { ...base, customerId: 'cus_1' }, ctx, false],
    ['currency', { type: 'currency', currencies: ['CNY', 'USD'] }, base, ctx, true],
    ['currency other', { type: 'currency', currencies: ['USD'] }, base, ctx, false],
    ['date_window inside', { type: 'date_window', startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-12T00:00:00Z' }, base, ctx, true],
    ['date_window before', { type: 'date_window', startsAt: '2026-12-06T00:00:00Z' }, base, ctx, false],
    ['date_window after', { type: 'date_window', endsAt: '2026-12-05T12:00:00Z' }, base, ctx, false],
  ];
  for (const [name, condition, input, c, applies] of cases) {
    test(name, () => {
      const p = promo([{ type: 'percent_off_order', bps: 1000 }], [condition]);
      const r = evaluatePromotions([p], input, c);
      assert.equal(r.applied.length, applies ? 1 : 0, JSON.stringify(r.considered));
      if (!applies) assert.equal(typeof r.considered[0]!.reason, 'string');
    });
  }

  test('promotion window, blocked and spent budget', () => {
    const input = cart([line('a', 1000, 1)]);
    for (const extra of [{ startsAt: new Date('2026-12-06T00:00:00Z') }, { endsAt: NOW }, { blocked: 'usage limit reached' }, { budgetLeft: 0 }]) {
      const r = evaluatePromotions([promo([off(100)], [], extra)], input, ctx);
      assert.deepEqual([r.applied.length, r.considered[0]!.status], [0, 'not_eligible'], JSON.stringify(extra));
    }
  });

  test('fixed amounts only in the promotion currency', () => {
    const p = promo([off(500)], [{ type: 'min_subtotal', amount: 0, currency: 'CNY' }]);
    assert.equal(evaluatePromotions([p], cart([line('a', 1000, 1)], { currency: 'USD' }), ctx).applied.length, 0);
    assert.equal(evaluatePromotions([p], cart([line('a', 1000, 1)]), ctx).applied.length, 1);
  });

  test('an empty cart gets nothing', () => {
    assert.deepEqual(evaluatePromotions([promo([{ type: 'free_shipping' }])], cart([]), ctx).applied, []);
  });
});

describe('promotion engine: actions', () => {
  test('percent_off_items on matching lines only, exact', () => {
    const input = cart([line('a', 3333, 1, { brand: 'X' }), line('b', 1000, 1)]);
    const r = evaluatePromotions([promo([{ type: 'percent_off_items', bps: 1500, target: { brands: ['X'] } }])], input, ctx);
    assert.deepEqual(lineAmounts(r, input), [499, 0]); // floor(3333 × 15 %)
  });

  test('percent_off_order spread over every line, capped by maxAmount', () => {
    const input = cart([line('a', 10000, 1), line('b', 5000, 1)]);
    assert.deepEqual(lineAmounts(evaluatePromotions([promo([{ type: 'percent_off_order', bps: 1000 }])], input, ctx), input), [1000, 500]);
    assert.equal(total(evaluatePromotions([promo([{ type: 'percent_off_order', bps: 5000, maxAmount: 2000 }])], input, ctx)), 2000);
  });

  test('amount_off_items per unit, never more than the unit price', () => {
    const input = cart([line('a', 500, 3), line('b', 100, 2)]);
    const r = evaluatePromotions([promo([{ type: 'amount_off_items', amount: 200 }])], input, ctx);
    assert.deepEqual(lineAmounts(r, input), [600, 200]);
  });

  test('amount_off_order never more than the cart', () => {
    const input = cart([line('a', 300, 1)]);
    assert.equal(total(evaluatePromotions([promo([off(5000)])], input, ctx)), 300);
  });

  test('tiered_amount_off: the best reached tier applies', () => {
    const tiers = { type: 'tiered_amount_off' as const, tiers: [{ minSubtotal: 50000, amount: 10000 }, { minSubtotal: 30000, amount: 5000 }] };
    assert.equal(total(evaluatePromotions([promo([tiers])], cart([line('a', 29999, 1)]), ctx)), 0);
    assert.equal(total(evaluatePromotions([promo([tiers])], cart([line('a', 30000, 1)]), ctx)), 5000);
    assert.equal(total(evaluatePromotions([promo([tiers])], cart([line('a', 49999, 1)]), ctx)), 5000);
    assert.equal(total(evaluatePromotions([promo([tiers])], cart([line('a', 60000, 1)]), ctx)), 10000);
  });

  test('tiered_percent_off on target lines', () => {
    const a = { type: 'tiered_percent_off' as const, tiers: [{ minSubtotal: 10000, bps: 500 }, { minSubtotal: 20000, bps: 1000 }], target: { skus: ['SKU-a'] } };
    const input = cart([line('a', 10000, 2), line('b', 99999, 1)]);
    assert.deepEqual(lineAmounts(evaluatePromotions([promo([a])], input, ctx), input), [2000, 0]);
  });

  test('buy_x_get_y: the cheapest units are free; discounted variant; maxApplications', () => {
    const input = cart([line('a', 3000, 2), line('b', 1000, 2)]);
    // 4 units, buy 1 get 1 → 2 free: the two 1000 units.
    assert.deepEqual(lineAmounts(evaluatePromotions([promo([{ type: 'buy_x_get_y', buy: 1, get: 1 }])], input, ctx), input), [0, 2000]);
    // buy 2 get 1 → 1 unit at half price.
    assert.deepEqual(lineAmounts(evaluatePromotions([promo([{ type: 'buy_x_get_y', buy: 2, get: 1, bps: 5000 }])], input, ctx), input), [0, 500]);
    assert.equal(total(evaluatePromotions([promo([{ type: 'buy_x_get_y', buy: 1, get: 1, maxApplications: 1 }])], input, ctx)), 1000);
    // Only matching lines count.
    assert.equal(total(evaluatePromotions([promo([{ type: 'buy_x_get_y', buy: 1, get: 1, target: { productIds: ['prod_a'] } }])], input, ctx)), 3000);
    assert.equal(total(evaluatePromotions([promo([{ type: 'buy_x_get_y', buy: 2, get: 1, target: { productIds: ['prod_a'] } }])], input, ctx)), 0);
  });

  test('free_shipping, capped; none without a shipping method', () => {
    const input = cart([line('a', 1000, 1)]);
    const r = evaluatePromotions([promo([{ type: 'free_shipping' }])], input, ctx);
    assert.deepEqual([r.shippingDiscount, r.lines, r.applied[0]!.amount], [1500, [], 1500]);
    assert.equal(evaluatePromotions([promo([{ type: 'free_shipping', maxAmount: 1000 }])], input, ctx).shippingDiscount, 1000);
    assert.deepEqual(evaluatePromotions([promo([{ type: 'free_shipping' }])], { ...input, shipping: null }, ctx).applied, []);
  });

  test('fixed_price: matching units cost the price; dearer prices only', () => {
    const input = cart([line('a', 5000, 2), line('b', 800, 1)]);
    const r = evaluatePromotions([promo([{ type: 'fixed_price', price: 999, target: { productIds: ['prod_a', 'prod_b'] } }])], input, ctx);
    assert.deepEqual(lineAmounts(r, input), [8002, 0]);
  });
});

describe('promotion engine: stacking and priority', () => {
  const input = cart([line('a', 10000, 1), line('b', 10000, 1)]);

  test('stackable promotions apply together, by priority, each on what is left', () => {
    const first = promo([{ type: 'percent_off_order', bps: 1000 }], [], { priority: 10 });
    const second = promo([{ type: 'percent_off_order', bps: 1000 }], [], { priority: 1 });
    const r = evaluatePromotions([second, first], input, ctx);
    assert.deepEqual(
      r.applied.map((a) => [a.id, a.amount]),
      [
        [first.id, 2000],
        [second.id, 1800],
      ],
    );
    // Each line lists both, and its amount is their sum.
    assert.deepEqual(r.lines[0]!.promotions.map((p) => p.amount), [1000, 900]);
    assert.equal(r.lines[0]!.amount, 1900);
  });

  test('an exclusive promotion applies alone when it gives more, else the stack wins', () => {
    const stack = [promo([off(1000)]), promo([off(1000)])];
    const exclusiveBig = promo([off(3000)], [], { stacking: 'exclusive' });
    assert.deepEqual(evaluatePromotions([...stack, exclusiveBig], input, ctx).applied.map((a) => a.id), [exclusiveBig.id]);
    const exclusiveSmall = promo([off(1500)], [], { stacking: 'exclusive', priority: 100 });
    const r = evaluatePromotions([...stack, exclusiveSmall], input, ctx);
    assert.equal(total(r), 2000);
    assert.equal(r.considered.find((c) => c.id === exclusiveSmall.id)!.status, 'not_chosen');
  });

  test('ties go to the combination holding the higher priority', () => {
    const low = promo([off(1000)], [], { stacking: 'exclusive', priority: 1 });
    const high = promo([off(1000)], [], { stacking: 'exclusive', priority: 9 });
    assert.deepEqual(evaluatePromotions([low, high], input, ctx).applied.map((a) => a.id), [high.id]);
  });

  test('at most one coupon per order: the better coupon is chosen, automatic ones still stack', () => {
    const auto = promo([off(100)]);
    const c1 = promo([off(500)], [], { coupon: true, code: 'A' });
    const c2 = promo([off(700)], [], { coupon: true, code: 'B' });
    const r = evaluatePromotions([auto, c1, c2], input, ctx);
    assert.deepEqual(r.applied.map((a) => [a.id, a.code]).sort(), [[auto.id, null], [c2.id, 'B']].sort());
    assert.equal(r.considered.find((c) => c.id === c1.id)!.status, 'not_chosen');
    const two = evaluatePromotions([auto, c1, c2], input, { ...ctx, maxCoupons: 2 });
    assert.equal(total(two), 1300);
  });

  test('a campaign budget below the discount skips the promotion', () => {
    const r = evaluatePromotions([promo([off(1000)], [], { budgetLeft: 999 }), promo([off(10)])], input, ctx);
    assert.equal(total(r), 10);
  });
});

describe('promotion engine: allocation exactness', () => {
  test('shares add up to the amount; the remainder goes to the largest fractions, ties to the earliest line', () => {
    const input = cart([line('a', 100, 1), line('b', 100, 1), line('c', 100, 1)]);
    const r = evaluatePromotions([promo([off(100)])], input, ctx);
    assert.deepEqual(lineAmounts(r, input), [34, 33, 33]);
  });

  test('random carts: line shares sum to each promotion amount and never pass a line', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 500; k++) {
      const lines = Array.from({ length: 1 + rand(6) }, (_, i) => line(`l${i}`, 1 + rand(20000), 1 + rand(5)));
      const input = cart(lines);
      const promos = [promo([off(1 + rand(50000))]), promo([{ type: 'percent_off_order', bps: 1 + rand(10000) }]), promo([{ type: 'buy_x_get_y', buy: 1 + rand(3), get: 1 }])];
      const r = evaluatePromotions(promos, input, ctx);
      for (const a of r.applied) {
        const shares = r.lines.flatMap((l) => l.promotions.filter((p) => p.id === a.id)).reduce((s, p) => s + p.amount, 0);
        assert.equal(shares, a.amount, 'no shipping action: shares are the whole amount');
      }
      for (const l of r.lines) {
        const subtotal = lines.find((x) => x.id === l.lineId)!.subtotal;
        assert.ok(l.amount <= subtotal && Number.isInteger(l.amount));
      }
    }
  });
});
