/**
 * import --daily-budget, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP and a real
 * SQLite journal: the budget is counted in the journal, so a later run the same day sends only what is left.
 * e2e/hostile/importer-quota.test.ts runs the quota waits, --stop-on-quota and the queue workers' shared budget
 * through the built CLI.
 */
import { describe, expect, it } from "vitest";
import { apiRequestCount, expectOnce, idsIn, lastJson } from "../../../test-support/importer.js";
import { importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-quota-", { ratePerSecond: 0, ratePerDay: 0 });
const DAY_MS = 86_400_000;

describe("import --daily-budget (in-process)", () => {
  it("is counted in the journal: a second run the same day sends only what is left", async () => {
    // Both runs inside one UTC day (the quota day): a start in the day's last minute waits for the next day.
    const toMidnight = DAY_MS - (Date.now() % DAY_MS);
    if (toMidnight < 60_000) await new Promise((r) => setTimeout(r, toMidnight + 1000));
    const manifest = fx.manifestOf("budget.jsonl", 12, "bud");
    const first = await runInProcess(["import", manifest, "--daily-budget", "8", "--stop-on-quota", "--concurrency", "1", "--rate-limit", "100"], { env: fx.env() });
    expect(first.code, first.stderr).toBe(6);
    expect(lastJson(first.stdout)).toMatchObject({ done: 8, failed: 0, pending: 4, quotaStopped: true });
    const second = await runInProcess(["import", manifest, "--daily-budget", "10", "--stop-on-quota", "--concurrency", "1", "--rate-limit", "100"], { env: fx.env() });
    expect(second.code, second.stderr).toBe(6);
    expect(lastJson(second.stdout)).toMatchObject({ skipped: 8, done: 2, failed: 0, pending: 2 });
    expect(await apiRequestCount(fx.sb())).toBe(10);
    expectOnce(await idsIn(fx.sb(), "bud-"), 10);
  });
});
