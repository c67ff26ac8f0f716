import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeTotals, taxOn, type TotalsInput } from './totals.js';

const line = (id: string, unitPrice: number, quantity: number, discount = 0) => ({ id, unitPrice, quantity, discount });

test('no tax, no discount, no shipping: the total is the subtotal', () => {
  const t = computeTotals({ lines: [line('a', 1999, 2), line('b', 500, 1)], shipping: null, tax: null });
  assert.deepEqual(t, {
    lines: [
      { id: 'a', subtotal: 3998, discountTotal: 0, taxTotal: 0, taxRate: 0, total: 3998 },
      { id: 'b', subtotal: 500, discountTotal: 0, taxTotal: 0, taxRate: 0, total: 500 },
    ],
    subtotal: 4498,
    discountTotal: 0,
    shippingDiscount: 0,
    shippingTotal: 0,
    shippingTax: 0,
    taxTotal: 0,
    taxInclusive: false,
    total: 4498,
  });
  assert.deepEqual(computeTotals({ lines: [], shipping: null, tax: null }).total, 0);
});

test('exclusive tax is rounded half up per line and added; shipping tax when it applies', () => {
  // 13 % of 1050 = 136.5 → 137; of 1049 = 136.37 → 136; of 1000 (shipping) = 130.
  const t = computeTotals({
    lines: [line('a', 1050, 1), line('b', 1049, 1)],
    shipping: { amount: 1000, discount: 0 },
    tax: { rate: 1300, inclusive: false, appliesToShipping: true },
  });
  assert.deepEqual(t.lines.map((l) => [l.taxTotal, l.taxRate, l.total]), [[137, 1300, 1187], [136, 1300, 1185]]);
  assert.equal(t.shippingTax, 130);
  assert.equal(t.taxTotal, 137 + 136 + 130);
  assert.equal(t.taxInclusive, false);
  assert.equal(t.total, 1050 + 1049 + 1000 + 403);
  const noShipTax = computeTotals({ lines: [line('a', 1050, 1)], shipping: { amount: 1000, discount: 0 }, tax: { rate: 1300, inclusive: false, appliesToShipping: false } });
  assert.equal(noShipTax.shippingTax, 0);
  assert.equal(noShipTax.total, 1050 + 1000 + 137);
});

test('inclusive tax is contained in the price: net − net/(1+rate), rounded; the total does not grow', () => {
  // 11300 incl. 13 % → 1300 tax; 999 incl. 13 % → 114.93 → 115; 20 % of 1001 → 166.83 → 167.
  assert.equal(taxOn(11300, 1300, true), 1300);
  assert.equal(taxOn(999, 1300, true), 115);
  assert.equal(taxOn(1001, 2000, true), 167);
  const t = computeTotals({ lines: [line('a', 11300, 1), line('b', 999, 1)], shipping: { amount: 500, discount: 0 }, tax: { rate: 1300, inclusive: true, appliesToShipping: true } });
  assert.deepEqual(t.lines.map((l) => [l.taxTotal, l.total]), [[1300, 11300], [115, 999]]);
  assert.equal(t.shippingTax, 58, '500 × 0.13 / 1.13 = 57.52 → 58');
  assert.equal(t.taxTotal, 1300 + 115 + 58);
  assert.equal(t.taxInclusive, true);
  assert.equal(t.total, 11300 + 999 + 500);
});

test('half-up rounding at exact halves, and exact for large amounts', () => {
  assert.equal(taxOn(50, 1000, false), 5);
  assert.equal(taxOn(5, 1000, false), 1, '0.5 → 1');
  assert.equal(taxOn(15, 1000, false), 2, '1.5 → 2');
  assert.equal(taxOn(25, 1000, false), 3, '2.5 → 3');
  assert.equal(taxOn(0, 1300, false), 0);
  assert.equal(taxOn(100, 0, false), 0);
  // 999 × 9 999 999 999 minor units × 13 %: beyond 2^53 in the intermediate product.
  const net = 999 * 9_999_999_999;
  assert.equal(taxOn(net, 1300, false), Number((BigInt(net) * 1300n * 2n + 10000n) / 20000n));
});

test('discounts are capped to the line subtotal and shipping; tax applies after discounts', () => {
  const t = computeTotals({
    lines: [line('a', 1000, 2, 500), line('b', 300, 1, 999), line('c', 300, 1, -50), line('d', 300, 1, 10.7)],
    shipping: { amount: 800, discount: 900 },
    tax: { rate: 1000, inclusive: false, appliesToShipping: true },
  });
  assert.deepEqual(t.lines.map((l) => [l.discountTotal, l.taxTotal, l.total]), [[500, 150, 1650], [300, 0, 0], [0, 30, 330], [10, 29, 319]]);
  assert.equal(t.shippingDiscount, 800);
  assert.equal(t.shippingTax, 0);
  assert.equal(t.discountTotal, 500 + 300 + 10 + 800);
  assert.equal(t.total, 1650 + 0 + 330 + 319);
});

test('a zero rate is no tax, even when marked inclusive', () => {
  const t = computeTotals({ lines: [line('a', 1000, 1)], shipping: null, tax: { rate: 0, inclusive: true, appliesToShipping: true } });
  assert.equal(t.taxInclusive, false);
  assert.equal(t.taxTotal, 0);
  assert.equal(t.total, 1000);
});

test('bad input throws instead of producing wrong money', () => {
  assert.throws(() => computeTotals({ lines: [line('a', -1, 1)], shipping: null, tax: null }), RangeError);
  assert.throws(() => computeTotals({ lines: [line('a', 10.5, 1)], shipping: null, tax: null }), RangeError);
  assert.throws(() => computeTotals({ lines: [line('a', 10, 1)], shipping: { amount: -1, discount: 0 }, tax: null }), RangeError);
});

/** Deterministic PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: for random carts the parts add up exactly, nothing is negative, discounts stay within subtotals', () => {
  const random = prng(20261128);
  const int = (max: number) => Math.floor(random() * (max + 1));
  for (let run = 0; run < 5000; run++) {
    const lines = Array.from({ length: int(8) }, (_, i) => {
      const unitPrice = int(4) === 0 ? 0 : int(random() < 0.1 ? 10_000_000 : 50_000);
      const quantity = 1 + int(random() < 0.1 ? 998 : 5);
      const discount = int(3) === 0 ? 0 : int(unitPrice * quantity * 1.5);
      return line(`l${i}`, unitPrice, quantity, discount);
    });
    const input: TotalsInput = {
      lines,
      shipping: int(3) === 0 ? null : { amount: int(5000), discount: int(3) === 0 ? int(6000) : 0 },
      tax: int(3) === 0 ? null : { rate: int(3000), inclusive: random() < 0.5, appliesToShipping: random() < 0.5 },
    };
    const t = computeTotals(input);
    const sum = (f: (l: (typeof t.lines)[number]) => number) => t.lines.reduce((s, l) => s + f(l), 0);
    const ctx = JSON.stringify(input);
    assert.equal(sum((l) => l.total) + t.shippingTotal - t.shippingDiscount + (t.taxInclusive ? 0 : t.shippingTax), t.total, ctx);
    assert.equal(t.subtotal + t.shippingTotal - t.discountTotal + (t.taxInclusive ? 0 : t.taxTotal), t.total, ctx);
    assert.equal(sum((l) => l.taxTotal) + t.shippingTax, t.taxTotal, ctx);
    assert.equal(sum((l) => l.discountTotal) + t.shippingDiscount, t.discountTotal, ctx);
    assert.equal(sum((l) => l.subtotal), t.subtotal, ctx);
    for (const [i, l] of t.lines.entries()) {
      assert.equal(l.subtotal, lines[i]!.unitPrice * lines[i]!.quantity, ctx);
      assert.ok(l.discountTotal >= 0 && l.discountTotal <= l.subtotal, ctx);
      assert.ok(l.taxTotal >= 0 && l.total >= 0, ctx);
      assert.equal(l.total, l.subtotal - l.discountTotal + (t.taxInclusive ? 0 : l.taxTotal), ctx);
      // Inclusive tax is part of the net amount, never more than it.
      if (t.taxInclusive) assert.ok(l.taxTotal <= l.subtotal - l.discountTotal, ctx);
      for (const v of Object.values(l)) if (typeof v === 'number') assert.ok(Number.isSafeInteger(v), ctx);
    }
    assert.ok(t.shippingDiscount <= t.shippingTotal, ctx);
    for (const v of [t.subtotal, t.discountTotal, t.shippingDiscount, t.shippingTotal, t.shippingTax, t.taxTotal, t.total]) {
      assert.ok(Number.isSafeInteger(v) && v >= 0, ctx);
    }
  }
});
