import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTransaction } from '../../src/platform/db/index.js';
import type { EnsureItem } from '../../src/modules/inventory/index.js';
import { signInActors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client, type Call } from '../helpers/http.js';


for (const engine of DATABASES) {
  describe(`inventory [${engine}]`, () => {
    let app: TestApp;
    let http: ReturnType<typeof client>;
    let owner: { id: string; token: string };
    let support: string;
    let customer: string;

    before(async () => {
      app = await buildTestApp(engine);
      http = client(app.server);
      const actors = await signInActors(app);
      ({ owner, supportToken: support, customerToken: customer } = actors);
      const east = await http.post('/admin/inventory-locations', { code: 'east', name: 'East warehouse' }, { token: owner.token });
      assert.equal(east.status, 201, JSON.stringify(east.body));
    });
    after(() => app.close());

    const inv = () => app.modules.inventory;
    const ensure = (items: EnsureItem[]) => withTransaction(app.db, (trx) => inv().ensureItems(trx, items));
    const reserve = (lines: { sku: string; quantity: number }[], reference?: string) => withTransaction(app.db, (trx) => inv().reserve(trx, lines, reference));
    const release = (id: string) => withTransaction(app.db, (trx) => inv().release(trx, id));
    const commit = (id: string) => withTransaction(app.db, (trx) => inv().commit(trx, id));
    const put = (sku: string, body: unknown, token = owner.token) => http.call('PUT', `/admin/inventory/${encodeURIComponent(sku)}`, { body, token });
    const levels = (sku: string) =>
      app.db
        .selectFrom('inventoryLevel as l')
        .innerJoin('inventoryLocation as loc', 'loc.id', 'l.locationId')
        .select(['loc.code', 'l.onHand', 'l.reserved'])
        .where('l.sku', '=', sku)
        .orderBy('loc.code')
        .execute();
    const movements = (sku: string) => app.db.selectFrom('inventoryMovement').selectAll().where('sku', '=', sku).orderBy('id').execute();
    const count = async (table: 'inventoryMovement' | 'inventoryReservation' | 'inventoryReservationLine' | 'inventoryLevel') =>
      Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    async function setLevel(sku: string, onHand: number, location?: string) {
      const res = await put(sku, { onHand, ...(location ? { location } : {}) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }
    /** The ledger adds up: per location, the deltas sum to the level and the last row matches it. */
    async function assertLedger(sku: string) {
      const rows = await movements(sku);
      const locs = await app.db.selectFrom('inventoryLocation').select(['id', 'code']).execute();
      for (const level of await levels(sku)) {
        const id = locs.find((l) => l.code === level.code)!.id;
        const mine = rows.filter((m) => m.locationId === id);
        assert.equal(mine.reduce((s, m) => s + m.deltaOnHand, 0), level.onHand, `${sku}@${level.code} on hand`);
        assert.equal(mine.reduce((s, m) => s + m.deltaReserved, 0), level.reserved, `${sku}@${level.code} reserved`);
        const last = mine[mine.length - 1];
        if (last) assert.deepEqual([last.onHandAfter, last.reservedAfter], [level.onHand, level.reserved]);
      }
    }

    test('the migration creates the default location; staff list and add locations', async () => {
      const list = await http.get('/admin/inventory-locations', { token: support });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(
        list.body.items.map((l: any) => [l.id === 'loc_default' ? 'loc_default' : 'loc_…', l.code, l.isDefault]),
        [
          ['loc_default', 'default', true],
          ['loc_…', 'east', false],
        ],
      );
      assert.equal(list.body.nextCursor, null);
      assertProblem(await http.post('/admin/inventory-locations', { code: 'east', name: 'Again' }, { token: owner.token }), 409, 'INVENTORY_LOCATION_CODE_TAKEN');
      for (const body of [{ code: 'East Side', name: 'x' }, { code: 'west' }, { code: 'west', name: '' }, { code: 'west', name: 'W', extra: 1 }]) {
        assertProblem(await http.post('/admin/inventory-locations', body, { token: owner.token }), 400, 'VALIDATION_FAILED');
      }
      assertProblem(await http.post('/admin/inventory-locations', { code: 'west', name: 'West' }, { token: support }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/inventory-locations', { token: customer }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.get('/admin/inventory-locations'), 401, 'AUTH_REQUIRED');
      assert.equal((await app.db.selectFrom('inventoryLocation').select('id').execute()).length, 2);
      const audit = await app.db.selectFrom('auditLog').selectAll().where('action', '=', 'inventory.location_created').execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actorId, owner.id);
    });

    test('a new default location takes the flag over; exactly one default', async () => {
      const app2 = await buildTestApp(engine);
      try {
        const inventory = app2.modules.inventory;
        const north = await inventory.createLocation({ code: 'north', name: 'North', isDefault: true });
        assert.equal(north.isDefault, true);
        assert.deepEqual((await inventory.listLocations()).map((l) => [l.code, l.isDefault]), [['north', true], ['default', false]]);
        await withTransaction(app2.db, (trx) => inventory.ensureItems(trx, [{ sku: 'N-1' }]));
        const set = await inventory.setStock(app2.db, { sku: 'N-1', onHand: 4 });
        assert.deepEqual(set.locations, [{ location: 'north', onHand: 4, reserved: 0, available: 4 }], 'no location given: the default one');
      } finally {
        await app2.close();
      }
    });

    test('ensureItems creates items and updates only the fields given', async () => {
      await ensure([{ sku: 'TEE-S', variantId: 'var_1' }, { sku: 'TEE-M', allowBackorder: true, lowStockThreshold: 2 }]);
      let rows = await app.db.selectFrom('inventoryItem').selectAll().where('sku', 'in', ['TEE-S', 'TEE-M']).orderBy('sku').execute();
      assert.deepEqual(
        rows.map((r) => [r.sku, r.variantId, r.allowBackorder, r.lowStockThreshold]),
        [
          ['TEE-M', null, true, 2],
          ['TEE-S', 'var_1', false, 5],
        ],
      );
      await ensure([{ sku: 'TEE-S', lowStockThreshold: 9 }, { sku: 'TEE-M' }, { sku: 'TEE-M', variantId: 'var_2' }]);
      rows = await app.db.selectFrom('inventoryItem').selectAll().where('sku', 'in', ['TEE-S', 'TEE-M']).orderBy('sku').execute();
      assert.deepEqual(
        rows.map((r) => [r.sku, r.variantId, r.allowBackorder, r.lowStockThreshold]),
        [
          ['TEE-M', 'var_2', true, 2],
          ['TEE-S', 'var_1', false, 9],
        ],
      );
      await assert.rejects(ensure([{ sku: '' }]), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');
      await assert.rejects(ensure([{ sku: 'X', lowStockThreshold: -1 }]), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');

      const fresh = await http.get('/admin/inventory/TEE-S', { token: support });
      assert.equal(fresh.status, 200);
      assert.deepEqual(fresh.body, { sku: 'TEE-S', onHand: 0, reserved: 0, available: 0, allowBackorder: false, lowStockThreshold: 9, locations: [] });
      const view = await inv().availability(app.db, ['TEE-S', 'TEE-M', 'NOPE']);
      assert.deepEqual(Object.fromEntries(view), {
        'TEE-S': { onHand: 0, reserved: 0, available: 0, allowBackorder: false, lowStockThreshold: 9 },
        'TEE-M': { onHand: 0, reserved: 0, available: 0, allowBackorder: true, lowStockThreshold: 2 },
      });
      assert.equal((await inv().availability(app.db, [])).size, 0);

      // Bulk loads record `import` movements.
      const loaded = await withTransaction(app.db, (trx) => inv().setStock(trx, { sku: 'TEE-S', onHand: 3, reason: 'import', kind: 'import' }));
      assert.equal(loaded.onHand, 3);
      assert.deepEqual((await movements('TEE-S')).map((m) => [m.kind, m.deltaOnHand, m.reason, m.actorId]), [['import', 3, 'import', null]]);
    });

    test('PUT sets and adjusts stock per location; the ledger adds up; every change is audited', async () => {
      await ensure([{ sku: 'MUG' }]);
      const set = await put('MUG', { onHand: 10 });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual(set.body, {
        sku: 'MUG',
        onHand: 10,
        reserved: 0,
        available: 10,
        allowBackorder: false,
        lowStockThreshold: 5,
        locations: [{ location: 'default', onHand: 10, reserved: 0, available: 10 }],
      });
      const adjusted = await put('MUG', { delta: -3, reason: 'damaged in transit' });
      assert.equal(adjusted.status, 200, JSON.stringify(adjusted.body));
      assert.equal(adjusted.body.onHand, 7);
      const east = await put('MUG', { onHand: 5, location: 'east' });
      assert.equal(east.status, 200);
      assert.deepEqual(
        east.body.locations.map((l: any) => [l.location, l.onHand]),
        [
          ['default', 7],
          ['east', 5],
        ],
      );
      assert.equal(east.body.onHand, 12);
      assert.equal((await put('MUG', { delta: 4, reason: 'restock', location: 'east' })).body.onHand, 16);
      assert.equal((await put('MUG', { onHand: 9, location: 'east' })).body.onHand, 16, 'a count equal to the level is recorded as a zero change');
      assert.deepEqual(await levels('MUG'), [
        { code: 'default', onHand: 7, reserved: 0 },
        { code: 'east', onHand: 9, reserved: 0 },
      ]);
      const get = await http.get('/admin/inventory/MUG', { token: support });
      assert.equal(get.status, 200);
      assert.equal(get.body.onHand, 16);

      const rows = await movements('MUG');
      assert.deepEqual(
        rows.map((m) => [m.kind, m.deltaOnHand, m.onHandAfter, m.reason, m.actorId]),
        [
          ['set', 10, 10, null, owner.id],
          ['adjust', -3, 7, 'damaged in transit', owner.id],
          ['set', 5, 5, null, owner.id],
          ['adjust', 4, 9, 'restock', owner.id],
          ['set', 0, 9, null, owner.id],
        ],
      );
      await assertLedger('MUG');

      const audit = await app.db.selectFrom('auditLog').selectAll().where('action', '=', 'inventory.adjusted').where('targetId', '=', 'MUG').orderBy('id').execute();
      assert.equal(audit.length, 5);
      assert.ok(audit.every((a) => a.actorId === owner.id && a.targetType === 'sku'));
      assert.deepEqual(audit[1]!.data, { delta: -3, reason: 'damaged in transit', location: null, totalOnHand: 7 });

      // Newest first, paged.
      const seen: any[] = [];
      let cursor: string | null = null;
      do {
        const res: Call = await http.get(`/admin/inventory/MUG/movements?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: support });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.map((m) => m.id), rows.map((m) => m.id).reverse());
      assert.deepEqual(Object.keys(seen[0]).sort(), ['actorId', 'createdAt', 'deltaOnHand', 'deltaReserved', 'id', 'kind', 'location', 'onHandAfter', 'reason', 'reference', 'reservedAfter']);
      assert.equal(seen[0].location, 'east');
      assertProblem(await http.get('/admin/inventory/MUG/movements?cursor=garbage', { token: support }), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http.get('/admin/inventory/NOPE/movements', { token: support }), 404, 'INVENTORY_ITEM_NOT_FOUND');
    });

    test('invalid stock writes → 400/404/409 and nothing changes', async () => {
      await ensure([{ sku: 'BAG' }]);
      await setLevel('BAG', 5);
      const r = await reserve([{ sku: 'BAG', quantity: 3 }]);
      assert.ok(r.ok);
      const before = { levels: await levels('BAG'), movements: await count('inventoryMovement'), levelRows: await count('inventoryLevel') };

      const bad: Array<[unknown, string]> = [
        [{ onHand: 3, delta: 1, reason: 'both' }, '/'],
        [{ onHand: -1 }, '/'],
        [{ onHand: 1.5 }, '/'],
        [{ delta: 2 }, '/'],
        [{ delta: 0, reason: 'nothing' }, '/'],
        [{ delta: 1, reason: '' }, '/'],
        [{ delta: 1, reason: 'x'.repeat(201) }, '/'],
        [{ onHand: 1, location: 'Not A Code' }, '/'],
        [{ onHand: 1, reserved: 2 }, '/'],
        [{}, '/'],
      ];
      for (const [body] of bad) assertProblem(await put('BAG', body), 400, 'VALIDATION_FAILED');
      assertProblem(await http.call('PUT', '/admin/inventory/BAG', { token: owner.token, raw: '{"onHand": ' }), 400, 'MALFORMED_JSON');
      assertProblem(await put('NO-SUCH-SKU', { onHand: 1 }), 404, 'INVENTORY_ITEM_NOT_FOUND');
      assertProblem(await put('BAG', { onHand: 1, location: 'nowhere' }), 404, 'INVENTORY_LOCATION_NOT_FOUND');
      const below = await put('BAG', { onHand: 2 });
      assertProblem(below, 409, 'INVENTORY_INVALID_ADJUSTMENT');
      assert.match(below.body.detail, /below the 3 reserved/);
      assertProblem(await put('BAG', { delta: -3, reason: 'lost' }), 409, 'INVENTORY_INVALID_ADJUSTMENT');
      assertProblem(await put('BAG', { delta: -6, reason: 'lost' }), 409, 'INVENTORY_INVALID_ADJUSTMENT');
      assertProblem(await put('BAG', { delta: -1, reason: 'lost', location: 'east' }), 409, 'INVENTORY_INVALID_ADJUSTMENT');

      assert.deepEqual(await levels('BAG'), before.levels);
      assert.equal(await count('inventoryMovement'), before.movements);
      assert.equal(await count('inventoryLevel'), before.levelRows, 'the level row made for the failed write rolled back');
      assert.equal((await put('BAG', { delta: -2, reason: 'sold in store' })).status, 200, 'down to exactly the reserved amount is fine');

      // Module callers get the same rules without the HTTP schema.
      await assert.rejects(inv().setStock(app.db, { sku: 'BAG', onHand: 1, delta: 1 }), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');
      await assert.rejects(inv().setStock(app.db, { sku: 'BAG', delta: 1 }), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');
      await assert.rejects(inv().setStock(app.db, { sku: 'BAG', onHand: -1 }), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');
      await assertLedger('BAG');
    });

    test('permissions: support reads but cannot write; customers and anonymous callers are refused', async () => {
      await ensure([{ sku: 'CAP' }]);
      assertProblem(await put('CAP', { onHand: 5 }, support), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http.patch('/admin/inventory/CAP', { allowBackorder: true }, { token: support }), 403, 'AUTH_FORBIDDEN');
      assert.equal((await http.get('/admin/inventory/CAP', { token: support })).status, 200);
      assert.equal((await http.get('/admin/inventory/CAP/movements', { token: support })).status, 200);
      const cases: Array<[string, string, unknown]> = [
        ['GET', '/admin/inventory/CAP', undefined],
        ['PUT', '/admin/inventory/CAP', { onHand: 5 }],
        ['PATCH', '/admin/inventory/CAP', { allowBackorder: true }],
        ['GET', '/admin/inventory/CAP/movements', undefined],
        ['GET', '/admin/inventory-locations', undefined],
        ['POST', '/admin/inventory-locations', { code: 'west', name: 'West' }],
      ];
      for (const [method, url, body] of cases) {
        assertProblem(await http.call(method, url, { body, token: customer }), 403, 'AUTH_FORBIDDEN');
        assertProblem(await http.call(method, url, { body }), 401, 'AUTH_REQUIRED');
      }
      assert.deepEqual(await levels('CAP'), []);
      assert.equal((await app.db.selectFrom('inventoryItem').select('allowBackorder').where('sku', '=', 'CAP').executeTakeFirstOrThrow()).allowBackorder, false);
    });

    test('PATCH changes backorder and threshold; empty or unknown → 400/404', async () => {
      await ensure([{ sku: 'HAT' }]);
      const res = await http.patch('/admin/inventory/HAT', { allowBackorder: true, lowStockThreshold: 0 }, { token: owner.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.allowBackorder, true);
      assert.equal(res.body.lowStockThreshold, 0);
      assertProblem(await http.patch('/admin/inventory/HAT', {}, { token: owner.token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch('/admin/inventory/HAT', { lowStockThreshold: -1 }, { token: owner.token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch('/admin/inventory/HAT', { allowBackorder: 'yes' }, { token: owner.token }), 400, 'VALIDATION_FAILED');
      assertProblem(await http.patch('/admin/inventory/NOPE', { allowBackorder: true }, { token: owner.token }), 404, 'INVENTORY_ITEM_NOT_FOUND');
      assertProblem(await http.get('/admin/inventory/NOPE', { token: owner.token }), 404, 'INVENTORY_ITEM_NOT_FOUND');
      const audit = await app.db.selectFrom('auditLog').selectAll().where('action', '=', 'inventory.item_updated').where('targetId', '=', 'HAT').execute();
      assert.equal(audit.length, 1);
      assert.deepEqual(audit[0]!.data, { allowBackorder: true, lowStockThreshold: 0 });
    });

    test('reserve splits over two locations (default first); release and commit; not active → 409', async () => {
      await ensure([{ sku: 'SOCK' }]);
      await setLevel('SOCK', 3);
      await setLevel('SOCK', 5, 'east');

      const r = await reserve([{ sku: 'SOCK', quantity: 6 }], 'ord_1');
      assert.ok(r.ok, JSON.stringify(r));
      assert.match(r.reservationId, /^rsv_/);
      assert.deepEqual(await levels('SOCK'), [
        { code: 'default', onHand: 3, reserved: 3 },
        { code: 'east', onHand: 5, reserved: 3 },
      ]);
      const rsv = await inv().getReservation(app.db, r.reservationId);
      assert.equal(rsv.status, 'active');
      assert.equal(rsv.reference, 'ord_1');
      assert.deepEqual(rsv.lines, [
        { sku: 'SOCK', location: 'default', quantity: 3 },
        { sku: 'SOCK', location: 'east', quantity: 3 },
      ]);
      const reserveMoves = (await movements('SOCK')).filter((m) => m.kind === 'reserve');
      assert.equal(reserveMoves.length, 2);
      assert.ok(reserveMoves.every((m) => m.reference === r.reservationId && m.deltaOnHand === 0 && m.deltaReserved === 3));
      assert.equal((await inv().availability(app.db, ['SOCK'])).get('SOCK')!.available, 2);

      await release(r.reservationId);
      assert.deepEqual(await levels('SOCK'), [
        { code: 'default', onHand: 3, reserved: 0 },
        { code: 'east', onHand: 5, reserved: 0 },
      ]);
      assert.equal((await inv().getReservation(app.db, r.reservationId)).status, 'released');
      const before = await count('inventoryMovement');
      await assert.rejects(release(r.reservationId), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_ACTIVE' && err.status === 409);
      await assert.rejects(commit(r.reservationId), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_ACTIVE');
      assert.equal(await count('inventoryMovement'), before);

      // The default location has most only after the others: 4 = 3 (default) + 1 (east).
      const sale = await reserve([{ sku: 'SOCK', quantity: 4 }], 'ord_2');
      assert.ok(sale.ok);
      await commit(sale.reservationId);
      assert.deepEqual(await levels('SOCK'), [
        { code: 'default', onHand: 0, reserved: 0 },
        { code: 'east', onHand: 4, reserved: 0 },
      ]);
      assert.equal((await inv().getReservation(app.db, sale.reservationId)).status, 'committed');
      const commits = (await movements('SOCK')).filter((m) => m.kind === 'commit');
      assert.deepEqual(commits.map((m) => [m.deltaOnHand, m.deltaReserved, m.reference]).sort(), [
        [-1, -1, sale.reservationId],
        [-3, -3, sale.reservationId],
      ]);
      await assert.rejects(commit(sale.reservationId), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_ACTIVE');
      await assert.rejects(release(sale.reservationId), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_ACTIVE');
      await assert.rejects(release('rsv_missing'), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_FOUND' && err.status === 404);
      await assert.rejects(commit('rsv_missing'), (err: any) => err.code === 'INVENTORY_RESERVATION_NOT_FOUND');
      await assertLedger('SOCK');
      const ledger = await http.get('/admin/inventory/SOCK/movements?limit=100', { token: owner.token });
      assert.deepEqual(ledger.body.items.map((m: any) => m.kind).slice(0, 4), ['commit', 'commit', 'reserve', 'reserve']);
    });

    test('reserve is all or nothing: one short line → nothing reserved, shortages listed', async () => {
      await ensure([{ sku: 'PEN' }, { sku: 'INK' }]);
      await setLevel('PEN', 2);
      await setLevel('PEN', 1, 'east');
      await setLevel('INK', 10);
      const before = {
        pen: await levels('PEN'),
        ink: await levels('INK'),
        moves: await count('inventoryMovement'),
        rsv: await count('inventoryReservation'),
        lines: await count('inventoryReservationLine'),
      };
      const r = await reserve([
        { sku: 'INK', quantity: 1 },
        { sku: 'PEN', quantity: 2 },
        { sku: 'PEN', quantity: 2 },
        { sku: 'GHOST', quantity: 1 },
      ]);
      assert.deepEqual(r, {
        ok: false,
        shortages: [
          { sku: 'GHOST', requested: 1, available: 0 },
          { sku: 'PEN', requested: 4, available: 3 },
        ],
      });
      assert.deepEqual(await levels('PEN'), before.pen);
      assert.deepEqual(await levels('INK'), before.ink);
      assert.equal(await count('inventoryMovement'), before.moves);
      assert.equal(await count('inventoryReservation'), before.rsv);
      assert.equal(await count('inventoryReservationLine'), before.lines);

      const ok = await reserve([
        { sku: 'PEN', quantity: 3 },
        { sku: 'INK', quantity: 1 },
      ]);
      assert.ok(ok.ok);
      assert.deepEqual(await levels('PEN'), [
        { code: 'default', onHand: 2, reserved: 2 },
        { code: 'east', onHand: 1, reserved: 1 },
      ]);
      assert.deepEqual(await reserve([{ sku: 'PEN', quantity: 1 }]), { ok: false, shortages: [{ sku: 'PEN', requested: 1, available: 0 }] });
      for (const lines of [[], [{ sku: 'PEN', quantity: 0 }], [{ sku: 'PEN', quantity: 1.5 }], [{ sku: '', quantity: 1 }]]) {
        await assert.rejects(reserve(lines), (err: any) => err.code === 'INVENTORY_INVALID_INPUT');
      }
      await assertLedger('PEN');
      await assertLedger('INK');
    });

    test('a backorder item reserves beyond its stock; commit waits for the stock to arrive', async () => {
      await ensure([{ sku: 'PRE', allowBackorder: true }, { sku: 'NONE', allowBackorder: true }]);
      await setLevel('PRE', 1, 'east');
      const r = await reserve([{ sku: 'PRE', quantity: 4 }]);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(await levels('PRE'), [
        { code: 'default', onHand: 0, reserved: 3 },
        { code: 'east', onHand: 1, reserved: 1 },
      ]);
      assert.deepEqual((await inv().availability(app.db, ['PRE'])).get('PRE'), { onHand: 1, reserved: 4, available: -3, allowBackorder: true, lowStockThreshold: 5 });
      const view = await app.db.selectFrom('inventorySkuAvailability').selectAll().where('sku', '=', 'PRE').executeTakeFirstOrThrow();
      assert.equal(view.available, -3);
      const none = await reserve([{ sku: 'NONE', quantity: 2 }]);
      assert.ok(none.ok, 'no level anywhere yet');

      // Backorder items may be counted down below what is reserved.
      assert.equal((await put('PRE', { onHand: 0, location: 'east' })).status, 200);
      const moves = await count('inventoryMovement');
      await assert.rejects(commit(r.reservationId), (err: any) => err.code === 'INVENTORY_INSUFFICIENT_STOCK' && err.status === 409);
      assert.equal(await count('inventoryMovement'), moves);
      assert.equal((await inv().getReservation(app.db, r.reservationId)).status, 'active');

      // Turning backorder off keeps the over-reservation; stock can still arrive, but not be lowered.
      assert.equal((await http.patch('/admin/inventory/PRE', { allowBackorder: false }, { token: owner.token })).status, 200);
      assert.equal((await put('PRE', { delta: 2, reason: 'delivery' })).status, 200);
      assertProblem(await put('PRE', { delta: -1, reason: 'broken' }), 409, 'INVENTORY_INVALID_ADJUSTMENT');
      assert.deepEqual(await reserve([{ sku: 'PRE', quantity: 1 }]), { ok: false, shortages: [{ sku: 'PRE', requested: 1, available: 0 }] });
      assert.equal((await put('PRE', { delta: 1, reason: 'delivery' })).status, 200);
      assert.equal((await put('PRE', { onHand: 1, location: 'east' })).status, 200);
      await commit(r.reservationId);
      assert.deepEqual(await levels('PRE'), [
        { code: 'default', onHand: 0, reserved: 0 },
        { code: 'east', onHand: 0, reserved: 0 },
      ]);
      await assertLedger('PRE');
      await assertLedger('NONE');
    });

    test('renameSku moves levels and history; removeItems refuses while reserved, keeps the ledger', async () => {
      await ensure([{ sku: 'OLD-1', variantId: 'var_9' }, { sku: 'TAKEN' }]);
      await setLevel('OLD-1', 4);
      const r = await reserve([{ sku: 'OLD-1', quantity: 1 }]);
      assert.ok(r.ok);
      await assert.rejects(withTransaction(app.db, (trx) => inv().renameSku(trx, 'OLD-1', 'TAKEN')), (err: any) => err.code === 'INVENTORY_SKU_TAKEN');
      await assert.rejects(withTransaction(app.db, (trx) => inv().renameSku(trx, 'NOPE', 'NEW')), (err: any) => err.code === 'INVENTORY_ITEM_NOT_FOUND');
      await withTransaction(app.db, (trx) => inv().renameSku(trx, 'OLD-1', 'NEW-1'));
      assertProblem(await http.get('/admin/inventory/OLD-1', { token: owner.token }), 404, 'INVENTORY_ITEM_NOT_FOUND');
      const moved = await http.get('/admin/inventory/NEW-1', { token: owner.token });
      assert.equal(moved.body.onHand, 4);
      assert.equal(moved.body.reserved, 1);
      assert.equal((await movements('NEW-1')).length, 2);
      assert.equal((await movements('OLD-1')).length, 0);
      assert.deepEqual((await inv().getReservation(app.db, r.reservationId)).lines, [{ sku: 'NEW-1', location: 'default', quantity: 1 }]);

      await assert.rejects(withTransaction(app.db, (trx) => inv().removeItems(trx, ['TAKEN', 'NEW-1'])), (err: any) => err.code === 'INVENTORY_ITEM_RESERVED' && /NEW-1/.test(err.detail));
      assert.ok(await app.db.selectFrom('inventoryItem').select('sku').where('sku', '=', 'TAKEN').executeTakeFirst(), 'nothing removed');
      await release(r.reservationId);
      await withTransaction(app.db, (trx) => inv().removeItems(trx, ['TAKEN', 'NEW-1', 'NEVER-EXISTED']));
      assert.deepEqual(await levels('NEW-1'), []);
      assertProblem(await http.get('/admin/inventory/NEW-1', { token: owner.token }), 404, 'INVENTORY_ITEM_NOT_FOUND');
      const history = await http.get('/admin/inventory/NEW-1/movements', { token: owner.token });
      assert.equal(history.status, 200);
      assert.equal(history.body.items.length, 3);
      assert.equal((await inv().availability(app.db, ['NEW-1'])).size, 0);
    });
  });
}
