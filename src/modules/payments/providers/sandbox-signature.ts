import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProviderError } from './types.js';

/** Name of the header that carries the sandbox's signature. */
export const SANDBOX_SIGNATURE_HEADER = 'Bazaar-Signature';

/** Hex HMAC-SHA256 of `"<t>.<body>"` with `secret`, over the body's exact bytes. */
function hmac(secret: string, t: number, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

/**
 * The `Bazaar-Signature` header value for `body` signed at unix time `t` (seconds):
 * `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Tests use it to forge or replay
 * notifications exactly as the sandbox notifier signs them.
 *
 * @example
 * const body = JSON.stringify(notification);
 * headers['bazaar-signature'] = signSandboxPayload(secret, body, Math.floor(Date.now() / 1000));
 */
export function signSandboxPayload(secret: string, body: string | Buffer, t: number): string {
  return `t=${t},v1=${hmac(secret, t, body).toString('hex')}`;
}

/**
 * Checks a `Bazaar-Signature` header against the raw body: any `v1` entry (several are allowed
 * while a secret is rotated) must equal the HMAC, compared in constant time; then `t` must be
 * within `toleranceSeconds` of `now`, either way. Throws ProviderError('signature') for a
 * missing, malformed or wrong signature and ProviderError('stale') for a timestamp outside the
 * window. Nothing of the body is parsed.
 */
export function verifySandboxSignature(secret: string, rawBody: Buffer, header: string | string[] | undefined, now: Date, toleranceSeconds: number): void {
  if (typeof header !== 'string' || header === '') throw new ProviderError('signature', `missing ${SANDBOX_SIGNATURE_HEADER} header`);
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || candidates.length === 0) throw new ProviderError('signature', `malformed ${SANDBOX_SIGNATURE_HEADER} header`);
  const expected = hmac(secret, t, rawBody);
  // Every candidate is compared (no early exit), so timing says nothing about which one matched.
  let match = false;
  for (const candidate of candidates) match = timingSafeEqual(candidate, expected) || match;
  if (!match) throw new ProviderError('signature', 'signature does not match the body');
  const age = Math.floor(now.getTime() / 1000) - t;
  if (Math.abs(age) > toleranceSeconds) {
    throw new ProviderError('stale', age > 0 ? `signed ${age}s ago, beyond the ${toleranceSeconds}s tolerance` : `signed ${-age}s in the future, beyond the ${toleranceSeconds}s tolerance`);
  }
}
