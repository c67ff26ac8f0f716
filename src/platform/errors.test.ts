import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, defineErrors, platformError } from './errors.js';

test('defineErrors takes status and title from its table', () => {
  const fail = defineErrors({ THING_GONE: [410, 'Thing is gone'] });
  const err = fail('THING_GONE', { detail: 'thing 7', fields: [{ field: '/id', message: 'unknown' }] });
  assert.ok(err instanceof AppError);
  assert.equal(err.status, 410);
  assert.equal(err.title, 'Thing is gone');
  assert.equal(err.code, 'THING_GONE');
  assert.equal(err.detail, 'thing 7');
  assert.deepEqual(err.fields, [{ field: '/id', message: 'unknown' }]);
});

test('platform codes are all 4xx or 5xx', () => {
  for (const [code, [status]] of Object.entries(platformError.table)) {
    assert.ok(status >= 400 && status < 600, code);
    assert.match(code, /^[A-Z_]+$/);
  }
});
