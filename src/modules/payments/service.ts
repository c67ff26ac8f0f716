import { sql, type Kysely } from 'kysely';
import { publish } from '../../platform/events/index.js';
import { withTransaction, type Database, type Tx } from '../../platform/db/index.js';
import { decodeCursor, toPage } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { providerOf, type Ctx, type PayableOrder, type Viewer } from './deps.js';
import { paymentError } from './errors.js';
import type { PaymentAction } from './providers/index.js';
import type { AdminPayment, Payment, PaymentDetail, PaymentListQuery } from './schemas.js';
import { toAdminPayment, toNotification, toPayment, toRefundPart, type PaymentRow } from './views.js';

export interface PaymentRequest {
  provider: string;
  returnUrl?: string | null;
}

export interface PaymentStart {
  payment: Payment;
  action: PaymentAction;
  /** False when an existing pending payment was handed back. */
  created: boolean;
}

/** Locks the pending payment of (order, provider), if any. */
async function lockPending(trx: Tx, orderId: string, provider: string): Promise<PaymentRow | undefined> {
  return trx.selectFrom('payment').selectAll().where('orderId', '=', orderId).where('provider', '=', provider).where('status', '=', 'pending').forUpdate().executeTakeFirst();
}

/** Inserts a pending attempt, unless (order, provider) already has one: the partial unique index decides. */
function insertPending(db: Kysely<Database>, order: PayableOrder, provider: string, amount: number): Promise<PaymentRow | undefined> {
  return db
    .insertInto('payment')
    .values({ id: newId('pay'), orderId: order.id, provider, status: 'pending', amount, currency: order.currency, gatewayReference: null, action: null, failureReason: null, succeededAt: null })
    .onConflict((oc) => oc.columns(['orderId', 'provider']).where('status', '=', sql.lit('pending')).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Phase one of starting a payment: reuse the pending attempt of this provider when it is for the
 * same amount, otherwise (cancelling a stale one) record a new pending attempt. The partial
 * unique index makes two concurrent starts meet on one row.
 */
async function recordAttempt(db: Kysely<Database>, order: PayableOrder, provider: string, amount: number): Promise<{ row: PaymentRow; created: boolean }> {
  // Most starts are an order's first: that is one statement, and needs no transaction.
  const first = await insertPending(db, order, provider, amount);
  if (first) return { row: first, created: true };
  return withTransaction(db, async (trx) => {
    const existing = await lockPending(trx, order.id, provider);
    if (existing && Number(existing.amount) === amount && existing.currency === order.currency) return { row: existing, created: false };
    if (existing) {
      await trx
        .updateTable('payment')
        .set({ status: 'cancelled', failureReason: 'superseded: the amount due changed', updatedAt: new Date() })
        .where('id', '=', existing.id)
        .execute();
    }
    const inserted = await insertPending(trx, order, provider, amount);
    if (inserted) return { row: inserted, created: true };
    // Another request inserted it first and has committed (ON CONFLICT waited for it).
    const winner = await lockPending(trx, order.id, provider);
    if (!winner) throw paymentError('PAYMENT_ORDER_NOT_PAYABLE', { detail: 'A concurrent payment attempt changed the order; retry' });
    return { row: winner, created: false };
  });
}

/**
 * Starts (or resumes) paying an order: the amount and currency always come from the order
 * (`total − paidTotal`). The attempt is recorded first, the gateway is called outside any
 * transaction (providers are idempotent on our payment id), then its answer is stored.
 */
export async function createPayment(ctx: Ctx, orderId: string, viewer: Viewer, input: PaymentRequest): Promise<PaymentStart> {
  const provider = providerOf(ctx, input.provider);
  const order = await ctx.orders.forPayment(ctx.db, orderId, viewer);
  const due = order.total - order.paidTotal;
  if (order.status !== 'pending_payment' || due <= 0) {
    throw paymentError('PAYMENT_ORDER_NOT_PAYABLE', { detail: `Order ${order.number} is ${order.status} and has nothing to pay` });
  }
  const { row, created } = await recordAttempt(ctx.db, order, provider.id, due);
  if (row.action) return { payment: toPayment(row), action: row.action, created: false };

  let answer: Awaited<ReturnType<typeof provider.createPayment>>;
  try {
    answer = await provider.createPayment({
      paymentId: row.id,
      orderId: order.id,
      orderNumber: order.number,
      amount: due,
      currency: order.currency,
      description: `Order ${order.number}`,
      returnUrl: input.returnUrl ?? null,
      notifyUrl: `${ctx.publicUrl}/webhooks/payments/${provider.id}`,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn({ err, paymentId: row.id, provider: provider.id }, 'payment provider refused to create a payment');
    await withTransaction(ctx.db, async (trx) => {
      const failed = await trx
        .updateTable('payment')
        .set({ status: 'failed', failureReason: `provider error: ${message}`.slice(0, 500), updatedAt: new Date() })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .returning('id')
        .executeTakeFirst();
      if (failed) await publish(trx, 'payment.failed', { paymentId: row.id, orderId: order.id, provider: provider.id, reason: 'provider_error' });
    });
    throw paymentError('PAYMENT_PROVIDER_ERROR', { detail: `${provider.id} could not start the payment`, cause: err });
  }

  // The status is left alone: a notification may already have settled the payment.
  const stored = await ctx.db
    .updateTable('payment')
    .set({ gatewayReference: answer.gatewayReference, action: JSON.stringify(answer.action), updatedAt: new Date() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { payment: toPayment(stored), action: answer.action, created };
}

/** The payments of an order its viewer may see, oldest first. Throws 404 `ORDER_NOT_FOUND`. */
export async function listOrderPayments(ctx: Ctx, orderId: string, viewer: Viewer): Promise<Payment[]> {
  await ctx.orders.forPayment(ctx.db, orderId, viewer);
  const rows = await ctx.db.selectFrom('payment').selectAll().where('orderId', '=', orderId).orderBy('id').execute();
  return rows.map(toPayment);
}

/** Staff view of an order's payments, oldest first (no visibility check: the caller is staff). */
export async function paymentsFor(ctx: Ctx, orderId: string): Promise<AdminPayment[]> {
  const rows = await ctx.db.selectFrom('payment').selectAll().where('orderId', '=', orderId).orderBy('id').execute();
  return rows.map(toAdminPayment);
}

/** A page of payments, newest first. */
export async function listPayments(ctx: Ctx, query: PaymentListQuery): Promise<{ items: AdminPayment[]; nextCursor: string | null }> {
  let q = ctx.db.selectFrom('payment').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.cursor) q = q.where('id', '<', String(decodeCursor(query.cursor, 1)[0]));
  if (query.orderId) q = q.where('orderId', '=', query.orderId);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.provider) q = q.where('provider', '=', query.provider);
  if (query.refundDue !== undefined) q = q.where('refundDue', '=', query.refundDue);
  return toPage(await q.execute(), query.limit, toAdminPayment, (r) => [r.id]);
}

/** One payment with its notifications and refunds. Throws 404 `PAYMENT_NOT_FOUND`. */
export async function getPayment(ctx: Ctx, id: string): Promise<PaymentDetail> {
  const row = await ctx.db.selectFrom('payment').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw paymentError('PAYMENT_NOT_FOUND', { detail: `No payment ${id}` });
  const [notifications, refunds] = await Promise.all([
    ctx.db.selectFrom('paymentNotification').selectAll().where('paymentId', '=', id).orderBy('receivedAt').orderBy('id').execute(),
    ctx.db.selectFrom('paymentRefund').selectAll().where('paymentId', '=', id).orderBy('id').execute(),
  ]);
  return { ...toAdminPayment(row), notifications: notifications.map(toNotification), refunds: refunds.map(toRefundPart) };
}
