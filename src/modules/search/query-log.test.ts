import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createSearchLogBuffer, normaliseSearchQuery, type ServedSearch } from './query-log.js';

const log = pino({ level: 'silent' });
const row = (query: string, results = 1): ServedSearch => ({ query, results, locale: 'zh-CN', sessionId: null, searchedAt: new Date(0) });

describe('search log buffer', () => {
  test('keeps at most maxPending rows and counts the rest as dropped', async () => {
    const written: ServedSearch[][] = [];
    const buffer = createSearchLogBuffer(async (rows) => void written.push([...rows]), log, { maxPending: 5, batchSize: 2 });
    for (let i = 0; i < 8; i++) buffer.add(row(`q${i}`));
    assert.deepEqual(buffer.stats(), { pending: 5, dropped: 3, failed: 0 });
    assert.equal(written.length, 0, 'nothing is written before a flush');
    assert.equal(await buffer.flush(), 5);
    // Batches of batchSize, in arrival order; the dropped rows are the newest.
    assert.deepEqual(written.map((b) => b.map((r) => r.query)), [['q0', 'q1'], ['q2', 'q3'], ['q4']]);
    assert.deepEqual(buffer.stats(), { pending: 0, dropped: 3, failed: 0 });
    // Room again after a flush.
    buffer.add(row('q8'));
    assert.equal(buffer.stats().pending, 1);
  });

  test('a flush with nothing waiting writes nothing', async () => {
    let calls = 0;
    const buffer = createSearchLogBuffer(async () => void calls++, log, { maxPending: 10, batchSize: 10 });
    assert.equal(await buffer.flush(), 0);
    assert.equal(calls, 0);
  });

  test('a failed write is logged and counted, not thrown; later batches still go', async () => {
    const written: string[] = [];
    const buffer = createSearchLogBuffer(
      async (rows) => {
        if (rows.some((r) => r.query === 'bad')) throw new Error('database away');
        written.push(...rows.map((r) => r.query));
      },
      log,
      { maxPending: 10, batchSize: 2 },
    );
    for (const q of ['bad', 'a', 'b', 'c']) buffer.add(row(q));
    assert.equal(await buffer.flush(), 4);
    assert.deepEqual(written, ['b', 'c']);
    assert.deepEqual(buffer.stats(), { pending: 0, dropped: 0, failed: 2 });
  });

  test('concurrent flushes write each row once, one write at a time', async () => {
    let active = 0;
    let most = 0;
    const written: string[] = [];
    const buffer = createSearchLogBuffer(
      async (rows) => {
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 5));
        written.push(...rows.map((r) => r.query));
        active--;
      },
      log,
      { maxPending: 100, batchSize: 3 },
    );
    for (let i = 0; i < 5; i++) buffer.add(row(`a${i}`));
    const first = buffer.flush();
    // Arrives while the first flush is writing: goes out with the second flush.
    buffer.add(row('late'));
    const counts = await Promise.all([first, buffer.flush(), buffer.flush()]);
    assert.equal(counts.reduce((a, b) => a + b, 0), 6);
    assert.deepEqual(written.sort(), ['a0', 'a1', 'a2', 'a3', 'a4', 'late']);
    assert.equal(most, 1);
  });
});

describe('normaliseSearchQuery', () => {
  test('trims, lower-cases and collapses inner whitespace; blank is null', () => {
    assert.equal(normaliseSearchQuery('  Red\t\tShoes \n'), 'red shoes');
    assert.equal(normaliseSearchQuery('无线  耳机'), '无线 耳机');
    assert.equal(normaliseSearchQuery('   '), null);
    assert.equal(normaliseSearchQuery(''), null);
    assert.equal(normaliseSearchQuery(undefined), null);
    assert.equal(normaliseSearchQuery('x'.repeat(300))!.length, 200);
  });
});
