import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { flash } from '../helpers/flash.js';
import { shop } from '../helpers/shop.js';

interface Line {
  sku: string;
  quantity: number;
  unitPrice: number;
  listUnitPrice: number | null;
}

for (const engine of DATABASES) {
  describe(`flash-sale markdowns in orders and analytics [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;
    let f: ReturnType<typeof flash>;
    const sales = {} as Record<'phone' | 'cable', string>;
    const orders = {} as Record<'a' | 'b' | 'unpaid' | 'cable' | 'cart', string>;

    const adminOrder = async (id: string) => {
      const res = await f.http.get(`/admin/orders/${id}`, { token: actors.owner.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { discountTotal: number; total: number; items: Line[] };
    };
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = (name: string) => f.http.get(`/admin/analytics/${name}?from=${day(-1)}&to=${day(1)}`, { token: actors.owner.token });

    before(async () => {
      app = await buildTestApp(engine, { FLASH_SALE_RATE_PER_IP: '100000' });
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
      f = flash(app, actors.owner.token);
      await s.product('FSA-PHONE', { cny: 129_900, stock: 20, title: 'Phone' });
      // A sale priced above the catalog: its markdown is 0, never negative.
      await s.product('FSA-CABLE', { cny: 1_500, stock: 20, title: 'Cable' });
      const shipping = await f.http.post('/admin/shipping-methods', { name: 'flat', countries: ['CN'], currency: 'CNY', type: 'flat', amount: 1000 }, { token: actors.owner.token });
      assert.equal(shipping.status, 201, JSON.stringify(shipping.body));

      sales.phone = (await f.sale('FSA-PHONE', { price: 99_900, quantity: 10, limit: 3 })).id;
      sales.cable = (await f.sale('FSA-CABLE', { price: 1_990, quantity: 5, limit: 2 })).id;
      const [a, b, c] = await f.customers(3, 'markdown');
      const buy = async (saleId: string, token: string, quantity: number, pay: boolean) => {
        const res = await f.buy(saleId, token, quantity);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        if (pay) await s.paySandbox(res.body.id, { token });
        return res;
      };
      const first = await buy(sales.phone, a!.token, 3, true);
      orders.a = first.body.id;
      // The shopper's answer carries the regular price too.
      assert.deepEqual(
        first.body.items.map((l: Line) => [l.sku, l.quantity, l.unitPrice, l.listUnitPrice]),
        [['FSA-PHONE', 3, 99_900, 129_900]],
      );
      orders.b = (await buy(sales.phone, b!.token, 2, true)).body.id;
      orders.unpaid = (await buy(sales.phone, c!.token, 1, false)).body.id;
      orders.cable = (await buy(sales.cable, a!.token, 2, true)).body.id;

      // A cart order of the same product at the regular price.
      const cart = await s.readyCart([['FSA-PHONE', 1]], { token: actors.customerToken });
      const placed = await s.checkout(cart.id, { token: actors.customerToken });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      orders.cart = placed.body.order?.id ?? placed.body.id;
      await s.paySandbox(orders.cart, { token: actors.customerToken });

      await app.jobs.drain();
      await app.dispatcher.drain();
      await app.jobs.drain();
      await app.dispatcher.drain();
    });
    after(() => app.close());

    test('a flash order line records the regular price it replaced; a cart line records none', async () => {
      const flashOrder = await adminOrder(orders.a);
      assert.deepEqual(
        flashOrder.items.map((l) => [l.sku, l.quantity, l.unitPrice, l.listUnitPrice]),
        [['FSA-PHONE', 3, 99_900, 129_900]],
      );
      // The markdown is a price, not a promotion: the totals are those of the sale price.
      assert.equal(flashOrder.discountTotal, 0);
      assert.equal(flashOrder.total, 3 * 99_900);
      const cable = await adminOrder(orders.cable);
      assert.deepEqual(cable.items.map((l) => [l.unitPrice, l.listUnitPrice]), [[1_990, 1_500]]);

      const cartOrder = await adminOrder(orders.cart);
      assert.deepEqual(
        cartOrder.items.map((l) => [l.sku, l.quantity, l.unitPrice, l.listUnitPrice]),
        [['FSA-PHONE', 1, 129_900, null]],
      );
      const row = await app.db.selectFrom('orderLine').select(['listUnitPrice']).where('orderId', '=', orders.cart).executeTakeFirstOrThrow();
      assert.equal(row.listUnitPrice, null);
    });

    test('order.placed and order.paid carry each line’s unit and regular price', async () => {
      const events = await app.db.selectFrom('eventOutbox').select(['name', 'payload']).where('name', 'in', ['order.placed', 'order.paid']).execute();
      const mine = events.filter((e) => (e.payload as { orderId: string }).orderId === orders.a);
      assert.deepEqual(mine.map((e) => e.name).sort(), ['order.paid', 'order.placed']);
      for (const e of mine) {
        const lines = (e.payload as { lines: { quantity: number; unitPrice: number; listUnitPrice: number | null }[] }).lines;
        assert.deepEqual(
          lines.map((l) => [l.quantity, l.unitPrice, l.listUnitPrice]),
          [[3, 99_900, 129_900]],
          e.name,
        );
      }
    });

    test('promotions: each flash sale’s discount is its markdown, recomputed from the order lines', async () => {
      const res = await report('promotions');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      // Expected from the raw rows: paid orders of each sale, Σ max(0, list − unit) × quantity.
      const { rows } = await sql<{ saleId: string; orders: string; revenue: string; discount: string }>`
        select p.sale_id, count(distinct o.id)::text as orders, sum(l.total)::text as revenue,
               sum(greatest(0, coalesce(l.list_unit_price, l.unit_price) - l.unit_price) * l.quantity)::text as discount
        from flash_sale_purchase p
        join orders o on o.id = p.order_id
        join order_line l on l.order_id = o.id
        where o.paid_at is not null
        group by p.sale_id`.execute(app.db);
      const want = new Map(rows.map((r) => [r.saleId, { orders: Number(r.orders), revenue: Number(r.revenue), discount: Number(r.discount) }]));
      // Five phones paid (the unpaid one is not counted), 300.00 off each; the cable sold above its regular price.
      assert.deepEqual(want.get(sales.phone), { orders: 2, revenue: 5 * 99_900, discount: 5 * (129_900 - 99_900) });
      assert.deepEqual(want.get(sales.cable), { orders: 1, revenue: 2 * 1_990, discount: 0 });
      const items = (res.body.items as { kind: string; key: string; orders: number; revenue: number; discount: number }[]).filter((i) => i.kind === 'flash_sale');
      assert.equal(items.length, 2);
      for (const item of items) assert.deepEqual({ orders: item.orders, revenue: item.revenue, discount: item.discount }, want.get(item.key), item.key);

      // In another currency the discount converts like the revenue (its `_base` twin), rounded once.
      assert.equal((await f.http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.14' }, token: actors.owner.token })).status, 200);
      const usd = await f.http.get(`/admin/analytics/promotions?from=${day(-1)}&to=${day(1)}&currency=USD`, { token: actors.owner.token });
      assert.equal(usd.status, 200, JSON.stringify(usd.body));
      const phone = (usd.body.items as { key: string; discount: number }[]).find((i) => i.key === sales.phone);
      assert.equal(phone?.discount, Math.round(5 * (129_900 - 99_900) * 0.14));
    });

    test('overview: discounts stay the orders’ discountTotal; net revenue is GMV − refunds', async () => {
      const res = await report('overview');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const paid = await app.db.selectFrom('orders').select(['total', 'discountTotal']).where('paidAt', 'is not', null).execute();
      const gmv = paid.reduce((n, o) => n + o.total, 0);
      assert.equal(res.body.figures.gmv.value, gmv);
      assert.equal(res.body.figures.discounts.value, paid.reduce((n, o) => n + o.discountTotal, 0));
      assert.equal(res.body.figures.discounts.value, 0);
      assert.equal(res.body.figures.netRevenue.value, gmv);
    });
  });
}
