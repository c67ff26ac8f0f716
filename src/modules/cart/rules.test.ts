import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchTaxRate, quoteShipping, type ShippingRule } from './rules.js';

const method = (over: Partial<ShippingRule> = {}): ShippingRule => ({
  id: 'ship_x',
  countries: [],
  currency: 'CNY',
  type: 'flat',
  amount: 1000,
  freeOver: null,
  weightTiers: [],
  active: true,
  ...over,
});
const ctx = (over: Partial<Parameters<typeof quoteShipping>[1]> = {}) => ({ currency: 'CNY', country: 'CN', subtotal: 5000, weightGrams: 0, ...over });

test('flat methods charge their amount in their own currency only; null currency means any', () => {
  assert.equal(quoteShipping(method(), ctx()), 1000);
  assert.equal(quoteShipping(method(), ctx({ currency: 'USD' })), null);
  assert.equal(quoteShipping(method({ currency: null, amount: 0 }), ctx({ currency: 'USD' })), 0);
  assert.equal(quoteShipping(method({ active: false }), ctx()), null);
});

test('country lists: empty is everywhere (also without an address); otherwise the address country must be listed', () => {
  assert.equal(quoteShipping(method(), ctx({ country: null })), 1000);
  assert.equal(quoteShipping(method({ countries: ['CN', 'HK'] }), ctx({ country: 'HK' })), 1000);
  assert.equal(quoteShipping(method({ countries: ['CN', 'HK'] }), ctx({ country: 'US' })), null);
  assert.equal(quoteShipping(method({ countries: ['CN'] }), ctx({ country: null })), null);
});

test('free over a subtotal threshold (inclusive)', () => {
  const m = method({ freeOver: 10000 });
  assert.equal(quoteShipping(m, ctx({ subtotal: 9999 })), 1000);
  assert.equal(quoteShipping(m, ctx({ subtotal: 10000 })), 0);
});

test('weight tiers: the first tier whose bound covers the weight; above every tier the method does not apply', () => {
  const m = method({ type: 'weight', amount: 0, weightTiers: [{ upToGrams: 5000, amount: 2500 }, { upToGrams: 1000, amount: 1000 }] });
  assert.equal(quoteShipping(m, ctx({ weightGrams: 0 })), 1000);
  assert.equal(quoteShipping(m, ctx({ weightGrams: 1000 })), 1000);
  assert.equal(quoteShipping(m, ctx({ weightGrams: 1001 })), 2500);
  assert.equal(quoteShipping(m, ctx({ weightGrams: 5001 })), null);
  assert.equal(quoteShipping({ ...m, freeOver: 100 }, ctx({ weightGrams: 3000, subtotal: 100 })), 0);
});

test('tax: region-specific beats country-wide; no address or country → none', () => {
  const rates = [
    { id: 'cn', country: 'CN', region: null },
    { id: 'qc', country: 'CA', region: 'Quebec' },
    { id: 'ca', country: 'CA', region: null },
    { id: 'on', country: 'CA', region: 'ON' },
  ];
  assert.equal(matchTaxRate(rates, null), null);
  assert.equal(matchTaxRate(rates, { country: 'US', region: null }), null);
  assert.equal(matchTaxRate(rates, { country: 'CN', region: 'Beijing' })?.id, 'cn');
  assert.equal(matchTaxRate(rates, { country: 'CA', region: ' quebec ' })?.id, 'qc');
  assert.equal(matchTaxRate(rates, { country: 'CA', region: 'on' })?.id, 'on');
  assert.equal(matchTaxRate(rates, { country: 'CA', region: 'BC' })?.id, 'ca');
  assert.equal(matchTaxRate(rates, { country: 'CA', region: null })?.id, 'ca');
  assert.equal(matchTaxRate(rates.filter((r) => r.id !== 'ca'), { country: 'CA', region: 'BC' }), null);
});
