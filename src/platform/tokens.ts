import { createHash, randomBytes } from 'node:crypto';

/** A fresh opaque token: `prefix` + 32 random bytes in base64url (256 bits). */
export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The value stored for a token: its SHA-256, hex. Tokens are random, so no salt is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
