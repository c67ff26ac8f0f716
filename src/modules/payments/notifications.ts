import { outboxInsert, publish, type OutboxEvent } from '../../platform/events/index.js';
import { withTransaction, type Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { providerErrorReason, providerOf, type Ctx } from './deps.js';
import { paymentError } from './errors.js';
import type { GatewayNotification, PaymentProvider } from './providers/index.js';
import { finishRefund } from './refunds.js';
import type { NotificationVerdict } from './tables.js';
import type { PaymentRow } from './views.js';

/** A gateway event the core applies: a verified notification, or the answer to a status query. */
export type GatewayEvent = Omit<GatewayNotification, 'occurredAt'>;

export interface EventOutcome {
  verdict: NotificationVerdict;
  reason: string | null;
  /** The payment_notification row, or null for a duplicate event id. */
  notificationId: string | null;
}

export interface NotificationResult extends EventOutcome {
  acknowledgement: { contentType: string; body: string };
}

const SIGNATURE_ERRORS = {
  signature: 'PAYMENT_SIGNATURE_INVALID',
  malformed: 'PAYMENT_NOTIFICATION_MALFORMED',
  stale: 'PAYMENT_NOTIFICATION_STALE',
} as const;

/**
 * Verifies and applies a gateway notification. The provider checks the signature over the raw
 * body before anything is parsed or written; a bad signature, a malformed body or a stale
 * timestamp is answered 400 with nothing stored. Everything else is acknowledged — even events
 * judged suspicious or ignored — so the gateway stops retrying; the verdict is recorded instead.
 */
export async function handleNotification(
  ctx: Ctx,
  providerId: string,
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Promise<NotificationResult> {
  const provider = providerOf(ctx, providerId);
  let notification: GatewayNotification;
  try {
    notification = await provider.parseNotification(raw, headers, ctx.now());
  } catch (err) {
    const reason = providerErrorReason(err);
    if (reason === 'ignored') {
      // Signed and well-formed, but not an event payments acts on: acknowledged, not stored.
      ctx.log.info({ provider: providerId, detail: (err as Error).message }, 'payment notification ignored');
      return { verdict: 'ignored', reason: (err as Error).message, notificationId: null, acknowledgement: provider.acknowledgement() };
    }
    if (reason === 'signature' || reason === 'malformed' || reason === 'stale') {
      ctx.log.warn({ provider: providerId, reason, bytes: raw.length }, 'payment notification rejected');
      throw paymentError(SIGNATURE_ERRORS[reason], { detail: (err as Error).message });
    }
    throw paymentError('PAYMENT_PROVIDER_ERROR', { detail: `${providerId} could not verify the notification`, cause: err });
  }
  const outcome = await applyGatewayEvent(ctx, provider, notification);
  return { ...outcome, acknowledgement: provider.acknowledgement() };
}

/**
 * Applies one gateway event in one transaction. The event row is inserted first with
 * `ON CONFLICT (provider, gateway_event_id) DO NOTHING`, so a replay — even twenty at once —
 * finds the first one's row and has no effect. The same statement locks the payment it names,
 * which is then compared.
 */
export async function applyGatewayEvent(ctx: Ctx, provider: PaymentProvider, event: GatewayEvent): Promise<EventOutcome> {
  return withTransaction(ctx.db, async (trx) => {
    const notificationId = newId('pnt');
    // A row only when the event is new and its payment exists: only then is the payment locked.
    const payment = await trx
      .with('received', (db) =>
        db
          .insertInto('paymentNotification')
          .values({
            id: notificationId,
            provider: provider.id,
            gatewayEventId: event.eventId,
            paymentId: event.paymentId,
            status: event.status,
            amount: Number.isSafeInteger(event.amount) ? event.amount : null,
            currency: event.currency,
            verdict: 'ignored',
            reason: 'received',
            payload: JSON.stringify(event.raw ?? null),
          })
          .onConflict((oc) => oc.columns(['provider', 'gatewayEventId']).doNothing())
          .returning('id'),
      )
      .selectFrom(['received', 'payment'])
      .selectAll('payment')
      .where('payment.id', '=', event.paymentId)
      .forUpdate('payment')
      .executeTakeFirst();
    if (!payment) {
      const received = await trx.selectFrom('paymentNotification').select('id').where('id', '=', notificationId).executeTakeFirst();
      if (!received) return { verdict: 'duplicate', reason: 'event already received', notificationId: null };
    }

    const { verdict, reason, recorded } = await judge(ctx, trx, provider, event, payment, notificationId);
    if (!recorded) await trx.updateTable('paymentNotification').set({ verdict, reason }).where('id', '=', notificationId).execute();
    return { verdict, reason, notificationId };
  });
}

/** What the core made of an event; `recorded` when the verdict is already on the notification row. */
type Judgement = { verdict: NotificationVerdict; reason: string | null; recorded?: boolean };

async function judge(ctx: Ctx, trx: Tx, provider: PaymentProvider, event: GatewayEvent, payment: PaymentRow | undefined, notificationId: string): Promise<Judgement> {
  if (!payment || payment.provider !== provider.id) return { verdict: 'ignored', reason: `unknown ${provider.id} payment` };
  if (event.status === 'pending') return { verdict: 'ignored', reason: 'still pending at the gateway' };

  const mismatch = compare(provider, payment, event);
  if (mismatch) {
    ctx.log.warn({ provider: provider.id, paymentId: payment.id, eventId: event.eventId, mismatch }, 'suspicious payment notification: order left untouched');
    return { verdict: 'suspicious', reason: mismatch };
  }
  if (event.status === 'succeeded') return succeed(ctx, trx, provider, payment, event, notificationId);
  if (event.status === 'refunded') return refunded(ctx, trx, payment, event);
  return fail(trx, payment, event.status);
}

/** What differs between the event and our payment, or null when it matches. */
function compare(provider: PaymentProvider, payment: PaymentRow, event: GatewayEvent): string | null {
  if (provider.merchantId !== null && event.merchantId !== provider.merchantId) return `merchant ${String(event.merchantId)} is not ours`;
  if (event.currency !== payment.currency) return `currency ${event.currency} differs from ${payment.currency}`;
  if (event.amount !== Number(payment.amount)) return `amount ${event.amount} differs from ${Number(payment.amount)}`;
  return null;
}

async function succeed(ctx: Ctx, trx: Tx, provider: PaymentProvider, payment: PaymentRow, event: GatewayEvent, notificationId: string): Promise<Judgement> {
  if (payment.status === 'succeeded') return { verdict: 'duplicate', reason: 'payment already succeeded' };
  // A failed or cancelled attempt the gateway later reports paid still took the money: record it.
  const now = new Date();
  const settled = {
    status: 'succeeded' as const,
    capturedAmount: event.amount,
    gatewayReference: payment.gatewayReference ?? event.gatewayReference,
    failureReason: null,
    succeededAt: now,
    updatedAt: now,
  };
  // The payment row is locked: it is written once, below, with what the order made of it.
  const outcome = await ctx.orders.applyPayment(trx, {
    orderId: payment.orderId,
    paymentId: payment.id,
    provider: provider.id,
    amount: event.amount,
    currency: event.currency,
  });
  const base = { paymentId: payment.id, orderId: payment.orderId, provider: provider.id, amount: event.amount, currency: event.currency };
  const events: OutboxEvent[] = [['payment.succeeded', { ...base, outcome }]];
  let judgement: Judgement;
  let set: typeof settled & { appliedToOrder?: boolean; refundDue?: boolean } = settled;
  if (outcome === 'paid') {
    set = { ...settled, appliedToOrder: true };
    judgement = { verdict: 'applied', reason: null };
  } else if (outcome === 'already_paid' || outcome === 'order_cancelled') {
    set = { ...settled, refundDue: true };
    events.push(['payment.refund_required', { ...base, reason: outcome }]);
    ctx.log.warn({ paymentId: payment.id, orderId: payment.orderId, outcome }, 'payment taken that the order does not count: refund required');
    judgement = { verdict: 'flagged_for_refund', reason: outcome === 'already_paid' ? 'order was already paid' : 'order was cancelled' };
  } else {
    ctx.log.warn({ paymentId: payment.id, orderId: payment.orderId, outcome }, 'payment does not match the order total: left for staff');
    judgement = { verdict: 'suspicious', reason: 'order total differs from the payment' };
  }
  // One statement settles the payment, records the verdict and publishes the events.
  await trx
    .with('events', (db) => outboxInsert(db, events))
    .with('verdict', (db) => db.updateTable('paymentNotification').set({ verdict: judgement.verdict, reason: judgement.reason }).where('id', '=', notificationId))
    .updateTable('payment')
    .set(set)
    .where('id', '=', payment.id)
    .execute();
  return { ...judgement, recorded: true };
}

/**
 * A refund notification settles our refund part the gateway had left pending. Refunds are
 * recorded when they are made, so anything else here is informational; a refund we never
 * asked for (made in the gateway's dashboard) is logged for reconciliation.
 */
async function refunded(ctx: Ctx, trx: Tx, payment: PaymentRow, event: GatewayEvent): Promise<Judgement> {
  const refundId = event.refund?.refundId ?? null;
  const part = refundId
    ? await trx.selectFrom('paymentRefund').select(['id', 'status', 'gatewayRefundId']).where('id', '=', refundId).where('paymentId', '=', payment.id).executeTakeFirst()
    : undefined;
  if (!part) {
    ctx.log.warn({ paymentId: payment.id, refundId }, 'gateway reports a refund not made through Bazaar');
    return { verdict: 'ignored', reason: 'refund not made through Bazaar' };
  }
  if (part.status !== 'pending') return { verdict: 'duplicate', reason: `refund ${part.id} already ${part.status}` };
  await finishRefund(ctx, trx, part.id, { status: 'succeeded', gatewayRefundId: part.gatewayRefundId, failureReason: null });
  return { verdict: 'applied', reason: `refund ${part.id} settled` };
}

async function fail(trx: Tx, payment: PaymentRow, status: 'failed' | 'cancelled'): Promise<Judgement> {
  // Out-of-order delivery: a failure after success never downgrades.
  if (payment.status === 'succeeded') return { verdict: 'ignored', reason: `${status} reported after success; not downgraded` };
  if (payment.status !== 'pending') return { verdict: 'duplicate', reason: `payment already ${payment.status}` };
  await trx
    .updateTable('payment')
    .set({ status: status === 'cancelled' ? 'cancelled' : 'failed', failureReason: `gateway reported ${status}`, updatedAt: new Date() })
    .where('id', '=', payment.id)
    .execute();
  await publish(trx, 'payment.failed', { paymentId: payment.id, orderId: payment.orderId, provider: payment.provider, reason: status });
  return { verdict: 'applied', reason: null };
}
