import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCartModule, type DiscountEngine, type DiscountInput } from '../../src/modules/cart/index.js';
import { withTransaction } from '../../src/platform/db/index.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client, type Call } from '../helpers/http.js';

// Small limits so the limit rules are cheap to reach.
const ENV = { CART_MAX_LINES: '4', CART_MAX_QUANTITY: '20' };

for (const engine of DATABASES) {
  describe(`cart: store API [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    let supportToken: string;
    let alice: { token: string; id: string };
    let bob: { token: string; id: string };
    const products = new Map<string, { id: string; variantId: string }>();

    async function register(email: string) {
      const res = await http.post('/store/auth/register', { email, password: 'shopperpass1' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { token: res.body.token as string, id: res.body.customer.id as string };
    }

    /** A one-variant product priced in CNY only, with stock on hand. */
    async function product(sku: string, price: number, onHand: number, extra: { status?: string; weightGrams?: number } = {}) {
      const res = await http.post(
        '/admin/products',
        { handle: sku.toLowerCase(), title: `${sku} 商品`, status: extra.status ?? 'published', variants: [{ sku, weightGrams: extra.weightGrams ?? null, prices: [{ currency: 'CNY', amount: price }] }] },
        { token },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      products.set(sku, { id: res.body.id, variantId: res.body.variants[0].id });
      const stock = await http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand }, token });
      assert.equal(stock.status, 200, JSON.stringify(stock.body));
    }

    const ok = (res: Call, status = 200) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res.body;
    };
    const newCart = async (body: Record<string, unknown> = { currency: 'CNY' }, as?: string) => ok(await http.post('/store/carts', body, { token: as }), 201);
    const add = (cartId: string, sku: string, quantity: number, as?: string) => http.post(`/store/carts/${cartId}/items`, { sku, quantity }, { token: as });
    const view = (cartId: string, as?: string) => http.get(`/store/carts/${cartId}`, { token: as });
    const cartRow = (id: string) => app.db.selectFrom('cart').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    before(async () => {
      app = await buildTestApp(engine, ENV);
      http = client(app.server);
      const actors = await signInActors(app);
      token = actors.owner.token;
      supportToken = actors.supportToken;
      alice = { token: actors.customerToken, id: (await http.get('/store/me', { token: actors.customerToken })).body.id };
      bob = await register('bob@example.com');
      await product('TEE-M', 9900, 50, { weightGrams: 200 });
      await product('MUG', 2500, 100);
      await product('CAP', 1500, 3);
      await product('SOCK', 500, 100);
      await product('PEN', 300, 100);
      await product('DRAFT-1', 1000, 10, { status: 'draft' });
    });
    after(() => app.close());

    test('a guest creates a cart, adds SKUs at catalog prices, changes and removes lines', async () => {
      const cart = await newCart();
      assert.match(cart.id, /^cart_[0-9a-f]{32}$/, '128 random bits, not a time-ordered id');
      assert.deepEqual(
        { ...cart, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined, status: 'active', customerId: null, email: null, currency: 'CNY', locale: 'zh-CN', shippingAddress: null, billingAddress: null,
          shippingMethodId: null, shippingMethod: null, items: [], subtotal: 0, discountTotal: 0, shippingDiscount: 0, shippingTotal: 0, shippingTax: 0,
          taxTotal: 0, taxInclusive: false, total: 0, appliedPromotions: [], codes: [], createdAt: undefined, updatedAt: undefined,
        },
      );
      let body = ok(await add(cart.id, 'TEE-M', 2));
      assert.equal(body.items.length, 1);
      const line = body.items[0];
      assert.match(line.id, /^line_/);
      assert.deepEqual({ ...line, id: undefined }, {
        id: undefined, sku: 'TEE-M', productId: products.get('TEE-M')!.id, variantId: products.get('TEE-M')!.variantId, productHandle: 'tee-m', title: 'TEE-M 商品',
        variantTitle: null, image: null, quantity: 2, unitPrice: 9900, compareAtPrice: null, subtotal: 19800, discountTotal: 0, taxTotal: 0, taxRate: 0,
        total: 19800, available: true, unavailableReason: null, promotions: [],
      });
      assert.equal(body.total, 19800);

      // The same SKU again grows its line; another SKU is a new line.
      body = ok(await add(cart.id, 'TEE-M', 1));
      assert.deepEqual(body.items.map((i: any) => [i.id, i.quantity]), [[line.id, 3]]);
      body = ok(await add(cart.id, 'MUG', 2));
      assert.deepEqual(body.items.map((i: any) => [i.sku, i.quantity, i.subtotal]), [['TEE-M', 3, 29700], ['MUG', 2, 5000]]);
      assert.equal(body.subtotal, 34700);
      assert.equal(body.total, 34700);

      // Clients cannot send a price.
      assertProblem(await http.post(`/store/carts/${cart.id}/items`, { sku: 'MUG', quantity: 1, unitPrice: 1 }), 400, 'VALIDATION_FAILED');

      body = ok(await http.patch(`/store/carts/${cart.id}/items/${line.id}`, { quantity: 1 }));
      assert.deepEqual(body.items.map((i: any) => [i.sku, i.quantity]), [['TEE-M', 1], ['MUG', 2]]);
      body = ok(await http.delete(`/store/carts/${cart.id}/items/${line.id}`));
      assert.deepEqual(body.items.map((i: any) => i.sku), ['MUG']);
      assert.equal(body.total, 5000);
      assert.deepEqual(ok(await view(cart.id)), body);
      assert.equal((await app.db.selectFrom('cartItem').select('id').where('cartId', '=', cart.id).execute()).length, 1);
    });

    test('every read re-prices from the catalog and re-checks publication and stock', async () => {
      const cart = await newCart({ currency: 'CNY', locale: 'en-us' });
      assert.equal(cart.locale, 'en-US', 'answered in the shop spelling');
      const before = ok(await add(cart.id, 'SOCK', 4));
      assert.equal(before.items[0].unitPrice, 500);
      const sock = products.get('SOCK')!;
      ok(await http.patch(`/admin/products/${sock.id}/variants/${sock.variantId}`, { prices: [{ currency: 'CNY', amount: 650, compareAtAmount: 800 }] }, { token }));
      let body = ok(await view(cart.id));
      assert.deepEqual([body.items[0].unitPrice, body.items[0].compareAtPrice, body.items[0].subtotal, body.total], [650, 800, 2600, 2600]);

      ok(await http.patch(`/admin/products/${sock.id}`, { status: 'draft' }, { token }));
      body = ok(await view(cart.id));
      assert.deepEqual([body.items[0].available, body.items[0].unavailableReason], [false, 'unpublished']);
      ok(await http.patch(`/admin/products/${sock.id}`, { status: 'published' }, { token }));

      ok(await http.call('PUT', '/admin/inventory/SOCK', { body: { onHand: 3 }, token }));
      body = ok(await view(cart.id));
      assert.deepEqual([body.items[0].available, body.items[0].unavailableReason], [false, 'insufficient_stock']);
      // Lowering the quantity always works, even below stock.
      body = ok(await http.patch(`/store/carts/${cart.id}/items/${body.items[0].id}`, { quantity: 3 }));
      assert.deepEqual([body.items[0].available, body.items[0].unavailableReason], [true, null]);
      ok(await http.call('PUT', '/admin/inventory/SOCK', { body: { onHand: 100 }, token }));

      // A product deleted from the catalog keeps its line, shown from the snapshot, unpriced.
      await product('GONE', 700, 5);
      ok(await add(cart.id, 'GONE', 1));
      assert.equal((await http.delete(`/admin/products/${products.get('GONE')!.id}`, { token })).status, 204);
      body = ok(await view(cart.id));
      const gone = body.items.find((i: any) => i.sku === 'GONE');
      assert.deepEqual([gone.title, gone.productHandle, gone.unitPrice, gone.available, gone.unavailableReason], ['GONE 商品', 'gone', 0, false, 'not_found']);
      assert.equal(body.subtotal, 3 * 650);
    });

    test('catalog, stock and limit rules answer stable problem codes', async () => {
      const cart = await newCart();
      assertProblem(await add(cart.id, 'NOPE', 1), 400, 'CART_SKU_NOT_FOUND');
      assertProblem(await add(cart.id, 'DRAFT-1', 1), 409, 'CART_ITEM_UNAVAILABLE');
      const usd = await newCart({ currency: 'USD' });
      assertProblem(await add(usd.id, 'MUG', 1), 409, 'CART_PRICE_UNAVAILABLE');

      const short = await add(cart.id, 'CAP', 4);
      assertProblem(short, 409, 'CART_INSUFFICIENT_STOCK');
      assert.match(short.body.detail, /Only 3 of CAP available/);
      assert.deepEqual(short.body.fields, [{ field: '/quantity', message: '3 of CAP available' }]);
      ok(await add(cart.id, 'CAP', 2));
      assertProblem(await add(cart.id, 'CAP', 2), 409, 'CART_INSUFFICIENT_STOCK');
      const capLine = (await view(cart.id)).body.items[0];
      assertProblem(await http.patch(`/store/carts/${cart.id}/items/${capLine.id}`, { quantity: 4 }), 409, 'CART_INSUFFICIENT_STOCK');
      // Backorder items may be asked beyond stock.
      ok(await http.patch('/admin/inventory/CAP', { allowBackorder: true }, { token }));
      assert.equal(ok(await add(cart.id, 'CAP', 10)).items[0].quantity, 12);
      assert.equal(ok(await view(cart.id)).items[0].available, true);
      ok(await http.patch('/admin/inventory/CAP', { allowBackorder: false }, { token }));

      // At most 20 per line, counting what the line already holds.
      assertProblem(await add(cart.id, 'CAP', 9), 409, 'CART_QUANTITY_LIMIT');
      assertProblem(await add(cart.id, 'MUG', 21), 409, 'CART_QUANTITY_LIMIT');
      assertProblem(await http.patch(`/store/carts/${cart.id}/items/${capLine.id}`, { quantity: 21 }), 409, 'CART_QUANTITY_LIMIT');
      // At most 4 lines.
      for (const sku of ['MUG', 'SOCK', 'PEN']) ok(await add(cart.id, sku, 1));
      assertProblem(await add(cart.id, 'TEE-M', 1), 409, 'CART_LINE_LIMIT');
      ok(await add(cart.id, 'MUG', 1));

      for (const bad of [{ sku: 'MUG', quantity: 0 }, { sku: 'MUG', quantity: -1 }, { sku: 'MUG', quantity: 1.5 }, { sku: '', quantity: 1 }, { sku: 'MUG' }]) {
        assertProblem(await http.post(`/store/carts/${cart.id}/items`, bad), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.patch(`/store/carts/${cart.id}/items/${capLine.id}`, { quantity: 0 }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch(`/store/carts/${cart.id}/items/line_nope`, { quantity: 1 }), 404, 'CART_ITEM_NOT_FOUND');
      assertProblem(await http.delete(`/store/carts/${cart.id}/items/line_nope`), 404, 'CART_ITEM_NOT_FOUND');
      assertProblem(await view('cart_0123456789abcdef0123456789abcdef'), 404, 'CART_NOT_FOUND');
      assertProblem(await add('cart_0123456789abcdef0123456789abcdef', 'MUG', 1), 404, 'CART_NOT_FOUND');

      assertProblem(await http.post('/store/carts', { currency: 'EUR' }), 400, 'CART_UNKNOWN_CURRENCY');
      assertProblem(await http.post('/store/carts', { currency: 'cny' }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/carts', {}), 400, 'VALIDATION_FAILED');
      assertProblem(await http.post('/store/carts', { currency: 'CNY', locale: 'fr-FR' }), 400, 'CART_UNKNOWN_LOCALE');
      assertProblem(await http.post('/store/carts', { currency: 'CNY', extra: 1 }), 400, 'VALIDATION_FAILED');

      // A token that is sent must be a valid customer token.
      assertProblem(await http.post('/store/carts', { currency: 'CNY' }, { token: 'bzc_nope' }), 401, 'AUTH_REQUIRED');
      assertProblem(await view(cart.id, 'bzc_nope'), 401, 'AUTH_REQUIRED');
      assertProblem(await view(cart.id, supportToken), 401, 'AUTH_REQUIRED');
      assert.equal((await cartRow(cart.id)).customerId, null, 'a staff token adopts nothing');
    });

    test('PATCH sets and clears email and addresses; country codes are upper-cased', async () => {
      const cart = await newCart();
      const address = { firstName: 'Li', lastName: 'Lei', line1: '1 Road', city: 'Shanghai', region: 'Shanghai', postalCode: '200000', country: 'cn' };
      let body = ok(await http.patch(`/store/carts/${cart.id}`, { email: '  Li@Example.COM ', shippingAddress: address }));
      assert.equal(body.email, 'li@example.com');
      assert.deepEqual(body.shippingAddress, { ...address, country: 'CN', company: null, phone: null, line2: null });
      assert.equal(body.billingAddress, null);
      body = ok(await http.patch(`/store/carts/${cart.id}`, { billingAddress: { ...address, company: 'ACME', country: 'HK' } }));
      assert.equal(body.billingAddress.country, 'HK');
      assert.equal(body.shippingAddress.country, 'CN', 'untouched');
      body = ok(await http.patch(`/store/carts/${cart.id}`, { email: null, shippingAddress: null }));
      assert.deepEqual([body.email, body.shippingAddress, body.billingAddress.company], [null, null, 'ACME']);
      const row = await cartRow(cart.id);
      assert.equal(row.shippingAddress, null, 'SQL NULL, not JSON null');

      for (const bad of [{}, { email: 'nope' }, { shippingAddress: { ...address, country: 'CHN' } }, { shippingAddress: { ...address, firstName: undefined } }, { shippingAddress: { ...address, extra: 1 } }, { codes: ['X'] }]) {
        assertProblem(await http.patch(`/store/carts/${cart.id}`, bad), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.patch(`/store/carts/${cart.id}`, { shippingMethodId: 'ship_nope' }), 400, 'CART_SHIPPING_METHOD_NOT_FOUND');
      body = ok(await http.patch(`/store/carts/${cart.id}`, { shippingMethodId: 'ship_default' }));
      assert.deepEqual(body.shippingMethod, { id: 'ship_default', name: 'Free shipping', amount: 0 });
      body = ok(await http.patch(`/store/carts/${cart.id}`, { shippingMethodId: null }));
      assert.deepEqual([body.shippingMethodId, body.shippingMethod], [null, null]);
    });

    test('a customer cart is theirs alone; GET /store/me/cart finds it', async () => {
      assertProblem(await http.get('/store/me/cart', { token: bob.token }), 404, 'CART_NOT_FOUND');
      assertProblem(await http.get('/store/me/cart'), 401, 'AUTH_REQUIRED');
      assertProblem(await http.get('/store/me/cart', { token: supportToken }), 403, 'AUTH_FORBIDDEN');
      const mine = await newCart({ currency: 'CNY' }, bob.token);
      assert.equal(mine.customerId, bob.id);
      ok(await add(mine.id, 'PEN', 2, bob.token));
      assert.equal(ok(await http.get('/store/me/cart', { token: bob.token })).id, mine.id);
      // Once owned, a cart needs its owner's token: others (and anonymous callers) get 404.
      for (const as of [undefined, alice.token]) {
        assertProblem(await view(mine.id, as), 404, 'CART_NOT_FOUND');
        assertProblem(await add(mine.id, 'PEN', 1, as), 404, 'CART_NOT_FOUND');
        assertProblem(await http.patch(`/store/carts/${mine.id}`, { email: 'x@example.com' }, { token: as }), 404, 'CART_NOT_FOUND');
        assertProblem(await http.get(`/store/carts/${mine.id}/shipping-methods`, { token: as }), 404, 'CART_NOT_FOUND');
      }
      assert.equal((await cartRow(mine.id)).customerId, bob.id);
      assert.equal(ok(await view(mine.id, bob.token)).items[0].quantity, 2);
    });

    test('signing in merges: the guest cart becomes theirs and their old cart is folded in', async () => {
      const carol = await register('carol@example.com');
      const old = await newCart({ currency: 'CNY' }, carol.token);
      ok(await add(old.id, 'SOCK', 15, carol.token));
      ok(await add(old.id, 'PEN', 1, carol.token));
      ok(await http.patch(`/store/carts/${old.id}`, { email: 'carol@example.com' }, { token: carol.token }));

      const guest = await newCart({ currency: 'CNY' });
      ok(await add(guest.id, 'SOCK', 10));
      ok(await add(guest.id, 'MUG', 1));
      const adopted = ok(await view(guest.id, carol.token));
      assert.equal(adopted.customerId, carol.id);
      // Lines keep their ids (and so their order of creation); shared SKUs are summed, capped at 20.
      assert.deepEqual(adopted.items.map((i: any) => [i.sku, i.quantity]), [['PEN', 1], ['SOCK', 20], ['MUG', 1]]);
      assert.equal(adopted.email, 'carol@example.com', 'empty fields filled from the old cart');
      const oldRow = await cartRow(old.id);
      assert.deepEqual([oldRow.status, oldRow.mergedIntoId], ['merged', guest.id]);
      assert.equal(ok(await http.get('/store/me/cart', { token: carol.token })).id, guest.id);
      // The old cart stays readable to its owner, but no longer changes.
      assert.equal(ok(await view(old.id, carol.token)).status, 'merged');
      assertProblem(await add(old.id, 'PEN', 1, carol.token), 409, 'CART_NOT_ACTIVE');
      // Now the guest cart is owned: the anonymous holder of its id loses access.
      assertProblem(await view(guest.id), 404, 'CART_NOT_FOUND');

      // A write with a token adopts too; creating a cart while signed in folds the active one into it.
      const other = await newCart({ currency: 'CNY' });
      ok(await add(other.id, 'TEE-M', 1, carol.token));
      assert.equal((await cartRow(guest.id)).status, 'merged');
      const fresh = await newCart({ currency: 'USD' }, carol.token);
      assert.ok(fresh.items.every((i: any) => i.unitPrice === 0 && i.unavailableReason === 'no_price'), 're-priced in the new cart currency');
      assert.deepEqual(fresh.items.map((i: any) => i.sku).sort(), ['MUG', 'PEN', 'SOCK', 'TEE-M']);
      assert.equal((await cartRow(other.id)).status, 'merged');
      const active = await app.db.selectFrom('cart').select('id').where('customerId', '=', carol.id).where('status', '=', 'active').execute();
      assert.deepEqual(active.map((r) => r.id), [fresh.id], 'one active cart per customer');
    });

    test('merging respects the line limit: lines beyond it stay on the merged cart', async () => {
      const dave = await register('dave@example.com');
      const old = await newCart({ currency: 'CNY' }, dave.token);
      for (const sku of ['MUG', 'SOCK', 'PEN']) ok(await add(old.id, sku, 1, dave.token));
      const guest = await newCart();
      for (const sku of ['TEE-M', 'CAP', 'MUG']) ok(await add(guest.id, sku, 1));
      const merged = ok(await view(guest.id, dave.token));
      assert.deepEqual(merged.items.map((i: any) => [i.sku, i.quantity]), [['SOCK', 1], ['TEE-M', 1], ['CAP', 1], ['MUG', 2]]);
      assert.deepEqual((await app.db.selectFrom('cartItem').select('sku').where('cartId', '=', old.id).orderBy('sku').execute()).map((r) => r.sku), ['MUG', 'PEN']);
    });

    test('checkout support: problems, lockForCheckout, markCompleted; a completed cart is read-only', async () => {
      const cart = createCartModule({ db: app.db, catalog: app.modules.catalog, inventory: app.modules.inventory, audit: app.modules.audit, config: app.config.cart, shop: app.config.shop });
      const c = await newCart();
      let priced = await cart.get(app.db, c.id);
      assert.deepEqual(cart.checkoutProblems(priced).map((p) => p.field), ['/items', '/email', '/shippingAddress', '/shippingMethodId']);
      ok(await add(c.id, 'MUG', 1));
      ok(await add(c.id, 'PEN', 1));
      ok(await http.call('PUT', '/admin/inventory/PEN', { body: { onHand: 0 }, token }));
      ok(await http.patch(`/store/carts/${c.id}`, {
        email: 'g@example.com',
        shippingAddress: { firstName: 'A', lastName: 'B', line1: 'x', city: 'y', country: 'CN' },
        shippingMethodId: 'ship_default',
      }));
      priced = await cart.get(app.db, c.id);
      assert.deepEqual(cart.checkoutProblems(priced), [{ field: '/items/1', message: 'PEN is not in stock for this quantity' }]);
      ok(await http.call('PUT', '/admin/inventory/PEN', { body: { onHand: 100 }, token }));
      assert.deepEqual(cart.checkoutProblems(await cart.get(app.db, c.id)), []);

      const locked = await withTransaction(app.db, async (trx) => {
        const p = await cart.lockForCheckout(trx, c.id);
        await cart.markCompleted(trx, c.id, 'ord_test');
        return p;
      });
      assert.equal(locked.total, 2500 + 300);
      const row = await cartRow(c.id);
      assert.deepEqual([row.status, row.orderId, row.completedAt instanceof Date], ['completed', 'ord_test', true]);
      await assert.rejects(withTransaction(app.db, (trx) => cart.lockForCheckout(trx, c.id)), (e: any) => e.code === 'CART_NOT_ACTIVE' && e.status === 409);
      await assert.rejects(withTransaction(app.db, (trx) => cart.markCompleted(trx, c.id, 'ord_2')), (e: any) => e.code === 'CART_NOT_ACTIVE');
      await assert.rejects(withTransaction(app.db, (trx) => cart.lockForCheckout(trx, 'cart_nope')), (e: any) => e.code === 'CART_NOT_FOUND' && e.status === 404);
      await assert.rejects(cart.get(app.db, 'cart_nope'), (e: any) => e.code === 'CART_NOT_FOUND');
      assert.equal(ok(await view(c.id)).status, 'completed');
      assertProblem(await add(c.id, 'MUG', 1), 409, 'CART_NOT_ACTIVE');
      assertProblem(await http.patch(`/store/carts/${c.id}`, { email: null }), 409, 'CART_NOT_ACTIVE');
      // A completed guest cart is not adopted by a customer who reads it.
      ok(await view(c.id, alice.token));
      assert.equal((await cartRow(c.id)).customerId, null);
    });

    test('a discount engine plugs in: shares per line and on shipping, capped at what they discount', async () => {
      const seen: DiscountInput[] = [];
      const discounts: DiscountEngine = {
        async evaluate(input) {
          seen.push(input);
          return {
            lines: input.lines.map((l) => ({ lineId: l.id, amount: l.sku === 'PEN' ? 10_000 : Math.floor(l.subtotal / 10), promotions: [{ id: 'pro_1', name: '10% off', amount: l.sku === 'PEN' ? 10_000 : Math.floor(l.subtotal / 10) }] })),
            shippingDiscount: 5_000,
            applied: [{ id: 'pro_1', name: '10% off', code: input.codes[0] ?? null, amount: 1 }],
          };
        },
      };
      const cart = createCartModule({ db: app.db, catalog: app.modules.catalog, inventory: app.modules.inventory, audit: app.modules.audit, config: app.config.cart, shop: app.config.shop, discounts });
      const m = ok(await http.post('/admin/shipping-methods', { name: 'Paid', currency: 'CNY', type: 'flat', amount: 1200 }, { token }), 201);
      const c = await newCart();
      ok(await add(c.id, 'MUG', 2));
      ok(await add(c.id, 'PEN', 1));
      // A line whose product has since been unpublished: no discount for it.
      await app.db.insertInto('cartItem').values({ id: 'line_draft', cartId: c.id, sku: 'DRAFT-1', quantity: 1, productId: 'p', variantId: 'v', productHandle: 'draft-1', title: 'Draft' }).execute();
      ok(await http.patch(`/store/carts/${c.id}`, { shippingMethodId: m.id }));
      const priced = await cart.get(app.db, c.id);
      const input = seen.at(-1)!;
      assert.deepEqual(input.lines.map((l) => [l.sku, l.quantity, l.unitPrice, l.subtotal]), [['MUG', 2, 2500, 5000], ['PEN', 1, 300, 300]], 'only buyable lines');
      assert.deepEqual([input.subtotal, input.shipping, input.currency, input.customerId], [5300, { methodId: m.id, amount: 1200 }, 'CNY', null]);
      assert.deepEqual(priced.items.map((i) => [i.sku, i.discountTotal, i.total, i.promotions]), [
        ['MUG', 500, 4500, [{ id: 'pro_1', name: '10% off', amount: 500 }]],
        ['PEN', 300, 0, [{ id: 'pro_1', name: '10% off', amount: 300 }]],
        ['DRAFT-1', 0, 1000, []],
      ]);
      assert.deepEqual([priced.shippingTotal, priced.shippingDiscount, priced.discountTotal], [1200, 1200, 500 + 300 + 1200]);
      assert.equal(priced.total, 6300 + 1200 - 2000);
      ok(await http.delete(`/admin/shipping-methods/${m.id}`, { token }), 204);
    });
  });
}

if (DATABASES.includes('postgres')) {
  describe('cart: concurrency [postgres]', () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    before(async () => {
      app = await buildTestApp('postgres', ENV);
      http = client(app.server);
    });
    after(() => app.close());

    test('one customer adopting several guest carts at once ends with one active cart holding every line', async () => {
      const owner = await signInActors(app);
      const res = await http.post('/admin/products', { handle: 'c-1', title: 'C', status: 'published', variants: [{ sku: 'C-1', prices: [{ currency: 'CNY', amount: 100 }] }] }, { token: owner.owner.token });
      assert.equal(res.status, 201);
      await http.call('PUT', '/admin/inventory/C-1', { body: { onHand: 100 }, token: owner.owner.token });
      const guests: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await http.post('/store/carts', { currency: 'CNY' });
        await http.post(`/store/carts/${c.body.id}/items`, { sku: 'C-1', quantity: 1 });
        guests.push(c.body.id);
      }
      const results = await Promise.all(guests.map((id) => http.get(`/store/carts/${id}`, { token: owner.customerToken })));
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      const me = (await http.get('/store/me', { token: owner.customerToken })).body.id;
      const active = await app.db.selectFrom('cart').select('id').where('customerId', '=', me).where('status', '=', 'active').execute();
      assert.equal(active.length, 1);
      const final = await http.get('/store/me/cart', { token: owner.customerToken });
      assert.deepEqual(final.body.items.map((i: any) => [i.sku, i.quantity]), [['C-1', 4]]);
    });

    test('concurrent adds to one cart are serialised: the stock check counts every earlier add', async () => {
      const owner = (await http.post('/admin/auth/login', { email: 'owner@example.com', password: 'ownerpass123' })).body.token as string;
      assert.equal((await http.post('/admin/products', { handle: 'c-2', title: 'C2', status: 'published', variants: [{ sku: 'C-2', prices: [{ currency: 'CNY', amount: 100 }] }] }, { token: owner })).status, 201);
      await http.call('PUT', '/admin/inventory/C-2', { body: { onHand: 3 }, token: owner });
      const c = await http.post('/store/carts', { currency: 'CNY' });
      const results = await Promise.all(Array.from({ length: 6 }, () => http.post(`/store/carts/${c.body.id}/items`, { sku: 'C-2', quantity: 1 })));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 409, 409, 409]);
      for (const r of results.filter((r) => r.status === 409)) assertProblem(r, 409, 'CART_INSUFFICIENT_STOCK');
      assert.equal((await http.get(`/store/carts/${c.body.id}`)).body.items[0].quantity, 3);
    });
  });
}
