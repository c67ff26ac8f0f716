import { withTransaction } from '../../platform/db/index.js';
import { publish } from '../../platform/events/index.js';
import { providerErrorReason, providerOf, type Ctx } from './deps.js';
import { paymentError } from './errors.js';
import { applyGatewayEvent } from './notifications.js';
import type { GatewayTransaction } from './providers/index.js';
import { settlePendingRefunds } from './refunds.js';
import type { Mismatch, Reconciliation } from './schemas.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Start and end (exclusive) of a UTC day; 400 `PAYMENT_INVALID_INPUT` for anything but a real YYYY-MM-DD. */
export function dayBounds(day: string): { start: Date; end: Date } {
  const m = DAY.exec(day);
  const start = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!start || Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== day) {
    throw paymentError('PAYMENT_INVALID_INPUT', { detail: `"${day}" is not a date (YYYY-MM-DD)` });
  }
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** Gateway status words that mean the money moved. */
const SETTLED = new Set(['succeeded', 'success', 'paid', 'captured', 'trade_success', 'trade_finished', 'refund_success']);
const settled = (status: string) => SETTLED.has(status.toLowerCase());

/**
 * Compares our succeeded payments and refunds of a UTC day with the gateway's records of it.
 * Gateway entries are matched to ours by id whatever day we recorded them, so an event near
 * midnight is not reported missing locally; ours without a gateway entry that day are
 * `missing_at_gateway`. Throws 400 `PAYMENT_PROVIDER_UNAVAILABLE`, `PAYMENT_INVALID_INPUT`, and
 * 502 `PAYMENT_PROVIDER_ERROR` when the gateway cannot list the day.
 */
export async function reconcile(ctx: Ctx, providerId: string, day: string): Promise<Reconciliation> {
  const provider = providerOf(ctx, providerId);
  const { start, end } = dayBounds(day);
  let theirs: GatewayTransaction[];
  try {
    theirs = await provider.listTransactions(day);
  } catch (err) {
    throw paymentError('PAYMENT_PROVIDER_ERROR', { detail: `${providerId} could not list ${day}`, cause: err });
  }
  const theirPayments = theirs.filter((t) => t.kind === 'payment');
  const theirRefunds = theirs.filter((t) => t.kind === 'refund');

  const ourPayments = await ctx.db
    .selectFrom('payment')
    .selectAll()
    .where('provider', '=', providerId)
    .where('succeededAt', '>=', start)
    .where('succeededAt', '<', end)
    .orderBy('id')
    .execute();
  const ourRefunds = await ctx.db
    .selectFrom('paymentRefund as r')
    .innerJoin('payment as p', 'p.id', 'r.paymentId')
    .selectAll('r')
    .where('p.provider', '=', providerId)
    .where('r.status', '=', 'succeeded')
    .where('r.completedAt', '>=', start)
    .where('r.completedAt', '<', end)
    .orderBy('r.id')
    .execute();

  const mismatches: Mismatch[] = [];
  const paymentIds = theirPayments.map((t) => t.paymentId);
  const known = new Map(
    (paymentIds.length ? await ctx.db.selectFrom('payment').selectAll().where('id', 'in', paymentIds).execute() : []).map((p) => [p.id, p]),
  );
  for (const t of theirPayments) {
    const p = known.get(t.paymentId);
    const their = { status: t.status, amount: t.amount, currency: t.currency };
    if (!p || p.provider !== providerId) {
      if (settled(t.status)) mismatches.push({ kind: 'missing_locally', type: 'payment', paymentId: t.paymentId, refundId: null, ours: null, theirs: their });
      continue;
    }
    const ours = { status: p.status, amount: Number(p.status === 'succeeded' ? p.capturedAmount : p.amount), currency: p.currency };
    if (settled(t.status) !== (p.status === 'succeeded')) mismatches.push({ kind: 'status_mismatch', type: 'payment', paymentId: p.id, refundId: null, ours, theirs: their });
    else if (settled(t.status) && (ours.amount !== t.amount || ours.currency !== t.currency)) {
      mismatches.push({ kind: 'amount_mismatch', type: 'payment', paymentId: p.id, refundId: null, ours, theirs: their });
    }
  }
  const seenPayments = new Set(theirPayments.map((t) => t.paymentId));
  for (const p of ourPayments) {
    if (seenPayments.has(p.id)) continue;
    mismatches.push({
      kind: 'missing_at_gateway',
      type: 'payment',
      paymentId: p.id,
      refundId: null,
      ours: { status: p.status, amount: Number(p.capturedAmount), currency: p.currency },
      theirs: null,
    });
  }

  const refundIds = theirRefunds.flatMap((t) => (t.refundId ? [t.refundId] : []));
  const knownRefunds = new Map(
    (refundIds.length ? await ctx.db.selectFrom('paymentRefund').selectAll().where('id', 'in', refundIds).execute() : []).map((r) => [r.id, r]),
  );
  const seenRefunds = new Set<string>();
  for (const t of theirRefunds) {
    const their = { status: t.status, amount: t.amount, currency: t.currency };
    const r = t.refundId ? knownRefunds.get(t.refundId) : undefined;
    if (!r) {
      if (settled(t.status)) mismatches.push({ kind: 'missing_locally', type: 'refund', paymentId: t.paymentId, refundId: t.refundId ?? null, ours: null, theirs: their });
      continue;
    }
    seenRefunds.add(r.id);
    const ours = { status: r.status, amount: Number(r.amount), currency: r.currency };
    if (settled(t.status) !== (r.status === 'succeeded')) mismatches.push({ kind: 'status_mismatch', type: 'refund', paymentId: r.paymentId, refundId: r.id, ours, theirs: their });
    else if (settled(t.status) && (ours.amount !== t.amount || ours.currency !== t.currency)) {
      mismatches.push({ kind: 'amount_mismatch', type: 'refund', paymentId: r.paymentId, refundId: r.id, ours, theirs: their });
    }
  }
  for (const r of ourRefunds) {
    if (seenRefunds.has(r.id)) continue;
    mismatches.push({
      kind: 'missing_at_gateway',
      type: 'refund',
      paymentId: r.paymentId,
      refundId: r.id,
      ours: { status: r.status, amount: Number(r.amount), currency: r.currency },
      theirs: null,
    });
  }

  return {
    provider: providerId,
    date: day,
    ours: { payments: ourPayments.length, refunds: ourRefunds.length },
    theirs: { payments: theirPayments.length, refunds: theirRefunds.length },
    mismatches,
  };
}

export interface SweepResult {
  /** Pending payments asked about. */
  checked: number;
  /** Of those, settled (succeeded, failed or cancelled) by the gateway's answer. */
  settled: number;
  /** Of those, given up: still pending (or unknown to the gateway) after `abandonAfterHours`. */
  abandoned: number;
  /** Pending refund parts that reached a final state. */
  refundsSettled: number;
}

/** Marks when a pending payment was last asked about, so the next sweep takes others first. */
async function touch(ctx: Ctx, paymentId: string): Promise<void> {
  await ctx.db.updateTable('payment').set({ updatedAt: ctx.now() }).where('id', '=', paymentId).where('status', '=', 'pending').execute();
}

/** Gives up a payment nobody paid. A success reported later still upgrades it (see notifications). */
async function abandon(ctx: Ctx, payment: { id: string; orderId: string; provider: string }): Promise<boolean> {
  return withTransaction(ctx.db, async (trx) => {
    const row = await trx
      .updateTable('payment')
      .set({ status: 'cancelled', failureReason: `abandoned: still pending after ${ctx.abandonAfterHours} h`, updatedAt: ctx.now() })
      .where('id', '=', payment.id)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (row) await publish(trx, 'payment.failed', { paymentId: payment.id, orderId: payment.orderId, provider: payment.provider, reason: 'abandoned' });
    return row !== undefined;
  });
}

/**
 * The safety net for lost notifications: asks the gateway about payments pending longer than
 * `pendingAfterMinutes` (those asked about least recently first, at most `limit`) and applies a
 * final answer through the notification path, with event id `query:<paymentId>:<status>` (so
 * the same answer is applied once). A payment still pending after `abandonAfterHours` is
 * cancelled. Also asks again for refunds left pending. Gateway errors are logged and the
 * payment is tried on a later sweep.
 */
export async function reconcilePending(ctx: Ctx, options: { limit?: number } = {}): Promise<SweepResult> {
  const limit = options.limit ?? 100;
  const now = ctx.now();
  const olderThan = new Date(now.getTime() - ctx.pendingAfterMinutes * 60_000);
  const abandonBefore = new Date(now.getTime() - ctx.abandonAfterHours * 3_600_000);
  const pending = await ctx.db
    .selectFrom('payment')
    .selectAll()
    .where('status', '=', 'pending')
    .where('createdAt', '<', olderThan)
    .orderBy('updatedAt')
    .orderBy('id')
    .limit(limit)
    .execute();
  const result: SweepResult = { checked: pending.length, settled: 0, abandoned: 0, refundsSettled: 0 };
  for (const payment of pending) {
    const provider = ctx.providers.get(payment.provider);
    if (!provider) continue;
    const old = new Date(payment.createdAt) < abandonBefore;
    try {
      const status = await provider.queryPayment({ paymentId: payment.id, gatewayReference: payment.gatewayReference });
      if (status.status === 'pending') {
        if (old && (await abandon(ctx, payment))) result.abandoned++;
        else await touch(ctx, payment.id);
        continue;
      }
      const outcome = await applyGatewayEvent(ctx, provider, {
        eventId: `query:${payment.id}:${status.status}`,
        paymentId: payment.id,
        gatewayReference: status.gatewayReference,
        status: status.status,
        amount: status.amount,
        currency: status.currency,
        // The answer to our own authenticated query: the merchant is ours by construction.
        merchantId: provider.merchantId,
        raw: { source: 'query', ...status },
      });
      if (outcome.verdict !== 'duplicate') result.settled++;
    } catch (err) {
      ctx.log.warn({ err, paymentId: payment.id, provider: payment.provider }, 'payment status query failed; will retry');
      // A gateway that has never heard of an old payment will not take it any more.
      if (old && providerErrorReason(err) === 'rejected' && (await abandon(ctx, payment))) result.abandoned++;
      else await touch(ctx, payment.id);
    }
  }
  result.refundsSettled = await settlePendingRefunds(ctx, olderThan, limit);
  return result;
}

/** What `runReconcileCli` needs of the app. */
export interface ReconcileCliApp {
  modules: { payments: { reconcile(provider: string, day: string): Promise<Reconciliation> } };
}

function parseArgs(argv: readonly string[]): { provider?: string; date?: string } {
  const out: { provider?: string; date?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[i + 1];
    if (flag === '--provider' || flag === '--date') {
      if (inline === undefined) i++;
      if (flag === '--provider') out.provider = value;
      else out.date = value;
    }
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * `reconcile --provider <id> --date YYYY-MM-DD` (date defaults to yesterday, UTC): prints the
 * mismatches as a table and returns the exit code — 0 when the day matches, 1 on mismatches,
 * 2 for bad arguments or a failed run. Also sets `process.exitCode`.
 */
export async function runReconcileCli(
  app: ReconcileCliApp,
  argv: readonly string[],
  out: { write(s: string): unknown } = process.stdout,
  err: { write(s: string): unknown } = process.stderr,
): Promise<number> {
  const args = parseArgs(argv);
  const date = args.date ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  if (!args.provider) {
    err.write('Usage: npm run reconcile -- --provider <sandbox|alipay|stripe> [--date YYYY-MM-DD]\n');
    return (process.exitCode = 2);
  }
  let result: Reconciliation;
  try {
    result = await app.modules.payments.reconcile(args.provider, date);
  } catch (e) {
    err.write(`Reconciliation failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return (process.exitCode = 2);
  }
  out.write(
    `${result.provider} ${result.date}: ours ${result.ours.payments} payment(s), ${result.ours.refunds} refund(s); ` +
      `gateway ${result.theirs.payments} payment(s), ${result.theirs.refunds} refund(s)\n`,
  );
  if (result.mismatches.length === 0) {
    out.write('No mismatches.\n');
    return (process.exitCode = 0);
  }
  const side = (s: Mismatch['ours']) => (s ? `${s.status} ${s.amount} ${s.currency}` : '-');
  out.write(
    table([
      ['KIND', 'TYPE', 'PAYMENT', 'REFUND', 'OURS', 'THEIRS'],
      ...result.mismatches.map((m) => [m.kind, m.type, m.paymentId, m.refundId ?? '-', side(m.ours), side(m.theirs)]),
    ]),
  );
  out.write(`${result.mismatches.length} mismatch(es).\n`);
  return (process.exitCode = 1);
}
