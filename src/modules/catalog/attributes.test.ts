import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definitionProblems, validateAttributeValues, type AttributeDefinition } from './attributes.js';

const def = (name: string, type: AttributeDefinition['type'], values: string[] = []): [string, AttributeDefinition] => [
  name,
  { name, type, values, filterable: true, label: name, translations: {} },
];
const defs = new Map([def('material', 'text'), def('weight', 'number'), def('waterproof', 'boolean'), def('color', 'enum', ['red', 'blue'])]);

test('valid values pass', () => {
  assert.deepEqual(validateAttributeValues(defs, {}), []);
  assert.deepEqual(validateAttributeValues(defs, { material: 'cotton', weight: 1.5, waterproof: false, color: 'blue' }), []);
  assert.deepEqual(validateAttributeValues(defs, { material: '', weight: 0, waterproof: true }), []);
  assert.deepEqual(validateAttributeValues(defs, { weight: -3 }), []);
});

test('unknown attributes are reported', () => {
  assert.deepEqual(validateAttributeValues(defs, { size: 'L' }), [{ field: '/attributes/size', message: 'is not a declared attribute' }]);
  assert.deepEqual(validateAttributeValues(defs, { 'a/b~c': 1 }), [{ field: '/attributes/a~1b~0c', message: 'is not a declared attribute' }]);
  assert.deepEqual(validateAttributeValues(defs, { constructor: 1, toString: 'x' }).length, 2, 'object prototype keys are not declarations');
});

test('wrong types are reported, one problem per key', () => {
  const problems = validateAttributeValues(defs, { material: 3, weight: '3', waterproof: 'yes', color: 1 });
  assert.deepEqual(problems, [
    { field: '/attributes/material', message: 'must be a string' },
    { field: '/attributes/weight', message: 'must be a number' },
    { field: '/attributes/waterproof', message: 'must be true or false' },
    { field: '/attributes/color', message: 'must be one of red, blue' },
  ]);
  assert.equal(validateAttributeValues(defs, { material: null, waterproof: 0, weight: null }).length, 3);
});

test('numbers must be finite', () => {
  for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.deepEqual(validateAttributeValues(defs, { weight: n }), [{ field: '/attributes/weight', message: 'must be a finite number' }]);
  }
});

test('enum values must be declared, exactly', () => {
  assert.deepEqual(validateAttributeValues(defs, { color: 'green' }), [{ field: '/attributes/color', message: 'must be one of red, blue' }]);
  assert.equal(validateAttributeValues(defs, { color: 'Red' }).length, 1, 'case matters');
  assert.equal(validateAttributeValues(defs, { color: ['red'] }).length, 1);
});

test('definitions: enums need unique values; other types take none; labels only for declared values', () => {
  assert.deepEqual(definitionProblems('enum', ['a', 'b'], { 'en-US': { label: 'X', values: { a: 'A' } } }), []);
  assert.deepEqual(definitionProblems('text', undefined, undefined), []);
  assert.deepEqual(definitionProblems('text', [], undefined), []);
  assert.deepEqual(definitionProblems('enum', undefined, undefined), [{ field: '/values', message: 'an enum attribute needs at least one value' }]);
  assert.deepEqual(definitionProblems('enum', [], undefined), [{ field: '/values', message: 'an enum attribute needs at least one value' }]);
  assert.deepEqual(definitionProblems('enum', ['a', 'b', 'a'], undefined), [{ field: '/values/2', message: 'repeats a' }]);
  assert.deepEqual(definitionProblems('number', ['1'], undefined), [{ field: '/values', message: 'only enum attributes take values (this one is number)' }]);
  assert.deepEqual(definitionProblems('enum', ['a'], { 'en-US': { values: { b: 'B' } } }), [{ field: '/translations/en-US/values/b', message: 'is not one of the values' }]);
  assert.deepEqual(definitionProblems('boolean', undefined, { 'en-US': { values: { true: 'Yes' } } }), [
    { field: '/translations/en-US/values/true', message: 'only enum values have labels' },
  ]);
});
