import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/platform/db/index.js';
import { hashToken } from '../../src/platform/tokens.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const PASSWORD = 'correct-horse-1';

async function count(app: TestApp, table: keyof Database): Promise<number> {
  const row = await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function counts(app: TestApp) {
  return {
    customer: await count(app, 'customer'),
    authSession: await count(app, 'authSession'),
    eventOutbox: await count(app, 'eventOutbox'),
    customerPasswordReset: await count(app, 'customerPasswordReset'),
  };
}

function assertNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  assert.doesNotMatch(text, /passwordHash|password_hash|\$argon2/);
}

function outboxPayload(payload: unknown): any {
  return typeof payload === 'string' ? JSON.parse(payload) : payload;
}

for (const engine of DATABASES) {
  describe(`customer auth [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
    });
    after(() => app.close());

    async function register(email: string, password = PASSWORD) {
      const res = await http.post('/store/auth/register', { email, password });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { customer: any; token: string };
    }

    test('register creates the account and a session, normalises the email, never returns the hash', async () => {
      const res = await http.post('/store/auth/register', { email: '  Ann.Smith@Example.COM ', password: PASSWORD, name: ' Ann ', locale: 'en-GB' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assertNoSecrets(res.body);
      assert.deepEqual(Object.keys(res.body).sort(), ['customer', 'token']);
      const { customer, token } = res.body;
      assert.equal(customer.email, 'ann.smith@example.com');
      assert.equal(customer.name, 'Ann');
      assert.equal(customer.locale, 'en-GB');
      assert.equal(customer.phone, null);
      assert.match(customer.id, /^cus_/);
      assert.match(token, /^bzc_/);

      const row = await app.db.selectFrom('customer').selectAll().where('id', '=', customer.id).executeTakeFirstOrThrow();
      assert.equal(row.email, 'ann.smith@example.com');
      assert.match(row.passwordHash, /^\$argon2/);
      assert.notEqual(row.passwordHash, PASSWORD);
      const sessions = await app.db.selectFrom('authSession').selectAll().where('subjectId', '=', customer.id).execute();
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]!.subjectType, 'customer');
      assert.equal(sessions[0]!.tokenHash, hashToken(token));
      const events = await app.db.selectFrom('eventOutbox').select(['name', 'payload']).where('name', '=', 'customer.registered').execute();
      assert.ok(events.some((e) => outboxPayload(e.payload).customerId === customer.id));

      const me = await http.get('/store/me', { token });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, customer.id);
      assertNoSecrets(me.body);
    });

    test('a taken email in any case or spacing → 409 USER_EMAIL_TAKEN, nothing written', async () => {
      await register('dup@example.com');
      const before = await counts(app);
      for (const email of ['dup@example.com', 'DUP@Example.com', '  Dup@EXAMPLE.com  ']) {
        const res = await http.post('/store/auth/register', { email, password: PASSWORD });
        assertProblem(res, 409, 'USER_EMAIL_TAKEN');
        assertNoSecrets(res.body);
      }
      assert.deepEqual(await counts(app), before);
    });

    test('invalid registrations → 400 naming the field, nothing written', async () => {
      const before = await counts(app);
      const cases: Array<[unknown, string]> = [
        [{ email: 'not-an-email', password: PASSWORD }, '/email'],
        [{ email: 'a b@example.com', password: PASSWORD }, '/email'],
        [{ email: 'short@example.com', password: 'seven77' }, '/password'],
        [{ email: 'nopw@example.com' }, '/password'],
        [{ email: 'extra@example.com', password: PASSWORD, role: 'admin' }, '/role'],
        [{ email: 'loc@example.com', password: PASSWORD, locale: 'not a locale' }, '/locale'],
      ];
      for (const [body, field] of cases) {
        const res = await http.post('/store/auth/register', body);
        assertProblem(res, 400, 'VALIDATION_FAILED');
        assert.ok(
          res.body.fields.some((f: any) => f.field === field),
          `${JSON.stringify(body)} should name ${field}: ${JSON.stringify(res.body.fields)}`,
        );
      }
      assertProblem(await http.call('POST', '/store/auth/register', { raw: '{"email": "x@example.com", "password":' }), 400, 'MALFORMED_JSON');
      assert.deepEqual(await counts(app), before);
    });

    test('login: 200 with a normalised email; wrong password and unknown email give the same 401', async () => {
      const { customer } = await register('login@example.com');
      const sessionsBefore = await count(app, 'authSession');
      const ok = await http.post('/store/auth/login', { email: ' LOGIN@example.com', password: PASSWORD });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assertNoSecrets(ok.body);
      assert.equal(ok.body.customer.id, customer.id);
      assert.match(ok.body.token, /^bzc_/);
      assert.equal(await count(app, 'authSession'), sessionsBefore + 1);
      assert.equal((await http.get('/store/me', { token: ok.body.token })).body.email, 'login@example.com');

      const wrong = await http.post('/store/auth/login', { email: 'login@example.com', password: 'wrong-password' });
      const unknown = await http.post('/store/auth/login', { email: 'nobody@example.com', password: 'wrong-password' });
      assertProblem(wrong, 401, 'AUTH_INVALID_CREDENTIALS');
      assertProblem(unknown, 401, 'AUTH_INVALID_CREDENTIALS');
      assert.deepEqual(wrong.body, unknown.body);
      assert.equal(wrong.headers['content-type'], unknown.headers['content-type']);
      assert.equal(await count(app, 'authSession'), sessionsBefore + 1);
      const failures = await app.db.selectFrom('authLoginFailure').select('key').where('key', 'like', 'customer:email:%').execute();
      assert.ok(failures.some((f) => f.key === 'customer:email:login@example.com'));
      assert.ok(failures.some((f) => f.key === 'customer:email:nobody@example.com'));

      assertProblem(await http.post('/store/auth/login', { email: 'bad', password: PASSWORD }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/auth/login', { email: 'login@example.com', password: '' }), 400, 'VALIDATION_FAILED');
    });

    test('logout → 204 and the token stops working; the session row is revoked', async () => {
      const { customer, token } = await register('logout@example.com');
      const res = await http.post('/store/auth/logout', undefined, { token });
      assert.equal(res.status, 204);
      assert.equal(res.body, '');
      assertProblem(await http.get('/store/me', { token }), 401, 'AUTH_REQUIRED');
      assertProblem(await http.post('/store/auth/logout', undefined, { token }), 401, 'AUTH_REQUIRED');
      const row = await app.db.selectFrom('authSession').select('revokedAt').where('subjectId', '=', customer.id).executeTakeFirstOrThrow();
      assert.ok(row.revokedAt);
    });

    test('an expired session → 401 AUTH_REQUIRED', async () => {
      const { token } = await register('expired@example.com');
      assert.equal((await http.get('/store/me', { token })).status, 200);
      const updated = await app.db
        .updateTable('authSession')
        .set({ expiresAt: new Date(Date.now() - 60_000) })
        .where('tokenHash', '=', hashToken(token))
        .returning('id')
        .execute();
      assert.equal(updated.length, 1);
      const me = await http.get('/store/me', { token });
      assertProblem(me, 401, 'AUTH_REQUIRED');
      assert.match(String(me.headers['www-authenticate']), /invalid_token/);
    });

    test('missing or garbage Authorization → 401 AUTH_REQUIRED', async () => {
      const none = await http.get('/store/me');
      assertProblem(none, 401, 'AUTH_REQUIRED');
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      for (const authorization of ['Bearer garbage', 'Bearer bzc_notarealtoken', `Bearer ${'x'.repeat(500)}`, 'Bearer', 'Bearer a b', 'Basic dXNlcjpwYXNz', 'garbage']) {
        assertProblem(await http.get('/store/me', { headers: { authorization } }), 401, 'AUTH_REQUIRED');
      }
      assertProblem(await http.post('/store/auth/logout', undefined, { headers: { authorization: 'Bearer nope' } }), 401, 'AUTH_REQUIRED');
    });

    test('a staff token on customer routes → 403; a customer token on staff routes → 403', async () => {
      await app.modules.staff.ensureOwner('owner@example.com', 'ownerpass123');
      const login = await http.post('/admin/auth/login', { email: 'owner@example.com', password: 'ownerpass123' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const staffToken: string = login.body.token;
      assertProblem(await http.get('/store/me', { token: staffToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.patch('/store/me', { name: 'x' }, { token: staffToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/store/me/addresses', { token: staffToken }), 403, 'AUTH_FORBIDDEN');
      const { token } = await register('notstaff@example.com');
      assertProblem(await http.get('/admin/me', { token }), 403, 'AUTH_FORBIDDEN');
    });

    test('password reset: mail with a single-use code; confirm revokes every session', async () => {
      const { customer, token } = await register('reset@example.com');
      const second = await http.post('/store/auth/login', { email: 'reset@example.com', password: PASSWORD });
      assert.equal(second.status, 200);
      const mailBefore = app.mail.length;

      const req = await http.post('/store/auth/password-reset', { email: ' Reset@Example.com ' });
      assert.equal(req.status, 202);
      assert.equal(req.body, '', 'no body');
      const outbox = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'mail.requested').execute();
      assert.ok(outbox.some((e) => outboxPayload(e.payload).to === 'reset@example.com'));
      assert.equal(app.mail.length, mailBefore, 'mail is sent by the dispatcher, not inline');
      await app.dispatcher.drain();
      assert.equal(app.mail.length, mailBefore + 1);
      const mail = app.mail.at(-1)!;
      assert.equal(mail.to, 'reset@example.com');
      assert.equal(mail.template, 'password_reset');
      const code = /Or use this code: (\S+)/.exec(mail.text)?.[1];
      assert.ok(code, mail.text);
      assert.ok(mail.text.includes(`token=${encodeURIComponent(code)}`));
      const resetRow = await app.db.selectFrom('customerPasswordReset').selectAll().where('customerId', '=', customer.id).executeTakeFirstOrThrow();
      assert.equal(resetRow.tokenHash, hashToken(code), 'only the hash is stored');
      assert.equal(resetRow.usedAt, null);

      assertProblem(await http.post('/store/auth/password-reset/confirm', { token: code, password: 'short' }), 400, 'VALIDATION_FAILED');
      const confirm = await http.post('/store/auth/password-reset/confirm', { token: code, password: 'brand-new-pass' });
      assert.equal(confirm.status, 204, JSON.stringify(confirm.body));
      for (const t of [token, second.body.token as string]) assertProblem(await http.get('/store/me', { token: t }), 401, 'AUTH_REQUIRED');
      const live = await app.db.selectFrom('authSession').select('id').where('subjectId', '=', customer.id).where('revokedAt', 'is', null).execute();
      assert.equal(live.length, 0);
      assert.ok((await app.db.selectFrom('customerPasswordReset').select('usedAt').where('id', '=', resetRow.id).executeTakeFirstOrThrow()).usedAt);

      assertProblem(await http.post('/store/auth/login', { email: 'reset@example.com', password: PASSWORD }), 401, 'AUTH_INVALID_CREDENTIALS');
      const relogin = await http.post('/store/auth/login', { email: 'reset@example.com', password: 'brand-new-pass' });
      assert.equal(relogin.status, 200);

      const hashAfter = (await app.db.selectFrom('customer').select('passwordHash').where('id', '=', customer.id).executeTakeFirstOrThrow()).passwordHash;
      assertProblem(await http.post('/store/auth/password-reset/confirm', { token: code, password: 'another-pass-9' }), 400, 'USER_RESET_TOKEN_INVALID');
      assertProblem(await http.post('/store/auth/password-reset/confirm', { token: 'bzr_madeupbutlongenough', password: 'another-pass-9' }), 400, 'USER_RESET_TOKEN_INVALID');
      const hashNow = (await app.db.selectFrom('customer').select('passwordHash').where('id', '=', customer.id).executeTakeFirstOrThrow()).passwordHash;
      assert.equal(hashNow, hashAfter);
      assert.equal((await http.get('/store/me', { token: relogin.body.token })).status, 200);
    });

    test('password reset: an expired code → 400 and the password is unchanged', async () => {
      const { customer } = await register('reset-expired@example.com');
      const hashBefore = (await app.db.selectFrom('customer').select('passwordHash').where('id', '=', customer.id).executeTakeFirstOrThrow()).passwordHash;
      assert.equal((await http.post('/store/auth/password-reset', { email: 'reset-expired@example.com' })).status, 202);
      await app.dispatcher.drain();
      const code = /Or use this code: (\S+)/.exec(app.mail.at(-1)!.text)?.[1];
      assert.ok(code);
      await app.db.updateTable('customerPasswordReset').set({ expiresAt: new Date(Date.now() - 1000) }).where('customerId', '=', customer.id).execute();
      assertProblem(await http.post('/store/auth/password-reset/confirm', { token: code, password: 'brand-new-pass' }), 400, 'USER_RESET_TOKEN_INVALID');
      const hashAfter = (await app.db.selectFrom('customer').select('passwordHash').where('id', '=', customer.id).executeTakeFirstOrThrow()).passwordHash;
      assert.equal(hashAfter, hashBefore);
    });

    test('password reset: an unknown email → the same 202, no mail, nothing written', async () => {
      await app.dispatcher.drain();
      const before = await counts(app);
      const mailBefore = app.mail.length;
      const res = await http.post('/store/auth/password-reset', { email: 'ghost@example.com' });
      assert.equal(res.status, 202);
      assert.equal(res.body, '', 'same (empty) body as for an existing account');
      await app.dispatcher.drain();
      assert.equal(app.mail.length, mailBefore);
      assert.deepEqual(await counts(app), before);
      assertProblem(await http.post('/store/auth/password-reset', { email: 'not-an-email' }), 400, 'VALIDATION_FAILED');
    });

    test('password reset: at most 3 mails per account per hour', async () => {
      await register('reset-spam@example.com');
      const mailBefore = app.mail.length;
      for (let i = 0; i < 5; i++) assert.equal((await http.post('/store/auth/password-reset', { email: 'reset-spam@example.com' })).status, 202);
      await app.dispatcher.drain();
      assert.equal(app.mail.length, mailBefore + 3);
    });
  });

  describe(`customer login throttling [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    before(async () => {
      // TRUST_PROXY lets each test act from its own client IP via X-Forwarded-For.
      app = await buildTestApp(engine, { LOGIN_THROTTLE_MAX_PER_EMAIL: '3', LOGIN_THROTTLE_MAX_PER_IP: '5', TRUST_PROXY: '1' });
      http = client(app.server);
    });
    after(() => app.close());

    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const login = (email: string, password: string, ip: string) => http.post('/store/auth/login', { email, password }, from(ip));
    async function register(email: string) {
      const res = await http.post('/store/auth/register', { email, password: PASSWORD }, from('192.0.2.1'));
      assert.equal(res.status, 201);
      return res.body.customer.id as string;
    }

    test('after 3 failures for an email, even the right password → 429 with Retry-After, from any IP', async () => {
      const id = await register('throttle@example.com');
      for (let i = 0; i < 3; i++) assertProblem(await login('throttle@example.com', 'wrong-password', '10.0.0.1'), 401, 'AUTH_INVALID_CREDENTIALS');
      const sessionsBefore = await app.db.selectFrom('authSession').select('id').where('subjectId', '=', id).execute();
      for (const ip of ['10.0.0.1', '10.0.0.2']) {
        const res = await login('THROTTLE@example.com', PASSWORD, ip);
        assertProblem(res, 429, 'AUTH_THROTTLED');
        const retryAfter = Number(res.headers['retry-after']);
        assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `retry-after ${res.headers['retry-after']}`);
      }
      const sessionsAfter = await app.db.selectFrom('authSession').select('id').where('subjectId', '=', id).execute();
      assert.equal(sessionsAfter.length, sessionsBefore.length);
    });

    test('a successful login clears the email’s failures', async () => {
      await register('clear@example.com');
      const ip = '10.0.1.1';
      for (let i = 0; i < 2; i++) assertProblem(await login('clear@example.com', 'wrong-password', ip), 401, 'AUTH_INVALID_CREDENTIALS');
      assert.equal((await login('clear@example.com', PASSWORD, ip)).status, 200);
      const left = await app.db.selectFrom('authLoginFailure').select('id').where('key', '=', 'customer:email:clear@example.com').execute();
      assert.equal(left.length, 0);
      // Without the reset these would be failures 3 and 4 → throttled.
      for (let i = 0; i < 2; i++) assertProblem(await login('clear@example.com', 'wrong-password', ip), 401, 'AUTH_INVALID_CREDENTIALS');
      assert.equal((await login('clear@example.com', PASSWORD, ip)).status, 200);
    });

    test('after 5 failures from one IP, any email from that IP → 429; other IPs are unaffected', async () => {
      await register('victim@example.com');
      const ip = '10.0.2.1';
      for (let i = 0; i < 5; i++) assertProblem(await login(`probe${i}@example.com`, 'wrong-password', ip), 401, 'AUTH_INVALID_CREDENTIALS');
      const blocked = await login('victim@example.com', PASSWORD, ip);
      assertProblem(blocked, 429, 'AUTH_THROTTLED');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.equal((await login('victim@example.com', PASSWORD, '10.0.2.2')).status, 200);
    });
  });
}
