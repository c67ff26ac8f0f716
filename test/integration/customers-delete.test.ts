import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

for (const engine of DATABASES) {
  describe(`account deletion (${engine})`, () => {
    let app: TestApp;
    let actors: Actors;
    let http: ReturnType<typeof client>;
    let productId: string;
    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      actors = await signInActors(app);
      productId = (await shop(app, actors.owner.token).product('DEL-A', { cny: 100, stock: 5 })).id;
    });
    after(() => app.close());

    async function register(email: string) {
      const res = await http.post('/store/auth/register', { email, password: 'deletepass1' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { token: res.body.token as string, id: (await http.get('/store/me', { token: res.body.token })).body.id as string };
    }

    test('a customer deletes their own account with their password; sessions, profile and behaviour go', async () => {
      const me = await register('leaving@example.com');
      const other = await register('staying@example.com');
      const second = (await http.post('/store/auth/login', { email: 'leaving@example.com', password: 'deletepass1' })).body.token as string;
      await http.post('/store/events', [{ type: 'view', productId, sessionId: 'anon-before-login' }]);
      assert.equal((await http.post('/store/events', [{ type: 'view', productId, sessionId: 'anon-before-login' }], { token: me.token })).status, 202);
      assert.equal((await http.post('/store/events', [{ type: 'view', productId, sessionId: 'other-1' }], { token: other.token })).status, 202);
      const address = await http.post('/store/me/addresses', { name: 'Li', line1: '1 Road', city: 'Shanghai', postalCode: '200000', country: 'CN' }, { token: me.token });
      assert.equal(address.status, 201, JSON.stringify(address.body));
      assert.equal((await app.modules.recommendations.customerEvents(me.id)).length, 2, 'the anonymous event counts once the session is linked');

      assertProblem(await http.call('DELETE', '/store/me', { body: { password: 'wrong-password' }, token: me.token }), 400, 'USER_CURRENT_PASSWORD_INCORRECT');
      assertProblem(await http.call('DELETE', '/store/me', { body: {}, token: me.token }), 400, 'VALIDATION_FAILED');
      assert.equal((await http.get('/store/me', { token: me.token })).status, 200, 'nothing changed');

      const res = await http.call('DELETE', '/store/me', { body: { password: 'deletepass1' }, token: me.token });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assertProblem(await http.get('/store/me', { token: me.token }), 401, 'AUTH_REQUIRED');
      assertProblem(await http.get('/store/me', { token: second }), 401, 'AUTH_REQUIRED');
      assertProblem(await http.post('/store/auth/login', { email: 'leaving@example.com', password: 'deletepass1' }), 401, 'AUTH_INVALID_CREDENTIALS');
      assertProblem(await http.get(`/admin/customers/${me.id}`, { token: actors.owner.token }), 404, 'USER_NOT_FOUND');

      await app.dispatcher.drain();
      assert.equal((await app.modules.recommendations.customerEvents(me.id)).length, 0);
      assert.equal((await app.modules.recommendations.customerEvents(other.id)).length, 1, 'other customers keep theirs');
      // The address book went with the profile.
      assert.equal((await app.db.selectFrom('customerAddress').select('id').where('customerId', '=', me.id).execute()).length, 0);
      // The email is free again.
      await register('leaving@example.com');
    });

    test('staff with customers:write delete an account, audited; support may not', async () => {
      const target = await register('removed@example.com');
      assertProblem(await http.call('DELETE', `/admin/customers/${target.id}`, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.call('DELETE', `/admin/customers/${target.id}`, { token: target.token }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.call('DELETE', '/admin/customers/cus_01JDB4X8K3M0Q9W2E5R7T6Y1V3', { token: actors.owner.token }), 404, 'USER_NOT_FOUND');
      const res = await http.call('DELETE', `/admin/customers/${target.id}`, { token: actors.owner.token });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assertProblem(await http.get('/store/me', { token: target.token }), 401, 'AUTH_REQUIRED');
      const log = await http.get('/admin/audit-log?action=customer.deleted', { token: actors.owner.token });
      assert.equal(log.status, 200);
      const entry = (log.body.items as { action: string; targetId: string }[]).find((e) => e.action === 'customer.deleted');
      assert.equal(entry?.targetId, target.id);
    });
  });
}
