import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import { client } from './http.js';

export interface Actors {
  owner: { id: string; token: string };
  /** A `support` staff member: may read, may not write. */
  supportToken: string;
  customerToken: string;
}

/**
 * Signs in the three kinds of caller most admin tests need: an owner (created directly), a
 * support member (created by the owner through the API) and a registered customer.
 */
export async function signInActors(app: TestApp): Promise<Actors> {
  const http = client(app.server);
  await app.modules.staff.ensureOwner('owner@example.com', 'ownerpass123');
  const login = await http.post('/admin/auth/login', { email: 'owner@example.com', password: 'ownerpass123' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const owner = { id: login.body.staff.id as string, token: login.body.token as string };
  const support = await http.post('/admin/staff', { email: 'support@example.com', name: 'Sam', role: 'support', password: 'supportpass1' }, { token: owner.token });
  assert.equal(support.status, 201, JSON.stringify(support.body));
  const supportToken = (await http.post('/admin/auth/login', { email: 'support@example.com', password: 'supportpass1' })).body.token as string;
  const customer = await http.post('/store/auth/register', { email: 'shopper@example.com', password: 'shopperpass1' });
  assert.equal(customer.status, 201, JSON.stringify(customer.body));
  return { owner, supportToken, customerToken: customer.body.token as string };
}
