import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import { client } from './http.js';

/** Flash-sale fixtures: a sale (live at once unless `startsAt` is given) and signed-in customers. */
export function flash(app: TestApp, staffToken: string) {
  const http = client(app.server);
  return {
    http,
    async sale(sku: string, options: { price?: number; quantity: number; limit?: number; startsAt?: Date; endsAt?: Date; live?: boolean }) {
      const res = await http.post(
        '/admin/flash-sales',
        {
          sku,
          price: options.price ?? 100,
          quantity: options.quantity,
          startsAt: (options.startsAt ?? new Date(Date.now() - 1000)).toISOString(),
          endsAt: (options.endsAt ?? new Date(Date.now() + 3_600_000)).toISOString(),
          perCustomerLimit: options.limit ?? 1,
        },
        { token: staffToken },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      if (options.live !== false) await app.modules.flashSales.sweep();
      return res.body as { id: string; quantity: number };
    },
    /** Registers `n` customers (in small batches: passwords are hashed) and returns their tokens. */
    async customers(n: number, tag: string): Promise<{ id: string; token: string }[]> {
      const out: { id: string; token: string }[] = [];
      for (let i = 0; i < n; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
            const res = await http.post('/store/auth/register', { email: `${tag}-${i + j}@example.com`, password: 'shopperpass1' });
            assert.equal(res.status, 201, JSON.stringify(res.body));
            return { id: res.body.customer.id as string, token: res.body.token as string };
          }),
        );
        out.push(...batch);
      }
      return out;
    },
    buy(saleId: string, token: string, quantity = 1) {
      return http.post(`/store/flash-sales/${saleId}/orders`, { quantity }, { token });
    },
    /** The sale's row and the sum of its active purchases, as the database holds them. */
    async dbState(saleId: string) {
      const sale = await app.db.selectFrom('flashSale').selectAll().where('id', '=', saleId).executeTakeFirstOrThrow();
      const purchases = await app.db.selectFrom('flashSalePurchase').selectAll().where('saleId', '=', saleId).execute();
      const active = purchases.filter((p) => p.status === 'active');
      const perCustomer = new Map<string, number>();
      for (const p of active) perCustomer.set(p.customerId, (perCustomer.get(p.customerId) ?? 0) + p.quantity);
      return { sale, purchases, activeUnits: active.reduce((s, p) => s + p.quantity, 0), perCustomer };
    },
  };
}
