import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/platform/ids.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';


for (const engine of DATABASES) {
  describe(`catalog taxonomy: categories, collections, attributes, exchange rates [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let token: string;
    let ownerId: string;
    let supportToken: string;
    let customerToken: string;

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      const actors = await signInActors(app);
      ({ token, id: ownerId } = actors.owner);
      ({ supportToken, customerToken } = actors);
    });
    after(() => app.close());

    const categoryRow = (id: string) => app.db.selectFrom('catalogCategory').selectAll().where('id', '=', id).executeTakeFirst();
    const count = async (table: 'catalogCategory' | 'catalogCollection' | 'catalogAttribute' | 'catalogExchangeRate') =>
      Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const auditRows = (action: string, targetId?: string) => {
      let q = app.db.selectFrom('auditLog').selectAll().where('action', '=', action);
      if (targetId) q = q.where('targetId', '=', targetId);
      return q.orderBy('id').execute();
    };
    const events = (name: string) => app.db.selectFrom('eventOutbox').select(['name', 'payload']).where('name', '=', name).orderBy('id').execute();

    async function insertProduct(handle: string, attributes: Record<string, unknown> = {}): Promise<string> {
      const id = newId('prod');
      await app.db
        .insertInto('catalogProduct')
        .values({
          id,
          handle,
          status: 'published',
          title: handle,
          subtitle: null,
          description: null,
          brand: null,
          tags: [],
          attributes: JSON.stringify(attributes),
          options: JSON.stringify([]),
          images: JSON.stringify([]),
          seo: JSON.stringify({}),
          translations: JSON.stringify({}),
          publishedAt: new Date(),
        })
        .execute();
      return id;
    }

    async function createCategory(body: Record<string, unknown>) {
      const res = await http.post('/admin/categories', body, { token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }

    describe('categories', () => {
      let clothing: any;
      let tops: any;
      let tees: any;
      let sale: any;

      test('a tree three deep: path and depth maintained, audit rows and events written', async () => {
        clothing = await createCategory({
          handle: 'clothing',
          name: '服装',
          description: '所有服装',
          position: 1,
          translations: { 'en-US': { name: 'Clothing', description: 'All clothing' } },
        });
        assert.match(clothing.id, /^cat_/);
        assert.equal(clothing.path, `/${clothing.id}/`);
        assert.equal(clothing.depth, 0);
        assert.equal(clothing.parentId, null);
        assert.equal(clothing.position, 1);
        assert.deepEqual(clothing.translations, { 'en-US': { name: 'Clothing', description: 'All clothing' } });
        assert.deepEqual(Object.keys(clothing).sort(), ['createdAt', 'depth', 'description', 'handle', 'id', 'name', 'parentId', 'path', 'position', 'translations', 'updatedAt']);
        assert.ok(!Number.isNaN(Date.parse(clothing.createdAt)));

        tops = await createCategory({ handle: 'tops', name: '上衣', parentId: clothing.id, translations: { 'en-US': { name: 'Tops' } } });
        tees = await createCategory({ handle: 't-shirts', name: 'T恤', parentId: tops.id });
        assert.equal(tops.path, `/${clothing.id}/${tops.id}/`);
        assert.equal(tops.depth, 1);
        assert.equal(tees.path, `/${clothing.id}/${tops.id}/${tees.id}/`);
        assert.equal(tees.depth, 2);
        assert.equal(tees.parentId, tops.id);
        assert.equal(tees.description, null);
        assert.equal(tees.position, 0);

        const row = await categoryRow(tees.id);
        assert.equal(row!.path, tees.path);
        assert.equal(row!.depth, 2);
        assert.equal(row!.parentId, tops.id);
        assert.deepEqual(row!.translations, {});

        const audit = await auditRows('category.created', tees.id);
        assert.equal(audit.length, 1);
        assert.equal(audit[0]!.actorId, ownerId);
        assert.equal(audit[0]!.targetType, 'category');
        const created = await events('catalog.category_created');
        assert.deepEqual(
          created.map((e) => (e.payload as any).categoryId),
          [clothing.id, tops.id, tees.id],
        );

        const got = await http.get(`/admin/categories/${tops.id}`, { token });
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, tops);
      });

      test('bad input → 400 (handle shape, unknown parent, unknown locale); duplicate handle → 409; nothing written', async () => {
        const before = await count('catalogCategory');
        for (const [body, field] of [
          [{ handle: 'Bad Handle', name: 'x' }, '/handle'],
          [{ handle: 'double--hyphen', name: 'x' }, '/handle'],
          [{ handle: '-lead', name: 'x' }, '/handle'],
          [{ handle: 'x'.repeat(201), name: 'x' }, '/handle'],
          [{ handle: 'ok', name: '' }, '/name'],
          [{ handle: 'ok' }, '/name'],
          [{ handle: 'ok', name: 'x', path: '/evil/' }, '/path'],
          [{ handle: 'ok', name: 'x', translations: { 'en-US': { title: 'x' } } }, '/translations/en-US/title'],
        ] as const) {
          const res = await http.post('/admin/categories', body, { token });
          assertProblem(res, 400, 'VALIDATION_FAILED');
          assert.ok(res.body.fields.some((f: any) => f.field === field), `${JSON.stringify(body)}: ${JSON.stringify(res.body.fields)}`);
        }
        const orphan = await http.post('/admin/categories', { handle: 'orphan', name: 'x', parentId: 'cat_nope' }, { token });
        assertProblem(orphan, 400, 'CATALOG_UNKNOWN_CATEGORY');
        assert.deepEqual(orphan.body.fields, [{ field: '/parentId', message: 'is not a category' }]);
        const french = await http.post('/admin/categories', { handle: 'french', name: 'x', translations: { fr: { name: 'Vêtements' } } }, { token });
        assertProblem(french, 400, 'CATALOG_UNKNOWN_LOCALE');
        assert.equal(french.body.fields[0].field, '/translations/fr');
        const dup = await http.post('/admin/categories', { handle: 'tops', name: 'Other tops' }, { token });
        assertProblem(dup, 409, 'CATALOG_HANDLE_TAKEN');
        assert.equal(await count('catalogCategory'), before);

        const renameDup = await http.patch(`/admin/categories/${tees.id}`, { handle: 'tops', name: 'renamed' }, { token });
        assertProblem(renameDup, 409, 'CATALOG_HANDLE_TAKEN');
        assert.equal((await categoryRow(tees.id))!.name, 'T恤', 'the rejected patch changed nothing');
        assertProblem(await http.patch(`/admin/categories/${tees.id}`, {}, { token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.patch('/admin/categories/cat_nope', { name: 'x' }, { token }), 404, 'CATALOG_CATEGORY_NOT_FOUND');
        assertProblem(await http.get('/admin/categories/cat_nope', { token }), 404, 'CATALOG_CATEGORY_NOT_FOUND');
      });

      test('moving a subtree rewrites every path and depth under it', async () => {
        sale = await createCategory({ handle: 'sale', name: '特卖', position: 0 });
        const moved = await http.patch(`/admin/categories/${tops.id}`, { parentId: sale.id }, { token });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        assert.equal(moved.body.parentId, sale.id);
        assert.equal(moved.body.path, `/${sale.id}/${tops.id}/`);
        assert.equal(moved.body.depth, 1);
        let teesRow = await categoryRow(tees.id);
        assert.equal(teesRow!.path, `/${sale.id}/${tops.id}/${tees.id}/`, 'the grandchild moved along');
        assert.equal(teesRow!.depth, 2);
        assert.equal(teesRow!.parentId, tops.id);
        assert.equal((await categoryRow(clothing.id))!.path, `/${clothing.id}/`, 'the old parent is untouched');

        // Deeper: the whole sale subtree under clothing, so tees ends up four levels down.
        const deeper = await http.patch(`/admin/categories/${sale.id}`, { parentId: clothing.id, name: '特价' }, { token });
        assert.equal(deeper.status, 200);
        assert.equal(deeper.body.name, '特价');
        teesRow = await categoryRow(tees.id);
        assert.equal(teesRow!.path, `/${clothing.id}/${sale.id}/${tops.id}/${tees.id}/`);
        assert.equal(teesRow!.depth, 3);
        assert.equal((await categoryRow(tops.id))!.depth, 2);

        // Back to the root, and sale back to the root as well.
        const root = await http.patch(`/admin/categories/${tops.id}`, { parentId: null }, { token });
        assert.equal(root.status, 200);
        assert.equal(root.body.path, `/${tops.id}/`);
        assert.equal(root.body.depth, 0);
        assert.equal(root.body.parentId, null);
        assert.equal((await categoryRow(tees.id))!.path, `/${tops.id}/${tees.id}/`);
        assert.equal((await categoryRow(tees.id))!.depth, 1);
        assert.equal((await http.patch(`/admin/categories/${sale.id}`, { parentId: null }, { token })).status, 200);
        // Finally the original shape: tops under clothing.
        assert.equal((await http.patch(`/admin/categories/${tops.id}`, { parentId: clothing.id }, { token })).status, 200);
        assert.equal((await categoryRow(tees.id))!.path, `/${clothing.id}/${tops.id}/${tees.id}/`);
        assert.equal((await categoryRow(tees.id))!.depth, 2);

        const list = await http.get('/admin/categories', { token });
        assert.equal(list.status, 200);
        assert.equal(list.body.nextCursor, null);
        const paths: string[] = list.body.items.map((c: any) => c.path);
        assert.deepEqual(paths, [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'flat list in path order');
        const order = list.body.items.map((c: any) => c.id);
        assert.ok(order.indexOf(clothing.id) < order.indexOf(tops.id) && order.indexOf(tops.id) < order.indexOf(tees.id));

        const updates = await events('catalog.category_updated');
        assert.ok(updates.some((e) => (e.payload as any).categoryId === tops.id && (e.payload as any).moved === true));
        const audit = await auditRows('category.updated', tops.id);
        assert.ok(audit.length >= 3);
        assert.equal(audit[0]!.actorId, ownerId);
      });

      test('moving under itself or a descendant → 409 CATALOG_CATEGORY_CYCLE, nothing changes', async () => {
        const before = await app.db.selectFrom('catalogCategory').select(['id', 'path', 'depth', 'parentId']).orderBy('id').execute();
        for (const [id, parentId] of [
          [clothing.id, clothing.id],
          [clothing.id, tees.id],
          [clothing.id, tops.id],
          [tops.id, tees.id],
        ]) {
          const res = await http.patch(`/admin/categories/${id}`, { parentId, name: 'renamed' }, { token });
          assertProblem(res, 409, 'CATALOG_CATEGORY_CYCLE');
          assert.equal(res.body.fields[0].field, '/parentId');
        }
        assertProblem(await http.patch(`/admin/categories/${tops.id}`, { parentId: 'cat_nope' }, { token }), 400, 'CATALOG_UNKNOWN_CATEGORY');
        const after = await app.db.selectFrom('catalogCategory').select(['id', 'path', 'depth', 'parentId']).orderBy('id').execute();
        assert.deepEqual(after, before);
        assert.equal((await categoryRow(clothing.id))!.name, '服装');
      });

      test('the store tree: nested, by position then name, names per ?locale= and Accept-Language', async () => {
        const gifts = await createCategory({ handle: 'gifts', name: '礼品', position: 1, translations: { 'en-US': { name: 'Gifts' } } });
        const zh = await http.get('/store/categories');
        assert.equal(zh.status, 200);
        assert.equal(zh.body.locale, 'zh-CN');
        assert.equal(zh.headers['content-language'], 'zh-CN');
        // position 0 first (sale), then position 1 by name: 服装 / 礼品 in zh collation order.
        assert.equal(zh.body.items[0].id, sale.id);
        assert.deepEqual(new Set(zh.body.items.slice(1).map((c: any) => c.id)), new Set([clothing.id, gifts.id]));
        const zhClothing = zh.body.items.find((c: any) => c.id === clothing.id);
        assert.deepEqual(zhClothing, {
          id: clothing.id,
          handle: 'clothing',
          name: '服装',
          description: '所有服装',
          position: 1,
          children: [
            {
              id: tops.id,
              handle: 'tops',
              name: '上衣',
              description: null,
              position: 0,
              children: [{ id: tees.id, handle: 't-shirts', name: 'T恤', description: null, position: 0, children: [] }],
            },
          ],
        });

        const en = await http.get('/store/categories?locale=en-US');
        assert.equal(en.status, 200);
        assert.equal(en.body.locale, 'en-US');
        assert.deepEqual(
          en.body.items.map((c: any) => c.name),
          ['特价', 'Clothing', 'Gifts'],
          'same position: by name; untranslated names fall back to the default locale',
        );
        assert.equal(en.body.items[1].description, 'All clothing');
        assert.equal(en.body.items[1].children[0].name, 'Tops');
        assert.equal(en.body.items[1].children[0].children[0].name, 'T恤');

        const viaHeader = await http.get('/store/categories', { headers: { 'accept-language': 'en' } });
        assert.equal(viaHeader.status, 200);
        assert.deepEqual(viaHeader.body, en.body);
        assert.equal(viaHeader.headers['content-language'], 'en-US');
        const weighted = await http.get('/store/categories', { headers: { 'accept-language': 'fr;q=1, zh-TW;q=0.5, en-GB;q=0.8' } });
        assert.equal(weighted.body.locale, 'en-US');
        const explicit = await http.get('/store/categories?locale=zh-CN', { headers: { 'accept-language': 'en' } });
        assert.equal(explicit.body.locale, 'zh-CN', 'an explicit locale beats the header');
        const fallback = await http.get('/store/categories', { headers: { 'accept-language': 'de-DE, fr' } });
        assert.equal(fallback.body.locale, 'zh-CN');

        const fr = await http.get('/store/categories?locale=fr');
        assertProblem(fr, 400, 'CATALOG_UNKNOWN_LOCALE');
        assertProblem(await http.get('/store/categories?locale=not a locale'), 400, 'VALIDATION_FAILED');
        assertProblem(await http.get('/store/categories?color=red'), 400, 'VALIDATION_FAILED');
      });

      test('GET /store/categories/:handle: breadcrumbs root → self and children, translated; unknown → 404', async () => {
        const res = await http.get('/store/categories/tops?locale=en-US');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, {
          id: tops.id,
          handle: 'tops',
          name: 'Tops',
          description: null,
          parentId: clothing.id,
          breadcrumbs: [
            { id: clothing.id, handle: 'clothing', name: 'Clothing' },
            { id: tops.id, handle: 'tops', name: 'Tops' },
          ],
          children: [{ id: tees.id, handle: 't-shirts', name: 'T恤' }],
        });
        const deep = await http.get('/store/categories/t-shirts', { headers: { 'accept-language': 'zh' } });
        assert.equal(deep.status, 200);
        assert.deepEqual(
          deep.body.breadcrumbs.map((b: any) => b.name),
          ['服装', '上衣', 'T恤'],
        );
        assert.deepEqual(deep.body.children, []);
        const root = await http.get('/store/categories/clothing');
        assert.deepEqual(root.body.breadcrumbs, [{ id: clothing.id, handle: 'clothing', name: '服装' }]);
        assertProblem(await http.get('/store/categories/no-such-thing'), 404, 'CATALOG_CATEGORY_NOT_FOUND');
        assertProblem(await http.get('/store/categories/tops?locale=fr'), 400, 'CATALOG_UNKNOWN_LOCALE');
      });

      test('deleting: with children → 409; a leaf goes and its products only lose the link', async () => {
        const productId = await insertProduct('linked-tee');
        await app.db.insertInto('catalogProductCategory').values({ productId, categoryId: tees.id }).execute();

        const busy = await http.delete(`/admin/categories/${tops.id}`, { token });
        assertProblem(busy, 409, 'CATALOG_CATEGORY_NOT_EMPTY');
        assert.ok(await categoryRow(tops.id));

        const del = await http.delete(`/admin/categories/${tees.id}`, { token });
        assert.equal(del.status, 204);
        assert.equal(del.body, '');
        assert.equal(await categoryRow(tees.id), undefined);
        assert.ok(await app.db.selectFrom('catalogProduct').select('id').where('id', '=', productId).executeTakeFirst(), 'the product stays');
        assert.deepEqual(await app.db.selectFrom('catalogProductCategory').selectAll().where('productId', '=', productId).execute(), []);
        const audit = await auditRows('category.deleted', tees.id);
        assert.equal(audit.length, 1);
        assert.equal((audit[0]!.data as any).unlinkedProducts, 1);
        assert.ok((await events('catalog.category_deleted')).some((e) => (e.payload as any).categoryId === tees.id));

        assertProblem(await http.delete(`/admin/categories/${tees.id}`, { token }), 404, 'CATALOG_CATEGORY_NOT_FOUND');
        assert.equal((await http.delete(`/admin/categories/${tops.id}`, { token })).status, 204, 'empty now');
      });
    });

    describe('attributes', () => {
      test('declare text, number, boolean and enum attributes; list by position then name', async () => {
        const before = await count('catalogAttribute');
        const color = await http.post(
          '/admin/attributes',
          {
            name: 'color',
            type: 'enum',
            label: '颜色',
            values: ['red', 'blue', 'green'],
            position: 1,
            translations: { 'en-US': { label: 'Colour', values: { red: 'Red' } } },
          },
          { token },
        );
        assert.equal(color.status, 201, JSON.stringify(color.body));
        assert.deepEqual({ ...color.body, createdAt: undefined, updatedAt: undefined }, {
          name: 'color',
          type: 'enum',
          label: '颜色',
          values: ['red', 'blue', 'green'],
          filterable: true,
          position: 1,
          translations: { 'en-US': { label: 'Colour', values: { red: 'Red' } } },
          createdAt: undefined,
          updatedAt: undefined,
        });
        for (const body of [
          { name: 'material', type: 'text', label: '材质', filterable: false },
          { name: 'weight_kg', type: 'number', label: '重量' },
          { name: 'waterproof', type: 'boolean', label: '防水' },
        ]) {
          const res = await http.post('/admin/attributes', body, { token });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          assert.deepEqual(res.body.values, []);
        }
        assert.equal(await count('catalogAttribute'), before + 4);
        const row = await app.db.selectFrom('catalogAttribute').selectAll().where('name', '=', 'color').executeTakeFirstOrThrow();
        assert.deepEqual(row.values, ['red', 'blue', 'green']);
        assert.equal(row.type, 'enum');
        assert.equal((await app.db.selectFrom('catalogAttribute').select('filterable').where('name', '=', 'material').executeTakeFirstOrThrow()).filterable, false);

        const list = await http.get('/admin/attributes', { token });
        assert.equal(list.status, 200);
        assert.deepEqual(
          list.body.items.map((a: any) => a.name),
          ['material', 'waterproof', 'weight_kg', 'color'],
        );
        assert.equal((await auditRows('attribute.created', 'color')).length, 1);
        assert.ok((await events('catalog.attribute_updated')).some((e) => (e.payload as any).name === 'color'));
      });

      test('enum rules, duplicates and bad names → 400/409 and nothing written', async () => {
        const before = await count('catalogAttribute');
        const cases: Array<[unknown, number, string, string]> = [
          [{ name: 'size', type: 'enum', label: 'Size' }, 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION', '/values'],
          [{ name: 'size', type: 'enum', label: 'Size', values: [] }, 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION', '/values'],
          [{ name: 'size', type: 'enum', label: 'Size', values: ['S', 'M', 'S'] }, 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION', '/values/2'],
          [{ name: 'size', type: 'text', label: 'Size', values: ['S'] }, 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION', '/values'],
          [{ name: 'size', type: 'enum', label: 'Size', values: ['S'], translations: { 'en-US': { values: { XL: 'Extra large' } } } }, 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION', '/translations/en-US/values/XL'],
          [{ name: 'size', type: 'enum', label: 'Size', values: ['S'], translations: { fr: { label: 'Taille' } } }, 400, 'CATALOG_UNKNOWN_LOCALE', '/translations/fr'],
          [{ name: '1size', type: 'text', label: 'Size' }, 400, 'VALIDATION_FAILED', '/name'],
          [{ name: 'size', type: 'date', label: 'Size' }, 400, 'VALIDATION_FAILED', '/type'],
          [{ name: 'color', type: 'text', label: 'Again' }, 409, 'CATALOG_ATTRIBUTE_EXISTS', '/name'],
        ];
        for (const [body, status, code, field] of cases) {
          const res = await http.post('/admin/attributes', body, { token });
          assertProblem(res, status, code);
          assert.ok(res.body.fields?.some((f: any) => f.field === field), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        }
        assert.equal(await count('catalogAttribute'), before);
        assert.equal((await app.db.selectFrom('catalogAttribute').select('type').where('name', '=', 'color').executeTakeFirstOrThrow()).type, 'enum');
      });

      test('update: type is fixed; removing a used enum value → 409; unused values go with their labels', async () => {
        await insertProduct('red-shirt', { color: 'red', material: 'cotton' });
        const typed = await http.patch('/admin/attributes/color', { type: 'text' }, { token });
        assertProblem(typed, 400, 'VALIDATION_FAILED');
        assert.ok(typed.body.fields.some((f: any) => f.field === '/type'));

        const inUse = await http.patch('/admin/attributes/color', { values: ['blue'] }, { token });
        assertProblem(inUse, 409, 'CATALOG_ATTRIBUTE_IN_USE');
        assert.match(inUse.body.detail, /red/);
        assert.doesNotMatch(inUse.body.detail, /green/);
        assert.deepEqual((await app.db.selectFrom('catalogAttribute').select('values').where('name', '=', 'color').executeTakeFirstOrThrow()).values, ['red', 'blue', 'green']);

        assertProblem(await http.patch('/admin/attributes/color', { values: [] }, { token }), 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION');
        assertProblem(await http.patch('/admin/attributes/material', { values: ['wool'] }, { token }), 400, 'CATALOG_INVALID_ATTRIBUTE_DEFINITION');
        assertProblem(await http.patch('/admin/attributes/nope', { label: 'x' }, { token }), 404, 'CATALOG_ATTRIBUTE_NOT_FOUND');
        assertProblem(await http.patch('/admin/attributes/color', {}, { token }), 400, 'VALIDATION_FAILED');

        const ok = await http.patch(
          '/admin/attributes/color',
          { values: ['red', 'green', 'black'], label: '颜色 ', translations: { 'en-US': { label: 'Color', values: { red: 'Red', black: 'Black' } } } },
          { token },
        );
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual(ok.body.values, ['red', 'green', 'black']);
        assert.equal(ok.body.type, 'enum');
        assert.deepEqual(ok.body.translations, { 'en-US': { label: 'Color', values: { red: 'Red', black: 'Black' } } });

        // Dropping a value without sending translations drops its label too.
        const pruned = await http.patch('/admin/attributes/color', { values: ['red', 'green'], filterable: false }, { token });
        assert.equal(pruned.status, 200, JSON.stringify(pruned.body));
        assert.deepEqual(pruned.body.translations, { 'en-US': { label: 'Color', values: { red: 'Red' } } });
        assert.equal(pruned.body.filterable, false);
        const row = await app.db.selectFrom('catalogAttribute').selectAll().where('name', '=', 'color').executeTakeFirstOrThrow();
        assert.deepEqual(row.values, ['red', 'green']);
        assert.equal(row.filterable, false);
        const audit = await auditRows('attribute.updated', 'color');
        assert.equal(audit.length, 2);
        assert.deepEqual((audit[1]!.data as any).removedValues, ['black']);
      });

      test('delete: used by a product → 409; unused → 204; unknown → 404', async () => {
        assertProblem(await http.delete('/admin/attributes/material', { token }), 409, 'CATALOG_ATTRIBUTE_IN_USE');
        assertProblem(await http.delete('/admin/attributes/color', { token }), 409, 'CATALOG_ATTRIBUTE_IN_USE');
        assert.equal(await count('catalogAttribute'), 4);
        const del = await http.delete('/admin/attributes/waterproof', { token });
        assert.equal(del.status, 204);
        assert.equal(await app.db.selectFrom('catalogAttribute').select('name').where('name', '=', 'waterproof').executeTakeFirst(), undefined);
        assert.equal((await auditRows('attribute.deleted', 'waterproof')).length, 1);
        assertProblem(await http.delete('/admin/attributes/waterproof', { token }), 404, 'CATALOG_ATTRIBUTE_NOT_FOUND');
        assertProblem(await http.delete('/admin/attributes/bad-name', { token }), 400, 'VALIDATION_FAILED');
      });
    });

    describe('exchange rates', () => {
      const rateRow = (base: string, quote: string) =>
        app.db.selectFrom('catalogExchangeRate').selectAll().where('base', '=', base).where('quote', '=', quote).executeTakeFirst();

      test('PUT sets and replaces a rate (string or number); GET lists them canonically', async () => {
        const put = await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.138700' }, token });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.base, 'CNY');
        assert.equal(put.body.quote, 'USD');
        assert.equal(put.body.rate, '0.1387');
        assert.ok(!Number.isNaN(Date.parse(put.body.updatedAt)));
        assert.equal(Number((await rateRow('CNY', 'USD'))!.rate), 0.1387);

        const eur = await http.call('PUT', '/admin/exchange-rates/CNY/EUR', { body: { rate: 0.128 }, token });
        assert.equal(eur.status, 200, JSON.stringify(eur.body));
        assert.equal(eur.body.rate, '0.128');
        const replaced = await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '0.14' }, token });
        assert.equal(replaced.body.rate, '0.14');
        const usd = await http.call('PUT', '/admin/exchange-rates/USD/CNY', { body: { rate: '7.2000' }, token });
        assert.equal(usd.body.rate, '7.2');

        const list = await http.get('/admin/exchange-rates', { token });
        assert.equal(list.status, 200);
        assert.deepEqual(
          list.body.items.map((r: any) => [r.base, r.quote, r.rate]),
          [
            ['CNY', 'EUR', '0.128'],
            ['CNY', 'USD', '0.14'],
            ['USD', 'CNY', '7.2'],
          ],
        );
        assert.equal(await count('catalogExchangeRate'), 3);
        const audit = await auditRows('exchange_rate.updated', 'CNY/USD');
        assert.equal(audit.length, 2);
        assert.deepEqual(audit[1]!.data, { rate: '0.14', previousRate: '0.1387' });
        const published = await events('catalog.exchange_rate_updated');
        assert.deepEqual(published.at(-1)!.payload, { base: 'USD', quote: 'CNY', rate: '7.2' });
      });

      test('invalid rates, same or unknown currencies → 400; nothing changes', async () => {
        const before = await rateRow('CNY', 'USD');
        for (const rate of ['abc', '0', '0.000', '-1', '1e3', '.5', '1.', '1234567890123', '0.0000000000001', 0, -2, 1e-7, ' 1']) {
          const res = await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate }, token });
          assertProblem(res, 400, 'CATALOG_INVALID_RATE');
          assert.deepEqual(res.body.fields, [{ field: '/rate', message: 'must be a positive decimal string' }], String(rate));
        }
        assertProblem(await http.call('PUT', '/admin/exchange-rates/USD/USD', { body: { rate: '1' }, token }), 400, 'CATALOG_INVALID_RATE');
        const unknown = await http.call('PUT', '/admin/exchange-rates/CNY/XYZ', { body: { rate: '1' }, token });
        assertProblem(unknown, 400, 'CATALOG_UNKNOWN_CURRENCY');
        assert.deepEqual(unknown.body.fields.map((f: any) => f.field), ['params:/quote']);
        assertProblem(await http.call('PUT', '/admin/exchange-rates/cny/USD', { body: { rate: '1' }, token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: true }, token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: {}, token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.call('PUT', '/admin/exchange-rates/CNY/USD', { body: { rate: '1', extra: 1 }, token }), 400, 'VALIDATION_FAILED');
        assert.deepEqual(await rateRow('CNY', 'USD'), before);
        assert.equal(await rateRow('USD', 'USD'), undefined);
      });

      test('DELETE removes a rate; a missing one → 404', async () => {
        const del = await http.delete('/admin/exchange-rates/CNY/EUR', { token });
        assert.equal(del.status, 204);
        assert.equal(await rateRow('CNY', 'EUR'), undefined);
        assertProblem(await http.delete('/admin/exchange-rates/CNY/EUR', { token }), 404, 'CATALOG_EXCHANGE_RATE_NOT_FOUND');
        assert.equal((await auditRows('exchange_rate.deleted', 'CNY/EUR')).length, 1);
        assert.deepEqual((await events('catalog.exchange_rate_updated')).at(-1)!.payload, { base: 'CNY', quote: 'EUR', rate: null });
      });
    });

    describe('collections', () => {
      let products: string[];
      let summer: any;

      before(async () => {
        products = [];
        for (const handle of ['linen-shirt', 'straw-hat', 'sandals']) products.push(await insertProduct(`col-${handle}`));
      });
      const collectionRows = (id: string) =>
        app.db.selectFrom('catalogCollectionProduct').select(['productId', 'position']).where('collectionId', '=', id).orderBy('position').execute();

      test('create with ordered products; GET returns them in order', async () => {
        const [shirt, hat, sandals] = products as [string, string, string];
        const res = await http.post(
          '/admin/collections',
          { handle: 'summer', title: '夏季', description: '清凉', translations: { 'en-US': { title: 'Summer' } }, productIds: [sandals, shirt] },
          { token },
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
        summer = res.body;
        assert.match(summer.id, /^col_/);
        assert.deepEqual(summer.productIds, [sandals, shirt]);
        assert.deepEqual(summer.translations, { 'en-US': { title: 'Summer' } });
        assert.deepEqual(await collectionRows(summer.id), [
          { productId: sandals, position: 0 },
          { productId: shirt, position: 1 },
        ]);
        const got = await http.get(`/admin/collections/${summer.id}`, { token });
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, summer);
        assert.equal((await auditRows('collection.created', summer.id)).length, 1);
        void hat;
      });

      test('PATCH productIds replaces the ordered list (positions 0..n-1); other fields alone keep it', async () => {
        const [shirt, hat, sandals] = products as [string, string, string];
        const res = await http.patch(`/admin/collections/${summer.id}`, { productIds: [hat, sandals, shirt] }, { token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.productIds, [hat, sandals, shirt]);
        assert.deepEqual(await collectionRows(summer.id), [
          { productId: hat, position: 0 },
          { productId: sandals, position: 1 },
          { productId: shirt, position: 2 },
        ]);
        const renamed = await http.patch(`/admin/collections/${summer.id}`, { title: '盛夏', description: null }, { token });
        assert.equal(renamed.status, 200);
        assert.equal(renamed.body.title, '盛夏');
        assert.equal(renamed.body.description, null);
        assert.deepEqual(renamed.body.productIds, [hat, sandals, shirt]);
        const emptied = await http.patch(`/admin/collections/${summer.id}`, { productIds: [shirt] }, { token });
        assert.deepEqual(emptied.body.productIds, [shirt]);
        const published = await events('catalog.collection_updated');
        const last = published.at(-1)!.payload as any;
        assert.equal(last.collectionId, summer.id);
        assert.deepEqual(new Set(last.productIds), new Set([hat, sandals, shirt]), 'products that left are reindexed too');
        assert.equal((await auditRows('collection.updated', summer.id)).length, 3);
      });

      test('unknown products → 400 CATALOG_UNKNOWN_PRODUCT; duplicate handle → 409; nothing changes', async () => {
        const [shirt] = products as [string];
        const before = await collectionRows(summer.id);
        const bad = await http.patch(`/admin/collections/${summer.id}`, { productIds: [shirt, 'prod_nope'], title: 'x' }, { token });
        assertProblem(bad, 400, 'CATALOG_UNKNOWN_PRODUCT');
        assert.deepEqual(bad.body.fields, [{ field: '/productIds/1', message: 'no product prod_nope' }]);
        assert.deepEqual(await collectionRows(summer.id), before);
        const total = await count('catalogCollection');
        assertProblem(await http.post('/admin/collections', { handle: 'winter', title: 'W', productIds: ['prod_nope'] }, { token }), 400, 'CATALOG_UNKNOWN_PRODUCT');
        assertProblem(await http.post('/admin/collections', { handle: 'summer', title: 'Again' }, { token }), 409, 'CATALOG_HANDLE_TAKEN');
        assertProblem(await http.post('/admin/collections', { handle: 'dups', title: 'D', productIds: [shirt, shirt] }, { token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.post('/admin/collections', { handle: 'fr', title: 'F', translations: { fr: { title: 'Été' } } }, { token }), 400, 'CATALOG_UNKNOWN_LOCALE');
        assert.equal(await count('catalogCollection'), total);

        const winter = await http.post('/admin/collections', { handle: 'winter', title: '冬季' }, { token });
        assert.equal(winter.status, 201);
        assert.deepEqual(winter.body.productIds, []);
        const clash = await http.patch(`/admin/collections/${winter.body.id}`, { handle: 'summer' }, { token });
        assertProblem(clash, 409, 'CATALOG_HANDLE_TAKEN');
        const same = await http.patch(`/admin/collections/${summer.id}`, { handle: 'summer' }, { token });
        assert.equal(same.status, 200, 'keeping its own handle is no conflict');
        assertProblem(await http.patch('/admin/collections/col_nope', { title: 'x' }, { token }), 404, 'CATALOG_COLLECTION_NOT_FOUND');
        assertProblem(await http.get('/admin/collections/col_nope', { token }), 404, 'CATALOG_COLLECTION_NOT_FOUND');
      });

      test('list: newest first, paginated with a cursor, with product counts', async () => {
        for (const handle of ['autumn', 'spring']) assert.equal((await http.post('/admin/collections', { handle, title: handle }, { token })).status, 201);
        const all = await http.get('/admin/collections', { token });
        assert.equal(all.status, 200);
        assert.deepEqual(
          all.body.items.map((c: any) => c.handle),
          ['spring', 'autumn', 'winter', 'summer'],
        );
        assert.equal(all.body.items.find((c: any) => c.handle === 'summer').productCount, 1);
        assert.equal(all.body.nextCursor, null);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: any = await http.get(`/admin/collections?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token });
          assert.equal(page.status, 200);
          assert.ok(page.body.items.length <= 3);
          seen.push(...page.body.items.map((c: any) => c.handle));
          cursor = page.body.nextCursor;
        } while (cursor);
        assert.deepEqual(seen, ['spring', 'autumn', 'winter', 'summer']);
        assertProblem(await http.get('/admin/collections?limit=101', { token }), 400, 'VALIDATION_FAILED');
        assertProblem(await http.get('/admin/collections?cursor=garbage', { token }), 400, 'PAGINATION_INVALID_CURSOR');
      });

      test('delete: 204, rows gone (products stay), then 404', async () => {
        const del = await http.delete(`/admin/collections/${summer.id}`, { token });
        assert.equal(del.status, 204);
        assert.equal(await app.db.selectFrom('catalogCollection').select('id').where('id', '=', summer.id).executeTakeFirst(), undefined);
        assert.deepEqual(await collectionRows(summer.id), []);
        assert.equal((await app.db.selectFrom('catalogProduct').select('id').where('id', 'in', products).execute()).length, 3);
        assert.equal((await auditRows('collection.deleted', summer.id)).length, 1);
        assertProblem(await http.delete(`/admin/collections/${summer.id}`, { token }), 404, 'CATALOG_COLLECTION_NOT_FOUND');
      });
    });

    test('concurrent moves, creations and handle claims stay consistent (PostgreSQL)', { skip: engine !== 'postgres' && 'PGlite serialises' }, async () => {
      const left = await createCategory({ handle: 'cc-left', name: 'L' });
      const right = await createCategory({ handle: 'cc-right', name: 'R' });
      const mid = await createCategory({ handle: 'cc-mid', name: 'M', parentId: left.id });
      const results = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => http.patch(`/admin/categories/${mid.id}`, { parentId: i % 2 ? left.id : right.id }, { token })),
        ...Array.from({ length: 6 }, (_, i) => http.post('/admin/categories', { handle: `cc-child-${i}`, name: `C${i}`, parentId: mid.id }, { token })),
        ...Array.from({ length: 4 }, () => http.post('/admin/collections', { handle: 'cc-race', title: 'race' }, { token })),
      ]);
      assert.ok(results.slice(0, 12).every((r) => r.status === 200 || r.status === 201), JSON.stringify(results.map((r) => r.status)));
      assert.deepEqual(results.slice(12).map((r) => r.status).sort(), [201, 409, 409, 409]);
      const rows = await app.db.selectFrom('catalogCategory').select(['id', 'parentId', 'path', 'depth']).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const row of rows) {
        const parent = row.parentId ? byId.get(row.parentId) : undefined;
        assert.equal(row.path, `${parent?.path ?? '/'}${row.id}/`, `path of ${row.id}`);
        assert.equal(row.depth, parent ? parent.depth + 1 : 0, `depth of ${row.id}`);
      }
      assert.equal(rows.filter((r) => r.parentId === mid.id).length, 6);
    });

    test('permissions: support reads but cannot write; customers and anonymous callers are refused', async () => {
      const writes: Array<[string, string, unknown]> = [
        ['POST', '/admin/categories', { handle: 'perm', name: 'x' }],
        ['PATCH', '/admin/categories/cat_x', { name: 'x' }],
        ['DELETE', '/admin/categories/cat_x', undefined],
        ['POST', '/admin/collections', { handle: 'perm', title: 'x' }],
        ['PATCH', '/admin/collections/col_x', { title: 'x' }],
        ['DELETE', '/admin/collections/col_x', undefined],
        ['POST', '/admin/attributes', { name: 'perm', type: 'text', label: 'x' }],
        ['PATCH', '/admin/attributes/color', { label: 'x' }],
        ['DELETE', '/admin/attributes/color', undefined],
        ['PUT', '/admin/exchange-rates/CNY/USD', { rate: '1' }],
        ['DELETE', '/admin/exchange-rates/CNY/USD', undefined],
      ];
      const reads = ['/admin/categories', '/admin/collections', '/admin/attributes', '/admin/exchange-rates'];
      const counts = await Promise.all((['catalogCategory', 'catalogCollection', 'catalogAttribute', 'catalogExchangeRate'] as const).map(count));
      const rate = await app.db.selectFrom('catalogExchangeRate').selectAll().where('base', '=', 'CNY').where('quote', '=', 'USD').executeTakeFirst();
      for (const [method, url, body] of writes) {
        assertProblem(await http.call(method, url, { body, token: supportToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body, token: customerToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body }), 401, 'AUTH_REQUIRED');
      }
      for (const url of reads) {
        assert.equal((await http.get(url, { token: supportToken })).status, 200, url);
        assertProblem(await http.get(url, { token: customerToken }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.get(url), 401, 'AUTH_REQUIRED');
      }
      assert.deepEqual(await Promise.all((['catalogCategory', 'catalogCollection', 'catalogAttribute', 'catalogExchangeRate'] as const).map(count)), counts);
      assert.deepEqual(await app.db.selectFrom('catalogExchangeRate').selectAll().where('base', '=', 'CNY').where('quote', '=', 'USD').executeTakeFirst(), rate);
      assert.equal((await http.get('/store/categories', { token: customerToken })).status, 200, 'store routes need no staff token');
      assert.equal((await http.get('/store/categories')).status, 200);
    });

    test('every staff write is audited under the acting staff member', async () => {
      const rows = await app.db.selectFrom('auditLog').select(['action', 'actorId', 'ip']).where('action', 'in', [
        'category.created',
        'category.updated',
        'category.deleted',
        'collection.created',
        'collection.updated',
        'collection.deleted',
        'attribute.created',
        'attribute.updated',
        'attribute.deleted',
        'exchange_rate.updated',
        'exchange_rate.deleted',
      ]).execute();
      assert.deepEqual(new Set(rows.map((r) => r.action)).size, 11);
      assert.ok(rows.every((r) => r.actorId === ownerId && typeof r.ip === 'string'));
    });
  });
}
