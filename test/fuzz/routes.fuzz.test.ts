/**
 * Property-based fuzzing of every operation in the generated OpenAPI document.
 *
 * Requests are generated from each operation's schemas and then broken: malformed JSON, wrong
 * types, missing and extra fields, oversized values, injection strings, unicode edge cases,
 * odd path and query values, wrong content types. Each is sent as the owner, a customer or
 * nobody. Every response must be below 500, every 4xx must be problem+json with a `code`,
 * and a 4xx must leave the database as it was (see FINGERPRINT_EXCLUDED for the tables a
 * rejected request may write).
 *
 * FUZZ_SEED (default 20261127) and FUZZ_RUNS (requests per operation, default 10 on PGlite and
 * 4 on PostgreSQL, where the same cases mostly retread the same code) tune it;
 * FUZZ_ONLY=<substring of "METHOD /path"> narrows it to some operations. A failure prints the
 * operation, the request, the response and the command that replays that operation's cases.
 * The replay starts from a fresh shop, so a failure that depended on earlier operations'
 * writes may need the full run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { TestApp } from '../helpers/app.js';
import { buildTestApp, DATABASES } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { requestArbitrary, type FuzzRequest } from './arbitraries.js';
import { watchRows, type RowWatch } from './fingerprint.js';
import { operationsOf, type Operation } from './operations.js';
import { buildWorld, OWNER, registerCustomer, staffLogin, type World } from './world.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const runsOn = (engine: string): number => Number(process.env.FUZZ_RUNS ?? (engine === 'postgres' ? 4 : 10));
const ONLY = process.env.FUZZ_ONLY;

/** Operations that end the caller's session or account: each case gets a fresh caller. */
const ENDS_CUSTOMER_SESSION = new Set(['POST /store/auth/logout', 'DELETE /store/me', 'POST /store/me/password']);
const ENDS_STAFF_SESSION = new Set(['POST /admin/auth/logout']);

/** A per-operation seed, so adding a route does not change the cases of the others. */
function seedOf(key: string): number {
  let h = SEED | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function clip(text: string, max = 1_500): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

function describeRequest(req: FuzzRequest): string {
  return [
    `  as ${req.actor}: ${req.method} ${clip(req.url, 300)}`,
    `  headers: ${JSON.stringify(req.headers)}`,
    req.payload === undefined ? '  no body' : `  body: ${clip(JSON.stringify(req.payload))}`,
  ].join('\n');
}

/** DELETEs last, so the shop the other operations see is not emptied early. */
function ordered(ops: Operation[]): Operation[] {
  return [...ops.filter((o) => o.method !== 'DELETE'), ...ops.filter((o) => o.method === 'DELETE')];
}

for (const engine of DATABASES) {
  describe(`route fuzz [${engine}]`, () => {
    const RUNS = runsOn(engine);
    let app: TestApp;
    let world: World;
    let rows: RowWatch;
    const tokens = { owner: '', customer: '' };
    /** Set when a case changed something: it may have signed out, demoted or deleted an actor. */
    let wrote = true;
    const stats = { requests: 0, byStatus: new Map<string, number>(), ms: 0 };

    before(async () => {
      app = await buildTestApp(engine);
      world = await buildWorld(app);
      tokens.owner = world.staff.owner!.token;
      tokens.customer = world.customerA.token;
      rows = await watchRows(app.db);
    });
    after(() => app?.close());

    /** Puts the owner and the customer back when an earlier case demoted, disabled or deleted them. */
    async function restoreActors(): Promise<void> {
      if (!wrote) return;
      wrote = false;
      const http = client(app.server);
      const me = await http.get('/admin/me', { token: tokens.owner });
      if (me.status !== 200 || me.body.role !== 'owner') {
        await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
        tokens.owner = await staffLogin(app, OWNER.email, OWNER.password);
      }
      if ((await http.get('/store/me', { token: tokens.customer })).status !== 200) {
        tokens.customer = (await registerCustomer(app, 'fuzz')).token;
      }
    }

    async function tokenFor(op: Operation, req: FuzzRequest): Promise<string | undefined> {
      if (req.actor === 'anonymous') return undefined;
      if (req.actor === 'customer' && ENDS_CUSTOMER_SESSION.has(op.key)) {
        return (await registerCustomer(app, 'fuzz')).token;
      }
      if (req.actor === 'owner' && ENDS_STAFF_SESSION.has(op.key)) {
        return staffLogin(app, OWNER.email, OWNER.password);
      }
      return tokens[req.actor];
    }

    /** Sends one case and throws an AssertionError describing what went wrong. */
    async function runCase(op: Operation, req: FuzzRequest): Promise<void> {
      const token = await tokenFor(op, req);
      const started = performance.now();
      const { result: res, changed } = await rows.around(() =>
        app.server.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: { ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(req.payload !== undefined ? { payload: req.payload } : {}),
        }),
      );
      stats.ms += performance.now() - started;
      const status = res.statusCode;
      stats.requests++;
      const statusClass = `${Math.floor(status / 100)}xx`;
      stats.byStatus.set(statusClass, (stats.byStatus.get(statusClass) ?? 0) + 1);
      const shown = () => `→ ${status} ${String(res.headers['content-type'] ?? '')} ${clip(res.body, 500)}`;
      assert.ok(status < 500, `server error\n${shown()}`);
      if (status < 400) {
        if (req.method !== 'GET') wrote = true;
        return;
      }
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `4xx is not problem+json\n${shown()}`);
      let code: unknown;
      try {
        code = (JSON.parse(res.body) as { code?: unknown }).code;
      } catch {
        code = undefined;
      }
      assert.ok(typeof code === 'string' && code.length > 0, `4xx without a code\n${shown()}`);
      assert.equal(changed.length, 0, `rows changed on a ${status} ${String(code)}:\n  ${changed.join('\n  ')}\n${shown()}`);
    }

    test('every operation', async (t) => {
      const all = ordered(operationsOf(app.server));
      const ops = ONLY ? (all.some((op) => op.key === ONLY) ? all.filter((op) => op.key === ONLY) : all.filter((op) => op.key.includes(ONLY))) : all;
      assert.ok(ops.length > 0, `no operation matches FUZZ_ONLY=${ONLY ?? ''}`);
      for (const op of ops) {
        await t.test(op.key, async () => {
          await restoreActors();
          const seed = seedOf(op.key);
          const details = await fc.check(
            fc.asyncProperty(requestArbitrary(op, world.known), (req) => runCase(op, req)),
            { seed, numRuns: RUNS, endOnFailure: true },
          );
          if (!details.failed) return;
          const req = details.counterexample?.[0];
          const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
          assert.fail(
            [
              `${op.key} failed on case ${details.numRuns} of ${RUNS} (${engine}, seed ${seed}, path ${details.counterexamplePath ?? ''})`,
              req ? describeRequest(req) : '  (no request)',
              error,
              `replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_ONLY='${op.key}' TEST_DB=${engine} node --import tsx --test test/fuzz/routes.fuzz.test.ts`,
            ].join('\n'),
          );
        });
      }
      const statuses = [...stats.byStatus].sort().map(([k, n]) => `${k} ${n}`).join(', ');
      t.diagnostic(`${stats.requests} requests (${statuses}); ${Math.round(stats.ms / 1000)} s with the row checks`);
    });
  });
}
