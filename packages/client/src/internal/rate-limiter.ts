import { GongAbortError, RateLimitError } from "../errors.js";

/** Grants permission to send one request. The importer's Redis limiter implements the same interface. */
export interface RateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

/**
 * Where a limiter keeps the count of grants of each quota day, so that a new process (a rerun) counts what was
 * already spent that day. `day` is a key such as `2026-12-01` (see dayKey).
 */
export interface DailySpendStore {
  spent(day: string): number;
  /** Adds `count` grants to `day`. */
  record(day: string, count: number): void;
}

/** Where the daily budget of a limiter stands. */
export interface DailyQuota {
  /** Key of the current quota day (dayKey). */
  day: string;
  perDay: number;
  spent: number;
  /** Epoch ms at which the current quota day ends (the budget is whole again). */
  resetsAt: number;
}

/** A limiter with a daily budget it can report on and persist. */
export interface DailyRateLimiter extends RateLimiter {
  /** The budget of the current quota day. */
  quota(): DailyQuota;
  /** Counts the grants of each day in `store` from now on (today's grants so far are added to it). */
  useStore(store: DailySpendStore): void;
}

/** Gong's quota day: 24 hours starting at 00:00 UTC. */
export const DAY_MS = 86_400_000;

/** The key of the quota day holding `epochMs`: the UTC date for Gong's day, `<dayMs>ms#<index>` for a shorter test day. */
export function dayKey(epochMs: number, dayMs: number = DAY_MS): string {
  const index = Math.floor(epochMs / dayMs);
  return dayMs === DAY_MS ? new Date(index * DAY_MS).toISOString().slice(0, 10) : `${dayMs}ms#${index}`;
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
  /**
   * A wait for the daily budget longer than this rejects with RateLimitError (with `retryAfterSeconds` to the reset)
   * instead of waiting (default: maxWaitMs). 0 rejects as soon as the day's budget is spent.
   */
  maxDayWaitMs?: number;
  /** Length of the quota day (default 86,400,000 ms: UTC days). Shorter days are for tests. */
  dayMs?: number;
  /** Persists the count of each day (e.g. the importer's journal); default: counted in memory only. */
  store?: DailySpendStore;
  /** Clock, injectable for tests. */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

class LocalRateLimiter implements DailyRateLimiter {
  private readonly perSecond: number;
  private readonly perDay: number;
  private readonly maxWaitMs: number;
  private readonly maxDayWaitMs: number;
  private readonly dayMs: number;
  private store: DailySpendStore | undefined;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly queue: Waiter[] = [];
  private readonly recent: number[] = [];
  private lastGrant = Number.NEGATIVE_INFINITY;
  private day = -1;
  private dayName = "";
  private dayCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.perSecond = positiveInteger("perSecond", options.perSecond ?? 3);
    this.perDay = positiveInteger("perDay", options.perDay ?? 10_000);
    this.maxWaitMs = options.maxWaitMs ?? 600_000;
    this.maxDayWaitMs = options.maxDayWaitMs ?? this.maxWaitMs;
    this.dayMs = positiveInteger("dayMs", options.dayMs ?? DAY_MS);
    this.store = options.store;
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

  quota(): DailyQuota {
    this.rollDay(this.now());
    return { day: this.dayName, perDay: this.perDay, spent: this.dayCount, resetsAt: (this.day + 1) * this.dayMs };
  }

  useStore(store: DailySpendStore): void {
    this.rollDay(this.now());
    if (this.dayCount > 0) store.record(this.dayName, this.dayCount);
    this.store = store;
    this.dayCount = store.spent(this.dayName);
    this.pump();
  }

  private rollDay(now: number): void {
    const today = Math.floor(now / this.dayMs);
    if (today === this.day) return;
    this.day = today;
    this.dayName = dayKey(now, this.dayMs);
    this.dayCount = this.store?.spent(this.dayName) ?? 0;
  }

  /** Milliseconds until the next grant is allowed (0 = now); `daily` when it is the day's budget that is spent. */
  private waitMs(now: number): { ms: number; daily: boolean } {
    this.rollDay(now);
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= now - 1000) this.recent.shift();
    if (this.dayCount >= this.perDay) return { ms: (this.day + 1) * this.dayMs - now, daily: true };
    // Below a millisecond a timer cannot wait that little: let such grants through (very high rates).
    const gap = this.lastGrant + this.minIntervalMs - now;
    const spacing = gap >= 1 ? gap : 0;
    if (this.recent.length < this.perSecond) return { ms: spacing, daily: false };
    return { ms: Math.max(spacing, (this.recent[0] ?? now) + 1000 - now), daily: false };
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      const now = this.now();
      const { ms: wait, daily } = this.waitMs(now);
      if (wait > (daily ? this.maxDayWaitMs : this.maxWaitMs)) {
        this.queue.shift();
        head.cleanup();
        head.reject(
          new RateLimitError({
            status: 429,
            errors: [daily ? `local rate limit: daily budget of ${this.perDay} requests spent` : "local rate limit: wait too long"],
            retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)),
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
      head.cleanup();
      try {
        this.store?.record(this.dayName, 1);
      } catch (error) {
        // The count could not be kept (e.g. the journal's disk is full): nothing is sent, the caller learns why.
        head.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.recent.push(now);
      this.lastGrant = now;
      this.dayCount++;
      head.resolve();
    }
  }
}

/** An in-process limiter: at most `perSecond` per rolling second and `perDay` per UTC day, FIFO, abortable. */
export function createRateLimiter(options: RateLimiterOptions = {}): DailyRateLimiter {
  return new LocalRateLimiter(options);
}

/** A limiter that never waits. */
export const unlimited: RateLimiter = {
  acquire(signal?: AbortSignal): Promise<void> {
    return signal?.aborted === true ? Promise.reject(new GongAbortError()) : Promise.resolve();
  },
};
