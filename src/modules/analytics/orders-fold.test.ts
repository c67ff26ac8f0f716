import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumMarkdowns } from './orders-fold.js';

test('sumMarkdowns: (regular − sale) × quantity, never negative, 0 without a regular price', () => {
  assert.equal(sumMarkdowns([]), 0);
  assert.equal(sumMarkdowns([{ quantity: 3, unitPrice: 99_900, listUnitPrice: 129_900 }]), 90_000);
  assert.equal(
    sumMarkdowns([
      { quantity: 2, unitPrice: 1_990, listUnitPrice: 1_500 },
      { quantity: 1, unitPrice: 500, listUnitPrice: null },
      { quantity: 4, unitPrice: 700, listUnitPrice: 1_000 },
    ]),
    1_200,
  );
  // Events written before order lines carried prices.
  assert.equal(sumMarkdowns([{ quantity: 2 }, { quantity: 1, listUnitPrice: 1_000 }]), 0);
});
