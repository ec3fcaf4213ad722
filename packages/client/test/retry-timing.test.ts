import { describe, expect, it } from "vitest";
import { serverWaitMs, computeBackoffMs, parseRetryAfter } from "../src/internal/retry-timing.js";

describe("parseRetryAfter", () => {
  it("reads delay seconds", () => {
    expect(parseRetryAfter("0")).toBe(0);
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter(" 120 ")).toBe(120);
    expect(parseRetryAfter("0.1")).toBe(0.1);
  });

  it("reads an HTTP-date relative to now", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("returns undefined for missing or bad values", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter("-5")).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("1e3")).toBeUndefined();
  });
});

describe("computeBackoffMs", () => {
  const opts = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it("doubles from the base: 1, 2, 4 s with no jitter at random 0", () => {
    const r0 = { ...opts, random: () => 0 };
    expect([1, 2, 3, 4].map((n) => computeBackoffMs(n, r0))).toEqual([1000, 2000, 4000, 8000]);
  });

  it("caps at maxDelayMs", () => {
    expect(computeBackoffMs(20, { ...opts, random: () => 0 })).toBe(60_000);
  });

  it("jitters within [75 %, 100 %] of the computed delay", () => {
    for (let retry = 1; retry <= 8; retry++) {
      const full = Math.min(60_000, 1000 * 2 ** (retry - 1));
      for (let i = 0; i < 50; i++) {
        const ms = computeBackoffMs(retry, opts);
        expect(ms).toBeGreaterThanOrEqual(Math.floor(full * 0.75));
        expect(ms).toBeLessThanOrEqual(full);
      }
    }
  });
});

describe("serverWaitMs", () => {
  it("adds at most 250 ms to the server's wait, never less than it", () => {
    for (let i = 0; i < 100; i++) {
      const ms = serverWaitMs(2);
      expect(ms).toBeGreaterThanOrEqual(2000);
      expect(ms).toBeLessThanOrEqual(2250);
    }
  });
});
