import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertTransition, canTransition, fulfillmentAfterShipping, lineRefundShare, statusAfterRefund, TRANSITIONS } from './state.js';

test('the happy path is a chain of allowed transitions', () => {
  const path = ['pending_payment', 'paid', 'shipped', 'delivered', 'completed'] as const;
  for (let i = 1; i < path.length; i++) assert.ok(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`);
});

test('final states go nowhere and shipped orders cannot be cancelled', () => {
  assert.deepEqual(TRANSITIONS.cancelled, []);
  assert.deepEqual(TRANSITIONS.refunded, []);
  assert.equal(canTransition('shipped', 'cancelled'), false);
  assert.equal(canTransition('pending_payment', 'shipped'), false);
  assert.throws(() => assertTransition('delivered', 'paid'), (e: { code?: string }) => e.code === 'ORDER_INVALID_TRANSITION');
});

test('refunds move the headline status unless the order was cancelled', () => {
  assert.equal(statusAfterRefund('delivered', 100, 1000), 'partially_refunded');
  assert.equal(statusAfterRefund('delivered', 1000, 1000), 'refunded');
  assert.equal(statusAfterRefund('cancelled', 1000, 1000), 'cancelled');
});

test('fulfilment is shipped only when every unit shipped', () => {
  assert.equal(fulfillmentAfterShipping([{ quantity: 2, shippedQuantity: 2 }, { quantity: 1, shippedQuantity: 0 }]), 'partially_shipped');
  assert.equal(fulfillmentAfterShipping([{ quantity: 2, shippedQuantity: 2 }]), 'shipped');
});

test('unit refunds of a line add up to its total exactly, in any steps', () => {
  for (let trial = 0; trial < 500; trial++) {
    const quantity = 1 + Math.floor(Math.random() * 9);
    const total = Math.floor(Math.random() * 100_000);
    let already = 0;
    let sum = 0;
    while (already < quantity) {
      const units = 1 + Math.floor(Math.random() * (quantity - already));
      const share = lineRefundShare({ total, quantity }, already, units);
      assert.ok(share >= 0);
      sum += share;
      already += units;
    }
    assert.equal(sum, total);
  }
});
