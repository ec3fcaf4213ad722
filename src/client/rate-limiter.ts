import { GongAbortError, RateLimitError } from "./errors.js";

/** Grants permission to send one request. The importer's Redis limiter implements the same interface. */
export interface RateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  /** At most this many grants in any rolling 1,000 ms (default 3). */
  perSecond?: number;
  /** At most this many grants per UTC calendar day (default 10,000; Gong's day resets at 00:00 UTC). */
  perDay?: number;
  /**
   * Grants are spread at least this far apart (default: 1,000 ms ÷ perSecond plus 2 %). Evenly spaced requests stay
   * under a server's rolling one-second window even when they arrive with some jitter; bursts of `perSecond` do not.
   */
  minIntervalMs?: number;
  /** A wait longer than this rejects with RateLimitError instead of waiting (default 600,000 ms). */
  maxWaitMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

const DAY_MS = 86_400_000;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

class LocalRateLimiter implements RateLimiter {
  private readonly perSecond: number;
  private readonly perDay: number;
  private readonly maxWaitMs: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly queue: Waiter[] = [];
  private readonly recent: number[] = [];
  private lastGrant = Number.NEGATIVE_INFINITY;
  private day = -1;
  private dayCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.perSecond = positiveInteger("perSecond", options.perSecond ?? 3);
    this.perDay = positiveInteger("perDay", options.perDay ?? 10_000);
    this.maxWaitMs = options.maxWaitMs ?? 600_000;
    this.minIntervalMs = Math.max(0, options.minIntervalMs ?? (1000 / this.perSecond) * 1.02);
    this.now = options.now ?? Date.now;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(new GongAbortError("aborted while waiting for the rate limiter"));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new GongAbortError("aborted while waiting for the rate limiter"));
        this.pump();
      };
      const waiter: Waiter = { resolve, reject, cleanup: () => signal?.removeEventListener("abort", onAbort) };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Milliseconds until the next grant is allowed (0 = now). */
  private waitMs(now: number): number {
    const today = Math.floor(now / DAY_MS);
    if (today !== this.day) {
      this.day = today;
      this.dayCount = 0;
    }
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= now - 1000) this.recent.shift();
    if (this.dayCount >= this.perDay) return (today + 1) * DAY_MS - now;
    // Below a millisecond a timer cannot wait that little: let such grants through (very high rates).
    const gap = this.lastGrant + this.minIntervalMs - now;
    const spacing = gap >= 1 ? gap : 0;
    if (this.recent.length < this.perSecond) return spacing;
    return Math.max(spacing, (this.recent[0] ?? now) + 1000 - now);
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      const now = this.now();
      const wait = this.waitMs(now);
      if (wait > this.maxWaitMs) {
        this.queue.shift();
        head.cleanup();
        head.reject(
          new RateLimitError({
            status: 429,
            errors: [`local rate limit: daily budget of ${this.perDay} requests spent`],
            retryAfterSeconds: Math.ceil(wait / 1000),
          }),
        );
        continue;
      }
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.queue.shift();
      this.recent.push(now);
      this.lastGrant = now;
      this.dayCount++;
      head.cleanup();
      head.resolve();
    }
  }
}

/** An in-process limiter: at most `perSecond` per rolling second and `perDay` per UTC day, FIFO, abortable. */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return new LocalRateLimiter(options);
}

/** A limiter that never waits. */
export const unlimited: RateLimiter = {
  acquire(signal?: AbortSignal): Promise<void> {
    return signal?.aborted === true ? Promise.reject(new GongAbortError()) : Promise.resolve();
  },
};
