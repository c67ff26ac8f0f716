import { isCurrency } from '../../../platform/money.js';
import { header } from './headers.js';
import type { SandboxGateway } from './sandbox-gateway.js';
import type { SandboxNotification } from './sandbox-notifier.js';
import { SANDBOX_SIGNATURE_HEADER, verifySandboxSignature } from './sandbox-signature.js';
import { ProviderError, type GatewayNotification, type GatewayStatus, type PaymentProvider, type SandboxConfig } from './types.js';

const STATUS_OF_TYPE = { 'payment.succeeded': 'succeeded', 'payment.failed': 'failed', 'refund.succeeded': 'refunded' } as const;

const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Checks a parsed notification body field by field; ProviderError('malformed') names the first bad one. */
function toNotification(body: unknown): SandboxNotification {
  const n = body as Partial<Record<keyof SandboxNotification, unknown>> | null;
  const fail = (field: string): never => {
    throw new ProviderError('malformed', `sandbox notification: invalid or missing ${field}`);
  };
  if (typeof n !== 'object' || n === null || Array.isArray(n)) return fail('body');
  if (!isText(n.id)) fail('id');
  if (typeof n.type !== 'string' || !Object.hasOwn(STATUS_OF_TYPE, n.type)) fail('type');
  if (!isText(n.paymentId)) fail('paymentId');
  if (!isText(n.chargeId)) fail('chargeId');
  if (!isAmount(n.amount)) fail('amount');
  if (typeof n.currency !== 'string' || !isCurrency(n.currency)) fail('currency');
  if (!isText(n.merchantId)) fail('merchantId');
  if (typeof n.occurredAt !== 'string' || Number.isNaN(Date.parse(n.occurredAt))) fail('occurredAt');
  if (n.type === 'refund.succeeded') {
    const r = n.refund as Partial<Record<string, unknown>> | undefined;
    if (typeof r !== 'object' || r === null || !isText(r.id) || !isText(r.refundId) || !isAmount(r.amount) || !isAmount(r.refundedTotal)) fail('refund');
  }
  return n as SandboxNotification;
}

/**
 * The merchant side of the sandbox gateway, as a PaymentProvider: payments are charges in the
 * sandbox ledger, paid on the payer page; notifications are JSON signed with
 * `Bazaar-Signature` (HMAC-SHA256 with the sandbox secret), checked on the raw body before
 * parsing and within `toleranceSeconds` of the receiving time.
 */
export function createSandboxProvider(deps: { gateway: SandboxGateway; config: SandboxConfig; toleranceSeconds: number }): PaymentProvider {
  const { gateway, config, toleranceSeconds } = deps;
  return {
    id: 'sandbox',
    merchantId: gateway.merchantId,

    async createPayment(input) {
      const charge = await gateway.createCharge(input);
      return { gatewayReference: charge.id, action: { type: 'redirect', url: gateway.payUrl(input.paymentId) } };
    },

    async parseNotification(rawBody, headers, now): Promise<GatewayNotification> {
      verifySandboxSignature(config.secret.reveal(), rawBody, header(headers, SANDBOX_SIGNATURE_HEADER), now, toleranceSeconds);
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch (err) {
        throw new ProviderError('malformed', 'sandbox notification is not JSON', { cause: err });
      }
      const n = toNotification(parsed);
      return {
        eventId: n.id,
        paymentId: n.paymentId,
        gatewayReference: n.chargeId,
        status: STATUS_OF_TYPE[n.type],
        amount: n.amount,
        currency: n.currency,
        merchantId: n.merchantId,
        occurredAt: new Date(n.occurredAt),
        ...(n.refund ? { refund: { refundId: n.refund.refundId, amount: n.refund.amount, refundedTotal: n.refund.refundedTotal } } : {}),
        raw: parsed,
      };
    },

    acknowledgement: () => ({ contentType: 'application/json', body: '{"received":true}' }),

    async queryPayment({ paymentId }): Promise<GatewayStatus> {
      const charge = await gateway.getCharge(paymentId);
      if (!charge) throw new ProviderError('rejected', `no sandbox charge for payment ${paymentId}`);
      const status = charge.status === 'pending' ? 'pending' : charge.status === 'failed' ? 'failed' : 'succeeded';
      return { status, amount: charge.amount, currency: charge.currency, gatewayReference: charge.id };
    },

    refund: (input) => gateway.refund(input),

    listTransactions: (day) => gateway.listDay(day),
  };
}
