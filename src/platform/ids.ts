import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

function incrementRandom(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 255) {
      out[i]!++;
      return out;
    }
    out[i] = 0;
  }
  return out;
}

/**
 * A ULID: 48-bit millisecond timestamp then 80 random bits, in Crockford base32 (26 chars).
 * Within one millisecond the random part is incremented, so IDs made by one process sort in
 * creation order.
 */
export function ulid(now: number = Date.now()): string {
  let random: Uint8Array;
  if (now === lastTime) {
    random = incrementRandom(lastRandom);
  } else {
    random = randomBytes(10);
    lastTime = now;
  }
  lastRandom = random;
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // 80 bits = 16 base32 digits; read 5 bits at a time from the byte string.
  let bits = 0;
  let value = 0;
  let rand = '';
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      rand += ALPHABET[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return time + rand;
}

/** A prefixed, sortable ID such as `cus_01JD3Y…`. `prefix` is a short lowercase noun. */
export function newId<P extends string>(prefix: P): `${P}_${string}` {
  return `${prefix}_${ulid()}`;
}

/** True when `value` looks like an ID made by `newId(prefix)`. */
export function isId(prefix: string, value: string): boolean {
  return value.length === prefix.length + 27 && value.startsWith(`${prefix}_`) && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value.slice(prefix.length + 1));
}
