import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSessionIndex, recommendNextInSession, type SessionKnnOptions } from './session-knn.js';

const past = [{ items: [1, 2, 3] }, { items: [1, 2, 3] }, { items: [2, 4] }, { items: [5, 6] }];
/** Plain kNN: no recency, IDF or transitions, so a test sees one effect at a time. */
const plain: SessionKnnOptions = { sessionHalfLife: 0, idfPower: 0, transitionWeight: 0 };
const scoreOf = <T>(recs: { item: T; score: number }[], item: T) => recs.find((r) => r.item === item)?.score ?? 0;

test('similar past sessions vote for what came after the shared item', () => {
  const index = buildSessionIndex(past);
  const recs = recommendNextInSession(index, [1, 2], 3, { anchorWeight: 0, backwardWeight: 0 }).map((r) => r.item);
  assert.equal(recs[0], 3);
  assert.ok(!recs.includes(6));
});

test('items of the session may come back unless excluded', () => {
  const index = buildSessionIndex(past);
  assert.ok(recommendNextInSession(index, [1, 2], 5).some((r) => r.item === 2));
  assert.ok(!recommendNextInSession(index, [1, 2], 5, {}, [2]).some((r) => r.item === 2));
});

test('unknown sessions get nothing; sampleSize keeps the most recent sessions', () => {
  const index = buildSessionIndex([{ items: ['a', 'old'] }, { items: ['a', 'new'] }], { transitions: false });
  assert.deepEqual(recommendNextInSession(index, ['zzz'], 5), []);
  const recs = recommendNextInSession(index, ['a'], 5, { sampleSize: 1 }).map((r) => r.item);
  assert.ok(recs.includes('new') && !recs.includes('old'));
});

test('session recency: of two equally similar neighbours the more recent one votes more', () => {
  const index = buildSessionIndex([{ items: ['a', 'old'] }, { items: ['a', 'new'] }], { transitions: false });
  const flat = recommendNextInSession(index, ['a'], 5, plain);
  assert.equal(scoreOf(flat, 'old'), scoreOf(flat, 'new'));
  const recent = recommendNextInSession(index, ['a'], 5, { ...plain, sessionHalfLife: 1 });
  // One session apart with a half-life of one session: exactly half the vote.
  assert.ok(Math.abs(scoreOf(recent, 'old') / scoreOf(recent, 'new') - 0.5) < 1e-12);
  assert.deepEqual(recent.slice(0, 2).map((r) => r.item).sort(), ['a', 'new']);
});

test('position in the current session: neighbours of later items weigh more', () => {
  const index = buildSessionIndex([{ items: ['q', 'afterQ'] }, { items: ['p', 'afterP'] }], { transitions: false });
  const linear = recommendNextInSession(index, ['p', 'q'], 5, plain);
  assert.ok(Math.abs(scoreOf(linear, 'afterP') / scoreOf(linear, 'afterQ') - 0.5) < 1e-12); // weights 1/2 and 2/2
  const decayed = recommendNextInSession(index, ['p', 'q'], 5, { ...plain, recencyDecay: 0.2 });
  assert.ok(Math.abs(scoreOf(decayed, 'afterP') / scoreOf(decayed, 'afterQ') - 0.2) < 1e-12);
  // The same items the other way round: the order of the session, not the items, decides.
  const reversed = recommendNextInSession(index, ['q', 'p'], 5, plain);
  assert.ok(scoreOf(reversed, 'afterP') > scoreOf(reversed, 'afterQ'));
});

test('neighbour items vote by their distance to the shared item', () => {
  const index = buildSessionIndex([{ items: ['before', 'a', 'n1', 'n2', 'n3'] }], { transitions: false });
  const recs = recommendNextInSession(index, ['a'], 10, { ...plain, positionDecay: 0.5, backwardWeight: 0.25 });
  const s = (it: string) => scoreOf(recs, it);
  assert.ok(Math.abs(s('n2') / s('n1') - 0.5) < 1e-12 && Math.abs(s('n3') / s('n1') - 0.25) < 1e-12);
  assert.ok(Math.abs(s('before') / s('n1') - 0.25) < 1e-12);
  assert.deepEqual(recs.map((r) => r.item), ['a', 'n1', 'n2', 'before', 'n3']);
});

test('IDF: a rare shared item outweighs a common one', () => {
  const sessions = [{ items: ['c', 'x'] }, { items: ['c', 'z'] }, { items: ['c', 'u'] }, { items: ['r', 'y'] }];
  const index = buildSessionIndex(sessions, { transitions: false });
  const opts = { ...plain, anchorWeight: 0, backwardWeight: 0 };
  // 'c' came last so it weighs more by position, but every other session has it.
  assert.equal(recommendNextInSession(index, ['r', 'c'], 1, opts)[0]!.item, 'x');
  assert.equal(recommendNextInSession(index, ['r', 'c'], 1, { ...opts, idfPower: 2 })[0]!.item, 'y');
});

test('transitions of the last items are blended in, scaled to the kNN scores', () => {
  const sessions = [{ items: ['a', 'b'] }, { items: ['b', 'c'] }, { items: ['a', 'b'] }];
  const index = buildSessionIndex(sessions);
  assert.ok(index.transitions);
  assert.equal(buildSessionIndex(sessions, { transitions: false }).transitions, undefined);
  const without = recommendNextInSession(index, ['a'], 5, { ...plain, anchorWeight: 0, backwardWeight: 0 });
  assert.deepEqual(without.map((r) => r.item), ['b']);
  const withT = recommendNextInSession(index, ['a'], 5, { ...plain, anchorWeight: 0, backwardWeight: 0, transitionWeight: 0.1 });
  assert.equal(withT[0]!.item, 'b');
  // 'b' keeps its neighbour vote and gets the best transition (+10 % of the top kNN score).
  assert.ok(Math.abs(scoreOf(withT, 'b') / scoreOf(without, 'b') - 1.1) < 1e-9);
});
