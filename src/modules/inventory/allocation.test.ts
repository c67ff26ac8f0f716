import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocate } from './allocation.js';

const D = 'loc_default';

test('the default location is used first, then the others by most available', () => {
  const levels = [
    { locationId: 'loc_a', onHand: 5, reserved: 0 },
    { locationId: 'loc_b', onHand: 9, reserved: 1 },
    { locationId: D, onHand: 3, reserved: 1 },
  ];
  assert.deepEqual(allocate(2, levels, D, false), { ok: true, allocations: [{ locationId: D, quantity: 2 }] });
  assert.deepEqual(allocate(12, levels, D, false), {
    ok: true,
    allocations: [
      { locationId: D, quantity: 2 },
      { locationId: 'loc_b', quantity: 8 },
      { locationId: 'loc_a', quantity: 2 },
    ],
  });
});

test('ties between other locations go by location id', () => {
  const levels = [
    { locationId: 'loc_b', onHand: 2, reserved: 0 },
    { locationId: 'loc_a', onHand: 2, reserved: 0 },
  ];
  assert.deepEqual(allocate(3, levels, D, false), {
    ok: true,
    allocations: [
      { locationId: 'loc_a', quantity: 2 },
      { locationId: 'loc_b', quantity: 1 },
    ],
  });
});

test('too little stock: the amount that is available, counting over-reserved levels as zero', () => {
  const levels = [
    { locationId: D, onHand: 1, reserved: 3 },
    { locationId: 'loc_a', onHand: 4, reserved: 0 },
  ];
  assert.deepEqual(allocate(5, levels, D, false), { ok: false, available: 4 });
  assert.deepEqual(allocate(1, [], D, false), { ok: false, available: 0 });
});

test('a backorder item puts the uncovered rest on the default location', () => {
  assert.deepEqual(allocate(4, [], D, true), { ok: true, allocations: [{ locationId: D, quantity: 4 }] });
  const levels = [
    { locationId: D, onHand: 1, reserved: 0 },
    { locationId: 'loc_a', onHand: 2, reserved: 0 },
  ];
  assert.deepEqual(allocate(6, levels, D, true), {
    ok: true,
    allocations: [
      { locationId: D, quantity: 4 },
      { locationId: 'loc_a', quantity: 2 },
    ],
  });
});
