import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problems, Timestamp } from '../../../platform/http/schemas.js';
import { formatMoney } from '../../../platform/money.js';
import { sandboxError } from './sandbox-errors.js';
import type { SandboxCharge, SandboxGateway } from './sandbox-gateway.js';

const PayParams = Type.Object({ paymentId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const PayBody = Type.Object(
  { result: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')], { description: 'What the payer did' }) },
  { additionalProperties: false },
);

/** A sandbox charge as the payer routes show it. */
export const SandboxChargeSchema = Type.Object({
  id: Type.String(),
  paymentId: Type.String({ description: 'The merchant payment id' }),
  orderNumber: Type.String(),
  amount: Type.Integer({ description: 'Minor units' }),
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('refunded'), Type.Literal('partially_refunded')]),
  refundedAmount: Type.Integer(),
  createdAt: Timestamp,
  settledAt: Type.Union([Timestamp, Type.Null()]),
});

const Html = Type.String({ description: 'An HTML page' });

function view(c: SandboxCharge) {
  return {
    id: c.id,
    paymentId: c.merchantPaymentId,
    orderNumber: c.orderNumber,
    amount: c.amount,
    currency: c.currency,
    status: c.status,
    refundedAmount: c.refundedAmount,
    createdAt: c.createdAt.toISOString(),
    settledAt: c.settledAt ? c.settledAt.toISOString() : null,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem;color:#1f2328}
main{max-width:26rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 3px #0002}
.badge{display:inline-block;font-size:.75rem;background:#fff3cd;color:#7a5c00;border-radius:4px;padding:.1rem .4rem}
.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{color:#656d76}dd{margin:0}
form{display:inline}button{font-size:1rem;padding:.5rem 1.25rem;border-radius:6px;border:0;margin:1rem .5rem 0 0;cursor:pointer}
.pay{background:#1f883d;color:#fff}.fail{background:#cf222e;color:#fff}
</style></head><body><main>${content}</main></body></html>`;
}

function payPage(charge: SandboxCharge, merchantId: string): string {
  const action = `/sandbox/pay/${encodeURIComponent(charge.merchantPaymentId)}`;
  const buttons =
    charge.status === 'pending'
      ? `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="result" value="succeeded"><button class="pay" type="submit">Pay</button></form>` +
        `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="result" value="failed"><button class="fail" type="submit">Fail</button></form>`
      : `<p>This payment is <strong>${escapeHtml(charge.status.replace('_', ' '))}</strong>.</p>`;
  return page(
    `Pay order ${charge.orderNumber}`,
    `<span class="badge">SANDBOX · no real money</span>
<h1>Pay order ${escapeHtml(charge.orderNumber)}</h1>
<div class="amount">${escapeHtml(formatMoney({ amount: charge.amount, currency: charge.currency }))}</div>
<dl><dt>Order</dt><dd>${escapeHtml(charge.orderNumber)}</dd><dt>For</dt><dd>${escapeHtml(charge.description)}</dd>
<dt>Merchant</dt><dd>${escapeHtml(merchantId)}</dd><dt>Charge</dt><dd><code>${escapeHtml(charge.id)}</code></dd></dl>
${buttons}`,
  );
}

function resultPage(charge: SandboxCharge): string {
  const back = charge.returnUrl && /^https?:\/\//.test(charge.returnUrl) ? `<p><a href="${escapeHtml(charge.returnUrl)}">Back to the shop</a></p>` : '';
  return page(`Payment ${charge.status}`, `<span class="badge">SANDBOX</span><h1>Payment ${escapeHtml(charge.status)}</h1><p>Order ${escapeHtml(charge.orderNumber)}: ${escapeHtml(formatMoney({ amount: charge.amount, currency: charge.currency }))}</p>${back}`);
}

/** A self-contained page: inline styles only, no scripts, nothing loaded from elsewhere. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The sandbox gateway's payer side, mounted at the root: `GET /sandbox/pay/:paymentId` (an HTML
 * page with Pay and Fail buttons) and `POST /sandbox/pay/:paymentId {result}` (JSON for
 * scripts, or the page's form post). A form post answers 303 to the shop's return URL when
 * the payment has one, else a result page. Register only while the sandbox provider is on.
 */
export const sandboxGatewayRoutes: FastifyPluginAsyncTypebox<{ gateway: SandboxGateway }> = async (app, { gateway }) => {
  const tags = ['sandbox gateway'];
  // The page's form posts urlencoded; this parser stays inside this plugin.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get(
    '/sandbox/pay/:paymentId',
    {
      schema: {
        tags,
        summary: 'Sandbox payer page',
        description: 'Shows the amount and order of a sandbox charge with Pay and Fail buttons. Development and tests only.',
        params: PayParams,
        produces: ['text/html'],
        response: { 200: Html, ...problems(404) },
      },
    },
    async (request, reply) => {
      const charge = await gateway.getCharge(request.params.paymentId);
      if (!charge) throw sandboxError('SANDBOX_CHARGE_NOT_FOUND', { detail: `No sandbox charge for payment ${request.params.paymentId}` });
      return reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').send(payPage(charge, gateway.merchantId));
    },
  );

  app.post(
    '/sandbox/pay/:paymentId',
    {
      schema: {
        tags,
        summary: 'Record the payer’s result for a sandbox charge',
        description:
          'Marks a pending sandbox charge `succeeded` or `failed` and queues the signed notification to the shop. ' +
          'JSON answers the charge; an HTML form post (`application/x-www-form-urlencoded`) answers 303 to the return URL or a result page. ' +
          '409 SANDBOX_CHARGE_FINAL when the charge already has a result, 404 SANDBOX_CHARGE_NOT_FOUND when there is none.',
        params: PayParams,
        body: PayBody,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        response: { 200: Type.Union([SandboxChargeSchema, Html]), 303: Type.Null({ description: 'To the shop’s return URL' }), ...problems(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const charge = await gateway.pay(request.params.paymentId, request.body.result);
      const fromForm = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (!fromForm) return view(charge);
      if (charge.returnUrl && /^https?:\/\//.test(charge.returnUrl)) return reply.redirect(charge.returnUrl, 303);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(resultPage(charge));
    },
  );
};
