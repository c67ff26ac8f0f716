/**
 * The access walk: every operation of the generated OpenAPI document, called as nobody, as a
 * customer who does not own the resource, and as a member of each staff role.
 *
 * What each route requires is read from what it declares: its OpenAPI `security` and, for
 * staff routes, the permission its `guards.staff(…)` asks for (read by signing in a probe
 * member whose role grants nothing and recording what the guard checks). The expected answer
 * then follows from roles.ts: anonymous on a protected route → 401 AUTH_REQUIRED; a role
 * without the permission → 403 AUTH_FORBIDDEN; a role with it → anything but 401/403.
 * Someone else's cart, order or address answers exactly as a made-up ID does (404, or the same
 * 4xx when the body is refused first), so its existence does not leak. No 4xx here may
 * change a row.
 *
 * Guards are the same code on either engine, so the walk runs once: on PostgreSQL when the
 * suite has it, else on PGlite (`TEST_DB` still picks one explicitly).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { permissionsOf, ROLES, type Role } from '../../src/modules/staff/index.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';
import { validValue } from '../fuzz/arbitraries.js';
import { watchRows, type RowWatch } from '../fuzz/fingerprint.js';
import { encodeComponent, fillPath, operationsOf, type Operation } from '../fuzz/operations.js';
import { buildWorld, registerCustomer, staffLogin, type World } from '../fuzz/world.js';

/** Routes anyone may call, and why. A new public route fails the walk until it is listed here. */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness probe',
  'GET /readyz': 'readiness probe',
  'GET /metrics': 'Prometheus scrape (kept off the public network by deployment)',
  'POST /store/auth/register': 'sign-up',
  'POST /store/auth/login': 'sign-in',
  'POST /store/auth/password-reset': 'asks for a reset mail; answers the same for any email',
  'POST /store/auth/password-reset/confirm': 'the emailed reset token is the credential',
  'POST /admin/auth/login': 'staff sign-in',
  'GET /store/products': 'store browsing',
  'GET /store/products/{handle}': 'store browsing',
  'GET /store/collections/{handle}': 'store browsing',
  'GET /store/shop': 'the shop’s locales and currencies, for storefronts',
  'GET /store/categories': 'store browsing',
  'GET /store/categories/{handle}': 'store browsing',
  'GET /store/search': 'store browsing',
  'GET /store/search/suggest': 'store browsing',
  'GET /store/products/{handle}/reviews': 'published reviews are public',
  'GET /store/flash-sales': 'store browsing',
  'GET /store/products/{handle}/similar': 'store recommendations',
  'GET /store/products/{handle}/bought-together': 'store recommendations',
  'POST /webhooks/payments/{provider}': 'payment provider notifications, authenticated by their signature',
  'GET /sandbox/pay/{paymentId}': 'the sandbox gateway’s payer page (sandbox provider only)',
  'POST /sandbox/pay/{paymentId}': 'the sandbox gateway’s payer page (sandbox provider only)',
};

/**
 * Staff routes that change something but need only a read permission, and why. Any other
 * non-GET staff route must require a `…:write` permission (or `staff:self` for its own session).
 */
const WRITES_ON_READ: Record<string, string> = {
  'POST /admin/promotions/preview': 'prices a hypothetical cart; writes nothing',
};

/**
 * Store routes that take a staff token as no token at all (a guest), and why. Every other
 * store route with a customer or optional token refuses staff tokens with 401 or 403.
 */
const STAFF_AS_GUEST: Record<string, string> = {
  'GET /store/recommendations': 'recommendation serving only personalises for customers; others get the guest list',
  'GET /store/carts/{id}/recommendations': 'as above; an owned cart is then 404, as for a guest',
};

type Requirement =
  | { kind: 'public' }
  | { kind: 'optional' }
  | { kind: 'customer' }
  | { kind: 'order' }
  | { kind: 'staff'; permission: string };

type Caller = 'anonymous' | 'customer B' | Role;

interface Outcome {
  caller: Caller;
  status: number;
  code: string | undefined;
}

function isBearerOnly(op: Operation): boolean {
  return op.security.length === 1 && Object.keys(op.security[0]!).join() === 'bearer';
}

for (const engine of DATABASES.slice(-1)) {
  describe(`access walk [${engine}]`, () => {
    let app: TestApp;
    let world: World;
    let rows: RowWatch;

    before(async () => {
      app = await buildTestApp(engine);
      world = await buildWorld(app);
      rows = await watchRows(app.db);
    });
    after(() => app?.close());

    /**
     * The permission each route's staff guard asks for: a probe member's permission set
     * refuses everything and records what it was asked.
     */
    async function guardPermissions(ops: Operation[]): Promise<Map<string, string>> {
      const http = client(app.server);
      const owner = { token: world.staff.owner!.token };
      const created = await http.post('/admin/staff', { email: 'probe@example.com', name: 'Probe', role: 'support', password: 'probepass123' }, owner);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const probeId = created.body.id as string;
      const token = await staffLogin(app, 'probe@example.com', 'probepass123');
      const asked: string[] = [];
      class Refusing extends Set<string> {
        override has(permission: string): boolean {
          asked.push(permission);
          return false;
        }
      }
      const staff = app.modules.staff;
      const original = staff.principalFor;
      staff.principalFor = async (staffId, sessionId) => {
        const principal = await original(staffId, sessionId);
        return principal && staffId === probeId ? { ...principal, permissions: new Refusing() } : principal;
      };
      const out = new Map<string, string>();
      try {
        for (const op of ops) {
          asked.length = 0;
          const url = fillPath(op.path, Object.fromEntries(op.path.match(/\{[^}]+\}/g)?.map((p) => [p.slice(1, -1), 'probe']) ?? []));
          const res = await app.server.inject({ method: op.method as 'GET', url, headers: { authorization: `Bearer ${token}` } });
          if (asked.length > 0) {
            assert.equal(res.statusCode, 403, `${op.key}: the probe was refused ${asked.join(', ')} but got ${res.statusCode}`);
            out.set(op.key, asked[0]!);
          }
        }
      } finally {
        staff.principalFor = original;
      }
      assert.ok(out.size > 20, `the probe saw only ${out.size} staff guards; does authenticate still go through staff.principalFor?`);
      return out;
    }

    function requirementOf(op: Operation, permissions: Map<string, string>): Requirement {
      const permission = permissions.get(op.key);
      if (permission) return { kind: 'staff', permission };
      const schemes = op.security.map((s) => Object.keys(s).join('+'));
      if (schemes.length === 0) return { kind: 'public' };
      if (schemes.includes('')) return { kind: 'optional' };
      if (schemes.includes('orderToken')) return { kind: 'order' };
      return { kind: 'customer' };
    }

    /** Path values: customer A's own resources where the route takes one (unless `madeUp`), made-up IDs elsewhere. */
    function pathValues(op: Operation, madeUp: boolean): Record<string, string> {
      const o = world.owned;
      const values: Record<string, string> = {};
      for (const p of op.params.filter((x) => x.in === 'path')) {
        values[p.name] = String(fc.sample(validValue(p.schema), { seed: 7, numRuns: 1 })[0] ?? 'x');
      }
      if (madeUp) return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeComponent(v)]));
      if (op.path.startsWith('/store/me/addresses/')) values.id = o.addressId;
      if (op.path.startsWith('/store/carts/{id}')) {
        values.id = o.cartId;
        if ('itemId' in values) values.itemId = o.cartItemId;
      }
      if (op.path.startsWith('/store/orders/{id}')) values.id = /\/(cancel|payments)$/.test(op.path) ? o.pendingOrderId : o.deliveredOrderId;
      return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeComponent(v)]));
    }

    /** Routes whose path names one of customer A's resources: 404 to anyone else. */
    function ownedByA(op: Operation): boolean {
      return /^\/store\/(me\/addresses\/\{id\}|carts\/\{id\}|orders\/\{id\})/.test(op.path);
    }

    function requestFor(op: Operation, madeUp = false): { url: string; headers: Record<string, string>; payload?: string } {
      const query = op.params
        .filter((p) => p.in === 'query' && p.required && p.schema.default === undefined)
        .map((p) => `${encodeComponent(p.name)}=${encodeComponent(String(fc.sample(validValue(p.schema), { seed: 7, numRuns: 1 })[0]))}`);
      const headers: Record<string, string> = {};
      for (const p of op.params.filter((x) => x.in === 'header' && x.required)) headers[p.name.toLowerCase()] = String(fc.sample(validValue(p.schema), { seed: 7, numRuns: 1 })[0]);
      const url = fillPath(op.path, pathValues(op, madeUp)) + (query.length ? `?${query.join('&')}` : '');
      if (!op.body) return { url, headers };
      headers['content-type'] = op.body.contentTypes.includes('application/json') ? 'application/json' : op.body.contentTypes[0]!;
      return { url, headers, payload: JSON.stringify(fc.sample(validValue(op.body.schema), { seed: 7, numRuns: 1 })[0]) };
    }

    /** A token for the caller; routes that end a session or an account get a throwaway one. */
    async function tokenOf(caller: Caller, op: Operation): Promise<string | undefined> {
      if (caller === 'anonymous') return undefined;
      const endsSession = /^(POST \/store\/auth\/logout|DELETE \/store\/me|POST \/store\/me\/password|POST \/admin\/auth\/logout)$/.test(op.key);
      if (caller === 'customer B') return endsSession ? (await registerCustomer(app, 'b')).token : world.customerB.token;
      const member = world.staff[caller]!;
      return endsSession ? staffLogin(app, member.email, member.password) : member.token;
    }

    async function call(op: Operation, caller: Caller, madeUp = false): Promise<Outcome> {
      const token = await tokenOf(caller, op);
      const req = requestFor(op, madeUp);
      const { result: res, changed } = await rows.around(() =>
        app.server.inject({
          method: op.method as 'GET',
          url: req.url,
          headers: { ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(req.payload !== undefined ? { payload: req.payload } : {}),
        }),
      );
      let code: string | undefined;
      if (/json/.test(String(res.headers['content-type']))) code = (res.json() as { code?: string }).code;
      const where = `${op.key} as ${caller} (${req.url}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
      assert.ok(res.statusCode < 500, where);
      if (res.statusCode >= 400) {
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, where);
        assert.deepEqual(changed, [], `rows changed: ${where}`);
      }
      return { caller, status: res.statusCode, code };
    }

    function expectDenied(o: Outcome, status: 401 | 403, why: string): void {
      const code = status === 401 ? 'AUTH_REQUIRED' : 'AUTH_FORBIDDEN';
      assert.ok(o.status === status && o.code === code, `as ${o.caller}: expected ${status} ${code} (${why}), got ${o.status} ${o.code ?? ''}`);
    }

    function expectAllowed(o: Outcome, why: string): void {
      assert.ok(o.status !== 401 && o.status !== 403, `as ${o.caller}: expected to get past access control (${why}), got ${o.status} ${o.code ?? ''}`);
    }

    /** On a public route a 401/403 may be the answer itself (wrong password), never the guards'. */
    function expectNotGuarded(o: Outcome, why: string): void {
      assert.ok(o.code !== 'AUTH_REQUIRED' && o.code !== 'AUTH_FORBIDDEN', `as ${o.caller}: a public route (${why}) refused with ${o.status} ${o.code ?? ''}`);
    }

    test('every operation, as nobody, another customer and each staff role', async (t) => {
      const ops = operationsOf(app.server);
      const permissions = await guardPermissions(ops);

      await t.test('declarations agree with the guards', () => {
        const problems: string[] = [];
        for (const op of ops) {
          const permission = permissions.get(op.key);
          if (permission && !isBearerOnly(op)) problems.push(`${op.key}: guarded by ${permission} but its OpenAPI security is ${JSON.stringify(op.security)}`);
          if (op.path.startsWith('/admin/') && !permission && op.key !== 'POST /admin/auth/login') problems.push(`${op.key}: an admin route without a staff guard`);
          if (permission && op.method !== 'GET' && !permission.endsWith(':write') && permission !== 'staff:self' && !(op.key in WRITES_ON_READ)) {
            problems.push(`${op.key}: changes something with only ${permission}`);
          }
          const isPublic = op.security.length === 0;
          if (isPublic && !(op.key in PUBLIC)) problems.push(`${op.key}: public in the OpenAPI document but not listed in PUBLIC`);
          if (!isPublic && op.key in PUBLIC) problems.push(`${op.key}: listed in PUBLIC but declares ${JSON.stringify(op.security)}`);
        }
        for (const key of [...Object.keys(PUBLIC), ...Object.keys(WRITES_ON_READ), ...Object.keys(STAFF_AS_GUEST)]) {
          if (!ops.some((op) => op.key === key)) problems.push(`${key}: listed in this file but no longer in the document`);
        }
        assert.deepEqual(problems, []);
      });

      const callers: Caller[] = ['anonymous', 'customer B', ...[...ROLES].reverse()];
      for (const op of ops) {
        const requirement = requirementOf(op, permissions);
        await t.test(`${op.key} (${requirement.kind === 'staff' ? requirement.permission : requirement.kind})`, async () => {
          const outcomes: Outcome[] = [];
          for (const caller of callers) {
            const o = await call(op, caller);
            outcomes.push(o);
            switch (requirement.kind) {
              case 'public':
                expectNotGuarded(o, PUBLIC[op.key] ?? 'public');
                break;
              case 'staff':
                if (caller === 'anonymous') expectDenied(o, 401, 'no token');
                else if (caller === 'customer B') expectDenied(o, 403, 'customer token on a staff route');
                else if (permissionsOf(caller).has(requirement.permission)) expectAllowed(o, `${caller} has ${requirement.permission}`);
                else expectDenied(o, 403, `${caller} lacks ${requirement.permission}`);
                break;
              case 'customer':
              case 'order':
              case 'optional':
                if (caller === 'anonymous') {
                  if (requirement.kind === 'optional') expectAllowed(o, 'a guest may');
                  else expectDenied(o, 401, 'no token');
                } else if (caller === 'customer B') {
                  if (ownedByA(op)) {
                    const unknown = await call(op, caller, true);
                    assert.ok(
                      o.status === unknown.status && o.code === unknown.code && o.status >= 400,
                      `as customer B on customer A's resource: got ${o.status} ${o.code ?? ''}, but ${unknown.status} ${unknown.code ?? ''} for a made-up ID`,
                    );
                  } else expectAllowed(o, 'a signed-in customer');
                } else if (op.key in STAFF_AS_GUEST) {
                  assert.equal(o.status, outcomes[0]!.status, `as ${caller}: expected what a guest gets (${STAFF_AS_GUEST[op.key]})`);
                } else {
                  // Store routes are for customers: a staff token is refused, never taken as a customer's.
                  assert.ok(o.status === 401 || o.status === 403, `as ${caller} on a store route: expected 401/403, got ${o.status} ${o.code ?? ''}`);
                }
                break;
            }
          }
        });
      }
    });
  });
}
