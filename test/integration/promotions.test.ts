import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, type client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

const DAY = 86_400_000;
const CNY = { type: 'currency', currencies: ['CNY'] };
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

for (const engine of DATABASES) {
  describe(`promotions [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;
    let http: ReturnType<typeof client>;
    let owner: string;
    let n = 0;

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      owner = actors.owner.token;
      s = shop(app, owner);
      http = s.http;
    });
    after(() => app.close());

    /** A fresh product (so each test's promotions only touch its own carts). */
    async function product(cny: number, usd?: number) {
      const sku = `P${++n}-${engine}`;
      const p = await s.product(sku, { cny, usd, stock: 1000 });
      return { sku, id: p.id };
    }
    async function promo(body: Record<string, unknown>, path = '/admin/promotions') {
      const res = await http.post(path, body, { token: owner });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; code: string | null; kind: string };
    }
    async function cartWith(lines: [string, number][], options: { token?: string; currency?: string } = {}) {
      return s.readyCart(lines, options) as Promise<any>;
    }
    const addCode = (cartId: string, code: string, token?: string) => http.post(`/store/carts/${cartId}/coupons`, { code }, { token });
    const promotionRow = (id: string) => app.db.selectFrom('promotion').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('admin CRUD, validation and permissions', async () => {
      const body = {
        name: '满300减50',
        code: 'save50',
        priority: 10,
        stacking: 'exclusive',
        conditions: [{ type: 'min_subtotal', amount: 30000, currency: 'CNY' }],
        actions: [{ type: 'amount_off_order', amount: 5000 }],
        usageLimit: 1000,
        perCustomerLimit: 1,
        startsAt: '2026-12-01T00:00:00Z',
        endsAt: '2026-12-12T23:59:59Z',
      };
      const created = await http.post('/admin/promotions', body, { token: owner });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.kind, 'coupon');
      assert.equal(created.body.code, 'SAVE50');
      assert.equal(created.body.usedCount, 0);
      assert.deepEqual(created.body.actions, body.actions);
      const id = created.body.id;
      assert.equal((await http.get(`/admin/promotions/${id}`, { token: owner })).body.name, '满300减50');
      assert.equal((await http.get(`/admin/coupons/${id}`, { token: owner })).status, 200);
      const patched = await http.patch(`/admin/promotions/${id}`, { name: 'Renamed', priority: 5 }, { token: owner });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual([patched.body.name, patched.body.priority, patched.body.code], ['Renamed', 5, 'SAVE50']);
      const list = await http.get('/admin/promotions', { token: owner });
      assert.ok(list.body.items.some((p: { id: string }) => p.id === id));
      assert.equal((await http.get('/admin/promotions', { token: actors.supportToken })).status, 403);

      assertProblem(await http.post('/admin/promotions', { ...body, code: 'SAVE50' }, { token: owner }), 409, 'PROMOTION_CODE_TAKEN');
      assertProblem(await http.post('/admin/promotions', { ...body, code: 'OTHER1', endsAt: '2026-11-01T00:00:00Z' }, { token: owner }), 400, 'PROMOTION_INVALID');
      assertProblem(await http.post('/admin/promotions', { name: 'x', actions: [{ type: 'amount_off_order', amount: 100 }] }, { token: owner }), 400, 'PROMOTION_INVALID');
      assertProblem(await http.post('/admin/promotions', { name: 'x', actions: [{ type: 'bogus' }] }, { token: owner }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/admin/promotions', { name: 'x', actions: [{ type: 'percent_off_order', bps: 20000 }] }, { token: owner }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/admin/promotions', { name: 'x', campaignId: 'cmp_nope', actions: [{ type: 'free_shipping' }] }, { token: owner }), 400, 'PROMOTION_INVALID');
      assertProblem(await http.post('/admin/promotions', body, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');

      const auto = await promo({ name: 'auto', actions: [{ type: 'free_shipping' }] });
      assert.equal(auto.kind, 'automatic');
      assertProblem(await http.get(`/admin/coupons/${auto.id}`, { token: owner }), 404, 'PROMOTION_NOT_FOUND');
      assert.equal((await http.delete(`/admin/promotions/${auto.id}`, { token: owner })).status, 204);
      assertProblem(await http.get(`/admin/promotions/${auto.id}`, { token: owner }), 404, 'PROMOTION_NOT_FOUND');
      assert.equal((await http.delete(`/admin/promotions/${id}`, { token: owner })).status, 204);
      // A deleted promotion's code is free again.
      assert.equal((await http.post('/admin/promotions', body, { token: owner })).status, 201);
    });

    test('automatic tiered promotion: best tier, explained per line and on the cart', async () => {
      const a = await product(12000);
      const b = await product(8000);
      const p = await promo({
        name: '满300减50 / 满500减100',
        conditions: [{ type: 'products', productIds: [a.id, b.id] }, { type: 'currency', currencies: ['CNY'] }],
        actions: [{ type: 'tiered_amount_off', tiers: [{ minSubtotal: 30000, amount: 5000 }, { minSubtotal: 50000, amount: 10000 }], target: { productIds: [a.id, b.id] } }],
      });
      const small = await cartWith([[a.sku, 1]]);
      assert.deepEqual(small.appliedPromotions, []);
      const tier1 = await cartWith([[a.sku, 2], [b.sku, 1]]); // 32000
      assert.deepEqual(tier1.appliedPromotions, [{ id: p.id, name: '满300减50 / 满500减100', code: null, amount: 5000 }]);
      assert.equal(tier1.discountTotal, 5000);
      // 5000 over 24000 : 8000 → 3750 : 1250, exact.
      assert.deepEqual(
        tier1.items.map((i: any) => [i.discountTotal, i.promotions]),
        [
          [3750, [{ id: p.id, name: '满300减50 / 满500减100', amount: 3750 }]],
          [1250, [{ id: p.id, name: '满300减50 / 满500减100', amount: 1250 }]],
        ],
      );
      const tier2 = await cartWith([[a.sku, 4], [b.sku, 1]]); // 56000
      assert.equal(tier2.appliedPromotions[0].amount, 10000);
      assert.equal(
        tier2.items.reduce((s: number, i: any) => s + i.discountTotal, 0),
        10000,
      );
      // USD carts: the currency condition fails.
      const usd = await product(12000, 2000);
      await http.patch(`/admin/promotions/${p.id}`, { conditions: [{ type: 'products', productIds: [a.id, b.id, usd.id] }, { type: 'currency', currencies: ['CNY'] }] }, { token: owner });
      const usdCart = await cartWith([[usd.sku, 30]], { currency: 'USD' });
      assert.deepEqual(usdCart.appliedPromotions, []);
      await http.delete(`/admin/promotions/${p.id}`, { token: owner });
    });

    test('coupon codes on a cart: add, remove and every failure code', async () => {
      const a = await product(10000, 1500);
      const only = [{ type: 'products', productIds: [a.id] }];
      await promo({ name: '10% off', code: 'TEN', conditions: only, actions: [{ type: 'percent_off_order', bps: 1000 }] }, '/admin/coupons');
      await promo({ name: 'old', code: 'OLD', conditions: only, startsAt: iso(-10 * DAY), endsAt: iso(-DAY), actions: [{ type: 'percent_off_order', bps: 1000 }] });
      await promo({ name: 'future', code: 'SOON', conditions: only, startsAt: iso(DAY), actions: [{ type: 'percent_off_order', bps: 1000 }] });
      await promo({ name: 'cny only', code: 'CNY20', conditions: [...only, { type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 2000 }] });
      await promo({ name: 'members', code: 'MEMBER', perCustomerLimit: 1, conditions: only, actions: [{ type: 'percent_off_order', bps: 500 }] });

      const cart = await cartWith([[a.sku, 2]]);
      assertProblem(await addCode(cart.id, 'NOPE'), 400, 'COUPON_NOT_FOUND');
      assertProblem(await addCode(cart.id, 'OLD'), 409, 'COUPON_EXPIRED');
      assertProblem(await addCode(cart.id, 'SOON'), 409, 'COUPON_NOT_ACTIVE');
      assertProblem(await addCode(cart.id, 'MEMBER'), 409, 'COUPON_LOGIN_REQUIRED');
      assertProblem(await addCode(cart.id, ''), 400, 'VALIDATION_FAILED');

      const added = await addCode(cart.id, ' ten ');
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.deepEqual(added.body.codes, ['TEN']);
      assert.deepEqual(added.body.appliedPromotions.map((p: any) => [p.name, p.code, p.amount]), [['10% off', 'TEN', 2000]]);
      assert.equal(added.body.total, cart.total - 2000);
      assert.deepEqual((await addCode(cart.id, 'TEN')).body.codes, ['TEN'], 'adding twice keeps one');
      assertProblem(await addCode(cart.id, 'CNY20'), 409, 'COUPON_ONE_PER_ORDER');

      const removed = await http.delete(`/store/carts/${cart.id}/coupons/ten`);
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual([removed.body.codes, removed.body.appliedPromotions, removed.body.total], [[], [], cart.total]);
      assertProblem(await http.delete(`/store/carts/${cart.id}/coupons/TEN`), 404, 'CART_COUPON_NOT_IN_CART');

      const usdCart = await cartWith([[a.sku, 1]], { currency: 'USD' });
      assertProblem(await addCode(usdCart.id, 'CNY20'), 409, 'COUPON_NOT_APPLICABLE');

      const member = await cartWith([[a.sku, 1]], { token: actors.customerToken });
      const ok = await addCode(member.id, 'member', actors.customerToken);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.appliedPromotions[0].amount, 500);
    });

    test('usage: counted at checkout, limit enforced, released when an unpaid order is cancelled', async () => {
      const a = await product(10000);
      const p = await promo({ name: 'once', code: 'ONCE', usageLimit: 1, conditions: [{ type: 'products', productIds: [a.id] }, CNY], actions: [{ type: 'amount_off_order', amount: 1000 }, { type: 'free_shipping' }] });
      const first = await cartWith([[a.sku, 1]]);
      assert.equal((await addCode(first.id, 'ONCE')).status, 200);
      const second = await cartWith([[a.sku, 1]]);
      assert.equal((await addCode(second.id, 'ONCE')).status, 200, 'not counted before checkout');

      const placed = await s.checkout(first.id);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.discountTotal, 1000);
      assert.deepEqual(placed.body.codes, ['ONCE']);
      assert.equal((await promotionRow(p.id)).usedCount, 1);
      const redemptions = await app.db.selectFrom('promotionRedemption').selectAll().where('promotionId', '=', p.id).execute();
      assert.deepEqual(
        redemptions.map((r) => [r.orderId, r.code, Number(r.amount), r.status]),
        [[placed.body.id, 'ONCE', 1000, 'reserved']],
      );

      // The other cart holds the code, now exhausted: checkout refuses instead of charging full price.
      assertProblem(await s.checkout(second.id), 409, 'PROMOTION_USAGE_LIMIT_REACHED');
      const third = await cartWith([[a.sku, 1]]);
      assertProblem(await addCode(third.id, 'ONCE'), 409, 'COUPON_USAGE_LIMIT_REACHED');

      const cancelled = await http.post(`/store/orders/${placed.body.id}/cancel`, {}, { headers: { 'x-order-token': placed.body.accessToken } });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal((await promotionRow(p.id)).usedCount, 0);
      assert.equal((await app.db.selectFrom('promotionRedemption').select('status').where('orderId', '=', placed.body.id).executeTakeFirstOrThrow()).status, 'released');
      const again = await s.checkout(second.id);
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.body.discountTotal, 1000);
      assert.equal((await promotionRow(p.id)).usedCount, 1);
    });

    test('per-customer limit and first-order condition for a signed-in customer', async () => {
      const a = await product(5000);
      const reg = await http.post('/store/auth/register', { email: `limit${engine}@example.com`, password: 'shopperpass1' });
      const token = reg.body.token as string;
      const p = await promo({ name: 'first order 20%', conditions: [{ type: 'first_order' }, { type: 'products', productIds: [a.id] }], actions: [{ type: 'percent_off_items', bps: 2000, target: { productIds: [a.id] } }] });
      await promo({ name: 'once per customer', code: 'PERCUST', perCustomerLimit: 1, conditions: [{ type: 'products', productIds: [a.id] }, CNY], actions: [{ type: 'amount_off_items', amount: 100 }] });
      const guest = await cartWith([[a.sku, 1]]);
      assert.deepEqual(guest.appliedPromotions, []);
      const c1 = await cartWith([[a.sku, 1]], { token });
      assert.deepEqual(c1.appliedPromotions.map((x: any) => [x.id, x.amount]), [[p.id, 1000]]);
      assert.equal((await addCode(c1.id, 'PERCUST', token)).body.appliedPromotions.length, 2);
      const o1 = await s.checkout(c1.id, { token });
      assert.equal(o1.status, 201, JSON.stringify(o1.body));
      assert.equal(o1.body.discountTotal, 1100);
      const c2 = await cartWith([[a.sku, 1]], { token });
      assert.deepEqual(c2.appliedPromotions, [], 'no longer a first order');
      assertProblem(await addCode(c2.id, 'PERCUST', token), 409, 'COUPON_CUSTOMER_LIMIT_REACHED');
    });

    test('stacking: exclusive vs stackable, the best combination wins, one coupon per order', async () => {
      const a = await product(10000);
      const only = [{ type: 'products', productIds: [a.id] }];
      const small = await promo({ name: 'stack 5%', priority: 1, stacking: 'stackable', conditions: only, actions: [{ type: 'percent_off_order', bps: 500 }] });
      const big = await promo({ name: 'exclusive 20%', priority: 5, stacking: 'exclusive', conditions: [...only, { type: 'min_quantity', quantity: 3 }], actions: [{ type: 'percent_off_order', bps: 2000 }] });
      await promo({ name: 'coupon 10 off', code: 'STACK10', stacking: 'stackable', conditions: [...only, { type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 1000 }] });
      const two = await cartWith([[a.sku, 2]]);
      assert.deepEqual(two.appliedPromotions.map((p: any) => [p.id, p.amount]), [[small.id, 1000]]);
      const withCode = (await addCode(two.id, 'STACK10')).body;
      assert.deepEqual(withCode.appliedPromotions.map((p: any) => [p.name, p.amount]).sort(), [['coupon 10 off', 1000], ['stack 5%', 1000]]);
      const three = await cartWith([[a.sku, 3]]);
      const withCode3 = (await addCode(three.id, 'STACK10')).body;
      // 20 % of 30000 = 6000 beats 5 % (1500) + 1000.
      assert.deepEqual(withCode3.appliedPromotions.map((p: any) => [p.id, p.amount]), [[big.id, 6000]]);
      await http.delete(`/admin/promotions/${big.id}`, { token: owner });
      await http.delete(`/admin/promotions/${small.id}`, { token: owner });
    });

    test('preview: a dry run lists what applies and why the rest does not', async () => {
      const p = await promo({ name: 'preview BXGY', conditions: [{ type: 'brands', brands: ['PreviewBrand'] }], actions: [{ type: 'buy_x_get_y', buy: 2, get: 1, target: { brands: ['PreviewBrand'] } }] });
      const res = await http.post(
        '/admin/promotions/preview',
        {
          cart: {
            currency: 'CNY',
            codes: ['NOSUCH'],
            lines: [
              { id: 'l1', productId: 'prod_x', brand: 'PreviewBrand', quantity: 2, unitPrice: 3000 },
              { id: 'l2', productId: 'prod_y', brand: 'PreviewBrand', quantity: 1, unitPrice: 1000 },
            ],
          },
        },
        { token: owner },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.appliedPromotions, [{ id: p.id, name: 'preview BXGY', code: null, amount: 1000 }]);
      assert.deepEqual(res.body.lines.map((l: any) => [l.id, l.discountTotal]), [['l1', 0], ['l2', 1000]]);
      assert.equal(res.body.considered.find((c: any) => c.id === p.id).status, 'applied');
      assert.ok(res.body.considered.every((c: any) => c.status === 'applied' || typeof c.reason === 'string'));
      assert.equal((await http.post('/admin/promotions/preview', { cart: { currency: 'CNY', lines: [] } }, { token: actors.customerToken })).status, 403);
      await http.delete(`/admin/promotions/${p.id}`, { token: owner });
    });

    test('bulk codes: unique, single use; wallet claims', async () => {
      const a = await product(10000);
      const coupon = await promo({ name: 'bulk', conditions: [{ type: 'products', productIds: [a.id] }, CNY], actions: [{ type: 'amount_off_items', amount: 300 }], claimable: true, usageLimit: 2 }, '/admin/coupons');
      assert.equal(coupon.kind, 'coupon');
      const gen = await http.post(`/admin/coupons/${coupon.id}/codes`, { count: 300, prefix: 'bz' }, { token: owner });
      assert.equal(gen.status, 201, JSON.stringify(gen.body));
      const codes = gen.body.codes as string[];
      assert.equal(codes.length, 300);
      assert.equal(new Set(codes).size, 300);
      assert.ok(codes.every((c) => /^BZ[2-9A-HJKMNP-Z]{10}$/.test(c)));
      const listed = await http.get(`/admin/coupons/${coupon.id}/codes?limit=1000`, { token: owner });
      assert.equal(listed.body.items.length, 300);
      assertProblem(await http.post(`/admin/coupons/nope/codes`, { count: 1 }, { token: owner }), 404, 'PROMOTION_NOT_FOUND');
      assertProblem(await http.post(`/admin/coupons/${coupon.id}/codes`, { count: 0 }, { token: owner }), 400, 'VALIDATION_FAILED');

      const c1 = await cartWith([[a.sku, 2]]);
      const applied = await addCode(c1.id, codes[0]!.toLowerCase());
      assert.deepEqual(applied.body.appliedPromotions.map((p: any) => [p.code, p.amount]), [[codes[0], 600]]);
      assert.equal((await s.checkout(c1.id)).status, 201);
      const c2 = await cartWith([[a.sku, 1]]);
      assertProblem(await addCode(c2.id, codes[0]!), 409, 'COUPON_USAGE_LIMIT_REACHED');

      // Wallet.
      const walletToken = (await http.post('/store/auth/register', { email: `wallet${engine}@example.com`, password: 'shopperpass1' })).body.token as string;
      const claimed = await http.post(`/store/coupons/${coupon.id}/claim`, undefined, { token: walletToken });
      assert.equal(claimed.status, 201, JSON.stringify(claimed.body));
      assert.equal(claimed.body.status, 'available');
      assertProblem(await http.post(`/store/coupons/${coupon.id}/claim`, undefined, { token: walletToken }), 409, 'COUPON_ALREADY_CLAIMED');
      assert.equal((await http.post(`/store/coupons/${coupon.id}/claim`)).status, 401);
      const wallet = await http.get('/store/me/coupons', { token: walletToken });
      assert.deepEqual(wallet.body.items.map((w: any) => [w.code, w.promotionId, w.status]), [[claimed.body.code, coupon.id, 'available']]);
      // Somebody else's claimed code is unknown to a guest.
      assertProblem(await addCode(c2.id, claimed.body.code), 400, 'COUPON_NOT_FOUND');
      const mine = await cartWith([[a.sku, 1]], { token: walletToken });
      assert.equal((await addCode(mine.id, claimed.body.code, walletToken)).body.appliedPromotions[0].amount, 300);
      const other = await http.post('/store/auth/register', { email: `other${engine}@example.com`, password: 'shopperpass1' });
      assert.equal((await http.post(`/store/coupons/${coupon.id}/claim`, undefined, { token: other.body.token })).status, 201);
      const third = await http.post('/store/auth/register', { email: `third${engine}@example.com`, password: 'shopperpass1' });
      assertProblem(await http.post(`/store/coupons/${coupon.id}/claim`, undefined, { token: third.body.token }), 409, 'COUPON_USAGE_LIMIT_REACHED');
      const plain = await promo({ name: 'not claimable', code: 'NOCLAIM', actions: [{ type: 'free_shipping' }] });
      assertProblem(await http.post(`/store/coupons/${plain.id}/claim`, undefined, { token: third.body.token }), 409, 'COUPON_NOT_CLAIMABLE');
    });

    test('campaigns: budget stops its promotions; report figures', async () => {
      const a = await product(10000);
      assertProblem(await http.post('/admin/campaigns', { name: 'bad', startsAt: iso(DAY), endsAt: iso(-DAY) }, { token: owner }), 400, 'CAMPAIGN_INVALID');
      const camp = await http.post('/admin/campaigns', { name: 'Double 12', budget: 10000, currency: 'CNY', startsAt: iso(-DAY), endsAt: iso(DAY) }, { token: owner });
      assert.equal(camp.status, 201, JSON.stringify(camp.body));
      const cid = camp.body.id as string;
      const p = await promo({ name: 'camp 40 off', campaignId: cid, conditions: [{ type: 'products', productIds: [a.id] }, { type: 'currency', currencies: ['CNY'] }], actions: [{ type: 'amount_off_order', amount: 4000 }] });
      const orders = [];
      for (let i = 0; i < 2; i++) {
        const cart = await cartWith([[a.sku, 1]]);
        assert.equal(cart.appliedPromotions[0]?.amount, 4000);
        const placed = await s.checkout(cart.id);
        assert.equal(placed.status, 201, JSON.stringify(placed.body));
        orders.push(placed.body);
      }
      assert.equal((await http.get(`/admin/campaigns/${cid}`, { token: owner })).body.spent, 8000);
      const third = await cartWith([[a.sku, 1]]);
      assert.deepEqual(third.appliedPromotions, [], '2000 left is below the 4000 discount');
      const report = await http.get(`/admin/campaigns/${cid}/report`, { token: owner });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      const gmv = orders[0].total + orders[1].total;
      assert.deepEqual(
        { orders: report.body.orders, gmv: report.body.gmv, discountSpent: report.body.discountSpent, redemptions: report.body.redemptions },
        { orders: 2, gmv, discountSpent: 8000, redemptions: 2 },
      );
      assert.deepEqual(report.body.promotions, [{ id: p.id, name: 'camp 40 off', orders: 2, gmv, discountSpent: 8000, redemptions: 2 }]);

      await http.post(`/store/orders/${orders[0].id}/cancel`, {}, { headers: { 'x-order-token': orders[0].accessToken } });
      assert.equal((await http.get(`/admin/campaigns/${cid}`, { token: owner })).body.spent, 4000);
      assert.equal((await http.get(`/admin/campaigns/${cid}/report`, { token: owner })).body.discountSpent, 4000);
      assert.equal((await cartWith([[a.sku, 1]])).appliedPromotions[0]?.amount, 4000, 'budget back after the cancellation');

      const patched = await http.patch(`/admin/campaigns/${cid}`, { active: false }, { token: owner });
      assert.equal(patched.body.active, false);
      assert.deepEqual((await cartWith([[a.sku, 1]])).appliedPromotions, [], 'an inactive campaign stops its promotions');
      assert.ok((await http.get('/admin/campaigns', { token: owner })).body.items.some((c: any) => c.id === cid));
      assertProblem(await http.get('/admin/campaigns/cmp_nope/report', { token: owner }), 404, 'CAMPAIGN_NOT_FOUND');
    });
  });
}
