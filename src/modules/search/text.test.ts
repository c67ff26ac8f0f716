import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editDistance } from './plan.js';
import { stem } from './stem.js';
import { analyze, termString } from './text.js';

const terms = (text: string) => analyze(text).map((t) => t.term);

test('units after numbers are normalised and joined to the number, however written', () => {
  for (const q of ['1/2 inch', '1/2 in.', '1/2"', '1/2in', '1/2 inches', '1/2-in.']) assert.deepEqual(terms(q), ['1/2', '1/2in', 'in'], q);
  assert.deepEqual(terms('10 ft.'), ['10', '10ft', 'ft']);
  assert.deepEqual(terms("8' post"), ['8', '8ft', 'ft', 'post']);
  assert.deepEqual(terms('2.5-gal. bucket'), ['2.5', '2p5gal', 'gal', 'bucket']);
  assert.deepEqual(terms('60-Watt bulb'), ['60', '60watt', 'watt', 'bulb']);
  assert.deepEqual(terms('5 gallons'), ['5', '5gal', 'gal']);
  assert.deepEqual(terms('.105 trimmer line'), ['0.105', 'trimmer', 'line']);
});

test('"in" is a unit after a number and a stopword elsewhere; "x" between sizes is dropped', () => {
  assert.deepEqual(terms('Faucet in Chrome'), ['faucet', 'chrome']);
  assert.deepEqual(terms('2 in. x 4 in. x 8 ft.'), ['2', '2in', 'in', '4', '4in', 'in', '8', '8ft', 'ft']);
  assert.deepEqual(terms('2x4'), ['2', '4']);
});

test('letters and digits split; possessives and case folded; NFKC', () => {
  assert.deepEqual(terms('Milwaukee M18'), ['milwaukee', 'm', '18']);
  assert.deepEqual(terms("Men's Boots"), ['men', 'boot']);
  assert.deepEqual(terms('ＡＢＣ　１２'), ['abc', '12']);
  assert.deepEqual(terms('1.6/1.0 GPF'), ['1.6', '1', 'gpf']);
});

test('the stemmer conflates inflections only', () => {
  const pairs: [string, string][] = [
    ['lights', 'light'],
    ['lighting', 'light'],
    ['batteries', 'batteri'],
    ['battery', 'batteri'],
    ['ceiling', 'ceil'],
    ['hoses', 'hose'],
    ['brushes', 'brush'],
    ['boxes', 'box'],
    ['benches', 'bench'],
    ['glass', 'glass'],
    ['cactus', 'cactus'],
    ['led', 'led'],
    ['general', 'general'],
  ];
  for (const [word, expected] of pairs) assert.equal(stem(word), expected, word);
});

test('CJK runs are segmented for search; documents also index character bigrams', () => {
  assert.deepEqual(terms('无线蓝牙耳机'), ['无线', '蓝牙', '耳机']);
  assert.deepEqual(terms('iPhone15手机壳'), ['iphone', '15', '手机', '壳']);
  const doc = termString('降噪耳机', { cjkBigrams: true }).split(' ');
  for (const t of ['降噪', '耳机', '噪耳']) assert.ok(doc.includes(t), `${t} in ${doc.join(' ')}`);
});

test('every term survives PostgreSQL\'s simple parser as one token (no spaces, no punctuation but . and / in numbers)', () => {
  const all = analyze('3/4 in. x 10 ft. 1.9 cu. ft. 0.5 GPH 2.5-gal. M18 R-410A 蓝牙耳机 #10 No. 8 a&b', { cjkBigrams: true });
  for (const t of all) assert.match(t.term, /^(?:[a-z0-9]+|\d+(?:\.\d+)*|\d+\/\d+|\d+\/\d+[a-z]+|[\p{Script=Han}]+)$/u, t.term);
});

test('edit distance counts a transposition as one edit and stops past the limit', () => {
  assert.equal(editDistance('ipohne', 'iphone', 2), 1);
  assert.equal(editDistance('toliet', 'toilet', 2), 1);
  assert.equal(editDistance('drywal', 'drywall', 2), 1);
  assert.equal(editDistance('abc', 'xyz', 1), 2);
  assert.equal(editDistance('short', 'muchlongerword', 2), 3);
});
