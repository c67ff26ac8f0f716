import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERMISSIONS, permissionsOf, ROLES } from './roles.js';

test('owner and admin hold every permission', () => {
  for (const p of PERMISSIONS) {
    assert.ok(permissionsOf('owner').has(p));
    assert.ok(permissionsOf('admin').has(p));
  }
});

test('operator runs the shop but cannot manage staff or read the audit log', () => {
  const op = permissionsOf('operator');
  for (const p of ['catalog:write', 'orders:write', 'promotions:write', 'customers:read']) assert.ok(op.has(p), p);
  for (const p of ['staff:read', 'staff:write', 'audit:read', 'settings:write', 'customers:write']) assert.ok(!op.has(p), p);
});

test('support only reads', () => {
  const support = permissionsOf('support');
  assert.ok(support.has('orders:read') && support.has('customers:read'));
  for (const p of support) assert.ok(p.endsWith(':read') || p === 'staff:self', p);
});

test('every role may act on its own account', () => {
  for (const r of ROLES) assert.ok(permissionsOf(r).has('staff:self'));
});
