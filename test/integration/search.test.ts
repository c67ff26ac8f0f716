import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };

interface ProductSpec {
  handle: string;
  title: string;
  en?: { title?: string; description?: string };
  description?: string;
  status?: 'draft' | 'published' | 'archived';
  brand?: string;
  categories?: string[];
  color?: string;
  hours?: number;
  sku: string;
  barcode?: string;
  prices: Record<string, number>;
  tags?: string[];
}

const PRODUCTS: ProductSpec[] = [
  {
    handle: 'anc-earbuds',
    title: '蓝牙耳机 无线降噪',
    en: { title: 'Wireless Noise Cancelling Earbuds', description: 'Bluetooth 5.3, 30 hours of battery.' },
    brand: 'Sonic',
    categories: ['headphones'],
    color: 'black',
    hours: 30,
    sku: 'SON-ANC-1',
    barcode: '6901234567892',
    prices: { CNY: 59900, USD: 8900 },
    tags: ['audio'],
  },
  { handle: 'wired-earphones', title: '有线耳机', en: { title: 'Wired Earphones' }, brand: 'Sonic', categories: ['headphones'], color: 'white', sku: 'BT-EARBUDS', prices: { CNY: 9900 } },
  { handle: 'iphone-15', title: 'Apple iPhone 15 智能手机', en: { title: 'Apple iPhone 15 Smartphone' }, brand: 'Apple', categories: ['phones'], color: 'black', sku: 'APL-IP15', prices: { CNY: 599900, USD: 79900 } },
  { handle: 'iphone-15-case', title: 'iPhone 15 透明手机壳', en: { title: 'Clear Case for iPhone 15' }, brand: 'Shell', categories: ['phones'], color: 'white', sku: 'SHL-CASE-15', prices: { CNY: 4900 } },
  { handle: 'garden-hose', title: '花园水管', en: { title: 'Garden Hose 15 m' }, brand: 'Greenly', categories: ['home'], sku: 'GRN-HOSE', prices: { CNY: 12900 } },
  {
    handle: 'watering-can',
    title: '洒水壶',
    en: { title: 'Watering Can', description: 'Pairs well with a garden hose for larger beds.' },
    brand: 'Greenly',
    categories: ['home'],
    sku: 'GRN-CAN',
    prices: { CNY: 3900 },
  },
  { handle: 'secret-draft', title: '草稿耳机 秘密款', en: { title: 'Secret Draft Headphones' }, status: 'draft', brand: 'Hidden', categories: ['headphones'], sku: 'HID-1', prices: { CNY: 100 } },
];

for (const engine of DATABASES) {
  describe(`search: store search, facets, suggestions and sync [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    const cat: Record<string, string> = {};
    const ids: Record<string, string> = {};

    const search = async (params: Record<string, string | number>, headers?: Record<string, string>) => {
      const res = await http.get(`/store/search?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`, { headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const handles = (body: { items: { handle: string }[] }) => body.items.map((i) => i.handle);

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
      token = (await http.post('/admin/auth/login', OWNER)).body.token;
      const tree: [string, string, string | undefined, string][] = [
        ['electronics', '电子产品', undefined, 'Electronics'],
        ['audio', '音频', 'electronics', 'Audio'],
        ['headphones', '耳机', 'audio', 'Headphones'],
        ['phones', '手机', 'electronics', 'Phones'],
        ['home', '家居', undefined, 'Home'],
      ];
      for (const [handle, name, parent, en] of tree) {
        const res = await http.post('/admin/categories', { handle, name, translations: { 'en-US': { name: en } }, ...(parent ? { parentId: cat[parent] } : {}) }, { token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        cat[handle] = res.body.id;
      }
      const attr = await http.post('/admin/attributes', { name: 'color', type: 'enum', label: '颜色', values: ['black', 'white', 'red'] }, { token });
      assert.equal(attr.status, 201, JSON.stringify(attr.body));
      assert.equal((await http.post('/admin/attributes', { name: 'battery_hours', type: 'number', label: '续航小时' }, { token })).status, 201);
      assert.equal((await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.14' }, token })).status, 200);
      for (const p of PRODUCTS) {
        const res = await http.post(
          '/admin/products',
          {
            handle: p.handle,
            title: p.title,
            status: p.status ?? 'published',
            ...(p.description ? { description: p.description } : {}),
            ...(p.brand ? { brand: p.brand } : {}),
            ...(p.tags ? { tags: p.tags } : {}),
            ...(p.color ? { attributes: { color: p.color, ...(p.hours ? { battery_hours: p.hours } : {}) } } : {}),
            categoryIds: (p.categories ?? []).map((c) => cat[c]!),
            ...(p.en ? { translations: { 'en-US': p.en } } : {}),
            variants: [
              {
                sku: p.sku,
                ...(p.barcode ? { barcode: p.barcode } : {}),
                prices: Object.entries(p.prices).map(([currency, amount]) => ({ currency, amount })),
              },
            ],
          },
          { token },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        ids[p.handle] = res.body.id;
      }
      await app.modules.inventory.setStock(app.db, { sku: 'SON-ANC-1', onHand: 5 });
      await app.dispatcher.drain();
    });
    after(() => app.close());

    test('the read model holds published products only, with their vocabulary', async () => {
      const docs = await app.db.selectFrom('searchDocument').select(['productId', 'status', 'skus', 'categoryTree']).execute();
      assert.equal(docs.length, PRODUCTS.filter((p) => p.status !== 'draft').length);
      assert.ok(docs.every((d) => d.status === 'published'));
      const earbuds = docs.find((d) => d.productId === ids['anc-earbuds'])!;
      assert.deepEqual(earbuds.skus, ['son-anc-1']);
      assert.deepEqual([...earbuds.categoryTree].sort(), [cat.electronics, cat.audio, cat.headphones].sort());
      const term = await app.db.selectFrom('searchTerm').select(['df']).where('term', '=', '耳机').executeTakeFirst();
      // 蓝牙耳机 and 有线耳机 contain 耳机 (the draft does not count).
      assert.ok(term && term.df >= 2, JSON.stringify(term));
      assert.equal(await app.db.selectFrom('searchTerm').select('term').where('term', '=', '秘密').executeTakeFirst(), undefined);
    });

    test('English relevance: a title match ranks above a description match', async () => {
      const body = await search({ q: 'garden hose', locale: 'en-US' });
      assert.deepEqual(handles(body).slice(0, 2), ['garden-hose', 'watering-can']);
      assert.equal(body.items[0].title, 'Garden Hose 15 m');
      assert.equal(body.total, 2);
      assert.equal(body.correctedQuery, undefined);
    });

    test('Chinese: 无线蓝牙耳机 finds 蓝牙耳机 无线降噪 first; mixed Chinese and English', async () => {
      const zh = await search({ q: '无线蓝牙耳机' });
      assert.equal(handles(zh)[0], 'anc-earbuds');
      assert.equal(zh.items[0].title, '蓝牙耳机 无线降噪');
      const mixed = await search({ q: 'iPhone 手机壳' });
      assert.deepEqual(handles(mixed).slice(0, 2), ['iphone-15-case', 'iphone-15']);
    });

    test('typos are corrected (correctedQuery) and the last word matches as a prefix', async () => {
      const typo = await search({ q: 'ipohne' });
      assert.ok(handles(typo).includes('iphone-15'), JSON.stringify(handles(typo)));
      assert.equal(typo.correctedQuery, 'iphone');
      const typing = await search({ q: 'appl' });
      assert.equal(handles(typing)[0], 'iphone-15');
      assert.equal(typing.correctedQuery, undefined);
      const done = await search({ q: 'appl ' });
      assert.equal(done.correctedQuery, 'apple', 'a finished word is not a prefix: it gets corrected');
      const glued = await search({ q: 'wirelessearbuds', locale: 'en-US' });
      assert.equal(handles(glued)[0], 'anc-earbuds');
      assert.equal(glued.correctedQuery, 'wireless earbuds', 'glued words are split');
      const garbled = await search({ q: 'earbudzzz ', locale: 'en-US' });
      assert.deepEqual(handles(garbled), ['anc-earbuds'], 'no word known or correctable: trigram similarity to titles');
    });

    test('an exact SKU or barcode ranks first, above better text matches', async () => {
      const sku = await search({ q: 'BT-EARBUDS', locale: 'en-US' });
      assert.equal(handles(sku)[0], 'wired-earphones');
      assert.ok(handles(sku).includes('anc-earbuds'), 'the text match still follows');
      const barcode = await search({ q: '6901234567892' });
      assert.deepEqual(handles(barcode), ['anc-earbuds']);
    });

    test('facets: AND across, OR within, each ignoring its own filter', async () => {
      const all = await search({ limit: 100 });
      assert.equal(all.total, 6);
      const brandCount = (b: typeof all, v: string) => b.facets.brands.find((x: { value: string }) => x.value === v)?.count;
      assert.equal(brandCount(all, 'Sonic'), 2);
      assert.equal(brandCount(all, 'Greenly'), 2);
      const sonic = await search({ brand: 'Sonic' });
      assert.equal(sonic.total, 2);
      assert.equal(brandCount(sonic, 'Apple'), 1, 'the brand facet ignores the brand filter');
      const catCount = (b: typeof all, h: string) => b.facets.categories.find((x: { handle: string }) => x.handle === h)?.count;
      assert.equal(catCount(sonic, 'headphones'), 2);
      assert.equal(catCount(sonic, 'phones'), undefined, 'other facets apply the brand filter');
      assert.equal(catCount(all, 'electronics'), 4, 'a category counts its subcategories');
      const colors = (b: typeof all) => Object.fromEntries(b.facets.attributes.color.map((x: { value: string; count: number }) => [x.value, x.count]));
      assert.deepEqual(colors(all), { black: 2, white: 2 });
      const black = await search({ 'attr.color': 'black', brand: 'Sonic,Apple' });
      assert.deepEqual(handles(black).sort(), ['anc-earbuds', 'iphone-15']);
      assert.deepEqual(colors(black), { black: 2, white: 1 }, 'the colour facet ignores the colour filter');
      assert.equal(brandCount(black, 'Shell'), undefined);
      assert.equal(brandCount(black, 'Sonic'), 1);
      const twoColors = await search({ 'attr.color': 'black,white' });
      assert.equal(twoColors.total, 4);
      assert.deepEqual(handles(await search({ 'attr.battery_hours': '20..40' })), ['anc-earbuds']);
      assert.deepEqual(handles(await search({ 'attr.battery_hours': '30' })), ['anc-earbuds']);
      assert.deepEqual(handles(await search({ 'attr.battery_hours': '31..' })), []);
      assert.deepEqual(all.facets.attributes.battery_hours, [{ value: '30', count: 1 }], 'attribute names are not re-cased');
      const bands = all.facets.price as { min: number; max: number | null; count: number }[];
      assert.equal(bands.reduce((s, b) => s + b.count, 0), 6);
      assert.ok(bands.every((b) => b.max === null || b.min < b.max));
    });

    test('category filter covers the subtree; several categories are OR', async () => {
      assert.deepEqual(handles(await search({ category: 'electronics', sort: 'newest' })).sort(), ['anc-earbuds', 'iphone-15', 'iphone-15-case', 'wired-earphones']);
      assert.deepEqual(handles(await search({ category: 'audio' })).sort(), ['anc-earbuds', 'wired-earphones']);
      assert.deepEqual(handles(await search({ category: 'phones,home' })).length, 4);
      assert.equal((await search({ category: 'no-such-category' })).total, 0);
    });

    test('prices in the requested currency: own prices or converted, filtered and sorted', async () => {
      const usd = await search({ currency: 'USD', q: '耳机' });
      const byHandle = Object.fromEntries(usd.items.map((i: { handle: string }) => [i.handle, i]));
      assert.deepEqual(byHandle['anc-earbuds'].price, { currency: 'USD', amount: 8900, compareAtAmount: null, converted: false });
      assert.deepEqual(byHandle['wired-earphones'].price, { currency: 'USD', amount: 1386, compareAtAmount: null, converted: true });
      const band = await search({ currency: 'USD', minPrice: 1000, maxPrice: 9000 });
      assert.deepEqual(handles(band).sort(), ['anc-earbuds', 'garden-hose', 'wired-earphones']);
      const cheapFirst = await search({ currency: 'CNY', sort: 'price_asc', limit: 3 });
      assert.deepEqual(handles(cheapFirst), ['watering-can', 'iphone-15-case', 'wired-earphones']);
      const dearFirst = await search({ sort: 'price_desc', limit: 1 });
      assert.deepEqual(handles(dearFirst), ['iphone-15']);
      assert.equal(byHandle['anc-earbuds'].inStock, true);
      assert.equal(byHandle['wired-earphones'].inStock, false);
    });

    test('every locale is searchable; results display in the requested locale', async () => {
      const en = await search({ q: 'noise cancelling earbuds', locale: 'en-US' });
      assert.equal(handles(en)[0], 'anc-earbuds');
      assert.equal(en.items[0].title, 'Wireless Noise Cancelling Earbuds');
      const header = await search({ q: 'earbuds' }, { 'accept-language': 'en-GB,en;q=0.8' });
      assert.equal(header.items[0].title, 'Wireless Noise Cancelling Earbuds');
      const zh = await search({ q: 'earbuds' });
      assert.equal(zh.items[0].title, '蓝牙耳机 无线降噪', 'an English query, shown in the default locale');
      const body = await search({ q: 'battery', locale: 'en-US' });
      assert.deepEqual(handles(body), ['anc-earbuds'], 'translated descriptions are indexed too');
    });

    test('unpublished products never appear, in results, facets or suggestions', async () => {
      assert.equal((await search({ q: '秘密' })).total, 0);
      assert.equal((await search({ q: 'secret draft headphones', locale: 'en-US' })).items.some((i: { handle: string }) => i.handle === 'secret-draft'), false);
      const all = await search({ limit: 100 });
      assert.equal(all.facets.brands.some((b: { value: string }) => b.value === 'Hidden'), false);
      const s = await http.get('/store/search/suggest?q=secret');
      assert.equal(s.body.suggestions.some((x: { handle?: string }) => x.handle === 'secret-draft'), false);
    });

    test('edits, publishing and deletions reach the index after the outbox is drained', async () => {
      const edit = await http.patch(`/admin/products/${ids['garden-hose']}`, { title: '伸缩水管', translations: { 'en-US': { title: 'Expandable Hose' } } }, { token });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      assert.deepEqual(handles(await search({ q: 'expandable', locale: 'en-US' })), [], 'not before the event is handled');
      await app.dispatcher.drain();
      const found = await search({ q: 'expandable', locale: 'en-US' });
      assert.deepEqual(handles(found), ['garden-hose']);
      assert.equal(found.items[0].title, 'Expandable Hose');
      assert.deepEqual(handles(await search({ q: '花园' })), [], 'the old title is gone');

      assert.equal((await http.patch(`/admin/products/${ids['secret-draft']}`, { status: 'published' }, { token })).status, 200);
      await app.dispatcher.drain();
      assert.deepEqual(handles(await search({ q: '秘密' })), ['secret-draft']);
      assert.equal((await http.patch(`/admin/products/${ids['secret-draft']}`, { status: 'archived' }, { token })).status, 200);
      await app.dispatcher.drain();
      assert.deepEqual(handles(await search({ q: '秘密' })), []);

      assert.equal((await http.delete(`/admin/products/${ids['watering-can']}`, { token })).status, 204);
      await app.dispatcher.drain();
      assert.deepEqual(handles(await search({ q: '洒水壶' })), []);
      assert.equal(await app.db.selectFrom('searchDocument').select('productId').where('productId', '=', ids['watering-can']!).executeTakeFirst(), undefined);
      assert.equal(await app.db.selectFrom('searchTerm').select('term').where('term', '=', '洒水').executeTakeFirst(), undefined, 'its words left the vocabulary');
    });

    test('renaming a category re-indexes its products (names are searchable and faceted)', async () => {
      assert.equal((await http.patch(`/admin/categories/${cat.phones}`, { name: '移动电话' }, { token })).status, 200);
      await app.dispatcher.drain();
      const body = await search({ q: '移动电话' });
      assert.deepEqual(handles(body).sort(), ['iphone-15', 'iphone-15-case']);
      assert.equal(body.facets.categories.find((c: { handle: string }) => c.handle === 'phones')?.name, '移动电话');
    });

    test('pagination: keyset cursors for sorted lists, offsets for relevance', async () => {
      const first = await search({ sort: 'newest', limit: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.nextCursor);
      const second = await search({ sort: 'newest', limit: 2, cursor: first.nextCursor });
      assert.equal(second.items.length, 2);
      assert.equal(handles(first).filter((h: string) => handles(second).includes(h)).length, 0);
      const rel1 = await search({ q: 'iphone', limit: 1 });
      const rel2 = await search({ q: 'iphone', limit: 1, cursor: rel1.nextCursor });
      assert.notEqual(handles(rel1)[0], handles(rel2)[0]);
      assertProblem(await http.get(`/store/search?sort=price_asc&cursor=${first.nextCursor}`), 400, 'SEARCH_INVALID_CURSOR');
    });

    test('suggest: products, brands and categories by prefix', async () => {
      const res = await http.get('/store/search/suggest?q=ipho');
      assert.equal(res.status, 200);
      assert.ok(res.body.suggestions.some((s: { type: string; handle?: string }) => s.type === 'product' && s.handle === 'iphone-15'), JSON.stringify(res.body));
      const brand = await http.get('/store/search/suggest?q=son');
      assert.deepEqual(brand.body.suggestions[0], { type: 'brand', text: 'Sonic' });
      const category = await http.get(`/store/search/suggest?q=${encodeURIComponent('耳')}`);
      assert.ok(category.body.suggestions.some((s: { type: string; handle?: string }) => s.type === 'category' && s.handle === 'headphones'), JSON.stringify(category.body));
      assert.ok(category.body.suggestions.some((s: { type: string; handle?: string }) => s.type === 'product' && s.handle === 'wired-earphones'), '耳 completes to 耳机');
      const en = await http.get('/store/search/suggest?q=head&locale=en-US');
      assert.ok(en.body.suggestions.some((s: { type: string; text: string }) => s.type === 'category' && s.text === 'Headphones'), JSON.stringify(en.body));
    });

    test('bad parameters are 400 problem+json', async () => {
      assertProblem(await http.get('/store/search?limit=0'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search?sort=cheapest'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search?unknown=1'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search?attr.1x=a'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search?category=Not%20A%20Handle'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search?attr.size=L'), 400, 'SEARCH_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/search?attr.color=1..5'), 400, 'SEARCH_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/search?attr.color=..5'), 400, 'SEARCH_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/search?currency=EUR'), 400, 'SEARCH_UNKNOWN_CURRENCY');
      assertProblem(await http.get('/store/search?locale=fr-FR'), 400, 'SEARCH_UNKNOWN_LOCALE');
      assertProblem(await http.get('/store/search?minPrice=10&maxPrice=5'), 400, 'SEARCH_INVALID_PRICE_RANGE');
      assertProblem(await http.get('/store/search?cursor=%25%25'), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http.get('/store/search/suggest'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/search/suggest?q=a&limit=500'), 400, 'VALIDATION_FAILED');
    });
  });
}
