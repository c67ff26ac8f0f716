import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { newId } from '../../platform/ids.js';
import { isUniqueViolation } from '../../platform/pg-errors.js';
import { providerErrorReason, type Ctx, type RefundLineInput } from './deps.js';
import { paymentError } from './errors.js';
import type { Refund } from './schemas.js';
import type { RefundLineRecord } from './tables.js';
import { toRefund, type PaymentRow, type RefundRow } from './views.js';

/** Who asked for a refund, for the audit log. */
export interface RefundActor {
  type: 'staff' | 'system';
  id: string | null;
  ip?: string | null;
}

export interface RefundOrderInput {
  orderId: string;
  /** Minor units in the order currency; > 0. */
  amount: number;
  reason: string;
  lines?: RefundLineInput[];
  /** What the refund is for (a return id, `cancel:<orderId>`); one refund per reference. */
  reference?: string | null;
  /** The client's key: the same key and request give the same refund. */
  idempotencyKey?: string | null;
  actor: RefundActor;
}

export interface RefundOutcome {
  refund: Refund;
  /** True when an earlier refund with the same key or reference was returned. */
  replayed: boolean;
}

const SYSTEM: RefundActor = { type: 'system', id: null };

/** How long one process's gateway call holds a refund part before another may ask again. */
const ATTEMPT_LEASE_MS = 60_000;

function fingerprint(input: Pick<RefundOrderInput, 'orderId' | 'amount' | 'reason' | 'lines'>): string {
  const lines = (input.lines ?? []).map((l) => [l.lineId, l.quantity]);
  return createHash('sha256').update(JSON.stringify([input.orderId, input.amount, input.reason, lines])).digest('hex');
}

async function rowsOfRequest(db: Ctx['db'], requestId: string): Promise<RefundRow[]> {
  return db.selectFrom('paymentRefund').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
}

/** The earlier request with this key or reference, checked against this one's fingerprint. */
async function findEarlier(db: Ctx['db'], input: { idempotencyKey?: string | null; reference?: string | null }, print: string): Promise<RefundRow[] | null> {
  if (input.idempotencyKey) {
    const lead = await db.selectFrom('paymentRefund').selectAll().where('idempotencyKey', '=', input.idempotencyKey).executeTakeFirst();
    if (lead) {
      if (lead.fingerprint !== print) {
        throw paymentError('PAYMENT_IDEMPOTENCY_KEY_REUSED', { detail: 'This Idempotency-Key was used for a different refund request' });
      }
      return rowsOfRequest(db, lead.requestId);
    }
  }
  if (input.reference) {
    const lead = await db.selectFrom('paymentRefund').selectAll().where('reference', '=', input.reference).executeTakeFirst();
    if (lead) return rowsOfRequest(db, lead.requestId);
  }
  return null;
}

interface Plan {
  /** Locks and returns the payments the refund may draw on, in a fixed order. */
  lockPayments(trx: Tx): Promise<PaymentRow[]>;
  /** The amount, or 'remaining' for everything not yet refunded. */
  amount: number | 'remaining';
  orderId: string;
  reason: string;
  reference: string | null;
  idempotencyKey: string | null;
  fingerprint: string;
  lines: RefundLineRecord[] | null;
  actor: RefundActor;
}

/** What each payment still has to give: captured − refunded − refunds in flight. */
async function refundable(trx: Tx, payments: PaymentRow[]): Promise<Map<string, number>> {
  const left = new Map(payments.map((p) => [p.id, Number(p.capturedAmount) - Number(p.refundedAmount)]));
  if (payments.length === 0) return left;
  const pending = await trx
    .selectFrom('paymentRefund')
    .select(['paymentId', (eb) => eb.fn.sum<number>('amount').as('total')])
    .where('paymentId', 'in', payments.map((p) => p.id))
    .where('status', '=', 'pending')
    .groupBy('paymentId')
    .execute();
  for (const p of pending) left.set(p.paymentId, (left.get(p.paymentId) ?? 0) - Number(p.total));
  return left;
}

/**
 * Phase one: under `FOR UPDATE` locks on the payments drawn on, check what is left and record
 * pending refund rows — split oldest payment first — plus the audit entry, then commit. Two
 * concurrent requests serialise on those locks, and pending rows count against the capacity,
 * so refunds never exceed what was captured, however many run at once.
 */
async function reserve(ctx: Ctx, plan: Plan): Promise<{ rows: RefundRow[]; replayed: boolean }> {
  return withTransaction(ctx.db, async (trx) => {
    const payments = await plan.lockPayments(trx);
    // Checked again under the locks: a concurrent request with the same key has committed by now.
    const earlier = await findEarlier(trx, plan, plan.fingerprint);
    if (earlier) return { rows: earlier, replayed: true };
    if (plan.lines?.length && payments.length) {
      // Units already promised to pending refunds count too: checked under the same locks, so
      // parallel refunds of one line cannot each pass and then all reach the gateway.
      const pending = await trx
        .selectFrom('paymentRefund')
        .select('lines')
        .where('orderId', '=', plan.orderId)
        .where('status', '=', 'pending')
        .where('lines', 'is not', null)
        .execute();
      const promised = pending.flatMap((r) => (r.lines ?? []).map((l) => ({ lineId: l.lineId, quantity: l.quantity })));
      await ctx.orders.refundableLines(trx, plan.orderId, [...promised, ...plan.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity }))]);
    }
    const left = await refundable(trx, payments);
    const available = [...left.values()].reduce((a, b) => a + Math.max(0, b), 0);
    const amount = plan.amount === 'remaining' ? available : plan.amount;
    if (amount <= 0 && plan.amount === 'remaining') return { rows: [], replayed: false };
    if (amount > available) {
      throw paymentError('PAYMENT_REFUND_EXCEEDS_CAPTURED', {
        detail: payments.length ? `At most ${available} can still be refunded; ${amount} was asked` : 'Nothing has been captured for this order',
      });
    }
    const requestId = newId('ref');
    const rows: RefundRow[] = [];
    let rest = amount;
    for (const payment of payments) {
      const take = Math.min(rest, Math.max(0, left.get(payment.id) ?? 0));
      if (take <= 0) continue;
      const lead = rows.length === 0;
      const row = await trx
        .insertInto('paymentRefund')
        .values({
          id: lead ? requestId : newId('ref'),
          requestId,
          paymentId: payment.id,
          orderId: payment.orderId,
          amount: take,
          currency: payment.currency,
          status: 'pending',
          reason: plan.reason,
          reference: lead ? plan.reference : null,
          idempotencyKey: lead ? plan.idempotencyKey : null,
          fingerprint: lead ? plan.fingerprint : null,
          gatewayRefundId: null,
          failureReason: null,
          attemptedAt: null,
          lines: lead && plan.lines ? JSON.stringify(plan.lines) : null,
          createdBy: plan.actor.id ?? plan.actor.type,
          completedAt: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      rows.push(row);
      rest -= take;
      if (rest === 0) break;
    }
    await ctx.audit.record(trx, {
      actorType: plan.actor.type,
      actorId: plan.actor.id,
      action: 'payment.refund_requested',
      targetType: 'order',
      targetId: plan.orderId,
      data: { refundId: requestId, amount, currency: rows[0]?.currency ?? null, reason: plan.reason, reference: plan.reference, parts: rows.map((r) => r.id) },
      ip: plan.actor.ip ?? null,
    });
    return { rows, replayed: false };
  });
}

/** Phase one, turning a lost race on the UNIQUE key or reference into a replay. */
async function reserveOrReplay(ctx: Ctx, plan: Plan): Promise<{ rows: RefundRow[]; replayed: boolean }> {
  try {
    return await reserve(ctx, plan);
  } catch (err) {
    if (!isUniqueViolation(err, 'payment_refund_idempotency_key_key') && !isUniqueViolation(err, 'payment_refund_reference_key')) throw err;
    const earlier = await findEarlier(ctx.db, plan, plan.fingerprint);
    if (!earlier) throw err;
    return { rows: earlier, replayed: true };
  }
}

/**
 * Phase two for one part: ask the gateway (outside any transaction, with our refund id as its
 * idempotency key), then record the answer. A gateway that cannot be reached leaves the part
 * pending — its amount stays reserved — and the sweep or a replay asks again with the same id.
 */
export async function settleRefund(ctx: Ctx, part: RefundRow): Promise<void> {
  if (part.status !== 'pending') return;
  const payment = await ctx.db.selectFrom('payment').selectAll().where('id', '=', part.paymentId).executeTakeFirstOrThrow();
  const provider = ctx.providers.get(payment.provider);
  if (!provider) {
    ctx.log.warn({ refundId: part.id, provider: payment.provider }, 'refund left pending: its provider is not enabled');
    return;
  }
  // One process asks the gateway at a time; the others report the part as pending.
  const now = ctx.now();
  const claimed = await ctx.db
    .updateTable('paymentRefund')
    .set({ attemptedAt: now })
    .where('id', '=', part.id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('attemptedAt', 'is', null), eb('attemptedAt', '<', new Date(now.getTime() - ATTEMPT_LEASE_MS))]))
    .returning('id')
    .executeTakeFirst();
  if (!claimed) return;
  const release = () => ctx.db.updateTable('paymentRefund').set({ attemptedAt: null }).where('id', '=', part.id).execute();
  let answer: { gatewayRefundId: string | null; status: 'succeeded' | 'pending' | 'failed'; failureReason?: string };
  try {
    answer = await provider.refund({
      paymentId: payment.id,
      gatewayReference: payment.gatewayReference,
      refundId: part.id,
      amount: Number(part.amount),
      currency: part.currency,
      reason: part.reason,
    });
  } catch (err) {
    if (providerErrorReason(err) !== 'rejected') {
      ctx.log.warn({ err, refundId: part.id, provider: provider.id }, 'refund left pending: the gateway could not be reached');
      await release();
      return;
    }
    answer = { gatewayRefundId: null, status: 'failed', failureReason: (err as Error).message };
  }
  if (answer.status === 'pending') {
    // Accepted, still processing: the sweep asks again once the lease has passed.
    await ctx.db.updateTable('paymentRefund').set({ gatewayRefundId: answer.gatewayRefundId, updatedAt: new Date() }).where('id', '=', part.id).execute();
    return;
  }
  const outcome = answer.status;
  await withTransaction(ctx.db, async (trx) => {
    // Payment before refund row, the order the first phase locks in.
    await trx.selectFrom('payment').select('id').where('id', '=', part.paymentId).forUpdate().execute();
    await finishRefund(ctx, trx, part.id, { status: outcome, gatewayRefundId: answer.gatewayRefundId, failureReason: answer.failureReason ?? null });
  });
}

/**
 * Records a pending refund part's final state, once: on success the payment's refunded amount
 * grows and — for a payment the order counted — the order records the refund. The caller holds
 * the payment's lock. Returns false when the part was not pending (settled already).
 */
export async function finishRefund(
  ctx: Ctx,
  trx: Tx,
  partId: string,
  result: { status: 'succeeded' | 'failed'; gatewayRefundId: string | null; failureReason: string | null },
): Promise<boolean> {
  const now = new Date();
  const row = await trx
    .updateTable('paymentRefund')
    .set({
      status: result.status,
      gatewayRefundId: result.gatewayRefundId,
      failureReason: result.status === 'failed' ? (result.failureReason ?? 'refused by the gateway').slice(0, 500) : null,
      completedAt: now,
      updatedAt: now,
    })
    .where('id', '=', partId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (!row) return false;
  const event = { refundId: row.id, requestId: row.requestId, paymentId: row.paymentId, orderId: row.orderId, amount: Number(row.amount), currency: row.currency };
  if (result.status === 'failed') {
    await publish(trx, 'payment.refund_failed', { ...event, reason: row.failureReason });
    return true;
  }
  const paid = await trx
    .updateTable('payment')
    .set({ refundedAmount: sql<number>`refunded_amount + ${Number(row.amount)}`, updatedAt: now })
    .where('id', '=', row.paymentId)
    .returning(['appliedToOrder', 'provider'])
    .executeTakeFirstOrThrow();
  // A payment the order never counted (paid twice, paid after cancellation) is not the order's refund.
  if (paid.appliedToOrder) {
    const lines = row.lines?.map((l) => ({ lineId: l.lineId, quantity: l.quantity }));
    await ctx.orders.applyRefund(trx, {
      orderId: row.orderId,
      refundId: row.id,
      provider: paid.provider,
      amount: Number(row.amount),
      reason: row.reason,
      ...(lines?.length ? { lines } : {}),
    });
  }
  await publish(trx, 'payment.refunded', event);
  return true;
}

async function settleAll(ctx: Ctx, rows: RefundRow[]): Promise<Refund> {
  for (const part of rows) await settleRefund(ctx, part);
  return toRefund(await rowsOfRequest(ctx.db, rows[0]!.requestId));
}

/**
 * Refunds part or all of an order through the gateway(s) that took its money; see `Plan` and
 * `reserve` for the guarantees. Replays (same idempotency key and request, or same reference)
 * return the earlier refund, finishing its pending parts. Throws 400
 * `PAYMENT_REFUND_INVALID_AMOUNT`, 404 `ORDER_NOT_FOUND`, 409 `PAYMENT_REFUND_EXCEEDS_CAPTURED`,
 * 422 `PAYMENT_IDEMPOTENCY_KEY_REUSED`.
 */
export async function refundOrder(ctx: Ctx, input: RefundOrderInput): Promise<RefundOutcome> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw paymentError('PAYMENT_REFUND_INVALID_AMOUNT', { detail: 'amount must be a positive integer of minor units' });
  }
  const print = fingerprint(input);
  const earlier = await findEarlier(ctx.db, input, print);
  if (earlier) return { refund: await settleAll(ctx, earlier), replayed: true };

  await ctx.orders.forPayment(ctx.db, input.orderId, { kind: 'staff' });
  const lines = input.lines?.length
    ? (await ctx.orders.refundableLines(ctx.db, input.orderId, input.lines)).map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount }))
    : null;
  const { rows, replayed } = await reserveOrReplay(ctx, {
    lockPayments: (trx) =>
      trx
        .selectFrom('payment')
        .selectAll()
        .where('orderId', '=', input.orderId)
        .where('status', '=', 'succeeded')
        .where('appliedToOrder', '=', true)
        .orderBy('id')
        .forUpdate()
        .execute(),
    amount: input.amount,
    orderId: input.orderId,
    reason: input.reason,
    reference: input.reference ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    fingerprint: print,
    lines,
    actor: input.actor,
  });
  return { refund: await settleAll(ctx, rows), replayed };
}

/**
 * Gives back everything left of a payment the order did not count (`refund_due`), once:
 * keyed on the reference `refund_due:<paymentId>`. Returns null when nothing is left.
 */
export async function refundDuePayment(ctx: Ctx, paymentId: string, reason: string): Promise<Refund | null> {
  const reference = `refund_due:${paymentId}`;
  const print = fingerprint({ orderId: paymentId, amount: 0, reason });
  const earlier = await findEarlier(ctx.db, { reference }, print);
  if (earlier) return settleAll(ctx, earlier);
  const payment = await ctx.db.selectFrom('payment').select(['orderId']).where('id', '=', paymentId).executeTakeFirst();
  if (!payment) throw paymentError('PAYMENT_NOT_FOUND', { detail: `No payment ${paymentId}` });
  const { rows } = await reserveOrReplay(ctx, {
    lockPayments: (trx) =>
      trx.selectFrom('payment').selectAll().where('id', '=', paymentId).where('status', '=', 'succeeded').where('refundDue', '=', true).forUpdate().execute(),
    amount: 'remaining',
    orderId: payment.orderId,
    reason,
    reference,
    idempotencyKey: null,
    fingerprint: print,
    lines: null,
    actor: SYSTEM,
  });
  return rows.length ? settleAll(ctx, rows) : null;
}

/** Pending refund parts older than the threshold, asked again (same refund id). Returns how many settled. */
export async function settlePendingRefunds(ctx: Ctx, olderThan: Date, limit: number): Promise<number> {
  const rows = await ctx.db.selectFrom('paymentRefund').selectAll().where('status', '=', 'pending').where('createdAt', '<', olderThan).orderBy('createdAt').limit(limit).execute();
  let settled = 0;
  for (const row of rows) {
    try {
      await settleRefund(ctx, row);
    } catch (err) {
      // One refund that cannot be recorded must not hold up the others behind it.
      ctx.log.error({ err, refundId: row.id, orderId: row.orderId }, 'pending refund could not be settled; needs staff attention');
      continue;
    }
    const after = await ctx.db.selectFrom('paymentRefund').select('status').where('id', '=', row.id).executeTakeFirstOrThrow();
    if (after.status !== 'pending') settled++;
  }
  return settled;
}

/** All refund requests of an order, oldest first. */
export async function refundsOf(ctx: Ctx, orderId: string): Promise<Refund[]> {
  const rows = await ctx.db.selectFrom('paymentRefund').selectAll().where('orderId', '=', orderId).orderBy('id').execute();
  const byRequest = new Map<string, RefundRow[]>();
  for (const row of rows) byRequest.set(row.requestId, [...(byRequest.get(row.requestId) ?? []), row]);
  return [...byRequest.values()].map(toRefund);
}
