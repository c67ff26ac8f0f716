// The payments module on its own: real tables and routes, a fake orders module (one small
// table) and fake gateways that sign like real ones. Used by test/integration/payments*.test.ts.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { auditMigrations, createAuditModule } from '../../src/modules/audit/index.js';
import {
  createPaymentsModule,
  paymentAdminRoutes,
  paymentMigrations,
  paymentStoreRoutes,
  paymentWebhookRoutes,
  ProviderError,
  type ApplyPaymentOutcome,
  type GatewayStatus,
  type GatewayTransaction,
  type OrdersPort,
  type PaymentAction,
  type PaymentProvider,
  type Payments,
  type RefundLineInput,
  type Viewer,
} from '../../src/modules/payments/index.js';
import { createDb, runMigrations, type Database, type Engine, type Tx } from '../../src/platform/db/index.js';
import { AppError } from '../../src/platform/errors.js';
import { eventMigrations } from '../../src/platform/events/index.js';
import { createGuards, type Principal } from '../../src/platform/http/auth.js';
import { installProblemHandlers } from '../../src/platform/http/problem.js';
import { ProblemSchema } from '../../src/platform/http/schemas.js';
import { createValidatorCompiler } from '../../src/platform/http/validation.js';
import { client } from '../helpers/http.js';

export const SECRET = 'whsec_test_secret';
export const MERCHANT = 'merchant-1';

/** `t=<unix>,v1=<hex hmac("t.body")>`, as the sandbox gateway signs. */
export function sign(body: string, t = Math.floor(Date.now() / 1000), secret = SECRET): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export interface FakeNotice {
  id: string;
  paymentId: string;
  status: 'succeeded' | 'failed' | 'pending' | 'cancelled' | 'refunded';
  amount: number;
  currency: string;
  merchantId?: string | null;
  refundId?: string;
}

type RefundAnswer = 'succeeded' | 'failed' | 'pending' | 'unavailable' | 'rejected';

/**
 * A gateway double: verifies `Fake-Signature` like the sandbox does (signature first, then a
 * 300 s window, then the JSON), records what it was asked, and answers as the test sets it.
 */
export function createFakeGateway(id: 'sandbox' | 'stripe', merchantId: string | null) {
  const state = {
    createCalls: [] as { paymentId: string; amount: number; currency: string; notifyUrl: string }[],
    refundCalls: [] as { refundId: string; amount: number }[],
    failCreate: false,
    refundAnswer: 'succeeded' as RefundAnswer,
    refundDelayMs: 0,
    queryAnswers: new Map<string, GatewayStatus>(),
    transactions: [] as GatewayTransaction[],
  };
  const provider: PaymentProvider = {
    id,
    merchantId,
    async createPayment(input) {
      state.createCalls.push({ paymentId: input.paymentId, amount: input.amount, currency: input.currency, notifyUrl: input.notifyUrl });
      if (state.failCreate) throw new ProviderError('unavailable', 'gateway down');
      const action: PaymentAction = { type: 'redirect', url: `https://gateway.test/pay/${input.paymentId}` };
      return { gatewayReference: `gw_${input.paymentId}`, action };
    },
    async parseNotification(rawBody, headers, now) {
      const header = headers['fake-signature'];
      if (typeof header !== 'string') throw new ProviderError('signature', 'missing signature');
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
      if (!m) throw new ProviderError('signature', 'malformed signature');
      const expected = createHmac('sha256', SECRET).update(`${m[1]}.`).update(rawBody).digest();
      if (!timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'))) throw new ProviderError('signature', 'bad signature');
      if (Math.abs(now.getTime() / 1000 - Number(m[1])) > 300) throw new ProviderError('stale', 'too old');
      let n: FakeNotice;
      try {
        n = JSON.parse(rawBody.toString('utf8')) as FakeNotice;
      } catch {
        throw new ProviderError('malformed', 'not JSON');
      }
      if (typeof n.id !== 'string' || typeof n.paymentId !== 'string') throw new ProviderError('malformed', 'fields missing');
      if ((n.status as string) === 'unhandled') throw new ProviderError('ignored', 'event type not handled');
      return {
        eventId: n.id,
        paymentId: n.paymentId,
        gatewayReference: `gw_${n.paymentId}`,
        status: n.status,
        amount: n.amount,
        currency: n.currency,
        merchantId: n.merchantId === undefined ? merchantId : n.merchantId,
        occurredAt: now,
        ...(n.refundId ? { refund: { refundId: n.refundId, amount: null, refundedTotal: 0 } } : {}),
        raw: n,
      };
    },
    acknowledgement: () => ({ contentType: 'application/json', body: '{"received":true}' }),
    async queryPayment({ paymentId }) {
      const answer = state.queryAnswers.get(paymentId);
      if (!answer) throw new ProviderError('unavailable', 'no answer');
      return answer;
    },
    async refund(input) {
      state.refundCalls.push({ refundId: input.refundId, amount: input.amount });
      if (state.refundDelayMs) await new Promise((r) => setTimeout(r, state.refundDelayMs));
      const answer = state.refundAnswer;
      if (answer === 'unavailable') throw new ProviderError('unavailable', 'timeout');
      if (answer === 'rejected') throw new ProviderError('rejected', 'insufficient balance');
      return { gatewayRefundId: `gwr_${input.refundId}`, status: answer, ...(answer === 'failed' ? { failureReason: 'declined' } : {}) };
    },
    async listTransactions() {
      return state.transactions;
    },
  };
  return { provider, state };
}

export type FakeGateway = ReturnType<typeof createFakeGateway>;

/**
 * The orders module as payments sees it, over one table `test_order` (and `test_order_refund`
 * with a UNIQUE refund id, so a refund recorded twice fails loudly). `applyPaymentCalls`
 * counts calls in this process, committed or not.
 */
export function createFakeOrders() {
  const calls = { applyPayment: 0, applyRefund: 0 };
  const orders: OrdersPort = {
    async forPayment(db: Kysely<Database>, orderId: string, viewer: Viewer) {
      const { rows } = await sql<any>`select * from test_order where id = ${orderId}`.execute(db);
      const o = rows[0];
      const visible =
        o && (viewer.kind === 'staff' || (viewer.kind === 'customer' && o.customerId === viewer.customerId) || (viewer.kind === 'guest' && o.guestToken === viewer.token));
      if (!visible) throw new AppError('ORDER_NOT_FOUND', 404, 'Order not found');
      return {
        id: o.id,
        number: o.number,
        status: o.status,
        currency: o.currency,
        total: Number(o.total),
        paidTotal: Number(o.paidTotal),
        refundedTotal: Number(o.refundedTotal),
        customerId: o.customerId,
        email: 'buyer@example.com',
        locale: 'zh-CN',
      };
    },
    async applyPayment(trx: Tx, input): Promise<ApplyPaymentOutcome> {
      calls.applyPayment++;
      const { rows } = await sql<any>`select * from test_order where id = ${input.orderId} for update`.execute(trx);
      const o = rows[0];
      if (!o) return 'order_cancelled';
      if (o.status === 'cancelled') return 'order_cancelled';
      if (o.status !== 'pending_payment') return 'already_paid';
      if (Number(o.total) !== input.amount || o.currency !== input.currency) return 'amount_mismatch';
      await sql`update test_order set status = 'paid', paid_total = ${input.amount}, paid_by = ${input.paymentId} where id = ${input.orderId}`.execute(trx);
      return 'paid';
    },
    async applyRefund(trx: Tx, input: { orderId: string; refundId: string; provider: string; amount: number; reason: string; lines?: RefundLineInput[] }) {
      calls.applyRefund++;
      await sql`insert into test_order_refund (refund_id, order_id, amount, lines) values (${input.refundId}, ${input.orderId}, ${input.amount}, ${JSON.stringify(input.lines ?? null)})`.execute(trx);
      await sql`update test_order set refunded_total = refunded_total + ${input.amount} where id = ${input.orderId}`.execute(trx);
    },
    async refundableLines(_db: Kysely<Database>, _orderId: string, lines: RefundLineInput[]) {
      return lines.map((l) => ({ ...l, amount: 1000 * l.quantity }));
    },
  };
  return { orders, calls };
}

const STAFF: Principal = { kind: 'staff', staffId: 'stf_owner', role: 'owner', permissions: new Set(['orders:read', 'orders:write']), sessionId: 's1' };
const SUPPORT: Principal = { kind: 'staff', staffId: 'stf_support', role: 'support', permissions: new Set(['orders:read']), sessionId: 's2' };
const CUSTOMER: Principal = { kind: 'customer', customerId: 'cus_1', sessionId: 's3' };
export const TOKENS = { staff: 'tok-staff', support: 'tok-support', customer: 'tok-customer', otherCustomer: 'tok-other' };

export interface Harness {
  db: Kysely<Database>;
  engine: Engine;
  payments: Payments;
  sandbox: FakeGateway;
  stripe: FakeGateway;
  calls: { applyPayment: number; applyRefund: number };
  http: ReturnType<typeof client>;
  /** Moves the module's clock (pending sweeps). */
  clock: { offsetMs: number };
  warnings: unknown[];
  close(): Promise<void>;
}

/** A fresh database (PGlite in memory, or a new PostgreSQL schema) with the payments module and its routes. */
export async function createHarness(engine: Engine): Promise<Harness> {
  let schema: string | undefined;
  if (engine === 'postgres') {
    schema = `t_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
  }
  const database = await createDb(engine === 'postgres' ? { url: process.env.TEST_DATABASE_URL, schema, poolSize: 25 } : { dataDir: 'memory://' });
  const db = database.db;
  await runMigrations(db, [eventMigrations, auditMigrations, paymentMigrations]);
  await sql`create table test_order (
      id text primary key, number text not null, status text not null, currency text not null, total bigint not null,
      paid_total bigint not null default 0, refunded_total bigint not null default 0, customer_id text, guest_token text, paid_by text)`.execute(db);
  await sql`create table test_order_refund (refund_id text primary key, order_id text not null, amount bigint not null, lines jsonb)`.execute(db);

  const sandbox = createFakeGateway('sandbox', MERCHANT);
  const stripe = createFakeGateway('stripe', null);
  const { orders, calls } = createFakeOrders();
  const warnings: unknown[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const clock = { offsetMs: 0 };
  const payments = createPaymentsModule({
    db,
    orders,
    audit: createAuditModule({ db }),
    providers: new Map<string, PaymentProvider>([
      ['sandbox', sandbox.provider],
      ['stripe', stripe.provider],
    ]),
    log,
    publicUrl: 'https://shop.test/',
    pendingAfterMinutes: 10,
    now: () => new Date(Date.now() + clock.offsetMs),
  });

  const server = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(createValidatorCompiler([ProblemSchema]));
  server.addSchema(ProblemSchema);
  server.decorateRequest('principal', null);
  installProblemHandlers(server);
  const authenticate = async (token: string) =>
    ({ [TOKENS.staff]: STAFF, [TOKENS.support]: SUPPORT, [TOKENS.customer]: CUSTOMER, [TOKENS.otherCustomer]: { ...CUSTOMER, customerId: 'cus_2' } })[token] ?? null;
  const guards = createGuards(authenticate);
  await server.register(paymentStoreRoutes, { prefix: '/store', payments, guards, authenticate });
  await server.register(paymentWebhookRoutes, { prefix: '/webhooks', payments });
  await server.register(paymentAdminRoutes, { prefix: '/admin', payments, guards });
  await server.ready();

  return {
    db,
    engine,
    payments,
    sandbox,
    stripe,
    calls,
    http: client(server),
    clock,
    warnings,
    async close() {
      await server.close();
      await database.close();
      if (schema) {
        const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      }
    },
  };
}

let orderSeq = 0;

/** Inserts an order of the fake orders module; returns its id. */
export async function addOrder(
  db: Kysely<Database>,
  o: { total: number; currency?: string; status?: string; customerId?: string | null; guestToken?: string | null } = { total: 10000 },
): Promise<string> {
  const id = `ord_${++orderSeq}_${randomBytes(3).toString('hex')}`;
  await sql`insert into test_order (id, number, status, currency, total, customer_id, guest_token)
    values (${id}, ${`B${1000 + orderSeq}`}, ${o.status ?? 'pending_payment'}, ${o.currency ?? 'CNY'}, ${o.total}, ${o.customerId === undefined ? 'cus_1' : o.customerId}, ${o.guestToken ?? null})`.execute(db);
  return id;
}

export async function orderRow(db: Kysely<Database>, id: string): Promise<{ status: string; paidTotal: number; refundedTotal: number; paidBy: string | null }> {
  // Raw results are re-cased by the CamelCasePlugin too.
  const { rows } = await sql<any>`select status, paid_total, refunded_total, paid_by from test_order where id = ${id}`.execute(db);
  return { status: rows[0].status, paidTotal: Number(rows[0].paidTotal), refundedTotal: Number(rows[0].refundedTotal), paidBy: rows[0].paidBy };
}

export async function setOrderStatus(db: Kysely<Database>, id: string, status: string): Promise<void> {
  await sql`update test_order set status = ${status} where id = ${id}`.execute(db);
}

/** Starts a payment as the order's customer through the store route; returns the payment id. */
export async function startPayment(h: Harness, orderId: string, provider: 'sandbox' | 'stripe' = 'sandbox'): Promise<{ id: string; amount: number; currency: string }> {
  const res = await h.http.post(`/store/orders/${orderId}/payments`, { provider }, { token: TOKENS.customer });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.payment;
}

/** POSTs a signed notification to the webhook route. */
export function notify(h: Harness, notice: FakeNotice, options: { provider?: string; t?: number; signature?: string; body?: string } = {}) {
  const body = options.body ?? JSON.stringify(notice);
  return h.http.call('POST', `/webhooks/payments/${options.provider ?? 'sandbox'}`, {
    raw: body,
    headers: { 'content-type': 'application/json', 'fake-signature': options.signature ?? sign(body, options.t ?? Math.floor((Date.now() + h.clock.offsetMs) / 1000)) },
  });
}

let eventSeq = 0;
export const eventId = () => `evt_${++eventSeq}_${randomBytes(4).toString('hex')}`;

/** Pays a payment through a signed `succeeded` notification. */
export async function pay(h: Harness, payment: { id: string; amount: number; currency: string }, provider: 'sandbox' | 'stripe' = 'sandbox') {
  const res = await notify(h, { id: eventId(), paymentId: payment.id, status: 'succeeded', amount: payment.amount, currency: payment.currency }, { provider });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res;
}

export async function count(db: Kysely<Database>, table: 'payment' | 'payment_notification' | 'payment_refund' | 'event_outbox' | 'audit_log', where = sql`true`): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(rows[0]!.n);
}
