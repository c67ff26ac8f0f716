/**
 * A guest shopper's whole path for the benchmarks, and what it measures:
 *   POST /store/carts → POST items (1–3 SKUs) → PATCH email + address → GET shipping-methods →
 *   PATCH shippingMethodId → POST checkout (Idempotency-Key) → POST /store/orders/:id/payments
 *   {provider: 'sandbox'} → POST /sandbox/pay/:paymentId {result: 'succeeded'}
 * Used by `bench:checkout` and by the whole-service `npm run bench`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
export const ADDRESS = { firstName: '小明', lastName: '王', phone: '13800000000', line1: '人民路 1 号', city: '上海', region: 'SH', postalCode: '200000', country: 'CN' };
export const STEPS = ['cart', 'items', 'address', 'shipping-methods', 'shipping', 'checkout', 'payment', 'sandbox-pay'] as const;
export type Step = (typeof STEPS)[number];

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
export function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 0.5)), p99: round(percentile(s, 0.99)), max: round(s.at(-1) ?? 0) };
}

export interface Placed {
  id: string;
  token: string;
  quantity: number;
  /** When the checkout answered 201 (ms since epoch). */
  placedAt: number;
  /** When the sandbox pay press answered; undefined when the payment steps failed. */
  pressedAt?: number;
}

export class Stats {
  latency = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  /** SQL statements per request, from `bazaar-sql-statements` when the server counts them (BAZAAR_SQL_COUNT=1). */
  statements = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  /** `step status` → count (status 0 = network error). */
  statuses = new Map<string, number>();
  /** Cart creation → checkout response, for paths that reached a 201. */
  path: number[] = [];
  /** Cart creation → sandbox pay response, for paths that got that far. */
  full: number[] = [];
  placed: Placed[] = [];
  checkouts201 = 0;

  count(step: Step, status: number): void {
    const key = `${step} ${status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }
  requests(step: Step): number {
    let n = 0;
    for (const [key, c] of this.statuses) if (key.startsWith(`${step} `)) n += c;
    return n;
  }
  errors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, c] of this.statuses) {
      const status = Number(key.split(' ').at(-1));
      if (!(status >= 200 && status < 300)) out[key] = c;
    }
    return out;
  }
}

export class StepError extends Error {}

// Kept-alive sockets and node:http rather than fetch: the load generator shares the machine's
// cores with the service, and fetch spent about half a core of them at 600 requests/s.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body !== undefined ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function call(stats: Stats, step: Step, url: string, init: { method: string; body?: unknown; headers?: Record<string, string> }, ok: number[]): Promise<any> {
  const started = performance.now();
  let status: number;
  let body: any;
  try {
    const res = await send(url, init.method, { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers }, init.body !== undefined ? JSON.stringify(init.body) : undefined);
    status = res.status;
    const statements = res.headers['bazaar-sql-statements'];
    if (typeof statements === 'string') stats.statements.get(step)!.push(Number(statements));
    const text = res.text;
    body = text && (res.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) : text;
  } catch (err) {
    stats.count(step, 0);
    throw new StepError(`${step}: ${err instanceof Error ? err.message : String(err)}`);
  }
  stats.count(step, status);
  if (!ok.includes(status)) throw new StepError(`${step}: ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`.slice(0, 300));
  stats.latency.get(step)!.push(performance.now() - started);
  return body;
}

/** One guest's whole path, cart to the payer pressing Pay. */
export async function shopOnce(base: string, skus: string[], stats: Stats, firstErrors: string[]): Promise<void> {
  const started = performance.now();
  try {
    const cart = await call(stats, 'cart', `${base}/store/carts`, { method: 'POST', body: { currency: 'CNY' } }, [201]);
    const lines = 1 + Math.floor(Math.random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < lines) chosen.add(skus[Math.floor(Math.random() * skus.length)]!);
    let quantity = 0;
    for (const sku of chosen) {
      const q = 1 + Math.floor(Math.random() * 2);
      quantity += q;
      await call(stats, 'items', `${base}/store/carts/${cart.id}/items`, { method: 'POST', body: { sku, quantity: q } }, [200, 201]);
    }
    const email = `guest-${randomUUID().slice(0, 8)}@example.com`;
    await call(stats, 'address', `${base}/store/carts/${cart.id}`, { method: 'PATCH', body: { email, shippingAddress: ADDRESS } }, [200]);
    const offered = await call(stats, 'shipping-methods', `${base}/store/carts/${cart.id}/shipping-methods`, { method: 'GET' }, [200]);
    const methods = (Array.isArray(offered) ? offered : offered.items) as { id: string }[];
    if (!methods.length) throw new StepError('shipping-methods: none offered');
    await call(stats, 'shipping', `${base}/store/carts/${cart.id}`, { method: 'PATCH', body: { shippingMethodId: methods[0]!.id } }, [200]);
    const order = await call(stats, 'checkout', `${base}/store/carts/${cart.id}/checkout`, { method: 'POST', body: {}, headers: { 'idempotency-key': randomUUID() } }, [201]);
    stats.checkouts201++;
    stats.path.push(performance.now() - started);
    const placed: Placed = { id: order.id, token: order.accessToken, quantity, placedAt: Date.now() };
    stats.placed.push(placed);
    const started2 = await call(stats, 'payment', `${base}/store/orders/${order.id}/payments`, { method: 'POST', body: { provider: 'sandbox' }, headers: { 'x-order-token': order.accessToken } }, [200, 201]);
    await call(stats, 'sandbox-pay', `${base}/sandbox/pay/${encodeURIComponent(started2.payment.id)}`, { method: 'POST', body: { result: 'succeeded' } }, [200]);
    placed.pressedAt = Date.now();
    stats.full.push(performance.now() - started);
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    if (firstErrors.length < 5) firstErrors.push(err.message);
  }
}

export async function load(base: string, skus: string[], shoppers: number, durationMs: number, stats: Stats, firstErrors: string[]): Promise<number> {
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: shoppers }, async () => {
      while (performance.now() < deadline) await shopOnce(base, skus, stats, firstErrors);
    }),
  );
  return performance.now() - started;
}
