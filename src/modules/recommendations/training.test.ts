import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContentItem } from './deps.js';
import { buildModelRows, DEFAULT_TRAINING_LIMITS, type TrainingEvent } from './training.js';

const now = new Date('2026-11-20T12:00:00Z');
let t = now.getTime() - 86_400_000;
const ev = (type: string, productId: string, who: { session?: string; customer?: string; order?: string }): TrainingEvent => ({
  type,
  productId,
  sessionId: who.session ?? null,
  customerId: who.customer ?? null,
  orderId: who.order ?? null,
  quantity: 1,
  occurredAt: new Date((t += 1000)),
});
const content = (productId: string, categoryIds: string[], title: string): ContentItem => ({ productId, texts: [title], categoryIds, brand: null, attributes: {} });
const tokenize = (s: string) => s.toLowerCase().split(/\s+/).filter(Boolean);

test('trending needs distinct buyers: one shopper buying many times does not make an item trend', () => {
  const events = [
    ...Array.from({ length: 20 }, (_, i) => ev('purchase', 'bot-item', { session: 'bot', order: `o-bot-${i}`, customer: 'c-bot' })),
    ev('purchase', 'real', { session: 's1', customer: 'c1' }),
    ev('purchase', 'real', { session: 's2', customer: 'c2' }),
  ];
  const rows = buildModelRows(events, [content('real', ['cat-1'], 'real thing'), content('bot-item', ['cat-1'], 'bot thing')], tokenize, now, DEFAULT_TRAINING_LIMITS);
  const trending = rows.lists.find((l) => l.name === 'trending')!;
  assert.deepEqual(trending.productIds, ['real']);
  assert.deepEqual(rows.lists.find((l) => l.name === 'trending:cat-1')?.productIds, ['real']);
});

test('an item most buyers buy again is marked as repurchased; one bought once per buyer is not', () => {
  const events: TrainingEvent[] = [];
  for (const c of ['c1', 'c2', 'c3']) {
    events.push(ev('purchase', 'coffee', { customer: c, order: `${c}-1` }), ev('purchase', 'grinder', { customer: c, order: `${c}-1` }));
    events.push(ev('purchase', 'coffee', { customer: c, order: `${c}-2` }));
  }
  const rows = buildModelRows(events, [], tokenize, now, DEFAULT_TRAINING_LIMITS);
  const flag = new Map(rows.items.map((i) => [i.productId, i.repurchase]));
  assert.equal(flag.get('coffee'), true);
  assert.equal(flag.get('grinder'), false);
  const bought = rows.neighbours.find((n) => n.kind === 'bought' && n.productId === 'grinder');
  assert.deepEqual(bought?.neighbours, ['coffee']);
});

test('every model writes its neighbour rows: similar, next, close from sessions; content from titles', () => {
  const events = ['s1', 's2', 's3'].flatMap((s) => [ev('view', 'a', { session: s }), ev('view', 'b', { session: s })]);
  const items = [content('a', ['x'], 'red wool sweater'), content('b', ['y'], 'blue cotton shirt'), content('c', ['z'], 'red wool scarf')];
  for (let i = 0; i < 20; i++) items.push(content(`filler-${i}`, [`f${i}`], `unrelated item number${i}`));
  const rows = buildModelRows(events, items, tokenize, now, DEFAULT_TRAINING_LIMITS);
  const of = (kind: string, id: string) => rows.neighbours.find((n) => n.kind === kind && n.productId === id)?.neighbours;
  assert.equal(of('similar', 'a')?.[0], 'b');
  assert.equal(of('next', 'a')?.[0], 'b');
  assert.equal(of('close', 'b')?.[0], 'a');
  assert.equal(of('content', 'a')?.[0], 'c');
  // Deterministic: the same inputs give the same rows.
  assert.deepEqual(buildModelRows(events, items, tokenize, now, DEFAULT_TRAINING_LIMITS), rows);
});
