import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createValidatorCompiler } from './validation.js';

const compile = createValidatorCompiler([]);
const schema = { type: 'object', properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } };

function errorsOf(validate: unknown): { instancePath: string; keyword: string }[] {
  return (validate as { errors: { instancePath: string; keyword: string }[] }).errors;
}

test('a string carrying U+0000 is refused in any part, with where it is', () => {
  const body = compile({ schema, httpPart: 'body', method: 'POST', url: '/x' });
  assert.equal(body({ name: 'a\u0000b' }), false);
  assert.deepEqual(errorsOf(body).map((e) => [e.instancePath, e.keyword]), [['/name', 'nul']]);
  assert.equal(body({ tags: ['ok', '\u0000'] }), false);
  assert.equal(errorsOf(body)[0]!.instancePath, '/tags/1');
  assert.equal(body({ ['k\u0000']: 1 }), false);

  const params = compile({ schema: { type: 'object', properties: { id: { type: 'string' } } }, httpPart: 'params', method: 'GET', url: '/x/:id' });
  assert.equal(params({ id: '\u0000' }), false);
  assert.equal(errorsOf(params)[0]!.instancePath, '/id');
});

test('other values still go through the schema', () => {
  const body = compile({ schema, httpPart: 'body', method: 'POST', url: '/x' });
  assert.equal(body({ name: 'fine', tags: ['a'] }), true);
  assert.equal(body({ name: 1 }), false);
  assert.equal(errorsOf(body)[0]!.keyword, 'type');
});
