import { describe, expect, it } from "vitest";
import { GongAbortError, GongApiError, GongConnectionError, GongTimeoutError, RateLimitError, ValidationError } from "../src/index.js";
import { shouldRetry, withRetry, type RetryInfo, type RetryOptions } from "../src/internal/retry.js";

const fast: RetryOptions = { mode: "safe", maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterSeconds: 600 };

describe("shouldRetry", () => {
  it.each([
    [429, "safe", true],
    [429, "never", true],
    [500, "safe", true],
    [503, "safe", true],
    [500, "never", false],
    [408, "safe", true],
    [400, "safe", false],
    [401, "safe", false],
    [403, "safe", false],
    [404, "safe", false],
    [409, "safe", false],
  ] as const)("status %i in mode %s -> %s", (status, mode, expected) => {
    expect(shouldRetry(status, mode)).toBe(expected);
    expect(shouldRetry(GongApiError.from(status, "", {}), mode)).toBe(expected);
  });

  it("retries resets and timeouts only in safe mode", () => {
    expect(shouldRetry(new GongConnectionError("ECONNRESET"), "safe")).toBe(true);
    expect(shouldRetry(new GongTimeoutError(10), "safe")).toBe(true);
    expect(shouldRetry(new GongConnectionError("ECONNRESET"), "never")).toBe(false);
    expect(shouldRetry(new GongTimeoutError(10), "never")).toBe(false);
  });

  it("never retries aborts, validation errors or unknown values", () => {
    expect(shouldRetry(new GongAbortError(), "safe")).toBe(false);
    expect(shouldRetry(ValidationError.of("x", "required"), "safe")).toBe(false);
    expect(shouldRetry(new Error("bug"), "safe")).toBe(false);
  });
});

describe("withRetry", () => {
  it("retries until success and passes the attempt number", async () => {
    const seen: number[] = [];
    const result = await withRetry((attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw GongApiError.from(500, "", {});
      return Promise.resolve("ok");
    }, fast);
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("gives up after maxRetries + 1 attempts and reports attempts on the error", async () => {
    let calls = 0;
    const error = await withRetry(() => {
      calls++;
      throw GongApiError.from(503, "", {});
    }, fast).catch((e: unknown) => e);
    expect(calls).toBe(5);
    expect(error).toBeInstanceOf(GongApiError);
    expect((error as GongApiError).attempts).toBe(5);
  });

  it("in never mode throws a 500 at once but retries a 429", async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        throw GongApiError.from(500, "", {});
      }, { ...fast, mode: "never" }),
    ).rejects.toBeInstanceOf(GongApiError);
    expect(calls).toBe(1);
    calls = 0;
    const ok = await withRetry((attempt) => {
      calls++;
      if (attempt === 1) throw GongApiError.from(429, "", { "retry-after": "0" });
      return Promise.resolve(1);
    }, { ...fast, mode: "never" });
    expect(ok).toBe(1);
    expect(calls).toBe(2);
  });

  it("waits Retry-After plus at most 250 ms, not the computed backoff", async () => {
    const waits: RetryInfo[] = [];
    await withRetry(
      (attempt) => {
        if (attempt === 1) throw GongApiError.from(429, "", { "retry-after": "0.05" });
        return Promise.resolve();
      },
      { ...fast, baseDelayMs: 10_000, maxDelayMs: 10_000, onRetry: (i) => waits.push(i) },
    );
    expect(waits).toHaveLength(1);
    expect(waits[0]?.waitMs).toBeGreaterThanOrEqual(50);
    expect(waits[0]?.waitMs).toBeLessThanOrEqual(300);
  });

  it("throws RateLimitError at once when Retry-After exceeds maxRetryAfterSeconds", async () => {
    let calls = 0;
    const error = await withRetry(() => {
      calls++;
      throw GongApiError.from(429, "", { "retry-after": "601" });
    }, fast).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(601);
  });

  it("aborts during a backoff sleep with GongAbortError", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 30);
    const error = await withRetry(() => {
      throw GongApiError.from(500, "", {});
    }, { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongAbortError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("rethrows errors that are not GongErrors without retrying", async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        throw new TypeError("bug");
      }, fast),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });
});
