import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };

for (const engine of DATABASES) {
  describe(`catalog: product cards and content pages [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    const ids: Record<string, string> = {};
    const cat: Record<string, string> = {};

    async function product(handle: string, body: Record<string, unknown>) {
      const res = await http.post('/admin/products', { handle, status: 'published', ...body }, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[handle] = res.body.id;
    }

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
      token = (await http.post('/admin/auth/login', OWNER)).body.token;
      for (const handle of ['apparel', 'summer']) {
        const res = await http.post('/admin/categories', { handle, name: handle }, { token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        cat[handle] = res.body.id;
      }
      for (const body of [
        { name: 'material', type: 'enum', label: '材质', values: ['cotton', 'wool'] },
        { name: 'waterproof', type: 'boolean', label: '防水' },
      ]) assert.equal((await http.post('/admin/attributes', body, { token })).status, 201);

      await product('tee', {
        title: '棉T恤', subtitle: '纯棉', brand: 'Acme', categoryIds: [cat.summer, cat.apparel], attributes: { material: 'cotton', waterproof: false },
        translations: { 'en-US': { title: 'Cotton Tee', subtitle: 'Pure cotton' } },
        images: [{ url: 'https://img.example.com/tee-2.jpg', position: 2 }, { url: 'https://img.example.com/tee-1.jpg', alt: '正面', position: 1 }],
        options: [{ name: 'size', values: ['M', 'L'] }],
        variants: [
          { sku: 'TEE-M', options: { size: 'M' }, prices: [{ currency: 'CNY', amount: 9900 }, { currency: 'USD', amount: 1500 }] },
          { sku: 'TEE-L', options: { size: 'L' }, prices: [{ currency: 'CNY', amount: 8900 }, { currency: 'USD', amount: 1600 }] },
        ],
      });
      await product('mug', { title: '马克杯', variants: [{ sku: 'MUG', prices: [{ currency: 'CNY', amount: 1900 }] }] });
      await product('draft', { title: '草稿', status: 'draft', translations: { 'en-US': { title: 'Draft' } }, variants: [{ sku: 'DRAFT', prices: [{ currency: 'CNY', amount: 100 }] }] });
      await product('lamp', { title: '台灯', brand: 'Lumen', categoryIds: [cat.summer], translations: { 'en-US': { subtitle: 'Warm light' } }, variants: [{ sku: 'LAMP', prices: [{ currency: 'USD', amount: 2500 }] }] });
      assert.equal((await http.call('PUT', '/admin/inventory/TEE-L', { body: { onHand: 4 }, token })).status, 200);
      assert.equal((await http.call('PATCH', '/admin/inventory/LAMP', { body: { allowBackorder: true }, token })).status, 200);
    });
    after(() => app.close());

    test('productCards: translated titles with fallback, price per currency, stock and published flags', async () => {
      const catalog = app.modules.catalog;
      const en = await catalog.productCards([ids.tee!, ids.mug!, ids.draft!, ids.lamp!, 'prod_unknown', ids.tee!], 'USD', 'en-US');
      assert.deepEqual([...en.keys()].sort(), [ids.tee, ids.mug, ids.draft, ids.lamp].sort(), 'unknown ids absent');
      assert.deepEqual(en.get(ids.tee!), {
        handle: 'tee',
        title: 'Cotton Tee',
        price: { amount: 1500, currency: 'USD' },
        image: { url: 'https://img.example.com/tee-1.jpg', alt: '正面' },
        inStock: true,
        published: true,
      });
      assert.equal(en.get(ids.mug!)!.title, '马克杯', 'no translation: the default-locale title');
      assert.equal(en.get(ids.mug!)!.price, null, 'no USD price');
      assert.equal(en.get(ids.mug!)!.image, null);
      assert.equal(en.get(ids.mug!)!.inStock, false, 'no stock, no backorder');
      assert.equal(en.get(ids.lamp!)!.title, '台灯', 'a translation without a title falls back');
      assert.equal(en.get(ids.lamp!)!.inStock, true, 'backorder allowed');
      assert.deepEqual({ title: en.get(ids.draft!)!.title, published: en.get(ids.draft!)!.published }, { title: 'Draft', published: false });

      const zh = await catalog.productCards([ids.tee!, ids.lamp!], 'CNY', 'zh-CN');
      assert.equal(zh.get(ids.tee!)!.title, '棉T恤');
      assert.deepEqual(zh.get(ids.tee!)!.price, { amount: 8900, currency: 'CNY' }, 'the cheapest variant');
      assert.equal(zh.get(ids.lamp!)!.price, null);
      assert.deepEqual((await catalog.productCards([ids.tee!], 'EUR', 'fr-FR')).get(ids.tee!)!.price, { amount: 8900, currency: 'CNY' }, 'unsold currency: the default one');
      assert.equal((await catalog.productCards([], 'CNY', 'zh-CN')).size, 0);
    });

    test('contentItems: published products by id, keyset pages, texts in every locale', async () => {
      const catalog = app.modules.catalog;
      const published = [ids.tee!, ids.mug!, ids.lamp!].sort();
      const first = await catalog.contentItems(null, 2);
      assert.deepEqual(first.map((r) => r.productId), published.slice(0, 2));
      const second = await catalog.contentItems(first.at(-1)!.productId, 2);
      assert.deepEqual(second.map((r) => r.productId), published.slice(2));
      assert.deepEqual(await catalog.contentItems(second.at(-1)!.productId, 2), []);

      const all = new Map([...first, ...second].map((r) => [r.productId, r]));
      assert.deepEqual(all.get(ids.tee!), {
        productId: ids.tee,
        texts: ['棉T恤', '纯棉', 'Cotton Tee', 'Pure cotton'],
        categoryIds: [cat.apparel, cat.summer].sort(),
        brand: 'Acme',
        attributes: { material: 'cotton', waterproof: false },
      });
      assert.deepEqual(all.get(ids.mug!), { productId: ids.mug, texts: ['马克杯'], categoryIds: [], brand: null, attributes: {} });
      assert.deepEqual(all.get(ids.lamp!)!.texts, ['台灯', 'Warm light']);
    });
  });
}
