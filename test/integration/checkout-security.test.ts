import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SANDBOX_MERCHANT_ID, SANDBOX_NOTIFY_JOB, signSandboxPayload, type NotifyJobInput, type SandboxNotification } from '../../src/modules/payments/index.js';
import { newId } from '../../src/platform/ids.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, type Call } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

interface PlacedOrder {
  id: string;
  total: number;
  currency: string;
  status: string;
  accessToken?: string;
  items: { id: string; sku: string; quantity: number }[];
}

for (const engine of DATABASES) {
  describe(`checkout security [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let s: ReturnType<typeof shop>;
    /** A second registered customer, who must not reach the first one's orders. */
    let otherToken: string;

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      s = shop(app, actors.owner.token);
      await s.product('SEC-TEE', { cny: 8800, stock: 50 });
      await s.product('SEC-MUG', { cny: 3900, stock: 50 });
      const other = await s.http.post('/store/auth/register', { email: 'intruder@example.com', password: 'intruderpass1' });
      assert.equal(other.status, 201, JSON.stringify(other.body));
      otherToken = other.body.token as string;
    });
    after(() => app.close());

    const level = (sku: string) =>
      app.db.selectFrom('inventoryLevel').select(['onHand', 'reserved']).where('sku', '=', sku).where('locationId', '=', 'loc_default').executeTakeFirstOrThrow();
    const outboxCount = async (name: string, orderId: string) =>
      (await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', name).execute()).filter((e) => (e.payload as { orderId?: string }).orderId === orderId).length;
    const unix = () => Math.floor(Date.now() / 1000);
    const secret = () => app.config.payments.sandbox.secret.reveal();
    const guest = (order: PlacedOrder) => ({ 'x-order-token': order.accessToken! });

    async function placeOrder(lines: [string, number][], token?: string): Promise<PlacedOrder> {
      const cart = await s.readyCart(lines, { token });
      const placed = await s.checkout(cart.id, { token });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      return placed.body as PlacedOrder;
    }

    /** Starts a sandbox payment through the store route; returns the payment and its sandbox charge. */
    async function startPayment(order: PlacedOrder, auth: { token?: string } = {}) {
      const started = await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { token: auth.token, headers: auth.token ? {} : guest(order) });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const payment = started.body.payment as { id: string; amount: number; currency: string; status: string };
      const charge = await app.db.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', payment.id).executeTakeFirstOrThrow();
      return { payment, charge };
    }

    /** The body the sandbox notifier sends for a paid charge (see sandbox-gateway.ts), with overrides. */
    function notification(charge: { id: string; merchantPaymentId: string; amount: number; currency: string }, overrides: Partial<SandboxNotification> = {}): SandboxNotification {
      return {
        id: newId('sevt'),
        type: 'payment.succeeded',
        paymentId: charge.merchantPaymentId,
        chargeId: charge.id,
        amount: charge.amount,
        currency: charge.currency,
        merchantId: SANDBOX_MERCHANT_ID,
        occurredAt: new Date().toISOString(),
        ...overrides,
      };
    }

    function deliver(body: string, signature?: string): Promise<Call> {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Bazaar-Sandbox-Notifier/1.0' };
      if (signature !== undefined) headers['bazaar-signature'] = signature;
      return s.http.call('POST', '/webhooks/payments/sandbox', { raw: body, headers });
    }

    /** Everything a notification could change about an order and its payment. */
    async function snapshot(orderId: string, paymentId: string) {
      const order = await app.db.selectFrom('orders').select(['status', 'paymentStatus', 'paidTotal', 'refundedTotal']).where('id', '=', orderId).executeTakeFirstOrThrow();
      const payment = await app.db.selectFrom('payment').select(['status', 'capturedAmount', 'refundDue', 'appliedToOrder']).where('id', '=', paymentId).executeTakeFirstOrThrow();
      const notifications = await app.db.selectFrom('paymentNotification').select(['verdict', 'reason']).where('paymentId', '=', paymentId).orderBy('receivedAt').orderBy('id').execute();
      const allNotifications = await app.db.selectFrom('paymentNotification').select('id').execute();
      const history = await app.db.selectFrom('orderHistory').select('toStatus').where('orderId', '=', orderId).execute();
      return {
        order: { ...order, paidTotal: Number(order.paidTotal), refundedTotal: Number(order.refundedTotal) },
        payment: { ...payment, capturedAmount: Number(payment.capturedAmount) },
        notifications,
        allNotifications: allNotifications.length,
        paidHistory: history.filter((h) => h.toStatus === 'paid').length,
        orderPaidEvents: await outboxCount('order.paid', orderId),
        paymentEvents: (await outboxCount('payment.succeeded', orderId)) + (await outboxCount('payment.refund_required', orderId)),
      };
    }

    test('forged, tampered, unsigned, stale and future notifications: 400 problem+json and nothing changes; a replay has no second effect', async () => {
      const order = await placeOrder([['SEC-TEE', 2]]);
      const { payment, charge } = await startPayment(order);
      const stockBefore = await level('SEC-TEE');
      const pristine = await snapshot(order.id, payment.id);
      assert.equal(pristine.order.status, 'pending_payment');
      assert.equal(pristine.payment.status, 'pending');
      assert.deepEqual(pristine.notifications, []);

      const body = JSON.stringify(notification(charge));
      const attacks: [string, Promise<Call>, string][] = [
        ['signed with the wrong secret', deliver(body, signSandboxPayload('not-the-sandbox-secret-at-all', body, unix())), 'PAYMENT_SIGNATURE_INVALID'],
        ['body tampered after signing (amount)', deliver(body.replace(`"amount":${charge.amount}`, `"amount":${charge.amount + 1}`), signSandboxPayload(secret(), body, unix())), 'PAYMENT_SIGNATURE_INVALID'],
        [
          'body tampered after signing (payment id)',
          deliver(body.replace(payment.id, 'pay_00000000000000000000000000'), signSandboxPayload(secret(), body, unix())),
          'PAYMENT_SIGNATURE_INVALID',
        ],
        ['timestamp swapped after signing', deliver(body, signSandboxPayload(secret(), body, unix()).replace(/^t=\d+/, `t=${unix() + 1}`)), 'PAYMENT_SIGNATURE_INVALID'],
        ['no signature header', deliver(body), 'PAYMENT_SIGNATURE_INVALID'],
        ['an empty signature header', deliver(body, ''), 'PAYMENT_SIGNATURE_INVALID'],
        ['a malformed signature header', deliver(body, 't=soon,v1=deadbeef'), 'PAYMENT_SIGNATURE_INVALID'],
        ['signed an hour ago', deliver(body, signSandboxPayload(secret(), body, unix() - 3600)), 'PAYMENT_NOTIFICATION_STALE'],
        ['signed an hour in the future', deliver(body, signSandboxPayload(secret(), body, unix() + 3600)), 'PAYMENT_NOTIFICATION_STALE'],
      ];
      for (const [what, call, code] of attacks) {
        const res = await call;
        assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
        assertProblem(res, 400, code);
      }
      // Sent to a provider that is not enabled: refused too.
      assertProblem(await s.http.call('POST', '/webhooks/payments/stripe', { raw: body, headers: { 'stripe-signature': 't=1,v1=00' } }), 400, 'PAYMENT_PROVIDER_UNAVAILABLE');

      assert.deepEqual(await snapshot(order.id, payment.id), pristine, 'a refused notification changes nothing and stores nothing');
      assert.deepEqual(await level('SEC-TEE'), stockBefore);

      // The genuine notification pays the order, once.
      const signature = signSandboxPayload(secret(), body, unix());
      const ok = await deliver(body, signature);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body, { received: true });
      const paid = await snapshot(order.id, payment.id);
      assert.equal(paid.order.status, 'paid');
      assert.equal(paid.order.paidTotal, order.total);
      assert.equal(paid.payment.status, 'succeeded');
      assert.deepEqual(
        paid.notifications.map((n) => n.verdict),
        ['applied'],
      );
      assert.equal(paid.paidHistory, 1);
      assert.equal(paid.orderPaidEvents, 1);
      assert.deepEqual(await level('SEC-TEE'), { onHand: stockBefore.onHand - 2, reserved: stockBefore.reserved - 2 });

      // Replayed as captured, and replayed re-signed (as the notifier does on every retry): acknowledged, no effect.
      for (const replay of [signature, signSandboxPayload(secret(), body, unix() + 1)]) {
        const again = await deliver(body, replay);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.deepEqual(await snapshot(order.id, payment.id), paid);
      }
      assert.deepEqual(await level('SEC-TEE'), { onHand: stockBefore.onHand - 2, reserved: stockBefore.reserved - 2 });
      // A second, distinct success event for the same payment is recorded as a duplicate and does nothing.
      const other = JSON.stringify(notification(charge));
      assert.equal((await deliver(other, signSandboxPayload(secret(), other, unix()))).status, 200);
      const final = await snapshot(order.id, payment.id);
      assert.deepEqual(
        final.notifications.map((n) => n.verdict),
        ['applied', 'duplicate'],
      );
      assert.deepEqual({ ...final, notifications: paid.notifications, allNotifications: paid.allNotifications }, paid);
    });

    test('validly signed but the wrong amount, currency or merchant: acknowledged, order untouched, recorded as suspicious', async () => {
      const order = await placeOrder([['SEC-MUG', 1]]);
      const { payment, charge } = await startPayment(order);
      const stockBefore = await level('SEC-MUG');
      const pristine = await snapshot(order.id, payment.id);

      const lies: [Partial<SandboxNotification>, RegExp][] = [
        [{ amount: charge.amount - 1 }, /amount/],
        [{ amount: 1 }, /amount/],
        [{ currency: 'USD' }, /currency/],
        [{ merchantId: 'someone-else' }, /merchant/],
      ];
      for (const [override, reason] of lies) {
        const body = JSON.stringify(notification(charge, override));
        const res = await deliver(body, signSandboxPayload(secret(), body, unix()));
        assert.equal(res.status, 200, `${JSON.stringify(override)}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body, { received: true });
        const rows = await app.db.selectFrom('paymentNotification').select(['verdict', 'reason']).where('gatewayEventId', '=', JSON.parse(body).id).execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.verdict, 'suspicious', JSON.stringify(override));
        assert.match(rows[0]!.reason ?? '', reason);
      }
      const after = await snapshot(order.id, payment.id);
      assert.deepEqual(after.order, pristine.order);
      assert.equal(after.order.status, 'pending_payment');
      assert.equal(after.order.paymentStatus, 'unpaid');
      assert.deepEqual(after.payment, pristine.payment, 'the payment is still pending and captured nothing');
      assert.equal(after.paidHistory, 0);
      assert.equal(after.orderPaidEvents, 0);
      assert.equal(after.paymentEvents, 0);
      assert.deepEqual(await level('SEC-MUG'), stockBefore, 'the reservation is neither committed nor released');

      // A notification about a payment that does not exist is acknowledged and ignored.
      const ghost = JSON.stringify(notification({ ...charge, merchantPaymentId: 'pay_doesnotexist' }));
      assert.equal((await deliver(ghost, signSandboxPayload(secret(), ghost, unix()))).status, 200);
      const ghostRow = await app.db.selectFrom('paymentNotification').select('verdict').where('gatewayEventId', '=', JSON.parse(ghost).id).executeTakeFirstOrThrow();
      assert.equal(ghostRow.verdict, 'ignored');

      // The lies did not use up the payment: the true notification still pays the order.
      const truth = JSON.stringify(notification(charge));
      assert.equal((await deliver(truth, signSandboxPayload(secret(), truth, unix()))).status, 200);
      const paid = await snapshot(order.id, payment.id);
      assert.equal(paid.order.status, 'paid');
      assert.equal(paid.order.paidTotal, order.total);
    });

    test('a payment arriving after the order was cancelled: acknowledged, the order stays cancelled, the payment is refunded', async () => {
      const order = await placeOrder([['SEC-TEE', 1]], actors.customerToken);
      const { payment } = await startPayment(order, { token: actors.customerToken });
      const stockBefore = await level('SEC-TEE');
      const cancelled = await s.http.post(`/store/orders/${order.id}/cancel`, { reason: 'found it cheaper' }, { token: actors.customerToken });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      assert.deepEqual(await level('SEC-TEE'), { onHand: stockBefore.onHand, reserved: stockBefore.reserved - 1 });
      // The shop no longer starts payments for it …
      assertProblem(await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { token: actors.customerToken }), 409, 'PAYMENT_ORDER_NOT_PAYABLE');

      // … but the shopper still had the payer page open and pays.
      const pressed = await s.http.post(`/sandbox/pay/${payment.id}`, { result: 'succeeded' });
      assert.equal(pressed.status, 200, JSON.stringify(pressed.body));
      // The notification the sandbox queued, delivered by us exactly as the notifier would.
      const jobs = await app.db.selectFrom('job').select('input').where('kind', '=', SANDBOX_NOTIFY_JOB).execute();
      const queued = jobs.map((j) => (j.input as NotifyJobInput).notification).find((n) => n.paymentId === payment.id);
      assert.ok(queued, 'the sandbox queued a notification');
      assert.equal(queued.type, 'payment.succeeded');
      const body = JSON.stringify(queued);
      const res = await deliver(body, signSandboxPayload(secret(), body, unix()));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { received: true });

      const after = await snapshot(order.id, payment.id);
      assert.deepEqual(after.order, { status: 'cancelled', paymentStatus: 'unpaid', paidTotal: 0, refundedTotal: 0 });
      assert.equal(after.payment.status, 'succeeded');
      assert.equal(after.payment.capturedAmount, order.total);
      assert.equal(after.payment.refundDue, true);
      assert.equal(after.payment.appliedToOrder, false);
      assert.deepEqual(
        after.notifications.map((n) => [n.verdict, n.reason]),
        [['flagged_for_refund', 'order was cancelled']],
      );
      assert.equal(after.paidHistory, 0);
      assert.equal(after.orderPaidEvents, 0);
      const required = (await app.db.selectFrom('eventOutbox').select('payload').where('name', '=', 'payment.refund_required').execute()).filter(
        (e) => (e.payload as { paymentId: string }).paymentId === payment.id,
      );
      assert.equal(required.length, 1);
      assert.equal((required[0]!.payload as { reason: string }).reason, 'order_cancelled');
      assert.deepEqual(await level('SEC-TEE'), { onHand: stockBefore.onHand, reserved: stockBefore.reserved - 1 }, 'no stock is taken for a cancelled order');

      // The notifier's own delivery of the same event, and the refund the event asks for.
      await app.jobs.drain();
      await app.dispatcher.drain();
      await app.jobs.drain();
      await app.dispatcher.drain();
      const refunds = await app.db.selectFrom('paymentRefund').select(['amount', 'status', 'reference']).where('paymentId', '=', payment.id).execute();
      assert.deepEqual(
        refunds.map((r) => [Number(r.amount), r.status, r.reference]),
        [[order.total, 'succeeded', `refund_due:${payment.id}`]],
      );
      const charge = await app.db.selectFrom('sandboxCharge').select(['status', 'refundedAmount']).where('merchantPaymentId', '=', payment.id).executeTakeFirstOrThrow();
      assert.deepEqual([charge.status, Number(charge.refundedAmount)], ['refunded', order.total]);
      const final = await snapshot(order.id, payment.id);
      assert.deepEqual(final.order, { status: 'cancelled', paymentStatus: 'unpaid', paidTotal: 0, refundedTotal: 0 }, 'the order never counted the payment, nor its refund');
      assert.equal(final.notifications.filter((n) => n.verdict === 'flagged_for_refund').length, 1);
      const view = await s.http.get(`/store/orders/${order.id}`, { token: actors.customerToken });
      assert.equal(view.body.status, 'cancelled');
    });

    test('another customer, an anonymous caller and another guest order’s token cannot reach an order', async () => {
      const owner = actors.customerToken;
      // A delivered order (reviewable, returnable) and one still awaiting payment, both the first customer's.
      const delivered = await placeOrder([['SEC-MUG', 2]], owner);
      await s.paySandbox(delivered.id, { token: owner });
      assert.equal((await s.http.post(`/admin/orders/${delivered.id}/ship`, { carrier: 'SF', trackingNumber: 'SF-SEC-1' }, { token: actors.owner.token })).status, 200);
      assert.equal((await s.http.post(`/store/orders/${delivered.id}/receive`, {}, { token: owner })).body.status, 'delivered');
      const pending = await placeOrder([['SEC-MUG', 1]], owner);
      const guestA = await placeOrder([['SEC-TEE', 1]]);
      const guestB = await placeOrder([['SEC-TEE', 1]]);

      const review = { items: [{ sku: 'SEC-MUG', rating: 1, body: 'not mine to review' }] };
      const returnBody = { items: [{ sku: 'SEC-MUG', quantity: 1 }], reason: 'not mine to return' };
      const attempts = (id: string) => [
        ['read', 'GET', `/store/orders/${id}`, undefined],
        ['cancel', 'POST', `/store/orders/${id}/cancel`, { reason: 'not mine' }],
        ['receive', 'POST', `/store/orders/${id}/receive`, {}],
        ['return', 'POST', `/store/orders/${id}/returns`, returnBody],
        ['pay', 'POST', `/store/orders/${id}/payments`, { provider: 'sandbox' }],
        ['list payments', 'GET', `/store/orders/${id}/payments`, undefined],
      ] as const;
      const reviewAttempts = (id: string) => [
        ['review', 'POST', `/store/orders/${id}/reviews`, review],
        ['read reviews', 'GET', `/store/orders/${id}/reviews`, undefined],
      ] as const;

      for (const [label, target] of [
        ['delivered', delivered],
        ['pending', pending],
      ] as const) {
        for (const [what, method, url, body] of [...attempts(target.id), ...reviewAttempts(target.id)]) {
          const asOther = await s.http.call(method, url, { token: otherToken, ...(body !== undefined ? { body } : {}) });
          assert.equal(asOther.status, 404, `another customer may not ${what} the ${label} order: ${asOther.status} ${JSON.stringify(asOther.body)}`);
          assertProblem(asOther, 404, 'ORDER_NOT_FOUND');
          const anonymous = await s.http.call(method, url, body !== undefined ? { body } : {});
          assertProblem(anonymous, 401, 'AUTH_REQUIRED');
          // Staff use the admin routes; a staff token is not a shopper.
          assertProblem(await s.http.call(method, url, { token: actors.owner.token, ...(body !== undefined ? { body } : {}) }), 403, 'AUTH_FORBIDDEN');
        }
        // A guest order's token does not open a customer's order.
        for (const [what, method, url, body] of attempts(target.id)) {
          const res = await s.http.call(method, url, { headers: guest(guestA), ...(body !== undefined ? { body } : {}) });
          assert.equal(res.status, 404, `a guest token may not ${what} the ${label} customer order: ${res.status} ${JSON.stringify(res.body)}`);
          assertProblem(res, 404, 'ORDER_NOT_FOUND');
        }
      }

      // One guest order's token does not open another guest order, by header or by query.
      for (const [what, method, url, body] of attempts(guestB.id)) {
        const byHeader = await s.http.call(method, url, { headers: guest(guestA), ...(body !== undefined ? { body } : {}) });
        assert.equal(byHeader.status, 404, `guest A may not ${what} guest B's order: ${byHeader.status} ${JSON.stringify(byHeader.body)}`);
        assertProblem(byHeader, 404, 'ORDER_NOT_FOUND');
        const byQuery = await s.http.call(method, `${url}?token=${encodeURIComponent(guestA.accessToken!)}`, body !== undefined ? { body } : {});
        assertProblem(byQuery, 404, 'ORDER_NOT_FOUND');
        // Nor does a signed-in customer reach a guest order.
        assertProblem(await s.http.call(method, url, { token: otherToken, ...(body !== undefined ? { body } : {}) }), 404, 'ORDER_NOT_FOUND');
      }

      // Nothing happened to any of them.
      const rows = await app.db
        .selectFrom('orders')
        .select(['id', 'status'])
        .where('id', 'in', [delivered.id, pending.id, guestB.id])
        .execute();
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.status])), { [delivered.id]: 'delivered', [pending.id]: 'pending_payment', [guestB.id]: 'pending_payment' });
      const payments = await app.db.selectFrom('payment').select('orderId').where('orderId', 'in', [pending.id, guestB.id]).execute();
      assert.deepEqual(payments, [], 'no payment was started for someone else’s order');
      assert.deepEqual(await app.db.selectFrom('review').select('id').where('orderId', '=', delivered.id).execute(), []);
      assert.deepEqual(await app.db.selectFrom('orderReturn').select('id').where('orderId', '=', delivered.id).execute(), []);

      // The rightful owners still can.
      assert.equal((await s.http.get(`/store/orders/${pending.id}`, { token: owner })).status, 200);
      assert.equal((await s.http.get(`/store/orders/${guestB.id}`, { headers: guest(guestB) })).status, 200);
      assert.equal((await s.http.post(`/store/orders/${delivered.id}/reviews`, review, { token: owner })).status, 201);
    });

    test('no store route marks an order paid, and the payment amount always comes from the order', async () => {
      const order = await placeOrder([['SEC-TEE', 1]]);
      const forge = { status: 'paid', paymentStatus: 'paid', paidTotal: order.total, paidAt: new Date().toISOString() };
      const tries: [string, string][] = [
        ['POST', `/store/orders/${order.id}`],
        ['PATCH', `/store/orders/${order.id}`],
        ['PUT', `/store/orders/${order.id}`],
        ['POST', `/store/orders/${order.id}/pay`],
        ['POST', `/store/orders/${order.id}/paid`],
        ['POST', `/store/orders/${order.id}/capture`],
        ['POST', `/store/orders/${order.id}/status`],
        ['PATCH', `/store/orders/${order.id}/payments`],
      ];
      for (const [method, url] of tries) {
        const res = await s.http.call(method, url, { headers: guest(order), body: forge });
        assert.ok([400, 404, 405].includes(res.status), `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      }
      const stillPending = await s.http.get(`/store/orders/${order.id}`, { headers: guest(order) });
      assert.equal(stillPending.body.status, 'pending_payment');
      assert.equal(stillPending.body.paymentStatus, 'unpaid');
      assert.equal(stillPending.body.paidTotal, 0);

      // A client-sent amount or currency is rejected outright (unknown fields are not allowed) and starts nothing.
      for (const extra of [{ amount: 1 }, { amount: order.total }, { currency: 'USD' }, { amount: 1, currency: 'CNY' }]) {
        const res = await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox', ...extra }, { headers: guest(order) });
        assertProblem(res, 400, 'VALIDATION_FAILED');
        for (const field of Object.keys(extra)) assert.ok(res.body.fields.some((f: { field: string }) => f.field === `/${field}`), JSON.stringify(res.body.fields));
      }
      assert.deepEqual(await app.db.selectFrom('payment').select('id').where('orderId', '=', order.id).execute(), []);
      assert.deepEqual(await app.db.selectFrom('sandboxCharge').select('id').where('orderId', '=', order.id).execute(), []);

      // A normal start charges exactly the order's total, in its currency.
      const started = await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { headers: guest(order) });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const payment = started.body.payment;
      assert.equal(payment.amount, order.total);
      assert.equal(payment.currency, order.currency);
      assert.equal(payment.status, 'pending');
      assert.equal(started.body.action.type, 'redirect');
      const charge = await app.db.selectFrom('sandboxCharge').selectAll().where('merchantPaymentId', '=', payment.id).executeTakeFirstOrThrow();
      assert.equal(Number(charge.amount), order.total);
      assert.equal(charge.currency, order.currency);

      // The payer endpoint takes no amount: one cannot pay a different sum.
      for (const extra of [{ amount: 1 }, { amount: order.total - 1, currency: 'CNY' }]) {
        const res = await s.http.post(`/sandbox/pay/${payment.id}`, { result: 'succeeded', ...extra });
        assertProblem(res, 400, 'VALIDATION_FAILED');
      }
      assert.equal((await app.db.selectFrom('sandboxCharge').select('status').where('id', '=', charge.id).executeTakeFirstOrThrow()).status, 'pending');

      // Pressing Pay charges the order's amount; pressing it again (or Fail afterwards) is 409.
      const pressed = await s.http.post(`/sandbox/pay/${payment.id}`, { result: 'succeeded' });
      assert.equal(pressed.status, 200, JSON.stringify(pressed.body));
      assert.equal(pressed.body.amount, order.total);
      assert.equal(pressed.body.status, 'succeeded');
      assertProblem(await s.http.post(`/sandbox/pay/${payment.id}`, { result: 'succeeded' }), 409, 'SANDBOX_CHARGE_FINAL');
      assertProblem(await s.http.post(`/sandbox/pay/${payment.id}`, { result: 'failed' }), 409, 'SANDBOX_CHARGE_FINAL');
      const notifyJobs = (await app.db.selectFrom('job').select('input').where('kind', '=', SANDBOX_NOTIFY_JOB).execute()).filter(
        (j) => (j.input as NotifyJobInput).notification.paymentId === payment.id,
      );
      assert.equal(notifyJobs.length, 1, 'one press, one notification');

      await app.jobs.drain();
      await app.dispatcher.drain();
      const paid = await s.http.get(`/store/orders/${order.id}`, { headers: guest(order) });
      assert.equal(paid.body.status, 'paid');
      assert.equal(paid.body.paidTotal, order.total);
      const history = await app.db.selectFrom('orderHistory').select('toStatus').where('orderId', '=', order.id).execute();
      assert.equal(history.filter((h) => h.toStatus === 'paid').length, 1);
      // Once paid, nothing is left to pay.
      assertProblem(await s.http.post(`/store/orders/${order.id}/payments`, { provider: 'sandbox' }, { headers: guest(order) }), 409, 'PAYMENT_ORDER_NOT_PAYABLE');
    });
    // Routes whose body may be left out (checkout, cancel, return receipt) still validate a body
    // that is sent.
    test('optional request bodies are validated too: a cancel or checkout with bad fields is 400 and changes nothing', async () => {
      const answers: string[] = [];
      const placed: string[] = [];
      // Each input on a fresh order (or cart), so one accepted request does not hide the next.
      for (const [what, body] of [
        ['a status in a cancel', { status: 'paid' }],
        ['a number as the reason', { reason: 42 }],
        ['an over-long reason', { reason: 'x'.repeat(501) }],
      ] as const) {
        const order = await placeOrder([['SEC-TEE', 1]]);
        placed.push(order.id);
        const res = await s.http.post(`/store/orders/${order.id}/cancel`, body, { headers: guest(order) });
        answers.push(`${what}: ${res.status} ${res.body.code ?? res.body.status}`);
      }
      const carts: string[] = [];
      for (const [what, body] of [
        ['a checkout claiming a status and total', { status: 'paid', total: 1 }],
        ['an over-long checkout note', { note: 'x'.repeat(1001) }],
      ] as const) {
        const cart = await s.readyCart([['SEC-TEE', 1]]);
        carts.push(cart.id);
        const res = await s.checkout(cart.id, { body });
        answers.push(`${what}: ${res.status} ${res.body.code ?? res.body.status}`);
      }
      const statuses = await app.db.selectFrom('orders').select('status').where('id', 'in', placed).execute();
      const fromCarts = await app.db.selectFrom('orders').select('id').where('cartId', 'in', carts).execute();
      assert.deepEqual(
        { answers, cancelled: statuses.filter((o) => o.status === 'cancelled').length, ordersFromCarts: fromCarts.length },
        {
          answers: [
            'a status in a cancel: 400 VALIDATION_FAILED',
            'a number as the reason: 400 VALIDATION_FAILED',
            'an over-long reason: 400 VALIDATION_FAILED',
            'a checkout claiming a status and total: 400 VALIDATION_FAILED',
            'an over-long checkout note: 400 VALIDATION_FAILED',
          ],
          cancelled: 0,
          ordersFromCarts: 0,
        },
      );
    });
  });
}
