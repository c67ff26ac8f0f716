import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestApp } from './app.js';
import { client } from './http.js';

/** A shipping address the store accepts. */
export const ADDRESS = { firstName: '小明', lastName: '王', phone: '13800000000', line1: '人民路 1 号', city: '上海', region: 'SH', postalCode: '200000', country: 'CN' };

/**
 * Shop fixtures over the HTTP API: products with stock, carts filled and ready for checkout,
 * and the sandbox payment round trip (payer page → signed notification → paid).
 */
export function shop(app: TestApp, staffToken: string) {
  const http = client(app.server);
  return {
    http,
    /** A published single-variant product with a CNY price (and USD when given) and stock. */
    async product(sku: string, options: { cny: number; usd?: number; stock: number; weightGrams?: number; title?: string }) {
      const prices = [{ currency: 'CNY', amount: options.cny }, ...(options.usd !== undefined ? [{ currency: 'USD', amount: options.usd }] : [])];
      const res = await http.post(
        '/admin/products',
        {
          handle: sku.toLowerCase(),
          title: options.title ?? `Product ${sku}`,
          status: 'published',
          variants: [{ sku, prices, ...(options.weightGrams !== undefined ? { weightGrams: options.weightGrams } : {}) }],
        },
        { token: staffToken },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const stock = await http.call('PUT', `/admin/inventory/${encodeURIComponent(sku)}`, { body: { onHand: options.stock }, token: staffToken });
      assert.equal(stock.status, 200, JSON.stringify(stock.body));
      return res.body as { id: string; handle: string };
    },
    /** A cart with the lines, an email, the address and the first shipping method offered. */
    async readyCart(lines: [sku: string, quantity: number][], options: { token?: string; currency?: string; email?: string } = {}) {
      const created = await http.post('/store/carts', { currency: options.currency ?? 'CNY' }, { token: options.token });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      for (const [sku, quantity] of lines) {
        const add = await http.post(`/store/carts/${id}/items`, { sku, quantity }, { token: options.token });
        assert.ok(add.status === 200 || add.status === 201, JSON.stringify(add.body));
      }
      const patch = await http.patch(`/store/carts/${id}`, { ...(options.token ? {} : { email: options.email ?? 'guest@example.com' }), shippingAddress: ADDRESS }, { token: options.token });
      assert.equal(patch.status, 200, JSON.stringify(patch.body));
      const offered = await http.get(`/store/carts/${id}/shipping-methods`, { token: options.token });
      assert.equal(offered.status, 200, JSON.stringify(offered.body));
      const list = (Array.isArray(offered.body) ? offered.body : offered.body.items) as { id: string }[];
      const chosen = await http.patch(`/store/carts/${id}`, { shippingMethodId: list[0]!.id }, { token: options.token });
      assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
      return chosen.body as { id: string; total: number; items: { id: string; sku: string }[] };
    },
    checkout(cartId: string, options: { token?: string; key?: string; body?: unknown } = {}) {
      return http.post(`/store/carts/${cartId}/checkout`, options.body ?? {}, { token: options.token, headers: { 'idempotency-key': options.key ?? randomUUID() } });
    },
    /** Starts a sandbox payment and has the payer press Pay; delivers the notification. */
    async paySandbox(orderId: string, auth: { token?: string; orderToken?: string }, result: 'succeeded' | 'failed' = 'succeeded') {
      const headers: Record<string, string> = auth.orderToken ? { 'x-order-token': auth.orderToken } : {};
      const started = await http.post(`/store/orders/${orderId}/payments`, { provider: 'sandbox' }, { token: auth.token, headers });
      assert.ok(started.status === 201 || started.status === 200, JSON.stringify(started.body));
      const paymentId = started.body.payment.id as string;
      const pressed = await http.post(`/sandbox/pay/${paymentId}`, { result });
      assert.ok(pressed.status < 300, JSON.stringify(pressed.body));
      await app.jobs.drain();
      await app.dispatcher.drain();
      return paymentId;
    },
  };
}
