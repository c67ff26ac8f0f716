import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTransaction } from '../../src/platform/db/index.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';

// PGlite runs one transaction at a time, so races can only be shown on PostgreSQL.
for (const engine of DATABASES.filter((e) => e === 'postgres')) {
  describe(`inventory under concurrency [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
    });
    after(() => app.close());

    const inv = () => app.modules.inventory;
    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();
    const moves = async (sku: string, kind: string) =>
      Number(
        (
          await app.db
            .selectFrom('inventoryMovement')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('sku', '=', sku)
            .where('kind', '=', kind as 'reserve')
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('50 parallel reservations of 1 against 10 in stock: exactly 10 succeed', async () => {
      await withTransaction(app.db, (trx) => inv().ensureItems(trx, [{ sku: 'HOT' }]));
      await inv().setStock(app.db, { sku: 'HOT', onHand: 10 });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => withTransaction(app.db, (trx) => inv().reserve(trx, [{ sku: 'HOT', quantity: 1 }], `ord_${i}`))));
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 10);
      for (const r of results) if (!r.ok) assert.deepEqual(r.shortages, [{ sku: 'HOT', requested: 1, available: 0 }]);
      assert.deepEqual(await level('HOT'), { onHand: 10, reserved: 10 });
      assert.equal((await inv().availability(app.db, ['HOT'])).get('HOT')!.available, 0);
      assert.equal(await moves('HOT', 'reserve'), 10);
      const rsv = await app.db.selectFrom('inventoryReservation').select('id').where('status', '=', 'active').execute();
      assert.equal(rsv.length, 10);
    });

    test('30 parallel transfers of 1 out of a pool of 10: exactly 10 move, the pool ends empty, reserved stays 10', async () => {
      await withTransaction(app.db, (trx) => inv().ensureItems(trx, [{ sku: 'POOL' }]));
      await inv().setStock(app.db, { sku: 'POOL', onHand: 25 });
      const pool = await withTransaction(app.db, (trx) => inv().reserve(trx, [{ sku: 'POOL', quantity: 10 }], 'sale_pool'));
      assert.ok(pool.ok);
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => withTransaction(app.db, (trx) => inv().transferReservation(trx, pool.reservationId, [{ sku: 'POOL', quantity: 1 }], `ord_pool_${i}`))),
      );
      const moved = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
      assert.equal(moved.length, 10);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'INVENTORY_INSUFFICIENT_STOCK');
      const lines = await app.db.selectFrom('inventoryReservationLine').select(['reservationId', 'quantity']).where('sku', '=', 'POOL').execute();
      assert.deepEqual(lines.filter((l) => l.reservationId === pool.reservationId), [], 'the last unit took the line with it');
      assert.deepEqual(lines.map((l) => l.reservationId).sort(), [...moved].sort());
      assert.ok(lines.every((l) => l.quantity === 1));
      const refs = await app.db.selectFrom('inventoryReservation').select(['reference', 'status']).where('id', 'in', moved).execute();
      assert.equal(refs.length, 10);
      assert.ok(refs.every((r) => r.status === 'active' && r.reference!.startsWith('ord_pool_')));
      assert.deepEqual(await level('POOL'), { onHand: 25, reserved: 10 }, 'a transfer moves units between reservations, never the level');
    });

    test('20 parallel two-SKU reservations in opposite orders finish with consistent totals', async () => {
      await withTransaction(app.db, (trx) => inv().ensureItems(trx, [{ sku: 'LEFT' }, { sku: 'RIGHT' }]));
      await inv().setStock(app.db, { sku: 'LEFT', onHand: 30 });
      await inv().setStock(app.db, { sku: 'RIGHT', onHand: 30 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const lines = [
            { sku: 'LEFT', quantity: 2 },
            { sku: 'RIGHT', quantity: 2 },
          ];
          if (i % 2) lines.reverse();
          return withTransaction(app.db, (trx) => inv().reserve(trx, lines));
        }),
      );
      // 30 units of each cover 15 reservations of 2.
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 15);
      assert.deepEqual(await level('LEFT'), { onHand: 30, reserved: 30 });
      assert.deepEqual(await level('RIGHT'), { onHand: 30, reserved: 30 });
      assert.equal(await moves('LEFT', 'reserve'), 15);
      assert.equal(await moves('RIGHT', 'reserve'), 15);

      // Releasing and committing in parallel, also racing a second attempt at each, stays exact.
      const ids = ok.map((r) => (r.ok ? r.reservationId : ''));
      const outcomes = await Promise.allSettled(
        ids.flatMap((id, i) => {
          const act = (trx: Parameters<Parameters<typeof withTransaction>[1]>[0]) => (i % 2 ? inv().commit(trx, id) : inv().release(trx, id));
          return [withTransaction(app.db, act), withTransaction(app.db, act)];
        }),
      );
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(rejected.length, ids.length, 'the second attempt at each reservation is refused');
      assert.ok(rejected.every((o) => (o as PromiseRejectedResult).reason.code === 'INVENTORY_RESERVATION_NOT_ACTIVE'));
      const committed = ids.filter((_, i) => i % 2).length;
      for (const sku of ['LEFT', 'RIGHT']) {
        assert.deepEqual(await level(sku), { onHand: 30 - 2 * committed, reserved: 0 });
        const sums = await app.db
          .selectFrom('inventoryMovement')
          .select((eb) => [eb.fn.sum<number>('deltaOnHand').as('onHand'), eb.fn.sum<number>('deltaReserved').as('reserved')])
          .where('sku', '=', sku)
          .executeTakeFirstOrThrow();
        assert.deepEqual([Number(sums.onHand), Number(sums.reserved)], [30 - 2 * committed, 0]);
      }
    });

    test('parallel stock decrements never take on hand below what is reserved', async () => {
      await withTransaction(app.db, (trx) => inv().ensureItems(trx, [{ sku: 'DEC' }]));
      await inv().setStock(app.db, { sku: 'DEC', onHand: 20 });
      const r = await withTransaction(app.db, (trx) => inv().reserve(trx, [{ sku: 'DEC', quantity: 5 }]));
      assert.ok(r.ok);
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => inv().setStock(app.db, { sku: 'DEC', delta: -1, reason: 'shrinkage' })));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 15);
      assert.ok(outcomes.every((o) => o.status === 'fulfilled' || o.reason.code === 'INVENTORY_INVALID_ADJUSTMENT'));
      assert.deepEqual(await level('DEC'), { onHand: 5, reserved: 5 });
    });
  });
}
