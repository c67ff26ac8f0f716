/** When deliveries are tried again, given up and when endpoints are turned off. */
export interface RetryPolicy {
  /** Wait after the first failure; doubles after each further one. */
  baseDelayMs: number;
  /** Longest wait between two attempts. */
  maxDelayMs: number;
  /** A delivery is `failed` after this many attempts… */
  maxAttempts: number;
  /** …or once this long has passed since the event, whichever comes first. */
  maxAgeMs: number;
  /** An endpoint is turned off after this many failures in a row… */
  disableAfterFailures: number;
  /** …spread over at least this long without a success. */
  disableAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 6 * 3_600_000,
  maxAttempts: 25,
  maxAgeMs: 3 * 86_400_000,
  disableAfterFailures: 100,
  disableAfterMs: 3 * 86_400_000,
};

/**
 * Milliseconds to wait after the `attempts`-th failure: `baseDelayMs · 2^(attempts−1)`, capped at
 * `maxDelayMs`, then spread ±20% (`random` in [0, 1)) so endpoints coming back from an outage are
 * not hit by every retry at once.
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number = Math.random()): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(capped * (0.8 + 0.4 * random));
}

/** True when a delivery that just failed its `attempts`-th time, for an event that old, should stop. */
export function shouldGiveUp(policy: RetryPolicy, attempts: number, ageMs: number): boolean {
  return attempts >= policy.maxAttempts || ageMs >= policy.maxAgeMs;
}
