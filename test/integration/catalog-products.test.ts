import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const TABLES = ['catalogProduct', 'catalogVariant', 'catalogVariantPrice', 'catalogProductPrice', 'catalogProductCategory', 'inventoryItem', 'auditLog', 'eventOutbox'] as const;
type Table = (typeof TABLES)[number];

/** A one-variant product body with a unique handle and SKU. */
const simple = (handle: string, extra: Record<string, unknown> = {}) => ({
  handle,
  title: `${handle} 标题`,
  variants: [{ sku: handle.toUpperCase(), prices: [{ currency: 'CNY', amount: 1000 }] }],
  ...extra,
});

for (const engine of DATABASES) {
  describe(`catalog products: admin API [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    let ownerId: string;
    let supportToken: string;
    let customerToken: string;
    let phonesId: string;
    let example: any;

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      const actors = await signInActors(app);
      ({ token, id: ownerId } = actors.owner);
      ({ supportToken, customerToken } = actors);
      const digital = await http.post('/admin/categories', { handle: 'digital', name: '数码' }, { token });
      const phones = await http.post('/admin/categories', { handle: 'phones', name: '手机', parentId: digital.body.id }, { token });
      assert.equal(phones.status, 201, JSON.stringify(phones.body));
      phonesId = phones.body.id;
      for (const body of [
        { name: 'material', type: 'enum', label: '材质', values: ['glass', 'metal'] },
        { name: 'screenSize', type: 'number', label: '屏幕尺寸' },
        { name: 'waterproof', type: 'boolean', label: '防水' },
      ]) assert.equal((await http.post('/admin/attributes', body, { token })).status, 201);
    });
    after(() => app.close());

    const count = async (table: Table) => Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await count(t)] as const)));
    const productRow = (id: string) => app.db.selectFrom('catalogProduct').selectAll().where('id', '=', id).executeTakeFirst();
    const priceSummary = (productId: string) =>
      app.db.selectFrom('catalogProductPrice').select(['currency', 'minAmount', 'maxAmount']).where('productId', '=', productId).orderBy('currency').execute();
    const item = (sku: string) => app.db.selectFrom('inventoryItem').select(['sku', 'variantId']).where('sku', '=', sku).executeTakeFirst();
    const auditRows = (action: string, targetId: string) => app.db.selectFrom('auditLog').selectAll().where('action', '=', action).where('targetId', '=', targetId).execute();
    const events = (name: string) => app.db.selectFrom('eventOutbox').select(['payload']).where('name', '=', name).orderBy('id').execute();
    const post = async (body: unknown) => {
      const res = await http.post('/admin/products', body, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const exampleBody = () => ({
      handle: 'aurora-x1',
      title: 'Aurora X1 智能手机',
      subtitle: '旗舰影像',
      description: '六英寸屏幕，全天续航。',
      brand: 'Aurora',
      tags: ['phone', 'new', 'phone'],
      attributes: { material: 'glass', screenSize: 6.1, waterproof: true },
      options: [{ name: '颜色', values: ['黑色', '白色'] }],
      images: [{ url: 'https://img.example.com/x1.jpg', alt: 'X1' }],
      variants: [
        { sku: 'X1-BLK', options: { 颜色: '黑色' }, weightGrams: 180, prices: [{ currency: 'CNY', amount: 599900, compareAtAmount: 699900 }, { currency: 'USD', amount: 82900 }] },
        { sku: 'X1-WHT', options: { 颜色: '白色' }, prices: [{ currency: 'USD', amount: 85900 }, { currency: 'CNY', amount: 619900 }] },
      ],
      translations: { 'en-US': { title: 'Aurora X1 Smartphone', options: { 颜色: { name: 'Color', values: { 黑色: 'Black', 白色: 'White' } } } } },
      categoryIds: [phonesId],
    });

    test('POST /admin/products: the issue example → 201 with variants, prices, categories, inventory items, audit and event', async () => {
      const before = await snapshot();
      example = await post(exampleBody());
      assert.match(example.id, /^prod_/);
      assert.equal(example.handle, 'aurora-x1');
      assert.equal(example.status, 'draft');
      assert.equal(example.publishedAt, null);
      assert.deepEqual(example.tags, ['phone', 'new'], 'tags deduplicated');
      assert.deepEqual(example.attributes, { material: 'glass', screenSize: 6.1, waterproof: true });
      assert.deepEqual(example.options, [{ name: '颜色', values: ['黑色', '白色'] }]);
      assert.deepEqual(example.images, [{ url: 'https://img.example.com/x1.jpg', alt: 'X1', position: 0 }]);
      assert.deepEqual(example.categoryIds, [phonesId]);
      assert.equal(example.translations['en-US'].title, 'Aurora X1 Smartphone');
      assert.equal(example.variants.length, 2);
      const [black, white] = example.variants;
      assert.match(black.id, /^var_/);
      assert.match(white.id, /^var_/);
      assert.deepEqual({ ...black, id: undefined }, {
        id: undefined, sku: 'X1-BLK', barcode: null, weightGrams: 180, options: { 颜色: '黑色' }, position: 0,
        prices: [{ currency: 'CNY', amount: 599900, compareAtAmount: 699900 }, { currency: 'USD', amount: 82900, compareAtAmount: null }],
      });
      assert.deepEqual(white.prices.map((p: any) => p.currency), ['CNY', 'USD']);
      assert.equal(white.position, 1);

      assert.deepEqual(await priceSummary(example.id), [
        { currency: 'CNY', minAmount: 599900, maxAmount: 619900 },
        { currency: 'USD', minAmount: 82900, maxAmount: 85900 },
      ]);
      assert.deepEqual(await item('X1-BLK'), { sku: 'X1-BLK', variantId: black.id });
      assert.deepEqual(await item('X1-WHT'), { sku: 'X1-WHT', variantId: white.id });
      assert.deepEqual(await app.db.selectFrom('catalogProductCategory').selectAll().where('productId', '=', example.id).execute(), [{ productId: example.id, categoryId: phonesId }]);
      const audit = await auditRows('product.created', example.id);
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actorId, ownerId);
      assert.deepEqual(audit[0]!.data, { handle: 'aurora-x1' });
      assert.deepEqual((await events('catalog.product_created')).map((e) => e.payload), [{ productId: example.id }]);
      const after = await snapshot();
      assert.deepEqual(after, { ...before, catalogProduct: before.catalogProduct! + 1, catalogVariant: before.catalogVariant! + 2, catalogVariantPrice: before.catalogVariantPrice! + 4,
        catalogProductPrice: before.catalogProductPrice! + 2, catalogProductCategory: before.catalogProductCategory! + 1, inventoryItem: before.inventoryItem! + 2,
        auditLog: before.auditLog! + 1, eventOutbox: before.eventOutbox! + 1 });

      const got = await http.get(`/admin/products/${example.id}`, { token: supportToken });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, example);
    });

    test('rejected creations: 4xx problem+json naming the fields, and nothing written', async () => {
      const base = exampleBody();
      const variant = (over: Record<string, unknown>, i = 0) => ({ ...base.variants[i]!, ...over });
      const cases: Array<[string, unknown, number, string, string]> = [
        ['duplicate handle', { ...base, variants: [variant({ sku: 'NEW-1' }), variant({ sku: 'NEW-2' }, 1)] }, 409, 'CATALOG_HANDLE_TAKEN', '/handle'],
        ['SKU of another product', { ...base, handle: 'x2', variants: [variant({ sku: 'NEW-1' }), variant({ sku: 'X1-WHT' }, 1)] }, 409, 'CATALOG_SKU_TAKEN', '/variants/1/sku'],
        ['SKU twice in one request', { ...base, handle: 'x2', variants: [variant({ sku: 'NEW-1' }), variant({ sku: 'NEW-1' }, 1)] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants/1/sku'],
        ['missing option value', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', options: {} })] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants/0/options'],
        ['unknown option value', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', options: { 颜色: '红色' } })] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants/0/options/颜色'],
        ['undeclared option', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', options: { 颜色: '黑色', 尺码: 'M' } })] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants/0/options/尺码'],
        ['duplicate combination', { ...base, handle: 'x2', variants: [variant({ sku: 'N1' }), variant({ sku: 'N2', options: { 颜色: '黑色' } }, 1)] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants/1/options'],
        ['two variants, no options', { ...simple('x2'), variants: [{ sku: 'N1', prices: [{ currency: 'CNY', amount: 1 }] }, { sku: 'N2', prices: [{ currency: 'CNY', amount: 1 }] }] }, 400, 'CATALOG_INVALID_OPTION_MATRIX', '/variants'],
        ['negative price', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', prices: [{ currency: 'CNY', amount: -1 }] })] }, 400, 'VALIDATION_FAILED', '/variants/0/prices/0/amount'],
        ['unknown currency', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', prices: [{ currency: 'XYZ', amount: 100 }] })] }, 400, 'CATALOG_UNKNOWN_CURRENCY', '/variants/0/prices/0/currency'],
        ['unsupported locale', { ...base, handle: 'x2', translations: { 'fr-FR': { title: 'Téléphone' } } }, 400, 'CATALOG_UNKNOWN_LOCALE', '/translations/fr-FR'],
        ['unknown category', { ...base, handle: 'x2', categoryIds: [phonesId, 'cat_nope'] }, 400, 'CATALOG_UNKNOWN_CATEGORY', '/categoryIds/1'],
        ['undeclared attribute', { ...base, handle: 'x2', attributes: { colour: 'red' } }, 400, 'CATALOG_INVALID_ATTRIBUTE', '/attributes/colour'],
        ['number attribute as text', { ...base, handle: 'x2', attributes: { screenSize: 'big' } }, 400, 'CATALOG_INVALID_ATTRIBUTE', '/attributes/screenSize'],
        ['boolean attribute as text', { ...base, handle: 'x2', attributes: { waterproof: 'yes' } }, 400, 'CATALOG_INVALID_ATTRIBUTE', '/attributes/waterproof'],
        ['enum value not declared', { ...base, handle: 'x2', attributes: { material: 'wood' } }, 400, 'CATALOG_INVALID_ATTRIBUTE', '/attributes/material'],
        ['unknown product field', { ...base, handle: 'x2', colour: 'red' }, 400, 'VALIDATION_FAILED', '/colour'],
        ['unknown variant field', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', stock: 5 })] }, 400, 'VALIDATION_FAILED', '/variants/0/stock'],
        ['bad handle', { ...base, handle: 'Not A Slug' }, 400, 'VALIDATION_FAILED', '/handle'],
        ['no variants', { ...base, handle: 'x2', variants: [] }, 400, 'VALIDATION_FAILED', '/variants'],
      ];
      const before = await snapshot();
      for (const [name, body, status, code, field] of cases) {
        const res = await http.post('/admin/products', body, { token });
        assertProblem(res, status, code);
        assert.ok(res.body.fields?.some((f: any) => f.field === field), `${name}: ${JSON.stringify(res.body)}`);
      }
      const lower = await http.post('/admin/products', { ...base, handle: 'x2', variants: [variant({ sku: 'N1', prices: [{ currency: 'CNY', amount: 100, compareAtAmount: 99 }] })] }, { token });
      assert.equal(lower.status, 400);
      assert.deepEqual(lower.body.fields.map((f: any) => f.field), ['/variants/0/prices/0/compareAtAmount']);
      assert.deepEqual(await snapshot(), before);
      assert.equal(await item('NEW-1'), undefined);
    });

    test('GET /admin/products: newest first, q by title / handle / SKU, status filter, cursor pagination', async () => {
      const made = [];
      for (const [handle, extra] of [
        ['kettle', { title: '电热水壶 Kettle', status: 'published' }],
        ['tea-cup', { title: '茶杯' }],
        ['tea-pot', { title: '茶壶', status: 'archived' }],
        ['lamp-50', { title: '台灯_50%' }],
      ] as const) made.push(await post(simple(handle, extra)));
      const all = await http.get('/admin/products', { token: supportToken });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.items.map((p: any) => p.handle), ['lamp-50', 'tea-pot', 'tea-cup', 'kettle', 'aurora-x1']);
      assert.deepEqual(Object.keys(all.body.items[0]).sort(), ['brand', 'handle', 'id', 'status', 'title', 'updatedAt', 'variantCount']);
      assert.equal(all.body.items.at(-1).variantCount, 2);
      const q = async (query: string) => (await http.get(`/admin/products?${query}`, { token })).body.items.map((p: any) => p.handle);
      assert.deepEqual(await q('q=KETTLE'), ['kettle'], 'title, case-insensitive');
      assert.deepEqual(await q('q=tea'), ['tea-pot', 'tea-cup'], 'handle');
      assert.deepEqual(await q('q=x1-wh'), ['aurora-x1'], 'SKU, case-insensitive');
      assert.deepEqual(await q(`q=${encodeURIComponent('茶')}`), ['tea-pot', 'tea-cup']);
      assert.deepEqual(await q(`q=${encodeURIComponent('_50%')}`), ['lamp-50'], 'LIKE wildcards are literal');
      assert.deepEqual(await q(`q=${encodeURIComponent('%')}`), ['lamp-50']);
      assert.deepEqual(await q('status=published'), ['kettle']);
      assert.deepEqual(await q('status=draft'), ['lamp-50', 'tea-cup', 'aurora-x1']);
      assert.deepEqual(await q('status=draft&q=tea'), ['tea-cup']);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await http.get(`/admin/products?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((p: any) => p.handle));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['lamp-50', 'tea-pot', 'tea-cup', 'kettle', 'aurora-x1']);
      assertProblem(await http.get('/admin/products?cursor=garbage', { token }), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http.get('/admin/products?status=deleted', { token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/admin/products?limit=0', { token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/admin/products/prod_nope', { token }), 404, 'CATALOG_PRODUCT_NOT_FOUND');
    });

    test('PATCH /admin/products/:id: fields, translations per locale, publishing; conflicts and bad options change nothing', async () => {
      const before = await productRow(example.id);
      const taken = await http.patch(`/admin/products/${example.id}`, { handle: 'kettle', title: 'renamed' }, { token });
      assertProblem(taken, 409, 'CATALOG_HANDLE_TAKEN');
      const narrow = await http.patch(`/admin/products/${example.id}`, { options: [{ name: '颜色', values: ['黑色'] }], title: 'renamed' }, { token });
      assertProblem(narrow, 400, 'CATALOG_INVALID_OPTION_MATRIX');
      assert.deepEqual(narrow.body.fields.map((f: any) => f.field), ['/variants/1/options/颜色']);
      const renamedOption = await http.patch(`/admin/products/${example.id}`, { options: [{ name: 'Color', values: ['黑色', '白色'] }] }, { token });
      assertProblem(renamedOption, 400, 'CATALOG_INVALID_OPTION_MATRIX');
      assertProblem(await http.patch(`/admin/products/${example.id}`, { translations: { fr: { title: 'x' } } }, { token }), 400, 'CATALOG_UNKNOWN_LOCALE');
      assertProblem(await http.patch(`/admin/products/${example.id}`, { attributes: { screenSize: '6' } }, { token }), 400, 'CATALOG_INVALID_ATTRIBUTE');
      assertProblem(await http.patch(`/admin/products/${example.id}`, { categoryIds: ['cat_nope'] }, { token }), 400, 'CATALOG_UNKNOWN_CATEGORY');
      assertProblem(await http.patch(`/admin/products/${example.id}`, {}, { token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch(`/admin/products/${example.id}`, { variants: [] }, { token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch('/admin/products/prod_nope', { title: 'x' }, { token }), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assert.deepEqual(await productRow(example.id), before, 'rejected patches changed nothing');

      const res = await http.patch(
        `/admin/products/${example.id}`,
        { handle: 'aurora-x1-pro', title: 'Aurora X1 Pro', brand: null, tags: ['pro'], options: [{ name: '颜色', values: ['白色', '黑色', '蓝色'] }], categoryIds: [], translations: { 'zh-CN': { title: '冗余' } } },
        { token },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.handle, 'aurora-x1-pro');
      assert.equal(res.body.brand, null);
      assert.deepEqual(res.body.tags, ['pro']);
      assert.deepEqual(res.body.categoryIds, []);
      assert.deepEqual(Object.keys(res.body.translations).sort(), ['en-US', 'zh-CN'], 'other locales are kept');
      assert.equal(res.body.subtitle, '旗舰影像', 'absent fields are kept');
      assert.equal(res.body.publishedAt, null);
      const removed = await http.patch(`/admin/products/${example.id}`, { translations: { 'zh-CN': null } }, { token });
      assert.deepEqual(Object.keys(removed.body.translations), ['en-US']);
      assert.deepEqual((await productRow(example.id))!.translations, { 'en-US': exampleBody().translations['en-US'] });
      const keep = await http.patch(`/admin/products/${example.id}`, { handle: 'aurora-x1-pro' }, { token });
      assert.equal(keep.status, 200, 'its own handle is no conflict');

      const published = await http.patch(`/admin/products/${example.id}`, { status: 'published' }, { token });
      assert.equal(published.body.status, 'published');
      const at = published.body.publishedAt;
      assert.ok(at && Math.abs(Date.parse(at) - Date.now()) < 60_000, at);
      assert.ok((await productRow(example.id))!.publishedAt);
      const again = await http.patch(`/admin/products/${example.id}`, { status: 'published', subtitle: null }, { token });
      assert.equal(again.body.publishedAt, at, 'publishing twice keeps the first date');
      assert.equal(again.body.subtitle, null);
      assert.equal((await auditRows('product.updated', example.id)).length, 5);
      assert.ok((await events('catalog.product_updated')).filter((e) => (e.payload as any).productId === example.id).length >= 5);
      example = again.body;
    });

    test('variants: add, change prices (summary follows), rename SKU (inventory follows), delete; last one stays', async () => {
      const url = `/admin/products/${example.id}/variants`;
      const dupCombo = await http.post(url, { sku: 'X1-BLK-2', options: { 颜色: '黑色' }, prices: [{ currency: 'CNY', amount: 1 }] }, { token });
      assertProblem(dupCombo, 400, 'CATALOG_INVALID_OPTION_MATRIX');
      // Problems of the variant in the body point into the body.
      assert.deepEqual(dupCombo.body.fields.map((f: any) => f.field), ['/options']);
      const takenSku = await http.post(url, { sku: 'KETTLE', options: { 颜色: '蓝色' }, prices: [{ currency: 'CNY', amount: 1 }] }, { token });
      assertProblem(takenSku, 409, 'CATALOG_SKU_TAKEN');
      assertProblem(await http.post('/admin/products/prod_nope/variants', { sku: 'Z', prices: [{ currency: 'CNY', amount: 1 }] }, { token }), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assert.equal(await item('X1-BLK-2'), undefined);

      const added = await http.post(url, { sku: 'X1-BLU', options: { 颜色: '蓝色' }, prices: [{ currency: 'CNY', amount: 579900 }], lowStockThreshold: 2 }, { token });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      const blue = added.body.variants.find((v: any) => v.sku === 'X1-BLU');
      assert.equal(blue.position, 2);
      assert.deepEqual(await item('X1-BLU'), { sku: 'X1-BLU', variantId: blue.id });
      assert.equal((await app.db.selectFrom('inventoryItem').select('lowStockThreshold').where('sku', '=', 'X1-BLU').executeTakeFirstOrThrow()).lowStockThreshold, 2);
      assert.deepEqual(await priceSummary(example.id), [
        { currency: 'CNY', minAmount: 579900, maxAmount: 619900 },
        { currency: 'USD', minAmount: 82900, maxAmount: 85900 },
      ]);
      assert.equal((await auditRows('variant.created', blue.id)).length, 1);

      const black = example.variants.find((v: any) => v.sku === 'X1-BLK');
      const repriced = await http.patch(`${url}/${black.id}`, { prices: [{ currency: 'CNY', amount: 699900 }, { currency: 'USD', amount: 99900, compareAtAmount: 109900 }] }, { token });
      assert.equal(repriced.status, 200, JSON.stringify(repriced.body));
      assert.deepEqual(repriced.body.variants.find((v: any) => v.id === black.id).prices, [
        { currency: 'CNY', amount: 699900, compareAtAmount: null },
        { currency: 'USD', amount: 99900, compareAtAmount: 109900 },
      ]);
      assert.deepEqual(await priceSummary(example.id), [
        { currency: 'CNY', minAmount: 579900, maxAmount: 699900 },
        { currency: 'USD', minAmount: 85900, maxAmount: 99900 },
      ]);
      assertProblem(await http.patch(`${url}/${black.id}`, { prices: [{ currency: 'XYZ', amount: 1 }] }, { token }), 400, 'CATALOG_UNKNOWN_CURRENCY');
      const unknownValue = await http.patch(`${url}/${black.id}`, { options: { 颜色: '紫色' } }, { token });
      assertProblem(unknownValue, 400, 'CATALOG_INVALID_OPTION_MATRIX');
      assert.deepEqual(unknownValue.body.fields.map((f: any) => f.field), ['/options/颜色']);
      assertProblem(await http.patch(`${url}/${black.id}`, { sku: 'KETTLE' }, { token }), 409, 'CATALOG_SKU_TAKEN');
      assertProblem(await http.patch(`${url}/var_nope`, { sku: 'X' }, { token }), 404, 'CATALOG_VARIANT_NOT_FOUND');
      assertProblem(await http.patch(`${url}/${black.id}`, {}, { token }), 400, 'VALIDATION_FAILED');

      assert.equal((await http.call('PUT', '/admin/inventory/X1-BLK', { body: { onHand: 7 }, token })).status, 200);
      const renamed = await http.patch(`${url}/${black.id}`, { sku: 'X1-BLACK', weightGrams: 181 }, { token });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.equal(renamed.body.variants.find((v: any) => v.id === black.id).sku, 'X1-BLACK');
      assert.equal(await item('X1-BLK'), undefined);
      assert.deepEqual(await item('X1-BLACK'), { sku: 'X1-BLACK', variantId: black.id });
      const levels = await app.db.selectFrom('inventoryLevel').select(['sku', 'onHand']).where('sku', 'in', ['X1-BLK', 'X1-BLACK']).execute();
      assert.deepEqual(levels, [{ sku: 'X1-BLACK', onHand: 7 }], 'stock moved with the SKU');
      assert.equal((await auditRows('variant.updated', black.id)).length, 2);

      const white = example.variants.find((v: any) => v.sku === 'X1-WHT');
      const deleted = await http.delete(`${url}/${white.id}`, { token });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body.variants.map((v: any) => v.sku), ['X1-BLACK', 'X1-BLU']);
      assert.equal(await item('X1-WHT'), undefined);
      assert.deepEqual(await priceSummary(example.id), [
        { currency: 'CNY', minAmount: 579900, maxAmount: 699900 },
        { currency: 'USD', minAmount: 99900, maxAmount: 99900 },
      ]);
      assertProblem(await http.delete(`${url}/${white.id}`, { token }), 404, 'CATALOG_VARIANT_NOT_FOUND');

      const single = await post(simple('solo'));
      const last = await http.delete(`/admin/products/${single.id}/variants/${single.variants[0].id}`, { token });
      assertProblem(last, 409, 'CATALOG_LAST_VARIANT');
      assert.ok(await item('SOLO'));

      // A product made without options grows one: its variant takes the first value, and a second variant can follow.
      const grown = await http.patch(`/admin/products/${single.id}`, { options: [{ name: 'Size', values: ['M', 'L'] }] }, { token });
      assert.equal(grown.status, 200, JSON.stringify(grown.body));
      assert.deepEqual(grown.body.variants.map((v: any) => v.options), [{ Size: 'M' }]);
      const second = await http.post(`/admin/products/${single.id}/variants`, { sku: 'SOLO-L', options: { Size: 'L' }, prices: [{ currency: 'CNY', amount: 100 }] }, { token });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.deepEqual(second.body.variants.map((v: any) => [v.sku, v.options.Size]), [['SOLO', 'M'], ['SOLO-L', 'L']]);
    });

    test('DELETE /admin/products/:id: 204, product rows and inventory items gone, audited; then 404', async () => {
      const before = await snapshot();
      const skus = ['X1-BLACK', 'X1-BLU'];
      const del = await http.delete(`/admin/products/${example.id}`, { token });
      assert.equal(del.status, 204);
      assert.equal(del.body, '');
      assert.equal(await productRow(example.id), undefined);
      for (const table of ['catalogVariant', 'catalogProductPrice', 'catalogProductCategory'] as const) {
        assert.deepEqual(await app.db.selectFrom(table).select('productId').where('productId', '=', example.id).execute(), [], table);
      }
      const after = await snapshot();
      assert.equal(after.catalogVariant, before.catalogVariant! - 2);
      assert.equal(after.catalogVariantPrice, before.catalogVariantPrice! - 3);
      assert.equal(after.inventoryItem, before.inventoryItem! - 2);
      assert.deepEqual(await app.db.selectFrom('inventoryItem').select('sku').where('sku', 'in', skus).execute(), []);
      const audit = await auditRows('product.deleted', example.id);
      assert.equal(audit.length, 1);
      assert.deepEqual(new Set((audit[0]!.data as any).skus), new Set(skus));
      assert.deepEqual((await events('catalog.product_deleted')).map((e) => e.payload), [{ productId: example.id }]);
      assertProblem(await http.delete(`/admin/products/${example.id}`, { token }), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assertProblem(await http.get(`/admin/products/${example.id}`, { token }), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      const reuse = await post({ ...exampleBody(), handle: 'aurora-x1-pro', variants: exampleBody().variants.map((v, i) => ({ ...v, sku: skus[i]! })) });
      assert.deepEqual(reuse.variants.map((v: any) => v.sku), skus, 'the handle and SKUs are free again');
      assert.equal((await item('X1-BLU'))!.variantId, reuse.variants[1].id);
    });

    test('permissions: support staff read but cannot write; customers and anonymous callers are refused', async () => {
      const target = await post(simple('perm-target'));
      const variantUrl = `/admin/products/${target.id}/variants`;
      const writes: Array<[string, string, unknown]> = [
        ['POST', '/admin/products', simple('perm-new')],
        ['PATCH', `/admin/products/${target.id}`, { title: 'x' }],
        ['DELETE', `/admin/products/${target.id}`, undefined],
        ['POST', variantUrl, { sku: 'PERM-2', prices: [{ currency: 'CNY', amount: 1 }] }],
        ['PATCH', `${variantUrl}/${target.variants[0].id}`, { sku: 'PERM-3' }],
        ['DELETE', `${variantUrl}/${target.variants[0].id}`, undefined],
      ];
      const before = await snapshot();
      const row = await productRow(target.id);
      for (const [method, url, body] of writes) {
        assertProblem(await http.call(method, url, { body, token: supportToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body, token: customerToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body }), 401, 'AUTH_REQUIRED');
      }
      for (const url of ['/admin/products', `/admin/products/${target.id}`]) {
        assert.equal((await http.get(url, { token: supportToken })).status, 200, url);
        assertProblem(await http.get(url, { token: customerToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.get(url), 401, 'AUTH_REQUIRED');
      }
      assert.deepEqual(await snapshot(), before);
      assert.deepEqual(await productRow(target.id), row);
    });
  });
}
