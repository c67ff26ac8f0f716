import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PERMISSIONS } from '../../src/modules/staff/index.js';
import { DEMO_OWNER_EMAIL, seed } from '../../src/seed.js';
import { buildTestApp, DATABASES, testConfig, type TestApp } from '../helpers/app.js';
import { assertProblem, client, type Call } from '../helpers/http.js';

const OWNER = { email: 'owner@example.com', password: 'owner-password-1' };

/** Every page of a list route, following `nextCursor`; fails on a repeated id. */
async function walk(http: ReturnType<typeof client>, url: string, token: string): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res: Call = await http.get(cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    assert.ok(pages < 50, 'pagination does not terminate');
  } while (cursor);
  assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'duplicate items across pages');
  return { items, pages };
}

for (const engine of DATABASES) {
  describe(`seed [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
    });
    after(() => app.close());

    const staffRows = () => app.db.selectFrom('staffUser').selectAll().orderBy('id').execute();
    /** The seed result without the demo-catalog count, which the catalog tests cover. */
    const seedAccounts = async (config: ReturnType<typeof testConfig>) => {
      const { demoProducts: _demo, ...rest } = await seed(app, config);
      return rest;
    };

    test('demo off and no admin env: does nothing', async () => {
      assert.deepEqual(await seed(app, testConfig({ BAZAAR_DEMO: '0' })), {});
      assert.equal((await staffRows()).length, 0);
    });

    test('demo on and no staff: generates an owner whose password signs in, once', async () => {
      const result = await seed(app, testConfig({ BAZAAR_DEMO: '1' }));
      assert.equal(result.owner, undefined);
      // The first demo start also loads the demo catalog; later starts leave it alone.
      assert.equal(result.demoProducts, 240);
      assert.ok(result.generatedOwner);
      assert.equal(result.generatedOwner.email, DEMO_OWNER_EMAIL);
      assert.ok(result.generatedOwner.password.length >= 16);
      const rows = await staffRows();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.role, 'owner');
      assert.equal(rows[0]!.active, true);
      assert.match(rows[0]!.passwordHash, /^\$argon2id\$/);
      assert.ok(!rows[0]!.passwordHash.includes(result.generatedOwner.password));

      const login = await client(app.server).post('/admin/auth/login', result.generatedOwner);
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal(login.body.staff.email, DEMO_OWNER_EMAIL);
      assert.equal(login.body.staff.role, 'owner');

      // Staff exist now: a second start generates nothing.
      assert.deepEqual(await seed(app, testConfig({ BAZAAR_DEMO: '1' })), { demoProducts: 0 });
      assert.equal((await staffRows()).length, 1);
    });

    test('admin env: created, then unchanged, then updated with a new password', async () => {
      const env = { BAZAAR_DEMO: '1', BAZAAR_ADMIN_EMAIL: 'Boss@Example.com', BAZAAR_ADMIN_PASSWORD: 'first-password-1' };
      // The configured owner wins over demo generation.
      assert.deepEqual(await seedAccounts(testConfig(env)), { owner: { email: 'boss@example.com', outcome: 'created' } });
      assert.deepEqual(await seedAccounts(testConfig(env)), { owner: { email: 'boss@example.com', outcome: 'unchanged' } });
      const changed = { ...env, BAZAAR_ADMIN_PASSWORD: 'second-password-2' };
      assert.deepEqual(await seedAccounts(testConfig(changed)), { owner: { email: 'boss@example.com', outcome: 'updated' } });

      const boss = (await staffRows()).filter((r) => r.email === 'boss@example.com');
      assert.equal(boss.length, 1);
      assert.equal(boss[0]!.role, 'owner');

      const http = client(app.server);
      const ok = await http.post('/admin/auth/login', { email: 'boss@example.com', password: 'second-password-2' });
      assert.equal(ok.status, 200);
      assertProblem(await http.post('/admin/auth/login', { email: 'boss@example.com', password: 'first-password-1' }), 401, 'AUTH_INVALID_CREDENTIALS');

      const audit = await app.db.selectFrom('auditLog').selectAll().where('targetId', '=', boss[0]!.id).orderBy('id').execute();
      assert.deepEqual(
        audit.map((a) => [a.actorType, a.actorId, a.action]),
        [
          ['system', null, 'staff.created'],
          ['system', null, 'staff.owner_reset'],
          ['staff', boss[0]!.id, 'staff.logged_in'],
        ],
      );
    });

    test('admin env repairs a demoted, deactivated owner', async () => {
      await app.db.updateTable('staffUser').set({ role: 'support', active: false }).where('email', '=', 'boss@example.com').execute();
      const env = { BAZAAR_ADMIN_EMAIL: 'boss@example.com', BAZAAR_ADMIN_PASSWORD: 'second-password-2' };
      assert.deepEqual(await seedAccounts(testConfig(env)), { owner: { email: 'boss@example.com', outcome: 'updated' } });
      const row = await app.db.selectFrom('staffUser').selectAll().where('email', '=', 'boss@example.com').executeTakeFirstOrThrow();
      assert.equal(row.role, 'owner');
      assert.equal(row.active, true);
    });
  });

  describe(`staff accounts and audit log [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let owner: { id: string; token: string };
    const members: Record<string, { id: string; email: string; password: string; token?: string }> = {};

    async function login(email: string, password: string): Promise<{ id: string; token: string; staff: any }> {
      const res = await http.post('/admin/auth/login', { email, password });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { id: res.body.staff.id, token: res.body.token, staff: res.body.staff };
    }

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
    });
    after(() => app.close());

    test('login returns the staff member and a token; /admin/me answers with it', async () => {
      const res = await http.post('/admin/auth/login', { email: '  OWNER@example.com ', password: OWNER.password });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.body.token, /^bzs_/);
      const { staff } = res.body;
      assert.equal(staff.email, OWNER.email);
      assert.equal(staff.role, 'owner');
      assert.equal(staff.active, true);
      assert.ok(Array.isArray(staff.permissions));
      assert.deepEqual(staff.permissions, [...PERMISSIONS].sort());
      assert.ok(!Number.isNaN(Date.parse(staff.lastLoginAt)));
      assert.equal(staff.passwordHash, undefined);
      owner = { id: staff.id, token: res.body.token };

      const session = await app.db.selectFrom('authSession').selectAll().where('subjectId', '=', staff.id).executeTakeFirstOrThrow();
      assert.equal(session.subjectType, 'staff');
      assert.notEqual(session.tokenHash, res.body.token);

      const me = await http.get('/admin/me', { token: owner.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, owner.id);
      assert.deepEqual(me.body.permissions, staff.permissions);
    });

    test('wrong password and unknown email → 401 AUTH_INVALID_CREDENTIALS', async () => {
      assertProblem(await http.post('/admin/auth/login', { email: OWNER.email, password: 'not-the-password' }), 401, 'AUTH_INVALID_CREDENTIALS');
      assertProblem(await http.post('/admin/auth/login', { email: 'nobody@example.com', password: 'whatever-1' }), 401, 'AUTH_INVALID_CREDENTIALS');
    });

    test('no token → 401 AUTH_REQUIRED; a customer token → 403 AUTH_FORBIDDEN on admin routes', async () => {
      const reg = await http.post('/store/auth/register', { email: 'shopper@example.com', password: 'shopper-pass-1' });
      assert.equal(reg.status, 201);
      const customerToken = reg.body.token as string;
      const routes: [string, string][] = [
        ['GET', '/admin/me'],
        ['GET', '/admin/staff'],
        ['PATCH', `/admin/staff/${owner.id}`],
        ['GET', '/admin/customers'],
        ['GET', `/admin/customers/${reg.body.customer.id}`],
        ['GET', '/admin/audit-log'],
        ['POST', '/admin/auth/logout'],
      ];
      for (const [method, url] of routes) {
        const body = method === 'PATCH' ? { name: 'x' } : undefined;
        const anonymous = await http.call(method, url, { body });
        assertProblem(anonymous, 401, 'AUTH_REQUIRED');
        assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
        assertProblem(await http.call(method, url, { body, token: customerToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body, token: 'bzs_not-a-real-token' }), 401, 'AUTH_REQUIRED');
      }
      assertProblem(await http.post('/admin/staff', { email: 'x@example.com', name: 'X', role: 'support', password: 'password-1' }, { token: customerToken }), 403, 'AUTH_FORBIDDEN');
      // …and a staff token is not a customer token.
      assertProblem(await http.get('/store/me', { token: owner.token }), 403, 'AUTH_FORBIDDEN');
    });

    test('the owner adds an admin, an operator and a support member; emails are unique', async () => {
      for (const role of ['admin', 'operator', 'support'] as const) {
        const input = { email: `${role}@example.com`, name: ` ${role} person `, role, password: `${role}-password-1` };
        const res = await http.post('/admin/staff', input, { token: owner.token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.email, input.email);
        assert.equal(res.body.name, `${role} person`);
        assert.equal(res.body.role, role);
        assert.equal(res.body.active, true);
        assert.equal(res.body.lastLoginAt, null);
        assert.equal(res.body.password, undefined);
        members[role] = { id: res.body.id, email: input.email, password: input.password };
        const row = await app.db.selectFrom('staffUser').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
        assert.equal(row.role, role);
        assert.match(row.passwordHash, /^\$argon2id\$/);
      }
      const dup = await http.post('/admin/staff', { email: ' Admin@EXAMPLE.com', name: 'Again', role: 'support', password: 'another-pass-1' }, { token: owner.token });
      assertProblem(dup, 409, 'STAFF_EMAIL_TAKEN');
      const count = await app.db.selectFrom('staffUser').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 4);
      for (const m of Object.values(members)) m.token = (await login(m.email, m.password)).token;
    });

    test('an admin manages non-owners but cannot create or change an owner', async () => {
      const admin = members.admin!;
      const res = await http.post('/admin/staff', { email: 'operator2@example.com', name: 'Op Two', role: 'operator', password: 'operator2-pass' }, { token: admin.token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      members.operator2 = { id: res.body.id, email: 'operator2@example.com', password: 'operator2-pass' };
      members.operator2.token = (await login('operator2@example.com', 'operator2-pass')).token;

      assertProblem(await http.post('/admin/staff', { email: 'owner2@example.com', name: 'O', role: 'owner', password: 'owner2-pass-1' }, { token: admin.token }), 403, 'STAFF_OWNER_REQUIRED');
      assertProblem(await http.patch(`/admin/staff/${owner.id}`, { name: 'Renamed' }, { token: admin.token }), 403, 'STAFF_OWNER_REQUIRED');
      assertProblem(await http.patch(`/admin/staff/${members.support!.id}`, { role: 'owner' }, { token: admin.token }), 403, 'STAFF_OWNER_REQUIRED');
      assert.equal(await app.db.selectFrom('staffUser').select('id').where('email', '=', 'owner2@example.com').executeTakeFirst(), undefined);

      const renamed = await http.patch(`/admin/staff/${members.operator2.id}`, { name: 'Operator Two' }, { token: admin.token });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'Operator Two');
      assertProblem(await http.patch('/admin/staff/stf_missing', { name: 'Nobody' }, { token: admin.token }), 404, 'STAFF_NOT_FOUND');
      assertProblem(await http.patch(`/admin/staff/${members.operator2.id}`, {}, { token: admin.token }), 400, 'VALIDATION_FAILED');
    });

    test('operators and support may see themselves but not manage staff', async () => {
      for (const role of ['operator', 'support'] as const) {
        const m = members[role]!;
        const me = await http.get('/admin/me', { token: m.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.role, role);
        assert.ok(!me.body.permissions.includes('staff:read'));
        assertProblem(await http.get('/admin/staff', { token: m.token }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.post('/admin/staff', { email: 'n@example.com', name: 'N', role: 'support', password: 'password-12' }, { token: m.token }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.patch(`/admin/staff/${m.id}`, { name: 'Self' }, { token: m.token }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.get('/admin/audit-log', { token: m.token }), 403, 'AUTH_FORBIDDEN');
      }
      const admin = await http.get('/admin/audit-log', { token: members.admin!.token });
      assert.equal(admin.status, 200);
    });

    test('GET /admin/staff pages with limit and cursor; bad cursor and limit are 400', async () => {
      const total = Number((await app.db.selectFrom('staffUser').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(total, 5);
      const { items, pages } = await walk(http, '/admin/staff?limit=2', owner.token);
      assert.equal(items.length, total);
      assert.equal(pages, 3);
      const ids = items.map((i) => i.id);
      assert.deepEqual(ids, [...ids].sort());

      const operators = await http.get('/admin/staff?role=operator&active=true', { token: owner.token });
      assert.equal(operators.status, 200);
      assert.deepEqual(operators.body.items.map((i: any) => i.email).sort(), ['operator2@example.com', 'operator@example.com']);

      assertProblem(await http.get('/admin/staff?cursor=not-a-cursor', { token: owner.token }), 400, 'PAGINATION_INVALID_CURSOR');
      const wrongShape = Buffer.from(JSON.stringify({ id: 'x' })).toString('base64url');
      assertProblem(await http.get(`/admin/staff?cursor=${wrongShape}`, { token: owner.token }), 400, 'PAGINATION_INVALID_CURSOR');
      const limit = await http.get('/admin/staff?limit=101', { token: owner.token });
      assertProblem(limit, 400, 'VALIDATION_FAILED');
      assert.ok(limit.body.fields.some((f: any) => /limit/.test(f.field)));
      assertProblem(await http.get('/admin/staff?limit=0', { token: owner.token }), 400, 'VALIDATION_FAILED');
    });

    test('deactivating a member revokes their tokens and blocks sign-in', async () => {
      const m = members.operator2!;
      const res = await http.patch(`/admin/staff/${m.id}`, { active: false }, { token: owner.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.active, false);
      assertProblem(await http.get('/admin/me', { token: m.token }), 401, 'AUTH_REQUIRED');
      const live = await app.db.selectFrom('authSession').select('id').where('subjectId', '=', m.id).where('revokedAt', 'is', null).execute();
      assert.equal(live.length, 0);
      // Right password, inactive account: the same answer as a wrong password.
      assertProblem(await http.post('/admin/auth/login', { email: m.email, password: m.password }), 401, 'AUTH_INVALID_CREDENTIALS');
    });

    test('a password reset by someone else is audited without the password and signs the member out', async () => {
      const m = members.support!;
      const res = await http.patch(`/admin/staff/${m.id}`, { password: 'support-password-NEW' }, { token: owner.token });
      assert.equal(res.status, 200);
      assertProblem(await http.get('/admin/me', { token: m.token }), 401, 'AUTH_REQUIRED');
      m.password = 'support-password-NEW';
      m.token = (await login(m.email, m.password)).token;
    });

    test('the audit log records every staff write with actor, action and target', async () => {
      const { items } = await walk(http, '/admin/audit-log?limit=5', owner.token);
      const ids = items.map((i) => i.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
      for (const e of items) {
        assert.ok(!Number.isNaN(Date.parse(e.createdAt)));
        assert.equal(typeof e.action, 'string');
      }
      const find = (action: string, targetId: string) => items.filter((e) => e.action === action && e.targetId === targetId);

      for (const role of ['admin', 'operator', 'support']) {
        const [created] = find('staff.created', members[role]!.id);
        assert.ok(created, `staff.created for ${role}`);
        assert.equal(created.actorType, 'staff');
        assert.equal(created.actorId, owner.id);
        assert.equal(created.targetType, 'staff');
        assert.deepEqual(created.data, { email: `${role}@example.com`, role });
        assert.equal(created.ip, '127.0.0.1');
      }
      const op2 = members.operator2!;
      assert.equal(find('staff.created', op2.id)[0]?.actorId, members.admin!.id);
      const updates = find('staff.updated', op2.id);
      assert.deepEqual(updates.map((u) => [u.actorId, u.data]).reverse(), [
        [members.admin!.id, { changes: { name: 'Operator Two' } }],
        [owner.id, { changes: { active: false } }],
      ]);
      const [reset] = find('staff.updated', members.support!.id);
      assert.deepEqual(reset.data, { changes: {}, passwordChanged: true });
      const logins = find('staff.logged_in', owner.id);
      assert.equal(logins.length, 1);
      assert.equal(logins[0].actorId, owner.id);
      assert.equal(find('staff.logged_in', members.support!.id).length, 2);
      // Rejected writes leave no trace.
      assert.equal(items.filter((e) => e.action === 'staff.created' && e.data.email === 'owner2@example.com').length, 0);

      const byAction = await walk(http, '/admin/audit-log?action=staff.logged_in', owner.token);
      assert.ok(byAction.items.length >= 5);
      assert.ok(byAction.items.every((e) => e.action === 'staff.logged_in'));
      const byTarget = await walk(http, `/admin/audit-log?targetId=${op2.id}`, owner.token);
      assert.deepEqual(byTarget.items.map((e) => e.action).sort(), ['staff.created', 'staff.logged_in', 'staff.updated', 'staff.updated']);
      assert.ok(byTarget.items.every((e) => e.targetId === op2.id));
      const both = await http.get(`/admin/audit-log?action=staff.updated&targetId=${op2.id}&actorId=${owner.id}`, { token: owner.token });
      assert.equal(both.body.items.length, 1);

      // No password, in any form, reaches the audit log.
      const raw = JSON.stringify(await app.db.selectFrom('auditLog').selectAll().execute());
      for (const secret of [OWNER.password, 'support-password-NEW', ...Object.values(members).map((m) => m.password)]) {
        assert.ok(!raw.includes(secret), `audit log contains a password`);
      }
      assert.ok(!/password_?hash|\$argon2/i.test(raw));
    });

    test('the last owner cannot demote or deactivate themselves', async () => {
      assertProblem(await http.patch(`/admin/staff/${owner.id}`, { role: 'admin' }, { token: owner.token }), 409, 'STAFF_SELF_LOCKOUT');
      assertProblem(await http.patch(`/admin/staff/${owner.id}`, { active: false }, { token: owner.token }), 409, 'STAFF_SELF_LOCKOUT');
      const row = await app.db.selectFrom('staffUser').select(['role', 'active']).where('id', '=', owner.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { role: 'owner', active: true });
      // Changing anything else is fine.
      const renamed = await http.patch(`/admin/staff/${owner.id}`, { name: 'The Owner', role: 'owner', active: true }, { token: owner.token });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'The Owner');
    });

    test('an owner acting on a stale principal cannot leave the shop without owners', async () => {
      // The actor's role comes from the request's principal; by the time the write runs the
      // actor may no longer be an owner. The service still keeps one active owner.
      const stale = { staffId: members.admin!.id, role: 'owner', ip: '127.0.0.1' };
      await assert.rejects(app.modules.staff.update(stale, owner.id, { active: false }), (err: any) => err.code === 'STAFF_LAST_OWNER' && err.status === 409);
      await assert.rejects(app.modules.staff.update(stale, owner.id, { role: 'support' }), (err: any) => err.code === 'STAFF_LAST_OWNER');
      assert.deepEqual(await app.db.selectFrom('staffUser').select(['role', 'active']).where('id', '=', owner.id).executeTakeFirstOrThrow(), { role: 'owner', active: true });
    });

    test('two owners demoting each other at once leave exactly one owner', async () => {
      const created = await http.post('/admin/staff', { email: 'owner2@example.com', name: 'Second Owner', role: 'owner', password: 'owner2-pass-1' }, { token: owner.token });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const second = await login('owner2@example.com', 'owner2-pass-1');
      const [a, b] = await Promise.all([
        http.patch(`/admin/staff/${second.id}`, { role: 'admin' }, { token: owner.token }),
        http.patch(`/admin/staff/${owner.id}`, { role: 'admin' }, { token: second.token }),
      ]);
      const results = [a, b].sort((x, y) => x.status - y.status);
      assert.equal(results[0]!.status, 200, JSON.stringify(results));
      // The loser either still acted as an owner (→ last owner) or was already an admin (→ owner required).
      assert.ok(['STAFF_LAST_OWNER', 'STAFF_OWNER_REQUIRED'].includes(results[1]!.body.code), JSON.stringify(results[1]!.body));
      const owners = await app.db.selectFrom('staffUser').select('id').where('role', '=', 'owner').where('active', '=', true).execute();
      assert.equal(owners.length, 1);
    });
  });
}
