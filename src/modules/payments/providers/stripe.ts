import Stripe from 'stripe';
import { isCurrency, minorUnits } from '../../../platform/money.js';
import { header } from './headers.js';
import { utcDay } from './days.js';
import { ProviderError, type GatewayNotification, type GatewayStatus, type GatewayTransaction, type PaymentProvider, type RefundResult, type StripeConfig } from './types.js';

/**
 * Builds the Stripe client. `apiHost` (tests: a local fake such as http://127.0.0.1:12111)
 * replaces Stripe's API host, port and protocol.
 */
export function createStripeClient(config: StripeConfig): Stripe {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000 };
  if (config.apiHost) {
    const url = new URL(config.apiHost);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.host = url.hostname;
    options.port = url.port || (protocol === 'http' ? 80 : 443);
    options.protocol = protocol;
  }
  return new Stripe(config.secretKey.reveal(), options);
}

/**
 * Stripe's smallest currency unit is the ISO 4217 minor unit for every currency Bazaar sells
 * (`minorUnits`: USD 2, JPY/KRW/VND/CLP/ISK 0, BHD/JOD/KWD/OMR/TND 3), so amounts pass through
 * unchanged. Stripe requires three-decimal amounts to end in 0; anything else is refused here.
 */
function stripeAmount(amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new ProviderError('rejected', `amount must be a positive integer of minor units, got ${amount}`);
  if (!isCurrency(currency)) throw new ProviderError('rejected', `unknown currency ${currency}`);
  if (minorUnits(currency) === 3 && amount % 10 !== 0) throw new ProviderError('rejected', `Stripe takes ${currency} amounts in multiples of 10 (got ${amount})`);
  return amount;
}

/** Stripe's failure as a ProviderError: network, rate limits and Stripe's own errors may be retried; the rest is refused. */
function failure(what: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof Stripe.errors.StripeError) {
    const transient =
      err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || err instanceof Stripe.errors.StripeRateLimitError || (err.statusCode ?? 0) >= 500;
    return new ProviderError(transient ? 'unavailable' : 'rejected', `${what}: ${err.message}`, { cause: err });
  }
  return new ProviderError('unavailable', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

const INTENT_STATUS: Record<Stripe.PaymentIntent.Status, GatewayStatus['status']> = {
  succeeded: 'succeeded',
  canceled: 'cancelled',
  processing: 'pending',
  requires_action: 'pending',
  requires_capture: 'pending',
  requires_confirmation: 'pending',
  // Also after a failed attempt: the buyer may still pay with another method.
  requires_payment_method: 'pending',
};

const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

function currencyOf(code: string): string {
  const upper = code.toUpperCase();
  if (!isCurrency(upper)) throw new ProviderError('malformed', `stripe: unknown currency ${code}`);
  return upper;
}

/**
 * Stripe through PaymentIntents. `createPayment` creates an intent (idempotency key = our
 * payment id, metadata `{paymentId, orderId, orderNumber}`) and answers its client secret for
 * Stripe.js. Webhooks are verified with `stripe.webhooks.constructEvent` over the raw body
 * (`Stripe-Signature`, HMAC-SHA256 with the endpoint secret, `toleranceSeconds`; timestamps
 * from the future beyond it are refused too). Handled events: payment_intent.succeeded,
 * payment_intent.payment_failed, payment_intent.canceled and charge.refunded; others are
 * ProviderError('ignored').
 */
export function createStripeProvider(config: StripeConfig, toleranceSeconds: number, client: Stripe = createStripeClient(config)): PaymentProvider {
  /** The intent of a payment: by its id when known, else by our metadata. */
  async function findIntent(paymentId: string, gatewayReference: string | null): Promise<Stripe.PaymentIntent | null> {
    if (gatewayReference) return client.paymentIntents.retrieve(gatewayReference);
    const found = await client.paymentIntents.search({ query: `metadata['paymentId']:'${paymentId.replace(/['\\]/g, '\\$&')}'`, limit: 1 });
    return found.data[0] ?? null;
  }

  async function paymentIdOfCharge(charge: Stripe.Charge): Promise<string> {
    if (charge.metadata?.paymentId) return charge.metadata.paymentId;
    const intentId = idOf(charge.payment_intent);
    if (!intentId) throw new ProviderError('malformed', `stripe charge ${charge.id} has no payment intent`);
    try {
      const intent = await client.paymentIntents.retrieve(intentId);
      if (intent.metadata?.paymentId) return intent.metadata.paymentId;
    } catch (err) {
      throw failure('stripe payment intent lookup', err);
    }
    throw new ProviderError('ignored', `stripe charge ${charge.id} is not a Bazaar payment`);
  }

  return {
    id: 'stripe',
    merchantId: null,

    async createPayment(input) {
      const amount = stripeAmount(input.amount, input.currency);
      try {
        const intent = await client.paymentIntents.create(
          {
            amount,
            currency: input.currency.toLowerCase(),
            description: input.description.slice(0, 1000),
            metadata: { paymentId: input.paymentId, orderId: input.orderId, orderNumber: input.orderNumber },
            automatic_payment_methods: { enabled: true },
          },
          { idempotencyKey: input.paymentId },
        );
        if (!intent.client_secret) throw new ProviderError('rejected', `stripe intent ${intent.id} has no client secret`);
        return {
          gatewayReference: intent.id,
          action: { type: 'client_secret', clientSecret: intent.client_secret, ...(config.publishableKey ? { publishableKey: config.publishableKey } : {}) },
        };
      } catch (err) {
        throw failure('stripe paymentIntents.create', err);
      }
    },

    async parseNotification(rawBody, headers, now): Promise<GatewayNotification> {
      const signature = header(headers, 'stripe-signature');
      if (!signature) throw new ProviderError('signature', 'missing Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = client.webhooks.constructEvent(rawBody, signature, config.webhookSecret.reveal(), toleranceSeconds, undefined, now.getTime());
      } catch (err) {
        if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw new ProviderError(/tolerance/i.test(err.message) ? 'stale' : 'signature', `stripe webhook: ${err.message.split('\n')[0]}`, { cause: err });
        }
        // The signature held; only the JSON did not parse.
        throw new ProviderError('malformed', 'stripe webhook body is not JSON', { cause: err });
      }
      // constructEvent refuses old timestamps only; one from the future is as suspect.
      const t = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
      if (t - Math.floor(now.getTime() / 1000) > toleranceSeconds) throw new ProviderError('stale', `stripe webhook signed ${t - Math.floor(now.getTime() / 1000)}s in the future`);

      const occurredAt = new Date(event.created * 1000);
      switch (event.type) {
        case 'payment_intent.succeeded':
        case 'payment_intent.payment_failed':
        case 'payment_intent.canceled': {
          const intent = event.data.object;
          const paymentId = intent.metadata?.paymentId;
          if (!paymentId) throw new ProviderError('ignored', `stripe intent ${intent.id} is not a Bazaar payment`);
          const status = event.type === 'payment_intent.succeeded' ? 'succeeded' : event.type === 'payment_intent.canceled' ? 'cancelled' : 'failed';
          const amount = status === 'succeeded' ? intent.amount_received : intent.amount;
          return { eventId: event.id, paymentId, gatewayReference: intent.id, status, amount, currency: currencyOf(intent.currency), merchantId: null, occurredAt, raw: event };
        }
        case 'charge.refunded': {
          const charge = event.data.object;
          const paymentId = await paymentIdOfCharge(charge);
          return {
            eventId: event.id,
            paymentId,
            gatewayReference: idOf(charge.payment_intent),
            status: 'refunded',
            amount: charge.amount,
            currency: currencyOf(charge.currency),
            merchantId: null,
            occurredAt,
            refund: { refundId: null, amount: null, refundedTotal: charge.amount_refunded },
            raw: event,
          };
        }
        default:
          throw new ProviderError('ignored', `stripe event type ${event.type} is not handled`);
      }
    },

    acknowledgement: () => ({ contentType: 'application/json', body: '{"received":true}' }),

    async queryPayment({ paymentId, gatewayReference }): Promise<GatewayStatus> {
      let intent: Stripe.PaymentIntent | null;
      try {
        intent = await findIntent(paymentId, gatewayReference);
      } catch (err) {
        throw failure('stripe payment intent lookup', err);
      }
      if (!intent) return { status: 'pending', amount: 0, currency: '', gatewayReference: null };
      if (intent.metadata?.paymentId !== paymentId) throw new ProviderError('rejected', `stripe intent ${intent.id} belongs to another payment`);
      const status = INTENT_STATUS[intent.status] ?? 'pending';
      return { status, amount: status === 'succeeded' ? intent.amount_received : intent.amount, currency: currencyOf(intent.currency), gatewayReference: intent.id };
    },

    async refund(input): Promise<RefundResult> {
      const amount = stripeAmount(input.amount, input.currency);
      let intentId = input.gatewayReference;
      try {
        intentId ??= (await findIntent(input.paymentId, null))?.id ?? null;
      } catch (err) {
        throw failure('stripe payment intent lookup', err);
      }
      if (!intentId) throw new ProviderError('rejected', `no stripe payment intent for payment ${input.paymentId}`);
      try {
        const refund = await client.refunds.create(
          { payment_intent: intentId, amount, reason: 'requested_by_customer', metadata: { paymentId: input.paymentId, refundId: input.refundId, reason: input.reason.slice(0, 500) } },
          { idempotencyKey: input.refundId },
        );
        if (refund.status === 'succeeded') return { gatewayRefundId: refund.id, status: 'succeeded' };
        if (refund.status === 'failed' || refund.status === 'canceled') return { gatewayRefundId: refund.id, status: 'failed', failureReason: refund.failure_reason ?? refund.status };
        return { gatewayRefundId: refund.id, status: 'pending' };
      } catch (err) {
        const e = failure('stripe refunds.create', err);
        // Stripe declined the request (more than the charge, already refunded, …): no refund exists there.
        if (e.reason === 'rejected' && !(err instanceof Stripe.errors.StripeIdempotencyError)) return { gatewayRefundId: '', status: 'failed', failureReason: e.message };
        throw e;
      }
    },

    async listTransactions(day): Promise<GatewayTransaction[]> {
      const { start, end } = utcDay(day);
      const created = { gte: Math.floor(start.getTime() / 1000), lt: Math.floor(end.getTime() / 1000) };
      const out: GatewayTransaction[] = [];
      try {
        for await (const intent of client.paymentIntents.list({ created, limit: 100 })) {
          const paymentId = intent.metadata?.paymentId;
          if (!paymentId) continue;
          out.push({
            kind: 'payment',
            paymentId,
            gatewayReference: intent.id,
            amount: intent.status === 'succeeded' ? intent.amount_received : intent.amount,
            currency: currencyOf(intent.currency),
            status: intent.status,
            at: new Date(intent.created * 1000),
          });
        }
        for await (const refund of client.refunds.list({ created, limit: 100 })) {
          const paymentId = refund.metadata?.paymentId;
          if (!paymentId) continue;
          out.push({
            kind: 'refund',
            paymentId,
            gatewayReference: idOf(refund.payment_intent),
            ...(refund.metadata?.refundId ? { refundId: refund.metadata.refundId } : {}),
            amount: refund.amount,
            currency: currencyOf(refund.currency),
            status: refund.status ?? 'pending',
            at: new Date(refund.created * 1000),
          });
        }
      } catch (err) {
        throw failure('stripe listing', err);
      }
      return out.sort((a, b) => a.at.getTime() - b.at.getTime());
    },
  };
}
