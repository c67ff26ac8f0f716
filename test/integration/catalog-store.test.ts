import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };
const BIG = Number.MAX_SAFE_INTEGER;

/** What the store should show of each product: prices in CNY and USD (own or converted at 0.1387). */
interface Known {
  handle: string;
  id: string;
  cny: number | null;
  usd: number | null;
  sales: number;
  rating: number;
  ratingCount: number;
}

for (const engine of DATABASES) {
  describe(`catalog store: browsing published products [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    const cat: Record<string, string> = {};
    const known: Known[] = [];
    const id = (handle: string) => known.find((k) => k.handle === handle)?.id ?? draftId;
    let draftId: string;

    const price = (currency: string, amount: number, compareAtAmount?: number) => ({ currency, amount, ...(compareAtAmount ? { compareAtAmount } : {}) });
    async function product(handle: string, body: Record<string, unknown>, cny: number | null, usd: number | null, sales = 0, rating = 0, ratingCount = 0) {
      const res = await http.post('/admin/products', { handle, status: 'published', ...body }, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await app.db.updateTable('catalogProduct').set({ salesCount: sales, ratingX100: rating, ratingCount }).where('id', '=', res.body.id).execute();
      if (res.body.status === 'published') known.push({ handle, id: res.body.id, cny, usd, sales, rating, ratingCount });
      return res.body;
    }

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
      token = (await http.post('/admin/auth/login', OWNER)).body.token;
      for (const [handle, name, en, parent] of [
        ['electronics', '数码', 'Electronics', undefined],
        ['phones', '手机', 'Phones', 'electronics'],
        ['flagship', '旗舰机', 'Flagships', 'phones'],
        ['apparel', '服饰', 'Apparel', undefined],
      ] as const) {
        const res = await http.post('/admin/categories', { handle, name, translations: { 'en-US': { name: en } }, ...(parent ? { parentId: cat[parent] } : {}) }, { token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        cat[handle] = res.body.id;
      }
      for (const body of [
        { name: 'material', type: 'enum', label: '材质', values: ['cotton', 'wool'], translations: { 'en-US': { label: 'Material', values: { cotton: 'Cotton' } } } },
        { name: 'screenSize', type: 'number', label: '屏幕尺寸', translations: { 'en-US': { label: 'Screen size' } } },
        { name: 'waterproof', type: 'boolean', label: '防水', translations: { 'en-US': { label: 'Waterproof' } } },
      ]) assert.equal((await http.post('/admin/attributes', body, { token })).status, 201);
      assert.equal((await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.1387' }, token })).status, 200);

      const color = { options: [{ name: '颜色', values: ['黑色', '白色'] }], translations: { 'en-US': { title: 'Aurora Phone', options: { 颜色: { name: 'Color', values: { 黑色: 'Black', 白色: 'White' } } } } } };
      await product('phone-a', {
        title: '极光手机', brand: 'Aurora', tags: ['new'], categoryIds: [cat.phones], attributes: { screenSize: 6.1, waterproof: true }, ...color,
        images: [{ url: 'https://img.example.com/a2.jpg', position: 2 }, { url: 'https://img.example.com/a1.jpg', alt: '正面', position: 1 }],
        variants: [
          { sku: 'PHONE-A-BLK', options: { 颜色: '黑色' }, prices: [price('CNY', 599900, 699900)] },
          { sku: 'PHONE-A-WHT', options: { 颜色: '白色' }, weightGrams: 190, prices: [price('CNY', 619900)] },
        ],
      }, 599900, 83206, 50);
      await product('phone-b', { title: '云端手机', brand: 'Nimbus', tags: ['sale'], categoryIds: [cat.flagship], attributes: { screenSize: 6.7, waterproof: false },
        variants: [{ sku: 'PHONE-B', prices: [price('CNY', 899900), price('USD', 99900)] }] }, 899900, 99900, 50, 480, 10);
      await product('laptop-c', { title: '笔记本', brand: 'Vertex', tags: ['new'], categoryIds: [cat.electronics], attributes: { screenSize: 14 },
        variants: [{ sku: 'LAPTOP-C', prices: [price('CNY', 1299900)] }] }, 1299900, 180296, 0, 350, 2);
      await product('shirt-d', { title: '棉衬衫', brand: 'Linen', tags: ['sale', 'new'], categoryIds: [cat.apparel], attributes: { material: 'cotton' },
        variants: [{ sku: 'SHIRT-D', prices: [price('CNY', 19900), price('USD', 2900)] }] }, 19900, 2900, 10, 480, 3);
      await product('shirt-e', { title: '羊毛衫', brand: 'Northway', categoryIds: [cat.apparel], attributes: { material: 'wool' },
        variants: [{ sku: 'SHIRT-E', prices: [price('CNY', 59900)] }] }, 59900, 8308);
      await product('gift-card', { title: '礼品卡', tags: ['gift'], variants: [{ sku: 'GIFT', prices: [price('USD', 5000)] }] }, null, 5000, 0, 480, 10);
      await product('mug-g', { title: '马克杯', brand: 'Hearth', variants: [{ sku: 'MUG-G', prices: [price('CNY', 19900)] }] }, 19900, 2760);
      const draft = await product('draft-h', { title: '草稿', status: 'draft', brand: 'Aurora', tags: ['new', 'sale'], categoryIds: [cat.phones], attributes: { screenSize: 6.5, waterproof: true },
        variants: [{ sku: 'DRAFT-H', prices: [price('CNY', 100)] }] }, 100, 14, 999);
      draftId = draft.id;
      const featured = await http.post('/admin/collections', { handle: 'featured', title: '精选', translations: { 'en-US': { title: 'Featured' } }, productIds: [id('shirt-e'), draftId, id('phone-b'), id('phone-a')] }, { token });
      assert.equal(featured.status, 201, JSON.stringify(featured.body));
    });
    after(() => app.close());

    const list = async (query: string, headers?: Record<string, string>) => {
      const res = await http.get(`/store/products?${query}`, { headers });
      assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const handles = async (query: string) => (await list(query)).items.map((c: any) => c.handle);
    const set = async (query: string) => new Set(await handles(`${query}&limit=100`));
    /** Every page of a listing at limit=2, asserting no item repeats. */
    async function walk(path: string, query: string): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 20, 'pagination terminates');
        const res: any = await http.get(`${path}?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const page = path.startsWith('/store/collections') ? res.body.products : res.body;
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((c: any) => c.handle));
        cursor = page.nextCursor;
        if (!cursor) break;
        assert.equal(page.items.length, 2, 'a page before the last is full');
      }
      assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen.join(',')}`);
      return seen;
    }
    const byId = (a: Known, b: Known) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const expected = (cmp: (a: Known, b: Known) => number) => [...known].sort(cmp).map((k) => k.handle);

    test('only published products are listed and shown; drafts are 404', async () => {
      const all = await walk('/store/products', 'sort=newest');
      assert.deepEqual(all, expected((a, b) => byId(b, a)));
      assert.ok(!all.includes('draft-h'));
      assertProblem(await http.get('/store/products/draft-h'), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/products/no-such-product'), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assertProblem(await http.get('/store/products/Bad_Handle'), 400, 'VALIDATION_FAILED');
      const first = (await list('sort=newest&limit=100')).items.find((c: any) => c.handle === 'phone-a');
      assert.deepEqual(first, {
        id: id('phone-a'), handle: 'phone-a', title: '极光手机', subtitle: null, brand: 'Aurora', image: { url: 'https://img.example.com/a1.jpg', alt: '正面' },
        price: { currency: 'CNY', amount: 599900, compareAtAmount: null, converted: false }, inStock: false, tags: ['new'], rating: null, ratingCount: 0,
      });
    });

    test('each sort walks every page in order (limit=2), in CNY and USD', async () => {
      const priceAsc = (c: 'cny' | 'usd') => (a: Known, b: Known) => (a[c] ?? BIG) - (b[c] ?? BIG) || byId(a, b);
      const priceDesc = (c: 'cny' | 'usd') => (a: Known, b: Known) => (b[c] ?? -1) - (a[c] ?? -1) || byId(b, a);
      const bestSelling = (a: Known, b: Known) => b.sales - a.sales || byId(b, a);
      assert.deepEqual(await walk('/store/products', 'sort=newest'), expected((a, b) => byId(b, a)));
      assert.deepEqual(await walk('/store/products', 'sort=price_asc'), expected(priceAsc('cny')));
      assert.deepEqual((await walk('/store/products', 'sort=price_asc')).at(-1), 'gift-card', 'unpriced last');
      assert.deepEqual(await walk('/store/products', 'sort=price_desc'), expected(priceDesc('cny')));
      assert.deepEqual(await walk('/store/products', 'sort=price_asc&currency=USD'), expected(priceAsc('usd')));
      assert.deepEqual(await walk('/store/products', 'sort=price_desc&currency=USD'), expected(priceDesc('usd')));
      assert.deepEqual(await walk('/store/products', 'sort=best_selling'), expected(bestSelling));
      assert.deepEqual(await walk('/store/products', 'sort=relevance'), expected(bestSelling), 'relevance without a collection: best sellers');
      assert.deepEqual(await walk('/store/products', 'sort=rating'), expected((a, b) => b.rating - a.rating || b.ratingCount - a.ratingCount || byId(b, a)));
      const rated = (await list('sort=rating&limit=1')).items[0];
      assert.equal(rated.rating, 4.8);
      assert.equal(rated.ratingCount, 10);
      assert.deepEqual(await walk('/store/products', 'sort=price_asc&currency=USD&tag=new,sale'), ['shirt-d', 'phone-a', 'phone-b', 'laptop-c']);
    });

    test('filters: category subtree, brand, tag, attributes, price range (converted), stock', async () => {
      assert.deepEqual(await set('category=electronics'), new Set(['phone-a', 'phone-b', 'laptop-c']));
      assert.deepEqual(await set('category=phones'), new Set(['phone-a', 'phone-b']));
      assert.deepEqual(await set('category=flagship'), new Set(['phone-b']));
      assert.deepEqual(await set('category=no-such'), new Set());
      assert.deepEqual(await set('brand=Aurora'), new Set(['phone-a']), 'the draft Aurora product stays hidden');
      assert.deepEqual(await set(`brand=${encodeURIComponent('Aurora, Nimbus')}`), new Set(['phone-a', 'phone-b']));
      assert.deepEqual(await set('tag=sale'), new Set(['phone-b', 'shirt-d']));
      assert.deepEqual(await set('tag=sale,gift'), new Set(['phone-b', 'shirt-d', 'gift-card']));
      assert.deepEqual(await set('category=electronics&tag=new'), new Set(['phone-a', 'laptop-c']), 'filters combine with AND');
      assert.deepEqual(await set('attr.material=cotton'), new Set(['shirt-d']));
      assert.deepEqual(await set('attr.material=cotton,wool'), new Set(['shirt-d', 'shirt-e']));
      assert.deepEqual(await set('attr.screenSize=10..20'), new Set(['laptop-c']));
      assert.deepEqual(await set('attr.screenSize=6..7'), new Set(['phone-a', 'phone-b']));
      assert.deepEqual(await set('attr.screenSize=..6.5'), new Set(['phone-a']));
      assert.deepEqual(await set('attr.screenSize=6.5..'), new Set(['phone-b', 'laptop-c']));
      assert.deepEqual(await set('attr.screenSize=6.7,14'), new Set(['phone-b', 'laptop-c']));
      assert.deepEqual(await set('attr.waterproof=true'), new Set(['phone-a']));
      assert.deepEqual(await set('attr.waterproof=false'), new Set(['phone-b']));
      assert.deepEqual(await set('attr.screenSize=6..7&attr.waterproof=false&brand=Nimbus'), new Set(['phone-b']));
      assertProblem(await http.get('/store/products?attr.colour=red'), 400, 'CATALOG_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/products?attr.screenSize=big'), 400, 'CATALOG_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/products?attr.waterproof=maybe'), 400, 'CATALOG_INVALID_ATTRIBUTE');
      assertProblem(await http.get('/store/products?color=red'), 400, 'VALIDATION_FAILED');

      assert.deepEqual(await set('minPrice=19900&maxPrice=599900'), new Set(['shirt-d', 'mug-g', 'shirt-e', 'phone-a']), 'unpriced products never match a price range');
      assert.deepEqual(await set('currency=USD&minPrice=8000&maxPrice=90000'), new Set(['shirt-e', 'phone-a']), 'converted prices count in the requested currency');
      assert.deepEqual(await set('currency=USD&minPrice=8308&maxPrice=8308'), new Set(['shirt-e']));
      assert.deepEqual(await set('currency=USD&maxPrice=2900'), new Set(['shirt-d', 'mug-g']));
      assertProblem(await http.get('/store/products?minPrice=-1'), 400, 'VALIDATION_FAILED');

      assert.deepEqual(await set('inStock=true'), new Set());
      assert.equal((await http.call('PUT', '/admin/inventory/PHONE-A-WHT', { body: { onHand: 20 }, token })).status, 200);
      assert.equal((await http.call('PATCH', '/admin/inventory/MUG-G', { body: { allowBackorder: true }, token })).status, 200);
      assert.deepEqual(await set('inStock=true'), new Set(['phone-a', 'mug-g']), 'stocked or backorderable');
      assert.deepEqual(await set('inStock=false'), new Set(known.map((k) => k.handle).filter((h) => h !== 'phone-a' && h !== 'mug-g')));
      const card = (await list('inStock=true&sort=newest')).items;
      assert.ok(card.every((c: any) => c.inStock === true));
      assert.equal((await http.call('PUT', '/admin/inventory/PHONE-A-WHT', { body: { onHand: 0 }, token })).status, 200);
      assert.deepEqual(await set('inStock=true'), new Set(['mug-g']));
    });

    test('currency: own price converted:false, converted from CNY rounded to cents, unsupported → 400', async () => {
      const cards = new Map<string, any>((await list('currency=USD&limit=100')).items.map((c: any) => [c.handle, c.price]));
      assert.deepEqual(cards.get('phone-b'), { currency: 'USD', amount: 99900, compareAtAmount: null, converted: false });
      assert.deepEqual(cards.get('shirt-e'), { currency: 'USD', amount: 8308, compareAtAmount: null, converted: true }, '59900 fen × 0.1387 = 8308.13 → 8308 cents');
      assert.deepEqual(cards.get('phone-a'), { currency: 'USD', amount: 83206, compareAtAmount: null, converted: true });
      assert.deepEqual(cards.get('gift-card'), { currency: 'USD', amount: 5000, compareAtAmount: null, converted: false });
      assert.equal((await list('limit=100')).items.find((c: any) => c.handle === 'gift-card').price, null, 'no CNY price and nothing to convert from');
      for (const currency of ['EUR', 'XYZ']) {
        const res = await http.get(`/store/products?currency=${currency}`);
        assertProblem(res, 400, 'CATALOG_UNKNOWN_CURRENCY');
        assert.deepEqual(res.body.fields.map((f: any) => f.field), ['querystring:/currency']);
        assertProblem(await http.get(`/store/products/phone-a?currency=${currency}`), 400, 'CATALOG_UNKNOWN_CURRENCY');
      }
      assertProblem(await http.get('/store/products?currency=usd'), 400, 'VALIDATION_FAILED');

      assert.equal((await http.delete('/admin/exchange-rates/CNY/USD', { token })).status, 204);
      const unrated = new Map<string, any>((await list('currency=USD&limit=100')).items.map((c: any) => [c.handle, c.price]));
      assert.equal(unrated.get('shirt-e'), null, 'no rate: nothing to convert with');
      assert.equal(unrated.get('phone-b').amount, 99900);
      assert.deepEqual(await walk('/store/products', 'currency=USD&sort=price_asc'), ['shirt-d', 'gift-card', 'phone-b', ...expected(byId).filter((h) => !['shirt-d', 'gift-card', 'phone-b'].includes(h))]);
      assert.equal((await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.1387' }, token })).status, 200);
    });

    test('detail: variants with price, availability and low-stock count; options, attributes, breadcrumbs per locale', async () => {
      const stock = (sku: string, onHand: number) => http.call('PUT', `/admin/inventory/${sku}`, { body: { onHand }, token });
      assert.equal((await stock('PHONE-A-BLK', 3)).status, 200);
      assert.equal((await stock('PHONE-A-WHT', 20)).status, 200);
      const zh = await http.get('/store/products/phone-a');
      assert.equal(zh.status, 200, JSON.stringify(zh.body));
      const [blk, wht] = (await app.db.selectFrom('catalogVariant').select('id').where('productId', '=', id('phone-a')).orderBy('position').execute()).map((v) => v.id);
      assert.deepEqual(zh.body.variants, [
        { id: blk, sku: 'PHONE-A-BLK', options: { 颜色: '黑色' }, price: { currency: 'CNY', amount: 599900, compareAtAmount: 699900, converted: false }, available: true, quantityLeft: 3, weightGrams: null },
        { id: wht, sku: 'PHONE-A-WHT', options: { 颜色: '白色' }, price: { currency: 'CNY', amount: 619900, compareAtAmount: null, converted: false }, available: true, quantityLeft: null, weightGrams: 190 },
      ]);
      assert.equal(zh.body.locale, 'zh-CN');
      assert.equal(zh.body.title, '极光手机');
      assert.deepEqual(zh.body.price, { currency: 'CNY', amount: 599900, compareAtAmount: 699900, converted: false });
      assert.equal(zh.body.inStock, true);
      assert.deepEqual(zh.body.images, [{ url: 'https://img.example.com/a1.jpg', alt: '正面' }, { url: 'https://img.example.com/a2.jpg', alt: null }]);
      assert.deepEqual(zh.body.options, [{ name: '颜色', label: '颜色', values: [{ value: '黑色', label: '黑色' }, { value: '白色', label: '白色' }] }]);
      assert.deepEqual(zh.body.attributes, [
        { name: 'screenSize', label: '屏幕尺寸', value: 6.1, valueLabel: '6.1' },
        { name: 'waterproof', label: '防水', value: true, valueLabel: 'true' },
      ]);
      assert.deepEqual(zh.body.categories, [[
        { id: cat.electronics, handle: 'electronics', name: '数码' },
        { id: cat.phones, handle: 'phones', name: '手机' },
      ]]);

      for (const [onHand, left, available] of [[5, 5, true], [6, null, true], [1, 1, true], [0, null, false]] as const) {
        await stock('PHONE-A-WHT', onHand);
        const v = (await http.get('/store/products/phone-a')).body.variants[1];
        assert.deepEqual([v.quantityLeft, v.available], [left, available], `onHand ${onHand}`);
      }

      const en = await http.get('/store/products/phone-a?locale=en-US&currency=USD');
      assert.equal(en.status, 200);
      assert.equal(en.body.locale, 'en-US');
      assert.equal(en.body.title, 'Aurora Phone');
      assert.deepEqual(en.body.options, [{ name: '颜色', label: 'Color', values: [{ value: '黑色', label: 'Black' }, { value: '白色', label: 'White' }] }]);
      assert.deepEqual(en.body.attributes.map((a: any) => a.label), ['Screen size', 'Waterproof']);
      assert.deepEqual(en.body.categories[0].map((c: any) => c.name), ['Electronics', 'Phones']);
      assert.deepEqual(en.body.variants.map((v: any) => v.price), [
        { currency: 'USD', amount: 83206, compareAtAmount: 97076, converted: true },
        { currency: 'USD', amount: 85980, compareAtAmount: null, converted: true },
      ]);
      assert.deepEqual(en.body.price, { currency: 'USD', amount: 83206, compareAtAmount: 97076, converted: true });
      const header = await http.get('/store/products/phone-a?currency=USD', { headers: { 'accept-language': 'en' } });
      assert.deepEqual(header.body, en.body, 'Accept-Language: en picks en-US');
      assert.equal((await http.get('/store/products/phone-a?locale=zh-CN', { headers: { 'accept-language': 'en' } })).body.title, '极光手机');
      assertProblem(await http.get('/store/products/phone-a?locale=fr'), 400, 'CATALOG_UNKNOWN_LOCALE');
      assertProblem(await http.get('/store/products?locale=fr'), 400, 'CATALOG_UNKNOWN_LOCALE');
      const enCards = await list('locale=en-US&category=phones&sort=newest');
      assert.deepEqual(enCards.items.map((c: any) => c.title), ['云端手机', 'Aurora Phone'], 'untranslated titles fall back');

      const deep = await http.get('/store/products/phone-b?locale=en-US');
      assert.deepEqual(deep.body.categories, [[
        { id: cat.electronics, handle: 'electronics', name: 'Electronics' },
        { id: cat.phones, handle: 'phones', name: 'Phones' },
        { id: cat.flagship, handle: 'flagship', name: 'Flagships' },
      ]]);
      assert.deepEqual(deep.body.variants[0].price, { currency: 'CNY', amount: 899900, compareAtAmount: null, converted: false });
      assert.deepEqual((await http.get('/store/products/phone-b?currency=USD')).body.variants[0].price, { currency: 'USD', amount: 99900, compareAtAmount: null, converted: false });
      assert.deepEqual((await http.get('/store/products/shirt-d?locale=en-US')).body.attributes, [{ name: 'material', label: 'Material', value: 'cotton', valueLabel: 'Cotton' }]);
      assert.deepEqual((await http.get('/store/products/shirt-e?locale=en-US')).body.attributes, [{ name: 'material', label: 'Material', value: 'wool', valueLabel: 'wool' }]);
      const gift = await http.get('/store/products/gift-card');
      assert.equal(gift.body.price, null);
      assert.deepEqual(gift.body.categories, []);
      assert.deepEqual(gift.body.variants[0].available, false);
    });

    test('collections: curated order with sort=relevance, other sorts and filters; GET /store/collections/:handle', async () => {
      assert.deepEqual(await walk('/store/products', 'collection=featured&sort=relevance'), ['shirt-e', 'phone-b', 'phone-a'], 'the draft member is hidden');
      assert.deepEqual(await walk('/store/products', 'collection=featured'), ['shirt-e', 'phone-b', 'phone-a'], 'relevance is the default');
      assert.deepEqual(await handles('collection=featured&sort=price_desc'), ['phone-b', 'phone-a', 'shirt-e']);
      assert.deepEqual(await handles('collection=no-such'), []);
      const res = await http.get('/store/collections/featured?locale=en-US&currency=USD');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual({ ...res.body, products: undefined }, { id: res.body.id, handle: 'featured', title: 'Featured', description: null, products: undefined });
      assert.match(res.body.id, /^col_/);
      assert.deepEqual(res.body.products.items.map((c: any) => [c.handle, c.price.amount, c.price.converted]), [['shirt-e', 8308, true], ['phone-b', 99900, false], ['phone-a', 83206, true]]);
      assert.equal(res.body.products.nextCursor, null);
      assert.equal((await http.get('/store/collections/featured')).body.title, '精选');
      assert.deepEqual(await walk('/store/collections/featured', 'sort=relevance'), ['shirt-e', 'phone-b', 'phone-a']);
      const filtered = await http.get('/store/collections/featured?attr.screenSize=6..7&brand=Nimbus,Aurora');
      assert.equal(filtered.status, 200, JSON.stringify(filtered.body));
      assert.deepEqual(filtered.body.products.items.map((c: any) => c.handle), ['phone-b', 'phone-a']);
      assertProblem(await http.get('/store/collections/no-such'), 404, 'CATALOG_COLLECTION_NOT_FOUND');
      assertProblem(await http.get('/store/collections/featured?collection=other'), 400, 'VALIDATION_FAILED');
    });

    test('a bad or foreign cursor → 400 PAGINATION_INVALID_CURSOR', async () => {
      assertProblem(await http.get('/store/products?cursor=garbage'), 400, 'PAGINATION_INVALID_CURSOR');
      const newest = await list('sort=newest&limit=1');
      assertProblem(await http.get(`/store/products?sort=rating&cursor=${newest.nextCursor}`), 400, 'PAGINATION_INVALID_CURSOR');
      const forged = Buffer.from(JSON.stringify([{ a: 1 }, 'x'])).toString('base64url');
      assertProblem(await http.get(`/store/products?sort=price_asc&cursor=${forged}`), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http.get('/store/products?limit=101'), 400, 'VALIDATION_FAILED');
      assertProblem(await http.get('/store/products?sort=cheapest'), 400, 'VALIDATION_FAILED');
    });

    test('admin changes are visible at once: publish, retitle, reprice, archive', async () => {
      const publish = await http.patch(`/admin/products/${draftId}`, { status: 'published' }, { token });
      assert.equal(publish.status, 200);
      assert.equal((await http.get('/store/products/draft-h')).status, 200);
      assert.ok((await set('brand=Aurora')).has('draft-h'));
      assert.deepEqual((await list('sort=best_selling&limit=1')).items[0].handle, 'draft-h');
      await http.patch(`/admin/products/${id('phone-a')}`, { title: '极光手机二代' }, { token });
      assert.equal((await list('category=phones&sort=newest&limit=100')).items.find((c: any) => c.handle === 'phone-a').title, '极光手机二代');
      const variant = (await app.db.selectFrom('catalogVariant').select('id').where('sku', '=', 'SHIRT-E').executeTakeFirstOrThrow()).id;
      await http.patch(`/admin/products/${id('shirt-e')}/variants/${variant}`, { prices: [{ currency: 'CNY', amount: 1000 }] }, { token });
      assert.deepEqual(await handles('sort=price_asc&limit=2'), ['draft-h', 'shirt-e']);
      assert.deepEqual((await list('sort=price_asc&limit=2&currency=USD')).items.map((c: any) => c.price.amount), [14, 139], '100 fen → 13.87 → 14 cents; 1000 fen → 138.7 → 139');
      await http.patch(`/admin/products/${id('phone-b')}`, { status: 'archived' }, { token });
      assertProblem(await http.get('/store/products/phone-b'), 404, 'CATALOG_PRODUCT_NOT_FOUND');
      assert.ok(!(await set('sort=newest')).has('phone-b'));
      assert.deepEqual(await walk('/store/products', 'collection=featured'), ['shirt-e', 'draft-h', 'phone-a']);
    });
  });
}
