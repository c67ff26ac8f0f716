import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, parseCsv } from './csv.js';

const rows = (text: string) => [...parseCsv(text)];

test('plain, quoted and escaped fields', () => {
  assert.deepEqual(rows('a,b,c\n1,"x, y","say ""hi"""\n'), [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
  ]);
});

test('newlines inside quotes keep line numbers right; CRLF; BOM; blank lines skipped', () => {
  assert.deepEqual(rows('\ufeffh1,h2\r\n"multi\nline",2\r\n\r\nlast,\n'), [
    { line: 1, fields: ['h1', 'h2'] },
    { line: 2, fields: ['multi\nline', '2'] },
    { line: 5, fields: ['last', ''] },
  ]);
});

test('no trailing newline; empty fields; unicode', () => {
  assert.deepEqual(rows('无线,,耳机'), [{ line: 1, fields: ['无线', '', '耳机'] }]);
});

test('an unterminated quote is an error', () => {
  assert.throws(() => rows('a,"b\n'), SyntaxError);
});

test('csvField round-trips through the parser', () => {
  const values = ['plain', 'with, comma', 'with "quote"', 'line\nbreak', ''];
  const line = values.map(csvField).join(',');
  assert.deepEqual(rows(line)[0]!.fields, values);
});
