import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';

const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };
const TABLES = ['catalogProduct', 'catalogVariant', 'catalogVariantPrice', 'catalogProductPrice', 'catalogProductCategory', 'inventoryItem', 'inventoryLevel', 'job'] as const;
type Table = (typeof TABLES)[number] | 'inventoryMovement' | 'catalogCategory' | 'catalogCollection' | 'catalogAttribute';

const HEADER = 'handle,title,status,brand,categories,tags,option1_name,option1_value,sku,price_CNY,price_USD,compare_at_price_CNY,stock,title.en-US,attr.material';
const CSV = [
  HEADER,
  'tee,纯棉T恤,published,Linen,apparel|mens,new|cotton,尺码,M,TEE-M,9900,1500,12900,10,Cotton Tee,cotton',
  'tee,,,,,,尺码,L,TEE-L,10900,,,0,,',
  'mug,马克杯,published,Hearth,home,,,,MUG-1,4900,,,25,"Mug, large",',
  'bad-price,坏价格,published,,,,,,BAD-1,12.5,,,,,',
  'bad-cat,坏分类,published,,nowhere,,,,CAT-1,100,,,,,',
  'no-sku,没有SKU,published,,,,,,,100,,,,,',
  'short,row',
].join('\r\n');

for (const engine of DATABASES) {
  describe(`catalog import: CSV and NDJSON jobs [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    let supportToken: string;
    let customerToken: string;
    const cat: Record<string, string> = {};
    let firstRun: { tee: string; mug: string };

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
      token = (await http.post('/admin/auth/login', OWNER)).body.token;
      assert.equal((await http.post('/admin/staff', { email: 'support@example.com', name: 'Sam', role: 'support', password: 'supportpass1' }, { token })).status, 201);
      supportToken = (await http.post('/admin/auth/login', { email: 'support@example.com', password: 'supportpass1' })).body.token;
      customerToken = (await http.post('/store/auth/register', { email: 'shopper@example.com', password: 'shopperpass1' })).body.token;
      for (const [handle, parent] of [['apparel', undefined], ['mens', 'apparel'], ['home', undefined]] as const) {
        const res = await http.post('/admin/categories', { handle, name: handle, ...(parent ? { parentId: cat[parent] } : {}) }, { token });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        cat[handle] = res.body.id;
      }
      assert.equal((await http.post('/admin/attributes', { name: 'material', type: 'enum', label: '材质', values: ['cotton', 'wool'] }, { token })).status, 201);
      assert.equal((await http.post('/admin/attributes', { name: 'waterproof', type: 'boolean', label: '防水' }, { token })).status, 201);
    });
    after(() => app.close());

    const count = async (table: Table) => Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await count(t)] as const)));
    const product = (handle: string) => app.db.selectFrom('catalogProduct').selectAll().where('handle', '=', handle).executeTakeFirst();
    const level = async (sku: string) => (await app.db.selectFrom('inventoryLevel').select('onHand').where('sku', '=', sku).executeTakeFirst())?.onHand;
    const movements = (sku: string) => app.db.selectFrom('inventoryMovement').select(['kind', 'deltaOnHand', 'onHandAfter']).where('sku', '=', sku).orderBy('id').execute();
    const prices = (sku: string) =>
      app.db.selectFrom('catalogVariantPrice as p').innerJoin('catalogVariant as v', 'v.id', 'p.variantId').select(['p.currency', 'p.amount', 'p.compareAtAmount']).where('v.sku', '=', sku).orderBy('p.currency').execute();
    async function upload(content: string, type: string, as = token) {
      return http.call('POST', '/admin/products/import', { raw: content, headers: { 'content-type': type }, token: as });
    }
    /** Uploads, runs the queue, and returns the finished job as GET /admin/jobs/:id shows it. */
    async function runJob(content: string, type = 'text/csv') {
      const res = await upload(content, type);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['jobId', 'status']);
      assert.equal(res.body.status, 'queued');
      assert.equal(res.headers.location, `/admin/jobs/${res.body.jobId}`);
      await app.jobs.drain();
      const job = await http.get(`/admin/jobs/${res.body.jobId}`, { token: supportToken });
      assert.equal(job.status, 200, JSON.stringify(job.body));
      return job.body;
    }

    test('CSV: good rows land (products, variants, prices, categories, stock); bad rows are reported per row', async () => {
      const queued = await upload(CSV, 'text/csv; charset=utf-8');
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      const waiting = await http.get(`/admin/jobs/${queued.body.jobId}`, { token });
      assert.deepEqual([waiting.body.status, waiting.body.kind, waiting.body.total, waiting.body.processed], ['queued', 'catalog.import', null, 0]);
      assert.equal(await product('tee'), undefined, 'nothing happens before a worker runs the job');
      const audit = await app.db.selectFrom('auditLog').select(['data']).where('action', '=', 'product.import_queued').where('targetId', '=', queued.body.jobId).execute();
      assert.deepEqual(audit.map((a) => a.data), [{ format: 'csv', bytes: CSV.length }]);
      await app.jobs.drain();
      const job = (await http.get(`/admin/jobs/${queued.body.jobId}`, { token })).body;

      assert.equal(job.status, 'succeeded');
      assert.deepEqual([job.total, job.processed, job.failed], [7, 7, 4]);
      assert.ok(job.startedAt && job.finishedAt);
      assert.deepEqual(job.result, { rows: 7, products: { created: 2, updated: 0, failed: 3 }, rowsFailed: 4 });
      assert.deepEqual([...new Set(job.errors.map((e: any) => e.row))].sort(), [4, 5, 6, 7]);
      const messages = (row: number) => job.errors.filter((e: any) => e.row === row).map((e: any) => e.message).join(' | ');
      assert.match(messages(4), /price_CNY: "12\.5" is not a whole number/);
      assert.match(messages(5), /categories: no category with handle "nowhere"/);
      assert.match(messages(6), /sku: "" is missing or invalid/);
      assert.match(messages(7), /line 8: 2 fields, the header has 15/);
      for (const handle of ['bad-price', 'bad-cat', 'no-sku', 'short']) assert.equal(await product(handle), undefined, handle);

      const tee = (await product('tee'))!;
      assert.equal(tee.title, '纯棉T恤');
      assert.equal(tee.status, 'published');
      assert.ok(tee.publishedAt);
      assert.equal(tee.brand, 'Linen');
      assert.deepEqual(tee.tags, ['new', 'cotton']);
      assert.deepEqual(tee.options, [{ name: '尺码', values: ['M', 'L'] }]);
      assert.deepEqual(tee.translations, { 'en-US': { title: 'Cotton Tee' } });
      assert.deepEqual(tee.attributes, { material: 'cotton' });
      const variants = await app.db.selectFrom('catalogVariant').select(['sku', 'options', 'position']).where('productId', '=', tee.id).orderBy('position').execute();
      assert.deepEqual(variants, [{ sku: 'TEE-M', options: { 尺码: 'M' }, position: 0 }, { sku: 'TEE-L', options: { 尺码: 'L' }, position: 1 }]);
      assert.deepEqual(await prices('TEE-M'), [{ currency: 'CNY', amount: 9900, compareAtAmount: 12900 }, { currency: 'USD', amount: 1500, compareAtAmount: null }]);
      assert.deepEqual(await prices('TEE-L'), [{ currency: 'CNY', amount: 10900, compareAtAmount: null }]);
      assert.deepEqual(
        await app.db.selectFrom('catalogProductPrice').select(['currency', 'minAmount', 'maxAmount']).where('productId', '=', tee.id).orderBy('currency').execute(),
        [{ currency: 'CNY', minAmount: 9900, maxAmount: 10900 }, { currency: 'USD', minAmount: 1500, maxAmount: 1500 }],
      );
      const links = await app.db.selectFrom('catalogProductCategory').select('categoryId').where('productId', '=', tee.id).execute();
      assert.deepEqual(new Set(links.map((l) => l.categoryId)), new Set([cat.apparel, cat.mens]));
      const mug = (await product('mug'))!;
      assert.deepEqual(mug.options, []);
      assert.deepEqual(mug.translations, { 'en-US': { title: 'Mug, large' } }, 'a quoted field keeps its comma');

      assert.deepEqual([await level('TEE-M'), await level('TEE-L'), await level('MUG-1')], [10, 0, 25]);
      assert.deepEqual(await movements('TEE-M'), [{ kind: 'import', deltaOnHand: 10, onHandAfter: 10 }]);
      assert.deepEqual(await movements('MUG-1'), [{ kind: 'import', deltaOnHand: 25, onHandAfter: 25 }]);
      const items = await app.db.selectFrom('inventoryItem').select(['sku', 'variantId']).where('sku', 'in', ['TEE-M', 'TEE-L', 'MUG-1']).orderBy('sku').execute();
      assert.equal(items.length, 3);
      assert.ok(items.every((i) => i.variantId?.startsWith('var_')));
      const created = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'catalog.product_created').execute();
      assert.deepEqual(new Set(created.map((e) => (e.payload as any).productId)), new Set([tee.id, mug.id]));

      const store = await http.get('/store/products/tee?locale=en-US');
      assert.equal(store.status, 200);
      assert.equal(store.body.title, 'Cotton Tee');
      assert.deepEqual(store.body.variants.map((v: any) => [v.sku, v.available]), [['TEE-M', true], ['TEE-L', false]]);
      firstRun = { tee: tee.id, mug: mug.id };
    });

    test('re-running the same file changes nothing: products are updated in place, no duplicates', async () => {
      const en = { title: 'Cotton Tee', description: 'Soft cotton', options: { 尺码: { name: 'Size' } } };
      assert.equal((await http.patch(`/admin/products/${firstRun.tee}`, { translations: { 'en-US': en } }, { token })).status, 200);
      const before = await snapshot();
      const tee = await product('tee');
      const job = await runJob(CSV);
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.result, { rows: 7, products: { created: 0, updated: 2, failed: 3 }, rowsFailed: 4 });
      assert.deepEqual([job.total, job.processed, job.failed], [7, 7, 4]);
      assert.deepEqual(await snapshot(), { ...before, job: before.job! + 1 });
      assert.equal((await product('tee'))!.id, firstRun.tee);
      assert.equal((await product('mug'))!.id, firstRun.mug);
      const again = (await product('tee'))!;
      assert.deepEqual({ ...again, updatedAt: undefined }, { ...tee, updatedAt: undefined });
      assert.deepEqual(again.translations, { 'en-US': en }, 'title.en-US replaces the title only; other en-US text stays');
      assert.deepEqual(again.publishedAt, tee!.publishedAt, 'already published: the date stays');
      assert.deepEqual([await level('TEE-M'), await level('TEE-L'), await level('MUG-1')], [10, 0, 25]);
      for (const sku of ['TEE-M', 'TEE-L', 'MUG-1']) {
        const ledger = await movements(sku);
        assert.equal(ledger.reduce((n, m) => n + m.deltaOnHand, 0), await level(sku), `ledger of ${sku} sums to on hand`);
      }
      const updated = await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'catalog.product_updated').execute();
      assert.deepEqual(new Set(updated.map((e) => (e.payload as any).productId)), new Set([firstRun.tee, firstRun.mug]));
    });

    test('NDJSON: upserts by handle and SKU; a SKU of another product fails that product only, writing nothing of it', async () => {
      const lines = [
        { handle: 'mug', sku: 'MUG-1', price_CNY: 5900, stock: 30 },
        { handle: 'lamp', title: '台灯', sku: 'LAMP-1', price_CNY: 19900, 'attr.material': 'wood' },
        '{not json',
        { handle: 'vase', title: '花瓶', status: 'published', sku: 'VASE-1', price_CNY: '8900', weight_grams: 500, allow_backorder: 'yes', tags: 'glass|home' },
        { handle: 'other', title: '别的', sku: 'TEE-M', price_CNY: 1 },
        { handle: 'tee', title: '新T恤', sku: 'MUG-1', price_CNY: 1 },
        [1, 2],
      ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
      const before = await snapshot();
      const teeBefore = await product('tee');
      const job = await runJob(`${lines.join('\n')}\n`, 'application/x-ndjson');
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.result, { rows: 7, products: { created: 1, updated: 1, failed: 3 }, rowsFailed: 5 });
      assert.deepEqual([job.total, job.processed, job.failed], [7, 7, 5]);
      const messages = (row: number) => job.errors.filter((e: any) => e.row === row).map((e: any) => e.message).join(' | ');
      assert.match(messages(2), /material/);
      assert.match(messages(3), /JSON/);
      assert.match(messages(5), /sku TEE-M belongs to another product/);
      assert.match(messages(6), /sku MUG-1 belongs to another product/);
      assert.match(messages(7), /must be a JSON object/);

      assert.equal(await product('lamp'), undefined);
      assert.equal(await product('other'), undefined, 'the failed product left no row behind');
      assert.deepEqual(await product('tee'), teeBefore, 'the failed update of tee left it untouched');
      assert.deepEqual(await prices('MUG-1'), [{ currency: 'CNY', amount: 5900, compareAtAmount: null }]);
      assert.equal((await product('mug'))!.title, '马克杯', 'absent columns keep their values');
      assert.deepEqual((await product('mug'))!.translations, { 'en-US': { title: 'Mug, large' } });
      assert.equal(await level('MUG-1'), 30);
      assert.deepEqual((await movements('MUG-1')).at(-1), { kind: 'import', deltaOnHand: 5, onHandAfter: 30 });
      const vase = (await product('vase'))!;
      assert.deepEqual(vase.tags, ['glass', 'home']);
      assert.equal(vase.status, 'published');
      const vaseVariant = await app.db.selectFrom('catalogVariant').select(['weightGrams', 'sku']).where('productId', '=', vase.id).execute();
      assert.deepEqual(vaseVariant, [{ weightGrams: 500, sku: 'VASE-1' }]);
      assert.equal((await app.db.selectFrom('inventoryItem').select('allowBackorder').where('sku', '=', 'VASE-1').executeTakeFirstOrThrow()).allowBackorder, true);
      assert.equal(await level('VASE-1'), undefined, 'no stock column, no level');
      const after = await snapshot();
      assert.deepEqual(after, { ...before, job: before.job! + 1, catalogProduct: before.catalogProduct! + 1, catalogVariant: before.catalogVariant! + 1,
        catalogVariantPrice: before.catalogVariantPrice! + 1, catalogProductPrice: before.catalogProductPrice! + 1, inventoryItem: before.inventoryItem! + 1 });
    });

    test('importProducts() runs in-process and returns the summary, reporting total and progress', async () => {
      const jobs = await count('job');
      const totals: number[] = [];
      const deltas: { processed: number; failed: number; errors: unknown[] }[] = [];
      const content = [
        JSON.stringify({ handle: 'pan', title: '平底锅', sku: 'PAN-1', price_CNY: 12900, price_USD: 1900, categories: 'home', stock: 4 }),
        JSON.stringify({ handle: 'pan', sku: 'PAN-2', price_CNY: -1 }),
        JSON.stringify({ handle: 'pot', title: '汤锅', sku: 'POT-1', price_CNY: 9900, price_XYZ: 1 }),
        JSON.stringify({ handle: 'wok', title: '炒锅', sku: 'WOK-1', price_CNY: 15900 }),
        JSON.stringify({ handle: 'lid', title: '锅盖', sku: 'LID-1', price_CNY: 100, 'attr.waterproof': 'perhaps' }),
        JSON.stringify({ handle: 'cup', title: '杯子', option1_name: '颜色', option1_value: '红', sku: 'CUP-1', price_CNY: 100 }),
        JSON.stringify({ handle: 'cup', option1_name: '颜色', option1_value: '蓝', sku: 'CUP-1', price_CNY: 200 }),
        JSON.stringify({ handle: 'tray', title: '托盘', sku: 'TRAY-1', price_CNY: 100, 'attr.waterproof': 'no' }),
      ].join('\n');
      const summary = await app.modules.catalog.importProducts('ndjson', content, {
        total(n) {
          totals.push(n);
        },
        progress(d) {
          deltas.push(d);
        },
      });
      assert.deepEqual(summary, { rows: 8, products: { created: 2, updated: 0, failed: 4 }, rowsFailed: 6 });
      assert.deepEqual(totals, [8]);
      assert.equal(deltas.reduce((n, d) => n + d.processed, 0), 8);
      assert.equal(deltas.reduce((n, d) => n + d.failed, 0), 6);
      const errors = deltas.flatMap((d) => d.errors) as { row: number; message: string }[];
      assert.ok(errors.some((e) => e.row === 2 && /price_CNY/.test(e.message)), JSON.stringify(errors));
      assert.ok(errors.some((e) => e.row === 1 && /skipped/.test(e.message)), 'the good row of a failed product is reported as skipped');
      assert.ok(errors.some((e) => e.row === 3 && /XYZ/.test(e.message)));
      assert.equal(await product('pan'), undefined);
      assert.equal(await product('pot'), undefined);
      assert.ok(errors.some((e) => e.row === 5 && /waterproof: must be true or false/.test(e.message)), 'an unreadable boolean is an error, not false');
      assert.ok(errors.some((e) => e.row === 7 && /sku: CUP-1 is already on row 6/.test(e.message)), JSON.stringify(errors));
      for (const handle of ['lid', 'cup']) assert.equal(await product(handle), undefined, handle);
      assert.ok(await product('wok'));
      assert.deepEqual((await product('tray'))!.attributes, { waterproof: false });
      assert.equal(await count('job'), jobs, 'no job involved');
    });

    // PostgreSQL only: the same code runs on PGlite, where importing this many rows is slow for CI.
    test('a large import keeps the planner statistics in step as it grows the shop', { skip: engine !== 'postgres' && 'PostgreSQL only' }, async () => {
      const analyzed = async () => {
        const { rows } = await sql<{ n: number; tuples: number }>`
          select coalesce(s.analyze_count, 0)::int as n, c.reltuples::int as tuples
            from pg_class c left join pg_stat_user_tables s on s.relid = c.oid
           where c.oid = 'catalog_variant'::regclass`.execute(app.db);
        return rows[0]!;
      };
      const start = await analyzed();
      const rows = Array.from({ length: 1_200 }, (_, i) => JSON.stringify({ handle: `bulk-${i}`, title: `Bulk ${i}`, sku: `BULK-${i}`, price_CNY: 100 + i }));
      const summary = await app.modules.catalog.importProducts('ndjson', rows.join('\n'), { total() {}, progress() {} });
      assert.deepEqual(summary.products, { created: 1_200, updated: 0, failed: 0 });
      const end = await analyzed();
      // Analyzed once 1,000 variants were written, and once more at the end.
      assert.ok(end.n - start.n >= 2, `analyzed ${end.n - start.n} times`);
      assert.ok(end.tuples >= 1_200, `the planner knows of ${end.tuples} variants`);
    });

    test('the route: wrong content type → 415, empty file → 400, support staff and customers → 403; nothing queued', async () => {
      const jobs = await count('job');
      assertProblem(await upload('<products/>', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assertProblem(await upload(JSON.stringify({ handle: 'x' }), 'application/json'), 400, 'VALIDATION_FAILED');
      assertProblem(await upload('', 'text/csv'), 400, 'VALIDATION_FAILED');
      assertProblem(await upload(CSV, 'text/csv', supportToken), 403, 'AUTH_FORBIDDEN');
      assertProblem(await upload(CSV, 'text/csv', customerToken), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.call('POST', '/admin/products/import', { raw: CSV, headers: { 'content-type': 'text/csv' } }), 401, 'AUTH_REQUIRED');
      assert.equal(await count('job'), jobs);
      assertProblem(await http.get('/admin/jobs/job_nope', { token }), 404, 'NOT_FOUND');
      assertProblem(await http.get('/admin/jobs/job_nope', { token: customerToken }), 403, 'AUTH_FORBIDDEN');
    });
  });

  describe(`catalog demo seed [${engine}]`, () => {
    let app: TestApp;
    let staffId: string;

    before(async () => {
      app = await buildTestApp(engine);
      await app.modules.staff.ensureOwner(OWNER.email, OWNER.password);
      staffId = (await client(app.server).post('/admin/auth/login', OWNER)).body.staff.id;
    });
    after(() => app.close());

    const count = async (table: Table) => Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    test('seedDemo fills an empty catalog with 240 bilingual published products once; the second call returns 0', async () => {
      assert.equal(await app.modules.catalog.seedDemo({ staffId, ip: '127.0.0.1' }), 240);
      const products = await app.db.selectFrom('catalogProduct').select(['id', 'status', 'title', 'translations', 'publishedAt']).execute();
      assert.equal(products.length, 240);
      assert.ok(products.every((p) => p.status === 'published' && p.publishedAt));
      assert.ok(products.every((p) => /[\u4e00-\u9fff]/.test(p.title)), 'titles in zh-CN');
      assert.ok(products.every((p) => typeof p.translations['en-US']?.title === 'string' && !/[\u4e00-\u9fff]/.test(p.translations['en-US'].title)), 'en-US titles');

      const categories = await app.db.selectFrom('catalogCategory').select(['id', 'depth']).execute();
      assert.ok(categories.some((c) => c.depth === 0) && categories.some((c) => c.depth === 1), 'two levels of categories');
      const leaves = new Set(categories.filter((c) => c.depth === 1).map((c) => c.id));
      const links = await app.db.selectFrom('catalogProductCategory').select(['productId', 'categoryId']).execute();
      assert.equal(new Set(links.map((l) => l.productId)).size, 240, 'every product has a category');
      assert.ok(links.every((l) => leaves.has(l.categoryId)));

      const summary = await app.db.selectFrom('catalogProductPrice').select(['currency']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('currency').execute();
      const byCurrency = Object.fromEntries(summary.map((s) => [s.currency.trim(), Number(s.n)]));
      assert.equal(byCurrency.CNY, 240, 'every product has a CNY price');
      assert.ok(byCurrency.USD! > 0 && byCurrency.USD! < 240, `USD on some: ${byCurrency.USD}`);
      const variants = await count('catalogVariant');
      assert.ok(variants > 240, 'products with options have several variants');
      assert.equal(await count('inventoryItem'), variants);
      assert.equal(await count('inventoryLevel'), variants, 'every variant has a stock level');
      assert.equal(await count('inventoryMovement'), variants);
      assert.ok((await app.db.selectFrom('inventoryLevel').select('onHand').where('onHand', '>', 0).execute()).length > variants / 2);
      assert.equal((await app.db.selectFrom('catalogExchangeRate').select('rate').where('base', '=', 'CNY').where('quote', '=', 'USD').executeTakeFirstOrThrow()).rate.replace(/0+$/, ''), '0.1387');
      assert.ok((await count('catalogAttribute')) >= 3);
      assert.equal(await count('catalogCollection'), 1);

      const store = await client(app.server).get('/store/products?locale=en-US&currency=USD&limit=100');
      assert.equal(store.status, 200);
      assert.equal(store.body.items.length, 100);
      assert.ok(store.body.items.every((c: any) => c.price && c.price.currency === 'USD' && !/[\u4e00-\u9fff]/.test(c.title)));
      assert.ok(store.body.items.some((c: any) => c.price.converted) && store.body.items.some((c: any) => !c.price.converted));

      const before = await Promise.all((['catalogProduct', 'catalogVariant', 'catalogCategory', 'catalogCollection', 'catalogAttribute', 'inventoryMovement'] as const).map(count));
      assert.equal(await app.modules.catalog.seedDemo({ staffId, ip: '127.0.0.1' }), 0);
      assert.deepEqual(await Promise.all((['catalogProduct', 'catalogVariant', 'catalogCategory', 'catalogCollection', 'catalogAttribute', 'inventoryMovement'] as const).map(count)), before);
    });
  });
}
