import { availableParallelism } from 'node:os';
import argon2 from 'argon2';

/**
 * argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane). Memory-hard, so
 * guessing on GPUs is expensive; verification takes a few tens of milliseconds.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one hash per core at a time. More would not finish sooner (each is CPU-bound), but
 * each holds 19 MiB and a libuv pool thread: a burst of sign-ins would swell memory and starve
 * file and DNS work that shares the pool.
 */
const MAX_CONCURRENT = Math.max(1, availableParallelism());
let running = 0;
const queue: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = queue.shift();
    if (next) next();
    else running--;
  }
}

/** Hashes a password into a self-describing PHC string. */
export function hashPassword(password: string): Promise<string> {
  return limited(() => argon2.hash(password, OPTIONS));
}

/** True when `password` matches `hash`; false (never throws) for a malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await limited(() => argon2.verify(hash, password));
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for logins with an unknown email, so response
 * time does not reveal which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('dummy-password-for-timing');
  await verifyPassword(await dummy, password);
  return false;
}

/** True when a stored hash was made with weaker parameters than today's and should be redone. */
export function needsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, OPTIONS);
}
