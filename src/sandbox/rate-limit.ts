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
