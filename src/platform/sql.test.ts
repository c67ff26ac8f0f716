import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLike } from './sql.js';

test('LIKE wildcards and the escape character match literally', () => {
  assert.equal(escapeLike('/cat_A/'), '/cat\\_A/');
  assert.equal(escapeLike('50%\\'), '50\\%\\\\');
  assert.equal(escapeLike('plain 无线'), 'plain 无线');
});
