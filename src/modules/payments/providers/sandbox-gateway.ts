import type { Kysely, Selectable } from 'kysely';
import type { Logger } from 'pino';
import { withTransaction, type Database, type Tx } from '../../../platform/db/index.js';
import { newId } from '../../../platform/ids.js';
import { isCurrency } from '../../../platform/money.js';
import { sandboxError } from './sandbox-errors.js';
import { createNotifier, fetchDeliver, SANDBOX_NOTIFY_JOB, type SandboxNotification } from './sandbox-notifier.js';
import type { SandboxChargeTable, SandboxRefundTable } from './sandbox-tables.js';
import { utcDay } from './days.js';
import { ProviderError, type CreatePaymentInput, type Deliver, type GatewayTransaction, type JobsPort, type RefundInput, type RefundResult, type SandboxConfig } from './types.js';

export type SandboxCharge = Selectable<SandboxChargeTable>;
export type SandboxRefund = Selectable<SandboxRefundTable>;

/** The merchant id the sandbox uses unless configured. */
export const SANDBOX_MERCHANT_ID = 'bazaar-sandbox';

export interface SandboxGatewayDeps {
  db: Kysely<Database>;
  jobs: JobsPort;
  log: Logger;
  config: SandboxConfig & { publicUrl: string };
  deliver?: Deliver;
  now?: () => Date;
  random?: () => number;
}

/**
 * The sandbox payment gateway: a stand-in for an external system that lives in this process,
 * with its own ledger (`sandbox_charge`, `sandbox_refund`), a payer page (see
 * `sandboxGatewayRoutes`) and a notifier that POSTs signed notifications to the merchant
 * through the job queue. Registers the `payments.sandbox.notify` job handler with `deps.jobs`.
 * Each call runs in its own short transaction: never call it inside one of yours.
 */
export function createSandboxGateway(deps: SandboxGatewayDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const merchantId = deps.config.merchantId ?? SANDBOX_MERCHANT_ID;
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, '');
  const notifier = createNotifier({ jobs: deps.jobs, config: deps.config, log: deps.log, deliver: deps.deliver ?? fetchDeliver, now, random: deps.random ?? Math.random });
  deps.jobs.register(SANDBOX_NOTIFY_JOB, (ctx) => notifier.deliver(ctx, db));

  const lockCharge = (trx: Tx, paymentId: string) => trx.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', paymentId).forUpdate().executeTakeFirst();

  function paymentNotification(charge: SandboxCharge): SandboxNotification {
    return {
      id: newId('sevt'),
      type: charge.status === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
      paymentId: charge.merchantPaymentId,
      chargeId: charge.id,
      amount: charge.amount,
      currency: charge.currency,
      merchantId,
      occurredAt: (charge.settledAt ?? charge.updatedAt).toISOString(),
    };
  }

  return {
    merchantId,

    /** The payer page of a payment. */
    payUrl: (paymentId: string): string => `${publicUrl}/sandbox/pay/${encodeURIComponent(paymentId)}`,

    /**
     * Opens a pending charge for the merchant's payment, or returns the one it already has
     * (idempotent on `paymentId`). Throws ProviderError('rejected') for an invalid amount or
     * currency, or when the payment id was used with another amount or currency.
     */
    async createCharge(input: CreatePaymentInput): Promise<SandboxCharge> {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new ProviderError('rejected', `amount must be a positive integer of minor units, got ${input.amount}`);
      if (!isCurrency(input.currency)) throw new ProviderError('rejected', `unknown currency ${input.currency}`);
      const at = now();
      // One statement, so no transaction: a charge already there has committed (ON CONFLICT waited for it).
      const inserted = await db
        .insertInto('sandboxCharge')
        .values({
          id: newId('sch'),
          merchantPaymentId: input.paymentId,
          orderId: input.orderId,
          orderNumber: input.orderNumber,
          description: input.description,
          amount: input.amount,
          currency: input.currency,
          status: 'pending',
          returnUrl: input.returnUrl,
          createdAt: at,
          updatedAt: at,
          settledAt: null,
        })
        .onConflict((oc) => oc.column('merchantPaymentId').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return inserted;
      const existing = await db.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', input.paymentId).executeTakeFirstOrThrow();
      if (existing.amount !== input.amount || existing.currency !== input.currency) {
        throw new ProviderError('rejected', `payment ${input.paymentId} already has a charge of ${existing.amount} ${existing.currency}`);
      }
      return existing;
    },

    /** The charge of a merchant payment, if any. */
    getCharge: (paymentId: string): Promise<SandboxCharge | undefined> => db.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', paymentId).executeTakeFirst(),

    /**
     * Records the payer's result on a pending charge and queues the matching notification in
     * the same transaction. Throws 404 SANDBOX_CHARGE_NOT_FOUND, and 409 SANDBOX_CHARGE_FINAL
     * when the charge already has a result.
     */
    async pay(paymentId: string, result: 'succeeded' | 'failed'): Promise<SandboxCharge> {
      return withTransaction(db, async (trx) => {
        const at = now();
        // The guarded update locks and settles a pending charge at once; a concurrent Pay waits and finds it final.
        const updated = await trx
          .updateTable('sandboxCharge')
          .set({ status: result, updatedAt: at, settledAt: at })
          .where('merchantPaymentId', '=', paymentId)
          .where('status', '=', 'pending')
          .returningAll()
          .executeTakeFirst();
        if (!updated) {
          const charge = await trx.selectFrom('sandboxCharge').select('status').where('merchantPaymentId', '=', paymentId).executeTakeFirst();
          if (!charge) throw sandboxError('SANDBOX_CHARGE_NOT_FOUND', { detail: `No sandbox charge for payment ${paymentId}` });
          throw sandboxError('SANDBOX_CHARGE_FINAL', { detail: `The charge for payment ${paymentId} is already ${charge.status}` });
        }
        await notifier.enqueue(trx, paymentNotification(updated));
        return updated;
      });
    },

    /**
     * Refunds part or all of a paid charge, once per `refundId`: a repeated request returns the
     * first outcome. A refund the gateway declines (charge not paid, more than what is left,
     * another currency) is recorded as `failed` and changes nothing. A successful one queues a
     * `refund.succeeded` notification. Throws ProviderError('rejected') when the payment has no
     * charge, the amount is not a positive integer, or the refund id was used for another
     * refund.
     */
    async refund(input: RefundInput): Promise<RefundResult> {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new ProviderError('rejected', `refund amount must be a positive integer, got ${input.amount}`);
      return withTransaction(db, async (trx) => {
        const charge = await lockCharge(trx, input.paymentId);
        if (!charge) throw new ProviderError('rejected', `no sandbox charge for payment ${input.paymentId}`);
        const existing = await trx.selectFrom('sandboxRefund').selectAll().where('merchantRefundId', '=', input.refundId).executeTakeFirst();
        if (existing) {
          if (existing.chargeId !== charge.id || existing.amount !== input.amount) throw new ProviderError('rejected', `refund id ${input.refundId} was already used for another refund`);
          return { gatewayRefundId: existing.id, status: existing.status, ...(existing.failureReason ? { failureReason: existing.failureReason } : {}) };
        }
        const remaining = charge.amount - charge.refundedAmount;
        const failureReason =
          charge.status !== 'succeeded' && charge.status !== 'partially_refunded'
            ? `charge is ${charge.status}`
            : input.currency !== charge.currency
              ? `charge is in ${charge.currency}, not ${input.currency}`
              : input.amount > remaining
                ? `only ${remaining} of the charge is left to refund`
                : null;
        const at = now();
        const refund = await trx
          .insertInto('sandboxRefund')
          .values({ id: newId('srf'), chargeId: charge.id, merchantRefundId: input.refundId, amount: input.amount, reason: input.reason, status: failureReason ? 'failed' : 'succeeded', failureReason, createdAt: at })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (failureReason) return { gatewayRefundId: refund.id, status: 'failed', failureReason };
        const refundedTotal = charge.refundedAmount + input.amount;
        await trx
          .updateTable('sandboxCharge')
          .set({ refundedAmount: refundedTotal, status: refundedTotal === charge.amount ? 'refunded' : 'partially_refunded', updatedAt: at })
          .where('id', '=', charge.id)
          .execute();
        await notifier.enqueue(trx, {
          id: newId('sevt'),
          type: 'refund.succeeded',
          paymentId: charge.merchantPaymentId,
          chargeId: charge.id,
          amount: charge.amount,
          currency: charge.currency,
          merchantId,
          occurredAt: at.toISOString(),
          refund: { id: refund.id, refundId: input.refundId, amount: input.amount, refundedTotal },
        });
        return { gatewayRefundId: refund.id, status: 'succeeded' };
      });
    },

    /**
     * The ledger's entries of a UTC day: charges that got their result that day (`succeeded`
     * — also when since refunded — or `failed`) and successful refunds made that day, in time
     * order.
     */
    async listDay(day: string): Promise<GatewayTransaction[]> {
      const { start, end } = utcDay(day);
      const charges = await db.selectFrom('sandboxCharge').selectAll().where('settledAt', '>=', start).where('settledAt', '<', end).orderBy('settledAt').orderBy('id').execute();
      const refunds = await db
        .selectFrom('sandboxRefund as r')
        .innerJoin('sandboxCharge as c', 'c.id', 'r.chargeId')
        .select(['r.id', 'r.merchantRefundId', 'r.amount', 'r.createdAt', 'c.id as chargeId', 'c.merchantPaymentId', 'c.currency'])
        .where('r.status', '=', 'succeeded')
        .where('r.createdAt', '>=', start)
        .where('r.createdAt', '<', end)
        .orderBy('r.createdAt')
        .orderBy('r.id')
        .execute();
      const out: GatewayTransaction[] = [
        ...charges.map((c) => ({
          kind: 'payment' as const,
          paymentId: c.merchantPaymentId,
          gatewayReference: c.id,
          amount: c.amount,
          currency: c.currency,
          status: c.status === 'failed' ? 'failed' : 'succeeded',
          at: c.settledAt!,
        })),
        ...refunds.map((r) => ({
          kind: 'refund' as const,
          paymentId: r.merchantPaymentId,
          gatewayReference: r.chargeId,
          refundId: r.merchantRefundId,
          amount: r.amount,
          currency: r.currency,
          status: 'succeeded',
          at: r.createdAt,
        })),
      ];
      return out.sort((a, b) => a.at.getTime() - b.at.getTime());
    },
  };
}

export type SandboxGateway = ReturnType<typeof createSandboxGateway>;
