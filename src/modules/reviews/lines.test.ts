import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../platform/errors.js';
import type { ReviewableLine } from './deps.js';
import { assignLines } from './lines.js';

const line = (lineId: string, sku: string, eligible = true): ReviewableLine => ({ lineId, sku, productId: `prod_${sku}`, eligible });
const lines = [line('l1', 'TEE-M'), line('l2', 'MUG'), line('l3', 'TEE-M')];

function throwsCode(fn: () => unknown, code: string, status: number): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AppError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.status, status);
  return caught;
}

test('each SKU takes the next unreviewed line with it, in request order', () => {
  const out = assignLines([{ sku: 'MUG' }, { sku: 'TEE-M' }, { sku: 'TEE-M' }], lines, new Set());
  assert.deepEqual(
    out.map((a) => a.line.lineId),
    ['l2', 'l1', 'l3'],
  );
  assert.deepEqual(
    assignLines([{ sku: 'TEE-M' }], lines, new Set(['l1'])).map((a) => a.line.lineId),
    ['l3'],
  );
});

test('an order that is not delivered (or has no lines) cannot be reviewed', () => {
  throwsCode(() => assignLines([{ sku: 'MUG' }], [line('l1', 'MUG', false)], new Set()), 'REVIEW_ORDER_NOT_DELIVERED', 409);
  throwsCode(() => assignLines([{ sku: 'MUG' }], [], new Set()), 'REVIEW_ORDER_NOT_DELIVERED', 409);
  // Checked before the SKUs: the answer does not depend on what was asked.
  throwsCode(() => assignLines([{ sku: 'NOPE' }], [line('l1', 'MUG', false)], new Set()), 'REVIEW_ORDER_NOT_DELIVERED', 409);
});

test('SKUs the order lacks are all named', () => {
  const err = throwsCode(() => assignLines([{ sku: 'MUG' }, { sku: 'HAT' }, { sku: 'CAP' }], lines, new Set()), 'REVIEW_LINE_NOT_IN_ORDER', 400);
  assert.deepEqual(
    err.fields?.map((f) => f.field),
    ['/items/1/sku', '/items/2/sku'],
  );
});

test('a line reviewed before is a conflict; the same line twice in one request is invalid', () => {
  const err = throwsCode(() => assignLines([{ sku: 'MUG' }], lines, new Set(['l2'])), 'REVIEW_ALREADY_EXISTS', 409);
  assert.deepEqual(err.fields, [{ field: '/items/0/sku', message: 'already reviewed' }]);
  throwsCode(() => assignLines([{ sku: 'TEE-M' }, { sku: 'TEE-M' }], lines, new Set(['l3'])), 'REVIEW_INVALID_INPUT', 400);
  throwsCode(() => assignLines([{ sku: 'MUG' }, { sku: 'MUG' }], lines, new Set()), 'REVIEW_INVALID_INPUT', 400);
});
