import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const PASSWORD = 'correct-horse-1';

const ADDRESS = { name: 'Ann Smith', country: 'cn', city: 'Hangzhou', line1: '1 West Lake Road' };

for (const engine of DATABASES) {
  describe(`customer profile and addresses [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
    });
    after(() => app.close());

    async function register(email: string) {
      const res = await http.post('/store/auth/register', { email, password: PASSWORD });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { id: res.body.customer.id as string, token: res.body.token as string };
    }
    const customerRow = (id: string) => app.db.selectFrom('customer').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const addressRows = (customerId: string) => app.db.selectFrom('customerAddress').selectAll().where('customerId', '=', customerId).orderBy('id').execute();
    const defaults = async (customerId: string) => (await addressRows(customerId)).filter((r) => r.isDefaultShipping).map((r) => r.id);
    const addressCount = async () => Number((await app.db.selectFrom('customerAddress').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    test('GET /store/me returns the profile; PATCH updates it and null clears name and phone', async () => {
      const { id, token } = await register('profile@example.com');
      const me = await http.get('/store/me', { token });
      assert.equal(me.status, 200);
      assert.deepEqual(Object.keys(me.body).sort(), ['createdAt', 'email', 'id', 'locale', 'name', 'phone', 'updatedAt']);
      assert.equal(me.body.id, id);
      assert.equal(me.body.email, 'profile@example.com');

      const set = await http.patch('/store/me', { name: '  Ann  ', phone: '+86 138-0000-0000', locale: 'zh-CN' }, { token });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.name, 'Ann');
      assert.equal(set.body.phone, '+86 138-0000-0000');
      assert.equal(set.body.locale, 'zh-CN');
      assert.ok(set.body.updatedAt >= me.body.updatedAt);
      assert.doesNotMatch(JSON.stringify(set.body), /passwordHash|\$argon2/);
      let row = await customerRow(id);
      assert.equal(row.name, 'Ann');
      assert.equal(row.phone, '+86 138-0000-0000');
      assert.equal(row.locale, 'zh-CN');

      const cleared = await http.patch('/store/me', { name: null, phone: null }, { token });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.name, null);
      assert.equal(cleared.body.phone, null);
      assert.equal(cleared.body.locale, 'zh-CN', 'fields not sent are left alone');
      row = await customerRow(id);
      assert.equal(row.name, null);
      assert.equal(row.phone, null);
      assert.equal(row.email, 'profile@example.com');
      assert.deepEqual((await http.get('/store/me', { token })).body, cleared.body);
    });

    test('invalid PATCH /store/me → 400 and the row is unchanged', async () => {
      const { id, token } = await register('badpatch@example.com');
      const before = await customerRow(id);
      const cases: Array<[unknown, string]> = [
        [{}, '/'],
        [{ phone: 'call me' }, '/phone'],
        [{ phone: '12' }, '/phone'],
        [{ name: '' }, '/name'],
        [{ email: 'new@example.com' }, '/email'],
        [{ passwordHash: 'x' }, '/passwordHash'],
        [{ locale: 'english please' }, '/locale'],
      ];
      for (const [body, field] of cases) {
        const res = await http.patch('/store/me', body, { token });
        assertProblem(res, 400, 'VALIDATION_FAILED');
        assert.ok(res.body.fields.some((f: any) => f.field === field), `${JSON.stringify(body)}: ${JSON.stringify(res.body.fields)}`);
      }
      assertProblem(await http.call('PATCH', '/store/me', { token, raw: '{"name": ' }), 400, 'MALFORMED_JSON');
      assert.deepEqual(await customerRow(id), before);
    });

    test('routes need a customer token (valid bodies, no token → 401)', async () => {
      const cases: Array<[string, string, unknown]> = [
        ['GET', '/store/me', undefined],
        ['PATCH', '/store/me', { name: 'x' }],
        ['POST', '/store/me/password', { currentPassword: PASSWORD, newPassword: 'new-password-1' }],
        ['POST', '/store/auth/logout', undefined],
        ['GET', '/store/me/addresses', undefined],
        ['POST', '/store/me/addresses', ADDRESS],
        ['PATCH', '/store/me/addresses/adr_x', { city: 'x' }],
        ['DELETE', '/store/me/addresses/adr_x', undefined],
      ];
      const total = await addressCount();
      for (const [method, url, body] of cases) assertProblem(await http.call(method, url, { body }), 401, 'AUTH_REQUIRED');
      assert.equal(await addressCount(), total);
    });

    test('POST /store/me/password: wrong current → 400; success revokes other sessions only', async () => {
      const { id, token } = await register('pw@example.com');
      const other = await http.post('/store/auth/login', { email: 'pw@example.com', password: PASSWORD });
      assert.equal(other.status, 200);
      const hashBefore = (await customerRow(id)).passwordHash;

      const wrong = await http.post('/store/me/password', { currentPassword: 'not-my-password', newPassword: 'new-password-1' }, { token });
      assertProblem(wrong, 400, 'USER_CURRENT_PASSWORD_INCORRECT');
      assert.deepEqual(wrong.body.fields, [{ field: '/currentPassword', message: 'is incorrect' }]);
      const short = await http.post('/store/me/password', { currentPassword: PASSWORD, newPassword: 'short' }, { token });
      assertProblem(short, 400, 'VALIDATION_FAILED');
      assert.ok(short.body.fields.some((f: any) => f.field === '/newPassword'));
      assert.equal((await customerRow(id)).passwordHash, hashBefore);
      assert.equal((await http.get('/store/me', { token: other.body.token })).status, 200);

      const ok = await http.post('/store/me/password', { currentPassword: PASSWORD, newPassword: 'new-password-1' }, { token });
      assert.equal(ok.status, 204, JSON.stringify(ok.body));
      assert.notEqual((await customerRow(id)).passwordHash, hashBefore);
      assert.equal((await http.get('/store/me', { token })).status, 200, 'the current session survives');
      assertProblem(await http.get('/store/me', { token: other.body.token }), 401, 'AUTH_REQUIRED');
      const live = await app.db.selectFrom('authSession').select('id').where('subjectId', '=', id).where('revokedAt', 'is', null).execute();
      assert.equal(live.length, 1);
      const events = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'customer.password_changed').execute();
      assert.ok(events.some((e) => JSON.stringify(e.payload).includes(id)));

      assertProblem(await http.post('/store/auth/login', { email: 'pw@example.com', password: PASSWORD }), 401, 'AUTH_INVALID_CREDENTIALS');
      assert.equal((await http.post('/store/auth/login', { email: 'pw@example.com', password: 'new-password-1' })).status, 200);
    });

    test('addresses: the first is the default; a new default takes over; exactly one default row', async () => {
      const { id, token } = await register('addr@example.com');
      const empty = await http.get('/store/me/addresses', { token });
      assert.equal(empty.status, 200);
      assert.deepEqual(empty.body, { items: [], nextCursor: null });

      const first = await http.post('/store/me/addresses', { ...ADDRESS, phone: '+86 571 8888 0000', postalCode: '310000' }, { token });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.match(first.body.id, /^adr_/);
      assert.equal(first.body.country, 'CN');
      assert.equal(first.body.isDefaultShipping, true);
      assert.equal(first.body.province, null);
      const [row] = await addressRows(id);
      assert.equal(row!.country, 'CN');
      assert.equal(row!.postalCode, '310000');

      const second = await http.post('/store/me/addresses', { ...ADDRESS, city: 'Shanghai', isDefaultShipping: true }, { token });
      assert.equal(second.status, 201);
      assert.equal(second.body.isDefaultShipping, true);
      assert.deepEqual(await defaults(id), [second.body.id]);

      const third = await http.post('/store/me/addresses', { ...ADDRESS, city: 'Beijing', country: 'Us' }, { token });
      assert.equal(third.status, 201);
      assert.equal(third.body.isDefaultShipping, false);
      assert.equal(third.body.country, 'US');
      assert.deepEqual(await defaults(id), [second.body.id]);

      const list = await http.get('/store/me/addresses', { token });
      assert.deepEqual(
        list.body.items.map((a: any) => [a.id, a.isDefaultShipping]),
        [
          [first.body.id, false],
          [second.body.id, true],
          [third.body.id, false],
        ],
      );

      const patched = await http.patch(`/store/me/addresses/${first.body.id}`, { isDefaultShipping: true, city: 'Suzhou', country: 'jp' }, { token });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.city, 'Suzhou');
      assert.equal(patched.body.country, 'JP');
      assert.equal(patched.body.line1, ADDRESS.line1, 'fields not sent are left alone');
      assert.equal(patched.body.postalCode, '310000');
      assert.deepEqual(await defaults(id), [first.body.id]);
      const cleared = await http.patch(`/store/me/addresses/${first.body.id}`, { postalCode: null, phone: null }, { token });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.postalCode, null);
      assert.equal((await addressRows(id))[0]!.phone, null);
    });

    test('addresses: deleting the default promotes another; deleting the rest leaves none', async () => {
      const { id, token } = await register('addr-delete@example.com');
      const ids: string[] = [];
      for (const city of ['A', 'B', 'C']) ids.push((await http.post('/store/me/addresses', { ...ADDRESS, city }, { token })).body.id);
      assert.deepEqual(await defaults(id), [ids[0]]);

      const del = await http.delete(`/store/me/addresses/${ids[0]}`, { token });
      assert.equal(del.status, 204);
      assert.equal(del.body, '');
      const left = await addressRows(id);
      assert.deepEqual(left.map((r) => r.id), [ids[1], ids[2]]);
      assert.equal(left.filter((r) => r.isDefaultShipping).length, 1);

      const current = (await defaults(id))[0]!;
      const other = ids.find((x) => x !== ids[0] && x !== current)!;
      assert.equal((await http.delete(`/store/me/addresses/${other}`, { token })).status, 204);
      assert.deepEqual(await defaults(id), [current], 'deleting a non-default keeps the default');
      assert.equal((await http.delete(`/store/me/addresses/${current}`, { token })).status, 204);
      assert.deepEqual(await addressRows(id), []);
      assertProblem(await http.delete(`/store/me/addresses/${current}`, { token }), 404, 'ADDRESS_NOT_FOUND');
    });

    test('invalid addresses → 400, nothing written or changed', async () => {
      const { id, token } = await register('addr-bad@example.com');
      const created = await http.post('/store/me/addresses', ADDRESS, { token });
      assert.equal(created.status, 201);
      const before = await addressRows(id);
      const total = await addressCount();
      const cases: Array<[unknown, string]> = [
        [{ ...ADDRESS, country: 'CHN' }, '/country'],
        [{ ...ADDRESS, country: 'C1' }, '/country'],
        [{ name: 'x', country: 'CN', line1: 'y' }, '/city'],
        [{ ...ADDRESS, phone: 'nope' }, '/phone'],
        [{ ...ADDRESS, customerId: 'cus_other' }, '/customerId'],
        [{ ...ADDRESS, isDefaultShipping: 'yes' }, '/isDefaultShipping'],
      ];
      for (const [body, field] of cases) {
        const res = await http.post('/store/me/addresses', body, { token });
        assertProblem(res, 400, 'VALIDATION_FAILED');
        assert.ok(res.body.fields.some((f: any) => f.field === field), `${JSON.stringify(body)}: ${JSON.stringify(res.body.fields)}`);
      }
      for (const [body, field] of [
        [{ country: 'CHN' }, '/country'],
        [{}, '/'],
        [{ city: '' }, '/city'],
      ] as const) {
        const res = await http.patch(`/store/me/addresses/${created.body.id}`, body, { token });
        assertProblem(res, 400, 'VALIDATION_FAILED');
        assert.ok(res.body.fields.some((f: any) => f.field === field), JSON.stringify(res.body.fields));
      }
      assert.equal(await addressCount(), total);
      assert.deepEqual(await addressRows(id), before);
    });

    test('another customer’s address → 404 ADDRESS_NOT_FOUND and stays unchanged', async () => {
      const a = await register('owner-a@example.com');
      const b = await register('intruder-b@example.com');
      const aAddr = (await http.post('/store/me/addresses', ADDRESS, { token: a.token })).body;
      const bAddr = (await http.post('/store/me/addresses', { ...ADDRESS, city: 'Elsewhere' }, { token: b.token })).body;
      assert.equal(bAddr.isDefaultShipping, true);
      const aBefore = await addressRows(a.id);

      const bList = await http.get('/store/me/addresses', { token: b.token });
      assert.deepEqual(bList.body.items.map((x: any) => x.id), [bAddr.id]);
      assertProblem(await http.patch(`/store/me/addresses/${aAddr.id}`, { city: 'Hijacked' }, { token: b.token }), 404, 'ADDRESS_NOT_FOUND');
      // The default flag is cleared inside the transaction before the miss; it must roll back.
      assertProblem(await http.patch(`/store/me/addresses/${aAddr.id}`, { isDefaultShipping: true }, { token: b.token }), 404, 'ADDRESS_NOT_FOUND');
      assertProblem(await http.delete(`/store/me/addresses/${aAddr.id}`, { token: b.token }), 404, 'ADDRESS_NOT_FOUND');
      assertProblem(await http.patch('/store/me/addresses/adr_doesnotexist', { city: 'x' }, { token: a.token }), 404, 'ADDRESS_NOT_FOUND');
      assertProblem(await http.delete('/store/me/addresses/adr_doesnotexist', { token: a.token }), 404, 'ADDRESS_NOT_FOUND');

      assert.deepEqual(await addressRows(a.id), aBefore);
      assert.deepEqual(await defaults(b.id), [bAddr.id]);
      const aList = await http.get('/store/me/addresses', { token: a.token });
      assert.deepEqual(aList.body.items, [aAddr]);
    });
  });
}
