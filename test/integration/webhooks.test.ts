import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { verifySignature } from '../../src/modules/webhooks/index.js';
import { withTransaction } from '../../src/platform/db/index.js';
import { publish } from '../../src/platform/events/index.js';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { assertProblem, client } from '../helpers/http.js';
import { shop } from '../helpers/shop.js';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

/** A local HTTP receiver: records every POST and answers with `status` after `delayMs`. */
async function startReceiver() {
  const state = { status: 200, delayMs: 0, answer: 'ok', received: [] as Received[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      state.received.push({ headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] });
      setTimeout(() => {
        res.writeHead(state.status, { 'content-type': 'text/plain' });
        res.end(state.answer);
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    state,
    url,
    reset() {
      Object.assign(state, { status: 200, delayMs: 0, answer: 'ok', received: [] });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The module README's verification snippet, as an integrator would paste it. */
function verifyBazaarWebhook(secret: string, signatureHeader: string, rawBody: string | Buffer, toleranceSeconds = 300): boolean {
  const fields = signatureHeader.split(',').map((p) => p.trim().split('='));
  const t = Number(fields.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return fields.some(([k, v]) => {
    if (k !== 'v1' || !/^[0-9a-f]{64}$/.test(v ?? '')) return false;
    return timingSafeEqual(Buffer.from(v!, 'hex'), expected);
  });
}

function readmeVerify(secret: string, headers: IncomingHttpHeaders, raw: string): boolean {
  return verifyBazaarWebhook(secret, String(headers['bazaar-webhook-signature']), raw);
}

for (const engine of DATABASES) {
  describe(`webhooks [${engine}]`, () => {
    let app: TestApp;
    let actors: Actors;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const http = () => client(app.server);
    const asOwner = () => ({ token: actors.owner.token });

    before(async () => {
      app = await buildTestApp(engine);
      actors = await signInActors(app);
      receiver = await startReceiver();
    });
    after(async () => {
      await app.close();
      await receiver.close();
    });
    beforeEach(() => receiver.reset());

    async function register(events: string[], url = receiver.url) {
      const res = await http().post('/admin/webhooks', { url, events, description: 'test' }, asOwner());
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; secret: string; events: string[] };
    }

    async function emit(name: string, payload: Record<string, unknown>): Promise<string> {
      const id = await withTransaction(app.db, (trx) => publish(trx, name, payload));
      await app.dispatcher.drain();
      return id;
    }

    async function deliveries(endpointId: string, query = '') {
      const res = await http().get(`/admin/webhooks/${endpointId}/deliveries?limit=100${query}`, asOwner());
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items as { id: string; eventId: string; eventName: string; status: string; attemptCount: number; nextAttemptAt: string | null }[];
    }

    /** Makes every pending delivery of the endpoint due now, as if the backoff had passed. */
    async function makeDue(endpointId: string) {
      await sql`update webhook_delivery set next_attempt_at = now() - interval '1 second' where endpoint_id = ${endpointId} and status = 'pending'`.execute(app.db);
    }

    async function disable(endpointId: string) {
      assert.equal((await http().patch(`/admin/webhooks/${endpointId}`, { enabled: false }, asOwner())).status, 200);
    }

    test('anonymous 401, customers and support 403 (support may not even read)', async () => {
      assertProblem(await http().get('/admin/webhooks'), 401, 'AUTH_REQUIRED');
      assertProblem(await http().post('/admin/webhooks', { url: receiver.url, events: ['order.paid'] }), 401, 'AUTH_REQUIRED');
      assertProblem(await http().get('/admin/webhooks', { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http().post('/admin/webhooks', { url: receiver.url, events: ['order.paid'] }, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http().post('/admin/webhooks/whe_x/test', undefined, { token: actors.supportToken }), 403, 'AUTH_FORBIDDEN');
      assertProblem(await http().get('/admin/webhooks', { token: actors.customerToken }), 403, 'AUTH_FORBIDDEN');
    });

    test('bad input: 400 problem+json', async () => {
      const post = (body: unknown) => http().post('/admin/webhooks', body, asOwner());
      assertProblem(await post({ url: 'ftp://example.com/x', events: ['order.paid'] }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: 'javascript:alert(1)', events: ['order.paid'] }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: 'not a url', events: ['order.paid'] }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: receiver.url, events: [] }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: receiver.url }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: receiver.url, events: ['order.paid'], secret: 'mine' }), 400, 'VALIDATION_FAILED');
      assertProblem(await post({ url: 'http://user:pw@example.com/x', events: ['order.paid'] }), 400, 'WEBHOOK_INVALID_URL');
      const unknown = await post({ url: receiver.url, events: ['order.paid', 'order.teleported'] });
      assertProblem(unknown, 400, 'WEBHOOK_UNKNOWN_EVENT');
      assert.deepEqual(
        unknown.body.fields.map((f: { field: string }) => f.field),
        ['/events/1'],
      );
      // Whole emails (reset codes, guest order links) never leave the shop.
      assertProblem(await post({ url: receiver.url, events: ['mail.requested'] }), 400, 'WEBHOOK_UNKNOWN_EVENT');
      const created = await register(['order.paid']);
      assertProblem(await http().patch(`/admin/webhooks/${created.id}`, {}, asOwner()), 400, 'VALIDATION_FAILED');
      assertProblem(await http().patch(`/admin/webhooks/${created.id}`, { events: ['nope.never'] }, asOwner()), 400, 'WEBHOOK_UNKNOWN_EVENT');
      assertProblem(await http().get(`/admin/webhooks/${created.id}/deliveries?status=lost`, asOwner()), 400, 'VALIDATION_FAILED');
      assertProblem(await http().get('/admin/webhooks?cursor=zzz', asOwner()), 400, 'PAGINATION_INVALID_CURSOR');
      assertProblem(await http().get('/admin/webhooks/whe_missing', asOwner()), 404, 'WEBHOOK_NOT_FOUND');
      assertProblem(await http().get(`/admin/webhooks/${created.id}/deliveries/whd_missing`, asOwner()), 404, 'WEBHOOK_DELIVERY_NOT_FOUND');
      await http().delete(`/admin/webhooks/${created.id}`, asOwner());
    });

    test('CRUD: the secret shows in full only on creation and rotation; every change is audited', async () => {
      const created = await register(['order.paid', 'order.paid', 'order.shipped']);
      assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(created.events, ['order.paid', 'order.shipped']);
      const got = await http().get(`/admin/webhooks/${created.id}`, asOwner());
      assert.equal(got.status, 200);
      assert.equal(got.body.secret, `whsec_…${created.secret.slice(-4)}`);
      assert.equal(got.body.enabled, true);
      const listed = await http().get('/admin/webhooks?limit=1', asOwner());
      assert.equal(listed.status, 200);
      assert.equal(listed.body.items.length, 1);
      assert.ok(!JSON.stringify(listed.body).includes(created.secret));

      const patched = await http().patch(`/admin/webhooks/${created.id}`, { events: ['*'], description: null, enabled: false }, asOwner());
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual([patched.body.events, patched.body.description, patched.body.enabled, patched.body.disabledReason], [['*'], null, false, 'manual']);
      assert.ok(!JSON.stringify(patched.body).includes(created.secret));

      const rotated = await http().post(`/admin/webhooks/${created.id}/rotate-secret`, undefined, asOwner());
      assert.equal(rotated.status, 200);
      assert.match(rotated.body.secret, /^whsec_/);
      assert.notEqual(rotated.body.secret, created.secret);

      assert.equal((await http().delete(`/admin/webhooks/${created.id}`, asOwner())).status, 204);
      assertProblem(await http().get(`/admin/webhooks/${created.id}`, asOwner()), 404, 'WEBHOOK_NOT_FOUND');
      assertProblem(await http().delete(`/admin/webhooks/${created.id}`, asOwner()), 404, 'WEBHOOK_NOT_FOUND');

      const audit = await http().get(`/admin/audit-log?targetId=${created.id}&limit=20`, asOwner());
      assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action).sort(), ['webhook.created', 'webhook.deleted', 'webhook.secret_rotated', 'webhook.updated']);
      assert.ok(!JSON.stringify(audit.body).includes('whsec_'), 'no secret in the audit log');
    });

    test('a paid order reaches the endpoint signed; unsubscribed events make no deliveries', async () => {
      const endpoint = await register(['order.paid']);
      const s = shop(app, actors.owner.token);
      await s.product('HOOK-TEE', { cny: 9900, stock: 5 });
      const cart = await s.readyCart([['HOOK-TEE', 1]]);
      const placed = await s.checkout(cart.id);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      await s.paySandbox(placed.body.id, { orderToken: placed.body.accessToken });
      await app.dispatcher.drain();
      await app.modules.webhooks.drain();

      assert.equal(receiver.state.received.length, 1);
      const [got] = receiver.state.received;
      assert.equal(got!.body.type, 'order.paid');
      assert.equal(got!.body.data.orderId, placed.body.id);
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.equal(got!.headers['bazaar-webhook-id'], got!.body.id);
      assert.match(String(got!.headers['bazaar-webhook-timestamp']), /^\d{10}$/);
      assert.match(String(got!.headers['bazaar-webhook-signature']), new RegExp(`^t=${got!.headers['bazaar-webhook-timestamp']},v1=[0-9a-f]{64}$`));
      assert.ok(readmeVerify(endpoint.secret, got!.headers, got!.raw), 'verifies as the README shows');
      assert.ok(verifySignature(endpoint.secret, String(got!.headers['bazaar-webhook-signature']), got!.raw));
      assert.ok(!readmeVerify('whsec_wrong', got!.headers, got!.raw));
      const outbox = await app.db.selectFrom('eventOutbox').select(['id', 'createdAt']).where('id', '=', got!.body.id).executeTakeFirstOrThrow();
      assert.equal(got!.body.createdAt, new Date(outbox.createdAt).toISOString());

      // order.placed (and the payment events) happened too, but the endpoint only wants order.paid.
      const list = await deliveries(endpoint.id);
      assert.deepEqual(
        list.map((d) => [d.eventName, d.status, d.attemptCount]),
        [['order.paid', 'succeeded', 1]],
      );
      const detail = await http().get(`/admin/webhooks/${endpoint.id}/deliveries/${list[0]!.id}`, asOwner());
      assert.equal(detail.status, 200);
      assert.equal(detail.body.data.orderId, placed.body.id);
      assert.deepEqual(
        detail.body.attempts.map((a: { trigger: string; statusCode: number; succeeded: boolean; responseBody: string }) => [a.trigger, a.statusCode, a.succeeded, a.responseBody]),
        [['scheduled', 200, true, 'ok']],
      );

      // The outbox delivering order.paid again adds nothing.
      await sql`delete from event_delivery where event_id = ${got!.body.id} and subscriber = 'webhooks'`.execute(app.db);
      await sql`update event_outbox set processed_at = null where id = ${got!.body.id}`.execute(app.db);
      await app.dispatcher.drain();
      await app.modules.webhooks.drain();
      assert.equal((await deliveries(endpoint.id)).length, 1);
      assert.equal(receiver.state.received.length, 1);
      await disable(endpoint.id);
    });

    test('a failing receiver: attempts logged, retried with backoff, succeeds once it recovers', async () => {
      const endpoint = await register(['customer.registered']);
      receiver.state.status = 500;
      receiver.state.answer = 'x'.repeat(5000);
      const eventId = await emit('customer.registered', { customerId: 'cus_retry', locale: 'en-US' });
      await app.modules.webhooks.drain();
      assert.equal(receiver.state.received.length, 1);

      let [d] = await deliveries(endpoint.id);
      assert.equal(d!.eventId, eventId);
      assert.equal(d!.status, 'pending');
      assert.equal(d!.attemptCount, 1);
      const wait = new Date(d!.nextAttemptAt!).getTime() - Date.now();
      assert.ok(wait > 15_000 && wait <= 36_000, `next attempt in ${wait} ms (30 s ± 20%)`);
      let detail = await http().get(`/admin/webhooks/${endpoint.id}/deliveries/${d!.id}`, asOwner());
      assert.equal(detail.body.lastStatusCode, 500);
      assert.equal(detail.body.attempts.length, 1);
      assert.equal(detail.body.attempts[0].statusCode, 500);
      assert.equal(detail.body.attempts[0].succeeded, false);
      assert.equal(detail.body.attempts[0].responseBody.length, 2048, 'bodies are kept truncated');
      assert.equal(typeof detail.body.attempts[0].durationMs, 'number');

      // Not due yet: nothing is sent.
      await app.modules.webhooks.drain();
      assert.equal(receiver.state.received.length, 1);

      // Second failure: the wait doubles.
      await makeDue(endpoint.id);
      await app.modules.webhooks.drain();
      [d] = await deliveries(endpoint.id);
      const wait2 = new Date(d!.nextAttemptAt!).getTime() - Date.now();
      assert.ok(wait2 > 40_000 && wait2 <= 72_000, `next attempt in ${wait2} ms (60 s ± 20%)`);
      assert.equal((await http().get(`/admin/webhooks/${endpoint.id}`, asOwner())).body.consecutiveFailures, 2);

      receiver.state.status = 204;
      await makeDue(endpoint.id);
      await app.modules.webhooks.drain();
      assert.equal(receiver.state.received.length, 3);
      assert.equal(new Set(receiver.state.received.map((r) => r.body.id)).size, 1, 'retries carry the same event id');
      [d] = await deliveries(endpoint.id);
      assert.deepEqual([d!.status, d!.attemptCount, d!.nextAttemptAt], ['succeeded', 3, null]);
      detail = await http().get(`/admin/webhooks/${endpoint.id}/deliveries/${d!.id}`, asOwner());
      assert.deepEqual(
        detail.body.attempts.map((a: { statusCode: number }) => a.statusCode),
        [500, 500, 204],
      );
      assert.equal((await http().get(`/admin/webhooks/${endpoint.id}`, asOwner())).body.consecutiveFailures, 0);
      assert.equal((await deliveries(endpoint.id, '&status=succeeded')).length, 1);
      assert.equal((await deliveries(endpoint.id, '&status=pending')).length, 0);
      await disable(endpoint.id);
    });

    test('replay sends again now; test sends a webhook.test ping; both are audited', async () => {
      const endpoint = await register(['review.created']);
      await emit('review.created', { reviewId: 'rev_1', productId: 'prod_1', rating: 5 });
      await app.modules.webhooks.drain();
      const [d] = await deliveries(endpoint.id);
      assert.equal(d!.status, 'succeeded');

      const replayed = await http().post(`/admin/webhooks/${endpoint.id}/deliveries/${d!.id}/replay`, undefined, asOwner());
      assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
      assert.deepEqual(
        replayed.body.attempts.map((a: { trigger: string }) => a.trigger),
        ['scheduled', 'replay'],
      );
      assert.equal(replayed.body.attemptCount, 2);
      assert.equal(receiver.state.received.length, 2);
      assert.equal(receiver.state.received[1]!.body.id, receiver.state.received[0]!.body.id);
      assert.ok(readmeVerify(endpoint.secret, receiver.state.received[1]!.headers, receiver.state.received[1]!.raw));

      // A failed delivery replayed to a recovered receiver succeeds.
      receiver.state.status = 503;
      await emit('review.created', { reviewId: 'rev_2', productId: 'prod_1', rating: 4 });
      await app.modules.webhooks.drain();
      const failing = (await deliveries(endpoint.id, '&status=pending'))[0]!;
      receiver.state.status = 200;
      const fixed = await http().post(`/admin/webhooks/${endpoint.id}/deliveries/${failing.id}/replay`, undefined, asOwner());
      assert.deepEqual([fixed.body.status, fixed.body.nextAttemptAt], ['succeeded', null]);
      assertProblem(await http().post(`/admin/webhooks/${endpoint.id}/deliveries/whd_nope/replay`, undefined, asOwner()), 404, 'WEBHOOK_DELIVERY_NOT_FOUND');

      const ping = await http().post(`/admin/webhooks/${endpoint.id}/test`, undefined, asOwner());
      assert.equal(ping.status, 200, JSON.stringify(ping.body));
      assert.equal(ping.body.eventName, 'webhook.test');
      assert.equal(ping.body.status, 'succeeded');
      const last = receiver.state.received.at(-1)!;
      assert.equal(last.body.type, 'webhook.test');
      assert.equal(last.body.data.endpointId, endpoint.id);

      receiver.state.status = 404;
      const failedPing = await http().post(`/admin/webhooks/${endpoint.id}/test`, undefined, asOwner());
      assert.deepEqual([failedPing.body.status, failedPing.body.lastStatusCode, failedPing.body.nextAttemptAt], ['failed', 404, null]);

      const audit = await http().get(`/admin/audit-log?targetId=${endpoint.id}&limit=20`, asOwner());
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      assert.equal(actions.filter((a: string) => a === 'webhook.delivery_replayed').length, 2);
      assert.equal(actions.filter((a: string) => a === 'webhook.tested').length, 2);
      await disable(endpoint.id);
    });

    test('a rotated secret signs the next attempt; the old one no longer verifies', async () => {
      const endpoint = await register(['catalog.product_created']);
      const rotated = (await http().post(`/admin/webhooks/${endpoint.id}/rotate-secret`, undefined, asOwner())).body.secret as string;
      await emit('catalog.product_created', { productId: 'prod_rot' });
      await app.modules.webhooks.drain();
      const [got] = receiver.state.received;
      assert.ok(readmeVerify(rotated, got!.headers, got!.raw));
      assert.ok(!readmeVerify(endpoint.secret, got!.headers, got!.raw));
      await disable(endpoint.id);
    });

    test('* gets every public event, disabled endpoints get none, internal events never go out', async () => {
      const all = await register(['*']);
      const off = await register(['*']);
      await disable(off.id);
      await emit('catalog.category_created', { categoryId: 'cat_1', parentId: null });
      await emit('mail.requested', { to: 'x@example.com', subject: 'secret code', text: '123456' });
      await app.modules.webhooks.drain();
      assert.deepEqual(
        receiver.state.received.map((r) => r.body.type),
        ['catalog.category_created'],
      );
      assert.equal((await deliveries(all.id)).length, 1);
      assert.equal((await deliveries(off.id)).length, 0);
      await disable(all.id);
    });

    test('a killed poller’s claim is retried after its lease; concurrent pollers never send one delivery twice', async () => {
      const endpoint = await register(['order.shipped']);
      receiver.state.delayMs = 20;
      const ids: string[] = [];
      for (let i = 0; i < 45; i++) ids.push(await withTransaction(app.db, (trx) => publish(trx, 'order.shipped', { orderId: `ord_${i}` })));
      await app.dispatcher.drain();
      assert.equal((await deliveries(endpoint.id)).length, 45);

      // A poller claimed one and died: its lease keeps the others away until it runs out.
      const [stuck] = await deliveries(endpoint.id);
      await sql`update webhook_delivery set locked_until = now() + interval '1 hour', claim_token = 'dead' where id = ${stuck!.id}`.execute(app.db);

      const webhooks = app.modules.webhooks;
      const poll = async () => {
        while ((await webhooks.deliverDue()) > 0) {
          // keep going
        }
      };
      await Promise.all([poll(), poll(), poll(), poll()]);
      const sent = receiver.state.received.map((r) => r.body.id);
      assert.equal(sent.length, 44);
      assert.equal(new Set(sent).size, 44, 'no delivery sent twice');
      assert.ok(!sent.includes(stuck!.eventId));

      await sql`update webhook_delivery set locked_until = now() - interval '1 second' where id = ${stuck!.id}`.execute(app.db);
      await webhooks.drain();
      assert.equal(receiver.state.received.length, 45);
      assert.deepEqual(new Set(receiver.state.received.map((r) => r.body.id)), new Set(ids));
      assert.equal((await deliveries(endpoint.id, '&status=succeeded')).length, 45);
      await disable(endpoint.id);
    });

    test('gives up after three days; an endpoint failing continuously is turned off, visibly', async () => {
      const endpoint = await register(['order.delivered']);
      receiver.state.status = 500;
      await emit('order.delivered', { orderId: 'ord_old' });
      await sql`update webhook_delivery set event_created_at = now() - interval '3 days 1 minute' where endpoint_id = ${endpoint.id}`.execute(app.db);
      await app.modules.webhooks.drain();
      let [d] = await deliveries(endpoint.id);
      assert.deepEqual([d!.status, d!.nextAttemptAt], ['failed', null]);
      assert.equal((await deliveries(endpoint.id, '&status=failed')).length, 1);

      // 99 failures over four days, then one more.
      await sql`update webhook_endpoint set consecutive_failures = 99, failing_since = now() - interval '4 days' where id = ${endpoint.id}`.execute(app.db);
      await emit('order.delivered', { orderId: 'ord_new' });
      await app.modules.webhooks.drain();
      const got = await http().get(`/admin/webhooks/${endpoint.id}`, asOwner());
      assert.deepEqual([got.body.enabled, got.body.disabledReason, got.body.consecutiveFailures], [false, 'failing', 100]);
      assert.ok(got.body.disabledAt);
      const audit = await http().get(`/admin/audit-log?targetId=${endpoint.id}&action=webhook.disabled`, asOwner());
      assert.equal(audit.body.items.length, 1);
      assert.equal(audit.body.items[0].actorType, 'system');
      assert.equal((await http().get('/admin/webhooks?enabled=false&limit=100', asOwner())).body.items.some((e: { id: string }) => e.id === endpoint.id), true);

      // Disabled: its pending delivery waits, new events make none.
      await makeDue(endpoint.id);
      await emit('order.delivered', { orderId: 'ord_while_off' });
      const before = receiver.state.received.length;
      await app.modules.webhooks.drain();
      assert.equal(receiver.state.received.length, before);
      assert.equal((await deliveries(endpoint.id)).length, 2);

      // Turned on again: the run of failures is cleared and the waiting delivery goes out.
      receiver.state.status = 200;
      const on = await http().patch(`/admin/webhooks/${endpoint.id}`, { enabled: true }, asOwner());
      assert.deepEqual([on.body.enabled, on.body.disabledReason, on.body.consecutiveFailures, on.body.failingSince], [true, null, 0, null]);
      await app.modules.webhooks.drain();
      [d] = await deliveries(endpoint.id);
      assert.equal(d!.status, 'succeeded');
      await disable(endpoint.id);
    });

    test('deleting an endpoint deletes its deliveries and attempts', async () => {
      const endpoint = await register(['order.completed']);
      await emit('order.completed', { orderId: 'ord_del' });
      await app.modules.webhooks.drain();
      assert.equal((await deliveries(endpoint.id)).length, 1);
      assert.equal((await http().delete(`/admin/webhooks/${endpoint.id}`, asOwner())).status, 204);
      const left = await sql<{ n: number }>`select (select count(*) from webhook_delivery where endpoint_id = ${endpoint.id}) + (select count(*) from webhook_attempt where endpoint_id = ${endpoint.id}) as n`.execute(app.db);
      assert.equal(Number(left.rows[0]!.n), 0);
      assertProblem(await http().get(`/admin/webhooks/${endpoint.id}/deliveries`, asOwner()), 404, 'WEBHOOK_NOT_FOUND');
    });
  });
}
