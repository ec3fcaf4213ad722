/** Most jitter added to a wait the server asked for (CONTRACT.md §4). */
export const SERVER_WAIT_JITTER_MS = 250;

/**
 * Parses a `Retry-After` value: delay seconds (decimals accepted) or an HTTP-date.
 * Returns seconds to wait (never negative), or undefined when the value is missing or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

export interface BackoffOptions {
  /** First wait (attempt 1), default 1000 ms. */
  baseDelayMs: number;
  /** Cap, default 60_000 ms. */
  maxDelayMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Computed backoff before retry number `retry` (1 = first retry): base·2^(retry−1), capped, minus up to 25 %
 * jitter. So the wait lies in [0.75·d, d] where d = min(max, base·2^(retry−1)).
 */
export function computeBackoffMs(retry: number, options: BackoffOptions): number {
  const exponent = Math.max(0, retry - 1);
  const full = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  const random = options.random ?? Math.random;
  return Math.round(full * (1 - 0.25 * random()));
}

/** A server-requested wait in ms plus at most 250 ms jitter. */
export function serverWaitMs(retryAfterSeconds: number, random: () => number = Math.random): number {
  return Math.round(retryAfterSeconds * 1000 + SERVER_WAIT_JITTER_MS * random());
}
