export interface RateLimitConfig {
  /** Requests per second per key; 0 or Infinity turns the per-second limit off. */
  perSecond: number;
  /** Requests per UTC day per key; 0 or Infinity turns the daily cap off. */
  perDay: number;
  /**
   * Length of the quota "day" in seconds (default 86,400: days start at 00:00 UTC). A short day
   * (e.g. 10) lets tests see a daily quota run out and reset in seconds.
   */
  daySeconds?: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; daily: boolean };

const DAY_SECONDS = 86_400;

interface KeyState {
  /** Times of the accepted requests within the last second, oldest first. */
  recent: number[];
  day: number;
  dayCount: number;
}

function enabled(limit: number): boolean {
  return Number.isFinite(limit) && limit > 0;
}

/** Gong's per-key limits: a sliding one-second window and a daily cap that resets at 00:00 UTC (or every `daySeconds`). */
export class KeyRateLimiter {
  config: RateLimitConfig;
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;

  constructor(config: RateLimitConfig, now: () => number = Date.now) {
    this.config = { ...config };
    this.now = now;
  }

  /** Counts a request for `key` if a slot is free; otherwise says how long until the next free slot (ceil seconds). */
  take(key: string): RateDecision {
    const now = this.now();
    const dayMs = (this.config.daySeconds ?? DAY_SECONDS) * 1000;
    const day = Math.floor(now / dayMs);
    let state = this.keys.get(key);
    if (!state) {
      state = { recent: [], day, dayCount: 0 };
      this.keys.set(key, state);
    }
    if (state.day !== day) {
      state.day = day;
      state.dayCount = 0;
    }
    const { perSecond, perDay } = this.config;
    if (enabled(perDay) && state.dayCount >= perDay) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((day + 1) * dayMs - now) / 1000)), daily: true };
    }
    if (enabled(perSecond)) {
      while (state.recent.length > 0 && (state.recent[0] ?? 0) <= now - 1000) state.recent.shift();
      if (state.recent.length >= perSecond) {
        const oldest = state.recent[0] ?? now;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + 1000 - now) / 1000)), daily: false };
      }
      state.recent.push(now);
    }
    state.dayCount++;
    return { ok: true };
  }

  reset(): void {
    this.keys.clear();
  }
}

export interface FailureLimitConfig {
  /** Failed authentications an address may make within the window before it gets 429 (0 or Infinity = no limit). */
  limit: number;
  /** Length of the sliding window in seconds. */
  windowSeconds: number;
}

/** How many addresses are tracked before stale ones are swept (and, if half that many remain, the oldest dropped). */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Failed authentications per client address, in a sliding window. Only failures are counted, so a locked-out
 * address's requests with valid credentials still pass and no key's own budget is spent by someone else's bad guesses.
 */
export class FailureLimiter {
  config: FailureLimitConfig;
  /** address -> times of its last `limit` failures, oldest first */
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(config: FailureLimitConfig, now: () => number = Date.now) {
    this.config = { ...config };
    this.now = now;
  }

  /**
   * Records a failed authentication from `address`. Returns 0 while the address is within its budget, else the
   * whole seconds until it is (the failure is still recorded, so an address that keeps guessing stays refused).
   */
  fail(address: string): number {
    const { limit, windowSeconds } = this.config;
    if (!enabled(limit)) return 0;
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    let times = this.failures.get(address);
    if (times === undefined) {
      this.sweep(now - windowMs);
      times = [];
      this.failures.set(address, times);
    }
    while (times.length > 0 && (times[0] ?? 0) <= now - windowMs) times.shift();
    const cap = Math.floor(limit);
    let retryAfterSeconds = 0;
    if (times.length >= cap) retryAfterSeconds = Math.max(1, Math.ceil(((times[0] ?? now) + windowMs - now) / 1000));
    times.push(now);
    while (times.length > cap) times.shift();
    return retryAfterSeconds;
  }

  reset(): void {
    this.failures.clear();
  }

  /** Drops addresses with no failure since `since`, then the longest tracked until half the cap is free (amortised O(1)). */
  private sweep(since: number): void {
    if (this.failures.size < MAX_TRACKED_ADDRESSES) return;
    for (const [address, times] of this.failures) if ((times[times.length - 1] ?? 0) <= since) this.failures.delete(address);
    for (const address of this.failures.keys()) {
      if (this.failures.size < MAX_TRACKED_ADDRESSES / 2) break;
      this.failures.delete(address);
    }
  }
}
