import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { Secret } from '../../../platform/secret.js';
import { createStripeProvider } from './stripe.js';
import { ProviderError, type CreatePaymentInput, type PaymentProvider, type StripeConfig } from './index.js';

const WEBHOOK_SECRET = 'whsec_test_secret';
const DAY = '2026-11-28';
const dayStart = Date.parse(`${DAY}T00:00:00Z`) / 1000;

type Obj = Record<string, any>;

/** `a[b][c]=v` form fields as nested objects, as Stripe's API reads them. */
function formToObject(raw: string): Obj {
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    for (const part of path.slice(0, -1)) node = node[part] ??= {};
    node[path.at(-1)!] = value;
  }
  return out;
}

/** A stand-in for the parts of Stripe's API the provider uses, with idempotency keys and cursor pagination (2 per page). */
function fakeStripe() {
  const intents = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const idempotent = new Map<string, { status: number; body: Obj }>();
  const requests: { method: string; path: string; body: Obj; headers: IncomingMessage['headers'] }[] = [];
  let seq = 0;
  const error = (status: number, code: string, message: string) => ({ status, body: { error: { type: 'invalid_request_error', code, message } } });
  const page = (all: Obj[], query: URLSearchParams, url: string) => {
    const gte = Number(query.get('created[gte]') ?? 0);
    const lt = Number(query.get('created[lt]') ?? Infinity);
    let list = all.filter((o) => o.created >= gte && o.created < lt).sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const after = query.get('starting_after');
    if (after) list = list.slice(list.findIndex((o) => o.id === after) + 1);
    return { status: 200, body: { object: 'list', url, data: list.slice(0, 2), has_more: list.length > 2 } };
  };

  function handle(method: string, url: URL, body: Obj): { status: number; body: Obj } {
    const path = url.pathname;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const id = `pi_${++seq}`;
      const intent = {
        id,
        object: 'payment_intent',
        amount: Number(body.amount),
        amount_received: 0,
        currency: body.currency,
        description: body.description,
        metadata: body.metadata ?? {},
        status: 'requires_payment_method',
        client_secret: `${id}_secret_abc`,
        created: dayStart + 3600 + seq,
        livemode: false,
      };
      intents.set(id, intent);
      return { status: 200, body: intent };
    }
    if (method === 'GET' && path === '/v1/payment_intents/search') {
      const m = /metadata\['paymentId'\]:'([^']*)'/.exec(url.searchParams.get('query') ?? '');
      const data = [...intents.values()].filter((i) => i.metadata.paymentId === m?.[1]);
      return { status: 200, body: { object: 'search_result', url: path, data, has_more: false } };
    }
    if (method === 'GET' && path === '/v1/payment_intents') return page([...intents.values()], url.searchParams, path);
    if (method === 'GET' && path.startsWith('/v1/payment_intents/')) {
      const intent = intents.get(path.split('/')[3]!);
      return intent ? { status: 200, body: intent } : error(404, 'resource_missing', 'No such payment_intent');
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(body.payment_intent);
      if (!intent) return error(400, 'resource_missing', 'No such payment_intent');
      const refunded = [...refunds.values()].filter((r) => r.payment_intent === intent.id).reduce((s, r) => s + r.amount, 0);
      if (intent.status !== 'succeeded') return error(400, 'charge_not_captured', 'This PaymentIntent has no successful charge');
      if (refunded + Number(body.amount) > intent.amount_received) return error(400, 'amount_too_large', 'Refund amount is greater than unrefunded amount on charge');
      const id = `re_${++seq}`;
      const refund = { id, object: 'refund', amount: Number(body.amount), currency: intent.currency, payment_intent: intent.id, reason: body.reason, metadata: body.metadata ?? {}, status: intent.metadata.refundsPending ? 'pending' : 'succeeded', created: dayStart + 7200 + seq };
      refunds.set(id, refund);
      return { status: 200, body: refund };
    }
    if (method === 'GET' && path === '/v1/refunds') return page([...refunds.values()], url.searchParams, path);
    return error(404, 'unknown', `${method} ${path}`);
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const body = formToObject(raw);
      requests.push({ method: req.method!, path: url.pathname, body, headers: req.headers });
      const key = req.headers['idempotency-key'];
      const cacheKey = typeof key === 'string' && req.method === 'POST' ? `${url.pathname}:${key}` : null;
      const result = (cacheKey && idempotent.get(cacheKey)) || handle(req.method!, url, body);
      if (cacheKey) idempotent.set(cacheKey, result);
      res.writeHead(result.status, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
      res.end(JSON.stringify(result.body));
    });
  });
  return { server, intents, refunds, requests };
}

const input = (overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  paymentId: 'pay_01JSTRIPE',
  orderId: 'ord_1',
  orderNumber: 'B-1001',
  amount: 2599,
  currency: 'USD',
  description: 'Order B-1001',
  returnUrl: null,
  notifyUrl: 'https://shop.test/webhooks/payments/stripe',
  ...overrides,
});

const rejects = (promise: Promise<unknown>, reason: string, pattern?: RegExp) =>
  assert.rejects(promise, (err: unknown) => err instanceof ProviderError && err.reason === reason && (!pattern || pattern.test(err.message)));

describe('stripe provider', () => {
  const fake = fakeStripe();
  let provider: PaymentProvider;
  let config: StripeConfig;

  before(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    config = {
      secretKey: new Secret('sk_test_123'),
      webhookSecret: new Secret(WEBHOOK_SECRET),
      apiHost: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`,
      publishableKey: 'pk_test_123',
    };
    provider = createStripeProvider(config, 300);
  });
  after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  test('createPayment creates a PaymentIntent once per payment id and answers its client secret', async () => {
    const first = await provider.createPayment(input());
    assert.equal(first.gatewayReference, 'pi_1');
    assert.deepEqual(first.action, { type: 'client_secret', clientSecret: 'pi_1_secret_abc', publishableKey: 'pk_test_123' });
    const req = fake.requests.at(-1)!;
    assert.equal(req.headers['idempotency-key'], 'pay_01JSTRIPE');
    assert.equal(req.headers.authorization, 'Bearer sk_test_123');
    assert.deepEqual(req.body, {
      amount: '2599',
      currency: 'usd',
      description: 'Order B-1001',
      metadata: { paymentId: 'pay_01JSTRIPE', orderId: 'ord_1', orderNumber: 'B-1001' },
      automatic_payment_methods: { enabled: 'true' },
    });
    const again = await provider.createPayment(input());
    assert.equal(again.gatewayReference, 'pi_1');
    assert.equal(fake.intents.size, 1);
    // Zero-decimal currencies: ISO minor units are Stripe's units.
    assert.equal((await provider.createPayment(input({ paymentId: 'pay_jpy', amount: 1200, currency: 'JPY' }))).gatewayReference, 'pi_2');
    assert.equal(fake.requests.at(-1)!.body.amount, '1200');
    await rejects(provider.createPayment(input({ paymentId: 'pay_kwd', amount: 1235, currency: 'KWD' })), 'rejected', /multiples of 10/);
    await rejects(provider.createPayment(input({ paymentId: 'pay_zero', amount: 0 })), 'rejected');
  });

  test('queryPayment reads the intent, by id or by our metadata', async () => {
    const intent = fake.intents.get('pi_1')!;
    assert.deepEqual(await provider.queryPayment({ paymentId: 'pay_01JSTRIPE', gatewayReference: 'pi_1' }), { status: 'pending', amount: 2599, currency: 'USD', gatewayReference: 'pi_1' });
    Object.assign(intent, { status: 'succeeded', amount_received: 2599 });
    assert.deepEqual(await provider.queryPayment({ paymentId: 'pay_01JSTRIPE', gatewayReference: null }), { status: 'succeeded', amount: 2599, currency: 'USD', gatewayReference: 'pi_1' });
    await rejects(provider.queryPayment({ paymentId: 'pay_other', gatewayReference: 'pi_1' }), 'rejected', /another payment/);
    await rejects(provider.queryPayment({ paymentId: 'pay_x', gatewayReference: 'pi_missing' }), 'rejected');
    assert.equal((await provider.queryPayment({ paymentId: 'pay_unknown', gatewayReference: null })).status, 'pending');
  });

  test('refunds carry idempotencyKey = refund id; Stripe declining one is a failed refund', async () => {
    const refund = (refundId: string, amount: number, gatewayReference: string | null = 'pi_1') =>
      provider.refund({ paymentId: 'pay_01JSTRIPE', gatewayReference, refundId, amount, currency: 'USD', reason: 'Returned' });
    const first = await refund('rf_1', 599);
    assert.deepEqual(first, { gatewayRefundId: 're_3', status: 'succeeded' });
    const req = fake.requests.at(-1)!;
    assert.equal(req.headers['idempotency-key'], 'rf_1');
    assert.deepEqual(req.body, { payment_intent: 'pi_1', amount: '599', reason: 'requested_by_customer', metadata: { paymentId: 'pay_01JSTRIPE', refundId: 'rf_1', reason: 'Returned' } });
    assert.deepEqual(await refund('rf_1', 599), first);
    assert.equal(fake.refunds.size, 1);
    const tooMuch = await refund('rf_2', 2001);
    assert.equal(tooMuch.status, 'failed');
    assert.match(tooMuch.failureReason!, /greater than unrefunded/);
    assert.equal((await refund('rf_3', 2000, null)).status, 'succeeded');
    fake.intents.get('pi_2')!.status = 'succeeded';
    Object.assign(fake.intents.get('pi_2')!, { amount_received: 1200, metadata: { ...fake.intents.get('pi_2')!.metadata, refundsPending: '1' } });
    assert.equal((await provider.refund({ paymentId: 'pay_jpy', gatewayReference: 'pi_2', refundId: 'rf_4', amount: 100, currency: 'JPY', reason: 'x' })).status, 'pending');
    await rejects(provider.refund({ paymentId: 'pay_none', gatewayReference: null, refundId: 'rf_5', amount: 100, currency: 'USD', reason: 'x' }), 'rejected');
  });

  test('listTransactions pages through the intents and refunds created that day', async () => {
    for (let i = 0; i < 3; i++) await provider.createPayment(input({ paymentId: `pay_list${i}`, amount: 100 + i }));
    fake.intents.set('pi_foreign', { id: 'pi_foreign', object: 'payment_intent', amount: 5, amount_received: 0, currency: 'usd', metadata: {}, status: 'succeeded', created: dayStart + 10 });
    fake.intents.set('pi_yesterday', { id: 'pi_yesterday', object: 'payment_intent', amount: 5, amount_received: 0, currency: 'usd', metadata: { paymentId: 'pay_old' }, status: 'succeeded', created: dayStart - 10 });
    const list = await provider.listTransactions(DAY);
    const payments = list.filter((t) => t.kind === 'payment');
    assert.deepEqual(payments.map((t) => t.paymentId).sort(), ['pay_01JSTRIPE', 'pay_jpy', 'pay_list0', 'pay_list1', 'pay_list2']);
    assert.deepEqual(
      payments.find((t) => t.paymentId === 'pay_01JSTRIPE'),
      { kind: 'payment', paymentId: 'pay_01JSTRIPE', gatewayReference: 'pi_1', amount: 2599, currency: 'USD', status: 'succeeded', at: new Date((dayStart + 3601) * 1000) },
    );
    const refunds = list.filter((t) => t.kind === 'refund');
    assert.deepEqual(refunds.map((t) => [t.refundId, t.paymentId, t.amount, t.currency, t.status]).sort(), [
      ['rf_1', 'pay_01JSTRIPE', 599, 'USD', 'succeeded'],
      ['rf_3', 'pay_01JSTRIPE', 2000, 'USD', 'succeeded'],
      ['rf_4', 'pay_jpy', 100, 'JPY', 'pending'],
    ]);
    assert.ok(fake.requests.some((r) => r.path === '/v1/payment_intents' && r.method === 'GET'), 'listed');
    assert.ok(list.every((t, i) => i === 0 || list[i - 1]!.at <= t.at), 'in time order');
    assert.deepEqual(await provider.listTransactions('2026-11-29'), []);
    await rejects(provider.listTransactions('28/11/2026'), 'rejected');
  });

  test('an unreachable API is unavailable', async () => {
    const down = createStripeProvider({ ...config, apiHost: 'http://127.0.0.1:9' }, 300);
    await rejects(down.queryPayment({ paymentId: 'pay_x', gatewayReference: 'pi_1' }), 'unavailable');
  });

  describe('webhooks', () => {
    const now = new Date(`${DAY}T12:00:00Z`);
    const t = Math.floor(now.getTime() / 1000);
    const event = (type: string, object: Obj, id = 'evt_1') => JSON.stringify({ id, object: 'event', type, created: t - 5, livemode: false, data: { object } });
    const sign = (payload: string, timestamp = t, secret = WEBHOOK_SECRET) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    const parse = (payload: string, signature: string | null = sign(payload)) =>
      provider.parseNotification(Buffer.from(payload), signature === null ? {} : { 'stripe-signature': signature }, now);
    const intent = (extra: Obj = {}) => ({ id: 'pi_1', object: 'payment_intent', amount: 2599, amount_received: 2599, currency: 'usd', status: 'succeeded', metadata: { paymentId: 'pay_01JSTRIPE', orderId: 'ord_1' }, ...extra });

    test('payment intent events', async () => {
      const ok = await parse(event('payment_intent.succeeded', intent()));
      assert.deepEqual({ ...ok, raw: undefined }, {
        eventId: 'evt_1',
        paymentId: 'pay_01JSTRIPE',
        gatewayReference: 'pi_1',
        status: 'succeeded',
        amount: 2599,
        currency: 'USD',
        merchantId: null,
        occurredAt: new Date((t - 5) * 1000),
        raw: undefined,
      });
      assert.equal((ok.raw as Obj).type, 'payment_intent.succeeded');
      const failed = await parse(event('payment_intent.payment_failed', intent({ status: 'requires_payment_method', amount_received: 0 }), 'evt_2'));
      assert.deepEqual([failed.eventId, failed.status, failed.amount], ['evt_2', 'failed', 2599]);
      assert.equal((await parse(event('payment_intent.canceled', intent({ status: 'canceled', amount_received: 0 })))).status, 'cancelled');
      assert.deepEqual(provider.acknowledgement(), { contentType: 'application/json', body: '{"received":true}' });
      assert.equal(provider.merchantId, null);
    });

    test('charge.refunded, with or without our metadata on the charge', async () => {
      const charge = { id: 'ch_1', object: 'charge', amount: 2599, amount_refunded: 599, currency: 'usd', payment_intent: 'pi_1', metadata: { paymentId: 'pay_01JSTRIPE' }, refunded: false };
      const n = await parse(event('charge.refunded', charge, 'evt_r'));
      assert.deepEqual([n.status, n.paymentId, n.gatewayReference, n.amount], ['refunded', 'pay_01JSTRIPE', 'pi_1', 2599]);
      assert.deepEqual(n.refund, { refundId: null, amount: null, refundedTotal: 599 });
      assert.equal((await parse(event('charge.refunded', { ...charge, metadata: {} }))).paymentId, 'pay_01JSTRIPE');
    });

    test('events Bazaar does not act on are ignored', async () => {
      await rejects(parse(event('customer.created', { id: 'cus_1', object: 'customer' })), 'ignored');
      await rejects(parse(event('payment_intent.succeeded', intent({ metadata: {} }))), 'ignored');
    });

    test('signature first: tampered, forged, unsigned, replayed, from the future, not JSON', async () => {
      const payload = event('payment_intent.succeeded', intent());
      await rejects(parse(payload.replace('"amount":2599', '"amount":1'), sign(payload)), 'signature');
      await rejects(parse(payload, sign(payload, t, 'whsec_other')), 'signature');
      await rejects(parse(payload, null), 'signature');
      await rejects(parse(payload, ''), 'signature');
      await rejects(parse(payload, 'garbage'), 'signature');
      await rejects(parse(payload, sign(payload, t - 301)), 'stale');
      await rejects(parse(payload, sign(payload, t + 301)), 'stale');
      assert.equal((await parse(payload, sign(payload, t - 299))).status, 'succeeded');
      await rejects(parse('not json', sign('not json')), 'malformed');
    });
  });
});
