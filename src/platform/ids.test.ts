import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId, ulid } from './ids.js';

test('ulid encodes the timestamp in its first 10 characters', () => {
  assert.equal(ulid(0).slice(0, 10), '0000000000');
  assert.equal(ulid(1469918176385).slice(0, 10), '01ARYZ6S41');
  assert.match(ulid(), /^[0-9A-HJKMNP-TV-Z]{26}$/);
});

test('ids made in order sort in order, even within one millisecond', () => {
  const ids = Array.from({ length: 2000 }, () => newId('cus'));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('newId prefixes and isId recognises', () => {
  const id = newId('cus');
  assert.match(id, /^cus_[0-9A-Z]{26}$/);
  assert.ok(isId('cus', id));
  assert.ok(!isId('stf', id));
  assert.ok(!isId('cus', 'cus_short'));
  assert.ok(!isId('cus', `cus_${'I'.repeat(26)}`));
});
