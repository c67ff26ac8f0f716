import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import type { JobHandler } from '../../../platform/jobs/index.js';
import type { Secret } from '../../../platform/secret.js';

/** The gateways Bazaar can take payments through. */
export type ProviderId = 'sandbox' | 'alipay' | 'stripe';

/** What the shopper must do next to pay: follow a link, scan a code, or confirm in the browser with Stripe.js. */
export type PaymentAction =
  | { type: 'redirect'; url: string }
  | { type: 'qr_code'; content: string }
  | { type: 'client_secret'; clientSecret: string; publishableKey?: string };

/**
 * A verified notification from a gateway, in Bazaar's terms.
 *
 * `amount` is always the amount of the payment itself (minor units), also for refund
 * notifications; what was refunded is in `refund`, present exactly when `status` is `refunded`.
 */
export interface GatewayNotification {
  /** Dedupe key, unique per event at this provider; a redelivery carries the same id. */
  eventId: string;
  /** Our payment id (the gateway's merchant order number). */
  paymentId: string;
  /** The gateway's id of the payment (trade_no, PaymentIntent id, sandbox charge id). */
  gatewayReference: string | null;
  status: 'succeeded' | 'failed' | 'pending' | 'cancelled' | 'refunded';
  /** The payment's amount in minor units of `currency`. */
  amount: number;
  currency: string;
  /** The merchant / app the notification is addressed to (Alipay app_id, sandbox merchant id); null when the gateway has none. */
  merchantId: string | null;
  occurredAt: Date;
  /** Refund details for `status: 'refunded'`: our refund id when the gateway echoes it, this refund's amount when known, and the total refunded so far. */
  refund?: { refundId: string | null; amount: number | null; refundedTotal: number };
  /** The parsed notification as the gateway sent it (for the audit record). */
  raw: unknown;
}

/** A payment's state as the gateway reports it on request. */
export interface GatewayStatus {
  status: 'succeeded' | 'failed' | 'pending' | 'cancelled';
  /** Minor units; 0 when the gateway does not know the payment yet (status `pending`). */
  amount: number;
  currency: string;
  gatewayReference: string | null;
}

/** One entry of the gateway's own records of a day, for reconciliation. */
export interface GatewayTransaction {
  kind: 'payment' | 'refund';
  paymentId: string;
  gatewayReference: string | null;
  /** Our refund id, for `kind: 'refund'` when the gateway knows it. */
  refundId?: string;
  amount: number;
  currency: string;
  /** The gateway's status of the entry, normalised to lower case (`succeeded`, `failed`, …). */
  status: string;
  at: Date;
}

/**
 * Why a provider call failed:
 * - `signature`: the notification is not signed by the gateway (missing, malformed or wrong signature);
 * - `stale`: signed, but its timestamp is outside the tolerance window (a replay, or a clock far off);
 * - `malformed`: signed, but not a notification this provider understands the shape of;
 * - `unavailable`: the gateway could not be reached or failed; the call may be retried;
 * - `rejected`: the gateway (or the provider, before calling it) refused the request; retrying the same request will not help;
 * - `ignored`: signed and well-formed, but an event Bazaar does not act on (e.g. a Stripe event type
 *   outside the four handled): acknowledge it so the gateway stops sending it.
 */
export type ProviderErrorReason = 'signature' | 'stale' | 'malformed' | 'unavailable' | 'rejected' | 'ignored';

/** A failure of a provider call, with a reason the caller branches on. */
export class ProviderError extends Error {
  constructor(
    readonly reason: ProviderErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

/** Input of `PaymentProvider.createPayment`. */
export interface CreatePaymentInput {
  paymentId: string;
  orderId: string;
  orderNumber: string;
  amount: number;
  currency: string;
  description: string;
  returnUrl: string | null;
  notifyUrl: string;
}

/** Input of `PaymentProvider.refund`. */
export interface RefundInput {
  paymentId: string;
  gatewayReference: string | null;
  refundId: string;
  amount: number;
  currency: string;
  reason: string;
}

/** Result of `PaymentProvider.refund`. */
export interface RefundResult {
  gatewayRefundId: string;
  status: 'succeeded' | 'pending' | 'failed';
  failureReason?: string;
}

/** Request headers as Fastify/Node give them. */
export type Headers = Record<string, string | string[] | undefined>;

/**
 * One payment gateway, seen from the merchant. Implementations never open or join a database
 * transaction of the caller: call them outside one.
 */
export interface PaymentProvider {
  readonly id: ProviderId;
  /** The merchant / app id notifications must carry (null: the provider has none to check). */
  readonly merchantId: string | null;
  /** Creates the payment at the gateway (network allowed; never inside a DB transaction). Idempotent on `paymentId`. */
  createPayment(input: CreatePaymentInput): Promise<{ gatewayReference: string | null; action: PaymentAction }>;
  /** Verifies the signature over the raw body FIRST, then parses. Throws ProviderError('signature'|'stale'|'malformed'|'ignored'). */
  parseNotification(rawBody: Buffer, headers: Headers, now: Date): Promise<GatewayNotification>;
  /** What to answer the gateway so it stops retrying (alipay: text "success"; others: JSON {received:true}). */
  acknowledgement(): { contentType: string; body: string };
  /** The payment's state at the gateway. Throws ProviderError('unavailable'|'rejected'). */
  queryPayment(input: { paymentId: string; gatewayReference: string | null }): Promise<GatewayStatus>;
  /** Refunds `amount` of the payment; idempotent on `refundId`. Throws ProviderError('unavailable'|'rejected'). */
  refund(input: RefundInput): Promise<RefundResult>;
  /** Gateway's own records of a day (UTC) for reconciliation. */
  listTransactions(day: string /* YYYY-MM-DD */): Promise<GatewayTransaction[]>;
}

/** The sandbox gateway's settings. */
export interface SandboxConfig {
  /** HMAC key the sandbox signs its notifications with (SANDBOX_PAYMENT_SECRET). */
  secret: Secret;
  /** Where the notifier POSTs: `${publicUrl}/webhooks/payments/sandbox`. */
  notifyUrl: string;
  /** Base URL of this service for the payer page (`${publicUrl}/sandbox/pay/:paymentId`); default `PaymentsConfig.publicUrl`. */
  publicUrl?: string;
  /** Merchant id the sandbox stamps on notifications (default `bazaar-sandbox`). */
  merchantId?: string;
  /** Chance (0..1) that a delivered notification is delivered once more, as real gateways do. Default 0. */
  duplicateProbability?: number;
}

/** Alipay (open platform, RSA2 key mode). */
export interface AlipayConfig {
  appId: string;
  /** The application's RSA private key: PEM (PKCS#1 or PKCS#8) or the bare base64 the Alipay key tool prints. */
  privateKey: Secret;
  /** Alipay's RSA public key: PEM or bare base64. */
  alipayPublicKey: string;
  /** OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do (sandbox: https://openapi-sandbox.dl.alipaydev.com/gateway.do). */
  gateway: string;
  /** `page`: redirect to Alipay's cashier (alipay.trade.page.pay); `precreate`: a QR code (alipay.trade.precreate). */
  mode: 'page' | 'precreate';
}

/** Stripe (PaymentIntents). */
export interface StripeConfig {
  secretKey: Secret;
  webhookSecret: Secret;
  /** API base URL override, e.g. http://127.0.0.1:12111 for a local fake (tests). */
  apiHost?: string;
  /** Handed to the browser with the client secret, when set. */
  publishableKey?: string;
}

/**
 * The `payments` slice of the configuration (`Config['payments']` fits it). The providers asked
 * for are `requested` (or `enabled`, the same list under its older name).
 */
export interface PaymentsConfig {
  /** Providers to turn on (PAYMENT_PROVIDERS), e.g. ['sandbox']. */
  requested?: readonly string[];
  /** Same as `requested`; used when `requested` is absent. */
  enabled?: readonly string[];
  /** How far a signed notification's timestamp may be from now, in seconds (300). */
  webhookToleranceSeconds: number;
  /** Base URL of this service (PUBLIC_URL), for the sandbox payer page. */
  publicUrl?: string;
  sandbox: SandboxConfig;
  alipay?: AlipayConfig;
  stripe?: StripeConfig;
  /** Messages the configuration already produced for requested providers it turned off ("alipay disabled: …"); not repeated in `warnings`. */
  disabled?: readonly string[];
}

/** Sends one HTTP POST for the sandbox notifier; resolves with the response status. */
export type Deliver = (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number }>;

/** The part of the job queue the sandbox notifier needs. */
export interface JobsPort {
  register(kind: string, handler: JobHandler): void;
  enqueue(executor: Kysely<Database>, kind: string, input: unknown, createdBy?: string | null, options?: { runAt?: Date }): Promise<string>;
}

/** What `createProviders` needs from the application. */
export interface ProviderDeps {
  db: Kysely<Database>;
  jobs: JobsPort;
  log: Logger;
  /** The sandbox notifier's HTTP call (default: fetch with a 10 s timeout). */
  deliver?: Deliver;
  /** Clock (default: `new Date()`). */
  now?: () => Date;
  /** Random source for the sandbox's duplicate deliveries (default Math.random). */
  random?: () => number;
}
