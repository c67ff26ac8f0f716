import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Tx } from '../../platform/db/index.js';
import type { Audit } from '../audit/index.js';
import type { PayableOrder } from '../orders/index.js';
import { paymentError } from './errors.js';
import type { PaymentProvider, ProviderErrorReason } from './providers/index.js';

/** Who asks for an order, as the orders module checks visibility. */
export type Viewer = { kind: 'customer'; customerId: string } | { kind: 'guest'; token: string } | { kind: 'staff' };

/** What the orders module tells payments about an order it may be paid for. */
export type { PayableOrder };

export type ApplyPaymentOutcome = 'paid' | 'already_paid' | 'order_cancelled' | 'amount_mismatch';

/** An order line and how many of its units a refund covers. */
export interface RefundLineInput {
  lineId: string;
  quantity: number;
}

/**
 * The part of the orders module payments calls (the shared contract's signatures). Declared
 * here so the payments module depends on a narrow port rather than on the whole module.
 */
export interface OrdersPort {
  /** The order if `viewer` may see it; throws 404 `ORDER_NOT_FOUND` otherwise. */
  forPayment(db: Kysely<Database>, orderId: string, viewer: Viewer): Promise<PayableOrder>;
  /** Locks the order; marks it paid when pending and the amount matches. Changes nothing otherwise. */
  applyPayment(trx: Tx, input: { orderId: string; paymentId: string; provider: string; amount: number; currency: string }): Promise<ApplyPaymentOutcome>;
  /** Records a refund the gateway has made on the order. */
  applyRefund(
    trx: Tx,
    input: { orderId: string; refundId: string; provider: string; amount: number; reason: string; lines?: RefundLineInput[] },
  ): Promise<void>;
  /** Each line's exact share of its total for the given quantities. */
  refundableLines(db: Kysely<Database>, orderId: string, lines: RefundLineInput[]): Promise<{ lineId: string; quantity: number; amount: number }[]>;
}

/** Everything the payments module needs, passed explicitly. */
export interface PaymentsDeps {
  db: Kysely<Database>;
  orders: OrdersPort;
  audit: Pick<Audit, 'record'>;
  /** The enabled providers by id. A provider absent here is unavailable. */
  providers: ReadonlyMap<string, PaymentProvider>;
  log: Logger;
  /** Public base URL of this service; notifications are sent to `${publicUrl}/webhooks/payments/<provider>`. */
  publicUrl?: string;
  /** Minutes a payment or refund stays pending before the sweep asks the gateway (default 10). */
  pendingAfterMinutes?: number;
  /** Hours after which a payment the gateway still calls pending is given up as `cancelled` (default 48). */
  abandonAfterHours?: number;
  /** The clock (tests). */
  now?: () => Date;
}

/** `PaymentsDeps` with defaults applied. */
export interface Ctx extends PaymentsDeps {
  now: () => Date;
  publicUrl: string;
  pendingAfterMinutes: number;
  abandonAfterHours: number;
}

export function withDefaults(deps: PaymentsDeps): Ctx {
  return {
    ...deps,
    now: deps.now ?? (() => new Date()),
    publicUrl: (deps.publicUrl ?? 'http://localhost:3000').replace(/\/+$/, ''),
    pendingAfterMinutes: deps.pendingAfterMinutes ?? 10,
    abandonAfterHours: deps.abandonAfterHours ?? 48,
  };
}

/** The provider with that id, or 400 `PAYMENT_PROVIDER_UNAVAILABLE`. */
export function providerOf(ctx: Ctx, id: string): PaymentProvider {
  const provider = ctx.providers.get(id);
  if (!provider) throw paymentError('PAYMENT_PROVIDER_UNAVAILABLE', { detail: `Payment provider "${id}" is not enabled` });
  return provider;
}

const REASONS: ReadonlySet<string> = new Set(['signature', 'stale', 'malformed', 'unavailable', 'rejected', 'ignored']);

/** The reason of a provider error (`ProviderError`), or null for any other error. */
export function providerErrorReason(err: unknown): ProviderErrorReason | null {
  if (!(err instanceof Error) || err.name !== 'ProviderError') return null;
  const reason = (err as { reason?: unknown }).reason;
  return typeof reason === 'string' && REASONS.has(reason) ? (reason as ProviderErrorReason) : null;
}
