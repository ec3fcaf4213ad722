/**
 * The daily budget's parts: the limiter's day (length, key, store, rejection instead of a wait), the journal as the
 * store across processes, and the progress display's ETA in days. Clocks are injected: nothing here is timed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RateLimitError } from "../../client/src/errors.js";
import { createRateLimiter, DAY_MS, dayKey, type DailySpendStore } from "../../client/src/internal/rate-limiter.js";
import { Journal } from "../src/index.js";
import { fmtDuration, quotaEtaSeconds } from "../src/internal/progress.js";

const dir = mkdtempSync(join(tmpdir(), "gc-quota-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the limiter's daily budget", () => {
  it("names Gong's days by their UTC date and shorter test days by length and index", () => {
    expect(dayKey(Date.parse("2026-12-01T23:59:59.999Z"))).toBe("2026-12-01");
    expect(dayKey(Date.parse("2026-12-02T00:00:00Z"))).toBe("2026-12-02");
    expect(dayKey(7_500, 3000)).toBe("3000ms#2");
  });

  it("rejects at once when the day's budget is spent (maxDayWaitMs 0), with the seconds to the reset", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    const limiter = createRateLimiter({ perSecond: 1000, perDay: 2, minIntervalMs: 0, maxDayWaitMs: 0, now: () => now });
    await limiter.acquire();
    await limiter.acquire();
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(14 * 3600);
    expect(limiter.quota()).toMatchObject({ day: "2026-12-01", perDay: 2, spent: 2, resetsAt: Date.parse("2026-12-02T00:00:00Z") });
    now = Date.parse("2026-12-02T00:00:01Z");
    await limiter.acquire();
    expect(limiter.quota()).toMatchObject({ day: "2026-12-02", spent: 1 });
  });

  it("counts into a store, starts from what the store says was spent today, and adds what it granted before it had one", async () => {
    const now = 10 * 3000 + 100;
    const counts = new Map<string, number>([["3000ms#10", 3]]);
    const store: DailySpendStore = {
      spent: (day) => counts.get(day) ?? 0,
      record: (day, n) => counts.set(day, (counts.get(day) ?? 0) + n),
    };
    const limiter = createRateLimiter({ perSecond: 1000, perDay: 5, minIntervalMs: 0, maxDayWaitMs: 0, dayMs: 3000, now: () => now });
    await limiter.acquire();
    limiter.useStore(store);
    expect(counts.get("3000ms#10")).toBe(4);
    await limiter.acquire();
    expect(counts.get("3000ms#10")).toBe(5);
    await expect(limiter.acquire()).rejects.toMatchObject({ retryAfterSeconds: 3 });
  });

  it("keeps the count in the journal, so that another process the same day sees it", () => {
    const path = join(dir, "quota.sqlite");
    const first = new Journal(path);
    first.record("2026-12-01", 7);
    first.record("2026-12-01", 2);
    first.close();
    const second = new Journal(path);
    expect(second.spent("2026-12-01")).toBe(9);
    expect(second.spent("2026-12-02")).toBe(0);
    second.close();
  });
});

describe("the progress ETA under a daily quota", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const quota = { left: 100, perDay: 10_000, resetsAt: Date.parse("2026-12-02T00:00:00Z"), dayMs: DAY_MS, requestsPerRow: 2 };

  it("is nothing more than the rate's when today's budget covers the rest", () => {
    expect(quotaEtaSeconds(50, quota, now)).toBe(0);
  });

  it("counts whole days once the rest needs more than today's budget: 100,000 calls with media take 20 days", () => {
    // 200,000 requests, 100 left today: 12 h to the reset, then 19 more days (the 20th day finishes it).
    expect(quotaEtaSeconds(100_000, quota, now)).toBe((12 * 3600 * 1000 + 19 * DAY_MS) / 1000);
    expect(fmtDuration(quotaEtaSeconds(100_000, quota, now))).toBe("19d12h");
  });

  it("while waiting, counts from the end of the wait Gong announced", () => {
    const waiting = { ...quota, waitingUntil: now + 5000 };
    expect(quotaEtaSeconds(10, waiting, now)).toBe(5);
  });
});
