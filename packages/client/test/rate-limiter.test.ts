import { describe, expect, it, vi } from "vitest";
import { GongAbortError, RateLimitError } from "../src/index.js";
import { createRateLimiter } from "../src/internal/rate-limiter.js";

describe("createRateLimiter", () => {
  it("spaces grants evenly by default: 1,000 ms ÷ perSecond plus 2 %", async () => {
    // Fake timers: the grant times are the limiter's own, not whenever a loaded machine ran the continuation.
    vi.useFakeTimers();
    try {
      const limiter = createRateLimiter({ perSecond: 3, perDay: 1000 });
      const times: number[] = [];
      const started = Date.now();
      const run = (async () => {
        for (let i = 0; i < 4; i++) {
          await limiter.acquire();
          times.push(Date.now() - started);
        }
      })();
      await vi.advanceTimersByTimeAsync(3000);
      await run;
      expect(times).toHaveLength(4);
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(339);
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeLessThanOrEqual(341);
      }
      expect(times[3]).toBeLessThan(3000);
    } finally {
      vi.useRealTimers();
    }
  });

  it("with no spacing, grants perSecond at once, then waits for the rolling second", async () => {
    const limiter = createRateLimiter({ perSecond: 2, perDay: 1000, minIntervalMs: 0 });
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map(async () => {
        await limiter.acquire();
        times.push(Date.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    expect(times[1]).toBeLessThan(500);
    // The third and fourth grants need a full second after the first two; the fifth another.
    expect(times[2]).toBeGreaterThanOrEqual(990);
    expect(times[3]).toBeGreaterThanOrEqual(990);
    expect(times[4]).toBeGreaterThanOrEqual(1990);
    expect(times[4]).toBeLessThan(6000);
  });

  it("grants in FIFO order", async () => {
    const limiter = createRateLimiter({ perSecond: 1, perDay: 1000 });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (n) => {
        await limiter.acquire();
        order.push(n);
      }),
    );
    expect(order).toEqual([0, 1, 2]);
  });

  it("rejects a waiting acquire when its signal aborts, and the queue moves on", async () => {
    const limiter = createRateLimiter({ perSecond: 1, perDay: 1000 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(GongAbortError);
    const started = Date.now();
    await next;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("rejects at once for an already aborted signal", async () => {
    const limiter = createRateLimiter({ perSecond: 1 });
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(GongAbortError);
  });

  it("holds a spent daily budget until 00:00 UTC", async () => {
    // A clock 150 ms before midnight UTC.
    const midnight = Date.parse("2026-03-02T00:00:00Z");
    const offset = midnight - 150 - Date.now();
    const limiter = createRateLimiter({ perSecond: 100, perDay: 2, now: () => Date.now() + offset });
    await limiter.acquire();
    await limiter.acquire();
    const started = Date.now();
    await limiter.acquire();
    // Granted at midnight on the limiter's clock, however long the first two took on a loaded machine.
    expect(Date.now() + offset).toBeGreaterThanOrEqual(midnight);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("rejects with RateLimitError when the wait would exceed maxWaitMs", async () => {
    const limiter = createRateLimiter({ perSecond: 100, perDay: 1, maxWaitMs: 1000, now: () => Date.parse("2026-03-01T12:00:00Z") });
    await limiter.acquire();
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(12 * 3600);
  });

  it("refuses bad limits", () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ perDay: 1.5 })).toThrow(RangeError);
  });
});
