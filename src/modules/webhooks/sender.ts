import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { signatureHeader } from './signature.js';

/** What one HTTP attempt came to. `statusCode` is null when no answer came. */
export interface SendResult {
  statusCode: number | null;
  succeeded: boolean;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
}

export interface SendOptions {
  timeoutMs: number;
  /** Longest part of an answer's body kept, in bytes. */
  maxResponseBytes: number;
  /** False refuses hosts that are or resolve to loopback, private or link-local addresses. */
  allowPrivate: boolean;
}

/** The JSON body of a webhook. */
export interface WebhookBody {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
}

/** Addresses a shop's webhooks must not reach when private targets are refused. */
const PRIVATE = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, bits, 'ipv4');
  }
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(net, bits, 'ipv6');
  }
  return list;
})();

function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

/**
 * Why `url` may not be sent to, or null when it may: only http(s) without credentials; with
 * `allowPrivate` false, also not a host that is or resolves to a private address. The check is
 * made before each attempt; DNS could still answer differently to the request itself, which
 * is why production setups filter egress in front of the process as well.
 */
export async function refusalOf(url: string, allowPrivate: boolean): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${parsed.protocol} URLs are not allowed`;
  if (parsed.username || parsed.password) return 'URLs with credentials are not allowed';
  if (allowPrivate) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'private address refused';
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `cannot resolve ${host}`;
  }
  return addresses.some(isPrivateAddress) ? 'private address refused' : null;
}

/** Reads at most `limit` bytes of a body, then lets the rest go. */
async function readStart(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // A multi-byte character cut at the limit decodes as U+FFFD, which is fine for a log.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${err.message}: ${cause.code}`;
    if (cause && typeof cause.message === 'string') return `${err.message}: ${cause.message}`;
    return err.message;
  }
  return String(err);
}

/**
 * POSTs a signed webhook. Only a 2xx answer is a success; redirects are not followed (a 3xx is
 * a failure). Never throws: refusals, timeouts and network errors come back in `error`.
 */
export async function sendWebhook(url: string, secret: string, body: WebhookBody, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refusal = await refusalOf(url, options.allowPrivate);
  if (refusal) return { statusCode: null, succeeded: false, durationMs: elapsed(), error: `refused: ${refusal}`, responseBody: null };
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Bazaar-Webhooks/1',
        'bazaar-webhook-id': body.id,
        'bazaar-webhook-timestamp': String(timestamp),
        'bazaar-webhook-signature': signatureHeader(secret, timestamp, raw),
      },
      body: raw,
    });
    let responseBody: string | null = null;
    try {
      responseBody = await readStart(res, options.maxResponseBytes);
    } catch {
      // The status is what counts; a body cut off mid-way is simply not kept.
    }
    const succeeded = res.status >= 200 && res.status < 300;
    return { statusCode: res.status, succeeded, durationMs: elapsed(), error: succeeded ? null : `HTTP ${res.status}`, responseBody };
  } catch (err) {
    return { statusCode: null, succeeded: false, durationMs: elapsed(), error: errorText(err).slice(0, 1000), responseBody: null };
  }
}
