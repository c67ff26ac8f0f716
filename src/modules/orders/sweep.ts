import { sql } from 'kysely';
import { withTransaction } from '../../platform/db/index.js';
import { SYSTEM, type OrderDeps } from './deps.js';
import { cancelInTx, receiveInTx, transition } from './lifecycle.js';

const BATCH = 50;

/**
 * One pass of the order clock: cancels unpaid orders past their payment deadline (releasing
 * their stock), marks orders received N days after they fully shipped, and completes delivered
 * orders once the return window closes. Each batch claims its rows with FOR UPDATE SKIP
 * LOCKED, so any number of processes may sweep at once without acting twice. Returns how many
 * orders changed (a full batch means there may be more).
 */
export async function sweepOrders(deps: OrderDeps): Promise<number> {
  let changed = 0;
  changed += await withTransaction(deps.db, async (trx) => {
    const due = await trx
      .selectFrom('orders')
      .selectAll()
      .where('status', '=', 'pending_payment')
      .where('paymentDueAt', '<', sql<Date>`now()`)
      .orderBy('paymentDueAt')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const order of due) await cancelInTx(deps, trx, order, SYSTEM, 'payment not received in time');
    return due.length;
  });
  changed += await withTransaction(deps.db, async (trx) => {
    const due = await trx
      .selectFrom('orders')
      .selectAll()
      .where('fulfillmentStatus', '=', 'shipped')
      .where('status', 'in', ['shipped', 'partially_refunded'])
      .where('shippedAt', '<', sql<Date>`now() - make_interval(days => ${deps.config.autoReceiveDays})`)
      .orderBy('shippedAt')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const order of due) await receiveInTx(trx, order, SYSTEM);
    return due.length;
  });
  changed += await withTransaction(deps.db, async (trx) => {
    const due = await trx
      .selectFrom('orders')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'delivered'), eb.and([eb('status', '=', 'partially_refunded'), eb('fulfillmentStatus', '=', 'delivered')])]))
      .where('deliveredAt', '<', sql<Date>`now() - make_interval(days => ${deps.config.autoCompleteDays})`)
      .orderBy('deliveredAt')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const order of due) await transition(trx, order, 'completed', SYSTEM, { set: { completedAt: new Date() }, note: 'return window closed' });
    return due.length;
  });
  return changed;
}
