import assert from 'node:assert/strict';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Secret } from '../../../platform/secret.js';
import { createAlipayProvider } from './alipay.js';
import { ProviderError, type AlipayConfig, type CreatePaymentInput, type PaymentProvider } from './index.js';

const APP_ID = '2021000000000001';
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = rsa();
const alipay = rsa();
const stranger = rsa();

/** Keys as the Alipay console shows them: bare base64 DER, no PEM armour. */
const bare = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
const alipayPublicBare = bare(alipay.publicKey.export({ type: 'spki', format: 'pem' }) as string);

const rsa2 = (content: string, key: typeof alipay.privateKey) => createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
const signContent = (params: Record<string, string>, exclude: string[]) =>
  Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');

/** A notification form body signed as Alipay signs: RSA2 over the sorted non-empty parameters without sign and sign_type. */
function notifyBody(params: Record<string, string>, key = alipay.privateKey): string {
  const sign = rsa2(signContent(params, ['sign', 'sign_type']), key);
  return new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString();
}

function paidParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    notify_time: '2026-11-28 18:00:05',
    notify_type: 'trade_status_sync',
    notify_id: 'ac05099524730693a8b330c5ecf72da9786',
    app_id: APP_ID,
    charset: 'utf-8',
    version: '1.0',
    trade_no: '2026112822001400000000000001',
    out_trade_no: 'pay_01JALIPAY',
    buyer_id: '2088102122524333',
    seller_id: '2088101106499364',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.88',
    receipt_amount: '88.88',
    subject: 'T恤 & 帽子 = 2+1 件',
    gmt_create: '2026-11-28 17:59:40',
    gmt_payment: '2026-11-28 18:00:04',
    ...overrides,
  };
}

interface Trade {
  outTradeNo: string;
  tradeNo: string;
  status: string;
  total: string;
  refunds: Map<string, string>;
}

/** A stand-in for Alipay's OpenAPI gateway: checks the app's request signature and signs its answers with the Alipay key. */
function fakeAlipay() {
  const trades = new Map<string, Trade>();
  const requests: { method: string; biz: Record<string, unknown>; params: Record<string, string> }[] = [];
  let tamper = false;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const params: Record<string, string> = Object.fromEntries([...url.searchParams, ...new URLSearchParams(raw)]);
      const method = params.method!;
      const key = `${method.replaceAll('.', '_')}_response`;
      let inner: Record<string, unknown>;
      const signedByApp = createVerify('RSA-SHA256').update(signContent(params, ['sign']), 'utf8').verify(app.publicKey, params.sign!, 'base64');
      const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, string>;
      requests.push({ method, biz, params });
      if (!signedByApp || params.app_id !== APP_ID) {
        inner = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: 'bad signature' };
      } else if (method === 'alipay.trade.precreate') {
        trades.set(biz.out_trade_no!, { outTradeNo: biz.out_trade_no!, tradeNo: `2026${trades.size + 1}`.padEnd(28, '0'), status: 'WAIT_BUYER_PAY', total: biz.total_amount!, refunds: new Map() });
        inner = { code: '10000', msg: 'Success', out_trade_no: biz.out_trade_no, qr_code: `https://qr.alipay.com/bax0${trades.size}` };
      } else if (method === 'alipay.trade.query') {
        const t = trades.get(biz.out_trade_no!);
        inner = t
          ? { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, trade_status: t.status, total_amount: t.total }
          : { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' };
      } else if (method === 'alipay.trade.refund') {
        const t = trades.get(biz.out_trade_no!);
        const cents = (s: string) => Math.round(Number(s) * 100);
        const refunded = () => [...(t?.refunds.values() ?? [])].reduce((s, v) => s + cents(v), 0);
        if (biz.out_request_no === 'rf_flaky') inner = { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' };
        else if (!t || t.status !== 'TRADE_SUCCESS') inner = { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR', sub_msg: '交易状态不合法' };
        else if (t.refunds.has(biz.out_request_no!)) inner = { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, refund_fee: (refunded() / 100).toFixed(2), fund_change: 'N' };
        else if (refunded() + cents(biz.refund_amount!) > cents(t.total)) inner = { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', sub_msg: '退款金额超限' };
        else {
          t.refunds.set(biz.out_request_no!, biz.refund_amount!);
          inner = { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, refund_fee: (refunded() / 100).toFixed(2), fund_change: 'Y' };
        }
      } else {
        inner = { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.INVALID_METHOD' };
      }
      const text = JSON.stringify(inner);
      const sign = rsa2(tamper ? text.replace('Success', 'Succes5') : text, alipay.privateKey);
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end(`{"${key}":${text},"sign":"${sign}"}`);
    });
  });
  return {
    server,
    trades,
    requests,
    setTamper: (on: boolean) => {
      tamper = on;
    },
  };
}

const input = (overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  paymentId: 'pay_01JALIPAY',
  orderId: 'ord_1',
  orderNumber: 'B-1001',
  amount: 8888,
  currency: 'CNY',
  description: 'Order B-1001: 2 items',
  returnUrl: 'https://shop.test/orders/ord_1',
  notifyUrl: 'https://shop.test/webhooks/payments/alipay',
  ...overrides,
});

const rejects = (promise: Promise<unknown>, reason: string, pattern?: RegExp) =>
  assert.rejects(promise, (err: unknown) => err instanceof ProviderError && err.reason === reason && (!pattern || pattern.test(err.message)));

describe('alipay provider', () => {
  const fake = fakeAlipay();
  let gateway: string;
  let provider: PaymentProvider;
  const config = (overrides: Partial<AlipayConfig> = {}): AlipayConfig => ({
    appId: APP_ID,
    privateKey: new Secret(app.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string),
    alipayPublicKey: alipayPublicBare,
    gateway,
    mode: 'precreate',
    ...overrides,
  });

  before(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    gateway = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/gateway.do`;
    provider = createAlipayProvider(config());
  });
  after(() => new Promise<void>((resolve) => (fake.server as Server).close(() => resolve())));

  test('page mode signs a cashier redirect locally', async () => {
    const page = createAlipayProvider(config({ mode: 'page', privateKey: new Secret(bare(app.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)) }));
    const before = fake.requests.length;
    const { gatewayReference, action } = await page.createPayment(input());
    assert.equal(fake.requests.length, before, 'no network call');
    assert.equal(gatewayReference, null);
    assert.equal(action.type, 'redirect');
    const url = new URL((action as { url: string }).url);
    assert.equal(`${url.origin}${url.pathname}`, gateway);
    const params = Object.fromEntries(url.searchParams);
    assert.equal(params.method, 'alipay.trade.page.pay');
    assert.equal(params.app_id, APP_ID);
    assert.equal(params.sign_type, 'RSA2');
    assert.equal(params.notify_url, 'https://shop.test/webhooks/payments/alipay');
    assert.equal(params.return_url, 'https://shop.test/orders/ord_1');
    assert.deepEqual(JSON.parse(params.biz_content!), { out_trade_no: 'pay_01JALIPAY', total_amount: '88.88', subject: 'Order B-1001: 2 items', product_code: 'FAST_INSTANT_TRADE_PAY' });
    assert.ok(createVerify('RSA-SHA256').update(signContent(params, ['sign']), 'utf8').verify(app.publicKey, params.sign!, 'base64'), 'signed with the app key');
  });

  test('precreate mode asks Alipay for a QR code', async () => {
    const { gatewayReference, action } = await provider.createPayment(input({ amount: 5, description: 'a/b=c&d' }));
    assert.equal(gatewayReference, null);
    assert.deepEqual(action, { type: 'qr_code', content: 'https://qr.alipay.com/bax01' });
    const req = fake.requests.at(-1)!;
    assert.equal(req.method, 'alipay.trade.precreate');
    assert.deepEqual(req.biz, { out_trade_no: 'pay_01JALIPAY', total_amount: '0.05', subject: 'a b c d' });
    assert.equal(req.params.notify_url, 'https://shop.test/webhooks/payments/alipay');
    await rejects(provider.createPayment(input({ currency: 'USD' })), 'rejected', /CNY/);
  });

  test('a response whose signature does not verify is not trusted', async () => {
    fake.setTamper(true);
    try {
      await rejects(provider.queryPayment({ paymentId: 'pay_01JALIPAY', gatewayReference: null }), 'unavailable');
    } finally {
      fake.setTamper(false);
    }
    const wrongKey = createAlipayProvider(config({ privateKey: new Secret(stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string) }));
    await rejects(wrongKey.createPayment(input()), 'rejected', /isv.invalid-signature/);
  });

  test('queryPayment maps trade states; an unopened trade is pending', async () => {
    assert.deepEqual(await provider.queryPayment({ paymentId: 'pay_never_opened', gatewayReference: null }), { status: 'pending', amount: 0, currency: 'CNY', gatewayReference: null });
    const trade = fake.trades.get('pay_01JALIPAY')!;
    assert.deepEqual(await provider.queryPayment({ paymentId: 'pay_01JALIPAY', gatewayReference: null }), { status: 'pending', amount: 5, currency: 'CNY', gatewayReference: trade.tradeNo });
    for (const [status, expected] of [
      ['TRADE_SUCCESS', 'succeeded'],
      ['TRADE_FINISHED', 'succeeded'],
      ['TRADE_CLOSED', 'cancelled'],
    ] as const) {
      trade.status = status;
      assert.equal((await provider.queryPayment({ paymentId: 'pay_01JALIPAY', gatewayReference: trade.tradeNo })).status, expected);
    }
  });

  test('refunds go out with out_request_no = our refund id and are idempotent', async () => {
    fake.trades.set('pay_refund', { outTradeNo: 'pay_refund', tradeNo: '2026112822001499999999999999', status: 'TRADE_SUCCESS', total: '100.00', refunds: new Map() });
    const refund = (refundId: string, amount: number) => provider.refund({ paymentId: 'pay_refund', gatewayReference: '2026112822001499999999999999', refundId, amount, currency: 'CNY', reason: 'Customer returned the goods' });
    const first = await refund('rf_1', 3050);
    assert.deepEqual(first, { gatewayRefundId: '2026112822001499999999999999:rf_1', status: 'succeeded' });
    const sent = fake.requests.at(-1)!;
    assert.deepEqual(sent.biz, { out_trade_no: 'pay_refund', trade_no: '2026112822001499999999999999', refund_amount: '30.50', out_request_no: 'rf_1', refund_reason: 'Customer returned the goods' });
    assert.deepEqual(await refund('rf_1', 3050), first);
    assert.equal(fake.trades.get('pay_refund')!.refunds.size, 1);
    const tooMuch = await refund('rf_2', 7000);
    assert.equal(tooMuch.status, 'failed');
    assert.match(tooMuch.failureReason!, /ACQ.REFUND_AMT_NOT_EQUAL_TOTAL/);
    await rejects(refund('rf_flaky', 100), 'unavailable');
    await rejects(provider.refund({ paymentId: 'pay_refund', gatewayReference: null, refundId: 'rf_3', amount: 100, currency: 'USD', reason: 'x' }), 'rejected');
  });

  test('an unreachable gateway is unavailable', async () => {
    const down = createAlipayProvider(config({ gateway: 'http://127.0.0.1:9/gateway.do' }));
    await rejects(down.queryPayment({ paymentId: 'pay_x', gatewayReference: null }), 'unavailable');
  });

  test('notifications: verified with the Alipay key before any field is read', async () => {
    const now = new Date();
    const parse = (body: string) => provider.parseNotification(Buffer.from(body), { 'content-type': 'application/x-www-form-urlencoded' }, now);
    const n = await parse(notifyBody(paidParams()));
    assert.equal(n.eventId, 'ac05099524730693a8b330c5ecf72da9786');
    assert.equal(n.paymentId, 'pay_01JALIPAY');
    assert.equal(n.gatewayReference, '2026112822001400000000000001');
    assert.equal(n.status, 'succeeded');
    assert.equal(n.amount, 8888);
    assert.equal(n.currency, 'CNY');
    assert.equal(n.merchantId, APP_ID);
    assert.equal(n.occurredAt.toISOString(), '2026-11-28T10:00:04.000Z');
    assert.equal((n.raw as Record<string, string>).subject, 'T恤 & 帽子 = 2+1 件');
    assert.deepEqual(provider.acknowledgement(), { contentType: 'text/plain', body: 'success' });
    assert.equal(provider.merchantId, APP_ID);

    const tampered = notifyBody(paidParams()).replace('total_amount=88.88', 'total_amount=0.01');
    await rejects(parse(tampered), 'signature');
    await rejects(parse(notifyBody(paidParams(), stranger.privateKey)), 'signature');
    await rejects(parse(new URLSearchParams(paidParams()).toString()), 'signature');
    await rejects(parse(notifyBody(paidParams()).replace('sign_type=RSA2', 'sign_type=RSA')), 'signature');
    await rejects(parse(`${notifyBody(paidParams())}&total_amount=0.01`), 'signature');
    await rejects(parse(''), 'signature');
    await rejects(parse('{"trade_status":"TRADE_SUCCESS"}'), 'signature');
  });

  test('notifications: trade states, refunds, fallback event ids, empty parameters', async () => {
    const now = new Date();
    const parse = (params: Record<string, string>) => provider.parseNotification(Buffer.from(notifyBody(params)), {}, now);
    assert.equal((await parse(paidParams({ trade_status: 'WAIT_BUYER_PAY' }))).status, 'pending');
    assert.equal((await parse(paidParams({ trade_status: 'TRADE_FINISHED' }))).status, 'succeeded');
    const closed = await parse(paidParams({ trade_status: 'TRADE_CLOSED', gmt_close: '2026-11-28 18:30:00' }));
    assert.equal(closed.status, 'cancelled');
    assert.equal(closed.occurredAt.toISOString(), '2026-11-28T10:30:00.000Z');

    const refund = await parse(paidParams({ notify_id: 'n2', refund_fee: '30.50', gmt_refund: '2026-11-29 09:00:00', out_biz_no: 'rf_1' }));
    assert.equal(refund.status, 'refunded');
    assert.equal(refund.amount, 8888);
    assert.deepEqual(refund.refund, { refundId: 'rf_1', amount: null, refundedTotal: 3050 });
    assert.equal(refund.occurredAt.toISOString(), '2026-11-29T01:00:00.000Z');
    assert.equal((await parse(paidParams({ trade_status: 'TRADE_CLOSED', refund_fee: '88.88', gmt_refund: '2026-11-29 09:00:00' }))).status, 'refunded');

    const { notify_id: _omit, ...withoutId } = paidParams();
    assert.equal((await parse(withoutId)).eventId, '2026112822001400000000000001:TRADE_SUCCESS:2026-11-28 18:00:04');
    assert.equal((await parse(paidParams({ body: '' }))).status, 'succeeded');

    const broken: Record<string, string>[] = [{ total_amount: '88.888' }, { total_amount: '-1' }, { trade_status: 'TRADE_EXPLODED' }, { out_trade_no: '' }, { app_id: '' }];
    for (const b of broken) await rejects(parse(paidParams(b)), 'malformed');
    await rejects(parse(paidParams({ notify_type: 'fund_auth_freeze' })), 'ignored');
  });

  test('reconciliation is not offered without the bill download API', async () => {
    await rejects(provider.listTransactions('2026-11-28'), 'unavailable', /bill download API/);
  });
});
