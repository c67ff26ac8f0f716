import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AlipayRequestError, AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import { parseDecimalAmount, toDecimalString } from './amounts.js';
import { ProviderError, type AlipayConfig, type GatewayNotification, type GatewayStatus, type PaymentProvider } from './types.js';

/** Alipay settles in yuan; every amount it reports is a CNY decimal string. */
const CURRENCY = 'CNY';

/**
 * A key as PEM, whatever form it came in: PEM (PKCS#1 or PKCS#8 / SPKI) or the bare base64 DER
 * the Alipay key tool prints. Throws when it is not an RSA key.
 */
function readKey(text: string, kind: 'private' | 'public'): string {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.includes('-----BEGIN')) {
    key = kind === 'private' ? createPrivateKey(trimmed) : createPublicKey(trimmed);
  } else {
    const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64');
    const attempt = (type: 'pkcs8' | 'pkcs1' | 'spki'): KeyObject | null => {
      try {
        return kind === 'private' ? createPrivateKey({ key: der, format: 'der', type: type as 'pkcs8' | 'pkcs1' }) : createPublicKey({ key: der, format: 'der', type: type as 'spki' | 'pkcs1' });
      } catch {
        return null;
      }
    };
    const found = kind === 'private' ? (attempt('pkcs8') ?? attempt('pkcs1')) : (attempt('spki') ?? attempt('pkcs1'));
    if (!found) throw new Error(`not a ${kind} key`);
    key = found;
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA ${kind} key`);
  // The SDK rebuilds the PEM from the lines between the armour: no trailing newline.
  const pem = kind === 'private' ? key.export({ type: 'pkcs8', format: 'pem' }) : key.export({ type: 'spki', format: 'pem' });
  return String(pem).trim();
}

/** Alipay's time format, always Beijing time: `2026-11-28 10:00:00`. */
function alipayTime(text: string | undefined): Date | null {
  if (!text || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const d = new Date(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Subject text Alipay accepts: at most 256 characters, without the characters it forbids there. */
function subject(text: string, orderNumber: string): string {
  const clean = text.replace(/[/=&]/g, ' ').replace(/\s+/g, ' ').trim();
  return (clean || `Order ${orderNumber}`).slice(0, 256);
}

function describe(method: string, r: AlipaySdkCommonResult): string {
  return `${method}: ${r.code} ${r.msg}${r.subCode ? ` (${r.subCode as string}: ${r.subMsg as string})` : ''}`;
}

/** Retrying the same request may succeed: Alipay's "service unavailable" and system errors. */
function isTransient(r: AlipaySdkCommonResult): boolean {
  return r.code === '20000' || /SYSTEM_ERROR|UNKNOWN/i.test(String(r.subCode ?? ''));
}

const TRADE_STATUS = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded',
  TRADE_CLOSED: 'cancelled',
} as const;
type TradeStatus = keyof typeof TRADE_STATUS;
const isTradeStatus = (s: unknown): s is TradeStatus => typeof s === 'string' && Object.hasOwn(TRADE_STATUS, s);

/**
 * Builds the Alipay SDK client from the configuration. Throws (with a message naming the
 * variable) when a key cannot be read.
 */
export function createAlipayClient(config: AlipayConfig): AlipaySdk {
  let privateKey: string;
  let alipayPublicKey: string;
  try {
    privateKey = readKey(config.privateKey.reveal(), 'private');
  } catch {
    throw new Error('ALIPAY_PRIVATE_KEY is not a readable RSA private key');
  }
  try {
    alipayPublicKey = readKey(config.alipayPublicKey, 'public');
  } catch {
    throw new Error('ALIPAY_PUBLIC_KEY is not a readable RSA public key');
  }
  return new AlipaySdk({ appId: config.appId, privateKey, keyType: 'PKCS8', alipayPublicKey, gateway: config.gateway, signType: 'RSA2', timeout: 10_000, camelcase: true });
}

/**
 * Alipay through the `alipay-sdk` (OpenAPI v2, RSA2 keys). `page` mode answers a redirect to
 * Alipay's cashier, signed locally (alipay.trade.page.pay, no network); `precreate` mode asks
 * Alipay for a QR code (alipay.trade.precreate). Every response from Alipay is signature-checked
 * by the SDK with Alipay's public key. Notifications are form posts whose RSA2 signature (over
 * the sorted parameters without `sign`/`sign_type`) is checked before any field is read.
 * Amounts cross as yuan decimal strings, converted digit by digit. CNY only.
 */
export function createAlipayProvider(config: AlipayConfig, client: AlipaySdk = createAlipayClient(config)): PaymentProvider {
  async function call(method: string, params: Record<string, unknown>): Promise<AlipaySdkCommonResult> {
    try {
      return await client.exec(method, params, { validateSign: true });
    } catch (err) {
      if (err instanceof AlipayRequestError) throw new ProviderError('unavailable', `${method}: ${err.message}`, { cause: err });
      throw new ProviderError('unavailable', `${method}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  function requireCny(currency: string): void {
    if (currency !== CURRENCY) throw new ProviderError('rejected', `Alipay takes CNY only, not ${currency}`);
  }

  return {
    id: 'alipay',
    merchantId: config.appId,

    async createPayment(input) {
      requireCny(input.currency);
      const bizContent = { outTradeNo: input.paymentId, totalAmount: toDecimalString(input.amount, CURRENCY), subject: subject(input.description, input.orderNumber) };
      if (config.mode === 'page') {
        const url = client.pageExecute('alipay.trade.page.pay', 'GET', {
          bizContent: { ...bizContent, productCode: 'FAST_INSTANT_TRADE_PAY' },
          notifyUrl: input.notifyUrl,
          ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
        });
        return { gatewayReference: null, action: { type: 'redirect', url } };
      }
      const r = await call('alipay.trade.precreate', { notifyUrl: input.notifyUrl, bizContent });
      if (r.code !== '10000' || typeof r.qrCode !== 'string') {
        throw new ProviderError(isTransient(r) ? 'unavailable' : 'rejected', describe('alipay.trade.precreate', r));
      }
      return { gatewayReference: null, action: { type: 'qr_code', content: r.qrCode } };
    },

    async parseNotification(rawBody): Promise<GatewayNotification> {
      const params: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
        if (Object.hasOwn(params, key)) throw new ProviderError('signature', `alipay notification repeats the parameter ${key}`);
        params[key] = value;
      }
      if (!params.sign) throw new ProviderError('signature', 'alipay notification is not signed');
      if (params.sign_type !== undefined && params.sign_type !== 'RSA2') throw new ProviderError('signature', `alipay notification signed with ${params.sign_type}, not RSA2`);
      // Alipay signs the non-empty parameters only (its Java reference, AlipaySignature.getSignContent).
      const signed = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
      let valid: boolean;
      try {
        valid = client.checkNotifySignV2(signed);
      } catch {
        valid = false;
      }
      if (!valid) throw new ProviderError('signature', 'alipay notification signature does not verify with the Alipay public key');

      // Signed by Alipay from here on.
      if (params.notify_type !== undefined && params.notify_type !== 'trade_status_sync') throw new ProviderError('ignored', `alipay notify_type ${params.notify_type} is not handled`);
      const fail = (field: string): never => {
        throw new ProviderError('malformed', `alipay notification: invalid or missing ${field}`);
      };
      const paymentId = params.out_trade_no || fail('out_trade_no');
      const tradeStatus = isTradeStatus(params.trade_status) ? params.trade_status : fail('trade_status');
      const amount = parseDecimalAmount(params.total_amount ?? '', CURRENCY) ?? fail('total_amount');
      const merchantId = params.app_id || fail('app_id');
      const refundFee = params.refund_fee ? (parseDecimalAmount(params.refund_fee, CURRENCY) ?? fail('refund_fee')) : 0;
      const isRefund = refundFee > 0 && (tradeStatus === 'TRADE_SUCCESS' || tradeStatus === 'TRADE_CLOSED');
      const status = isRefund ? 'refunded' : TRADE_STATUS[tradeStatus];
      const reference = params.trade_no || null;
      const at = isRefund ? params.gmt_refund : status === 'succeeded' ? params.gmt_payment : status === 'cancelled' ? params.gmt_close : undefined;
      const occurredAt = alipayTime(at) ?? alipayTime(params.notify_time) ?? fail('notify_time');
      const eventId =
        params.notify_id ||
        (isRefund
          ? `${reference ?? paymentId}:REFUND:${params.gmt_refund ?? ''}:${params.refund_fee}`
          : `${reference ?? paymentId}:${tradeStatus}:${params.gmt_payment ?? ''}`);
      return {
        eventId,
        paymentId,
        gatewayReference: reference,
        status,
        amount,
        currency: CURRENCY,
        merchantId,
        occurredAt,
        ...(isRefund ? { refund: { refundId: params.out_biz_no || null, amount: null, refundedTotal: refundFee } } : {}),
        raw: params,
      };
    },

    acknowledgement: () => ({ contentType: 'text/plain', body: 'success' }),

    async queryPayment({ paymentId, gatewayReference }): Promise<GatewayStatus> {
      const r = await call('alipay.trade.query', { bizContent: { outTradeNo: paymentId, ...(gatewayReference ? { tradeNo: gatewayReference } : {}) } });
      // Alipay creates the trade only once the buyer opens it: until then it does not exist.
      if (r.code === '40004' && r.subCode === 'ACQ.TRADE_NOT_EXIST') return { status: 'pending', amount: 0, currency: CURRENCY, gatewayReference: null };
      if (r.code !== '10000') throw new ProviderError(isTransient(r) ? 'unavailable' : 'rejected', describe('alipay.trade.query', r));
      if (!isTradeStatus(r.tradeStatus)) throw new ProviderError('rejected', `alipay.trade.query: unexpected trade_status ${String(r.tradeStatus)}`);
      const amount = parseDecimalAmount(String(r.totalAmount ?? ''), CURRENCY);
      if (amount === null) throw new ProviderError('rejected', `alipay.trade.query: unreadable total_amount ${String(r.totalAmount)}`);
      return { status: TRADE_STATUS[r.tradeStatus], amount, currency: CURRENCY, gatewayReference: typeof r.tradeNo === 'string' ? r.tradeNo : gatewayReference };
    },

    async refund(input) {
      requireCny(input.currency);
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new ProviderError('rejected', `refund amount must be a positive integer, got ${input.amount}`);
      // out_request_no makes the refund idempotent at Alipay: a retry returns the first result.
      const r = await call('alipay.trade.refund', {
        bizContent: {
          outTradeNo: input.paymentId,
          ...(input.gatewayReference ? { tradeNo: input.gatewayReference } : {}),
          refundAmount: toDecimalString(input.amount, CURRENCY),
          outRequestNo: input.refundId,
          refundReason: input.reason.slice(0, 256),
        },
      });
      const gatewayRefundId = `${typeof r.tradeNo === 'string' ? r.tradeNo : (input.gatewayReference ?? input.paymentId)}:${input.refundId}`;
      if (r.code === '10000') return { gatewayRefundId, status: 'succeeded' };
      // The outcome is unknown: the caller retries with the same refundId.
      if (isTransient(r)) throw new ProviderError('unavailable', describe('alipay.trade.refund', r));
      return { gatewayRefundId, status: 'failed', failureReason: describe('alipay.trade.refund', r) };
    },

    async listTransactions() {
      throw new ProviderError('unavailable', 'alipay reconciliation needs the bill download API');
    },
  };
}
