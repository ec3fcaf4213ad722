/**
 * Quota never turns into failures, through the built CLI: a daily quota that runs out (in seconds, with the sandbox's
 * short day) is waited through or stopped on when asked, and queue workers share a daily budget through Redis.
 * The cases wait on the quota's clock, not on the CPU, and each has its own sandbox (its own quota), so they run at
 * the same time. --daily-budget counted in the journal across runs: packages/cli/test/import-reruns.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { lastJson, runCli, sandboxEnv, startCli, startRedis, startTestSandbox, expectOnce, idsIn } from "../../test-support/importer.js";
import { importFixture, queuedJobs } from "../../test-support/import-fixtures.js";

const fx = importFixture("gc-hostile-quota-", false);
// A day long enough for its 10 requests when the machine is busy (they then take seconds, not a tenth of one).
const QUOTA_PER_DAY = 10;
const QUOTA_DAY_SECONDS = 5;

describe.concurrent("quota never turns into failures", () => {
  it("waits through a spent daily quota (10 requests a day of 5 s): every row done, none failed, the wait on stderr", async ({ expect }) => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: QUOTA_PER_DAY, daySeconds: QUOTA_DAY_SECONDS });
    try {
      const manifest = fx.manifestOf("quota-wait.jsonl", 30, "qw");
      const r = await runCli(["import", manifest, "--rate-limit", "100", "--progress-interval", "0.5"], sandboxEnv(sb), 180_000);
      expect(r.code).toBe(0);
      const summary = lastJson(r.stdout);
      expect(summary).toMatchObject({ total: 30, done: 30, failed: 0, pending: 0, quotaStopped: false });
      expect(summary.quotaWaits).toBeGreaterThanOrEqual(2);
      expect(r.stderr).toMatch(/daily quota spent \(.*\); waiting \d+s for the reset/);
      expect(r.stderr).toMatch(/quota spent: waiting \d+s for the reset \(resumes \d\d:\d\d:\d\d UTC\)/);
      expectOnce(await idsIn(sb, "qw-"), 30);
    } finally {
      await sb.close();
    }
  }, 200_000);

  it("--stop-on-quota stops at once with exit 6 and the rows pending; the rerun finishes them, each call once", async ({ expect }) => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: QUOTA_PER_DAY, daySeconds: QUOTA_DAY_SECONDS });
    try {
      const manifest = fx.manifestOf("quota-stop.jsonl", 30, "qs");
      const report = join(fx.dir, "quota-stop.csv");
      const r = await runCli(["import", manifest, "--rate-limit", "100", "--stop-on-quota", "--report", report], sandboxEnv(sb));
      expect(r.code).toBe(6);
      const summary = lastJson(r.stdout);
      expect(summary).toMatchObject({ total: 30, failed: 0, quotaStopped: true });
      expect(summary.pending).toBeGreaterThan(0);
      // One day's 10 requests, or two when the run began in a day's last second (a Retry-After of 1 s is waited out).
      expect(summary.done).toBeLessThanOrEqual(20);
      expect(Number(summary.done) + Number(summary.pending)).toBe(30);
      expect(Date.parse(String(summary.resumeAt))).toBeGreaterThan(Date.now() - 4000);
      expect(r.stderr).toMatch(/stopped on quota; \d+ row\(s\) pending\. Rerun the same command after \d{4}-\d\d-\d\dT/);
      // No row failed: no report, or one with its header only.
      if (existsSync(report)) expect(readFileSync(report, "utf8").trim().split("\n")).toHaveLength(1);
      const j = new Journal(`${manifest}.journal.sqlite`);
      expect(j.counts().failed).toBe(0);
      j.close();

      const rerun = await runCli(["import", manifest, "--rate-limit", "100"], sandboxEnv(sb), 180_000);
      expect(rerun.code).toBe(0);
      expect(lastJson(rerun.stdout)).toMatchObject({ failed: 0, pending: 0, skipped: summary.done });
      expectOnce(await idsIn(sb, "qs-"), 30);
    } finally {
      await sb.close();
    }
  }, 200_000);

  it("queue mode: workers pause together when the shared daily budget is spent; no job fails", async ({ expect }) => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
    const redis = await startRedis();
    try {
      const env = { ...sandboxEnv(sb), GONG_CONNECTOR_TEST_DAY_SECONDS: "3" };
      const manifest = fx.manifestOf("quota-queue.jsonl", 16, "qq");
      const queueName = "quota-queue";
      const workerArgs = ["worker", "--queue", redis.url, "--queue-name", queueName, "--daily-budget", "6", "--rate-limit", "100", "--exit-when-idle", "4"];
      const importing = startCli(["import", manifest, "--queue", redis.url, "--queue-name", queueName, "--progress-interval", "1"], env);
      // The workers start once the manifest is queued: idle for 4 s, they would take an empty queue for a done one.
      await queuedJobs(redis.url, 16, queueName);
      const workers = [startCli(workerArgs, env), startCli(workerArgs, env)];
      const imp = await importing.done;
      expect(imp.code).toBe(0);
      expect(lastJson(imp.stdout)).toMatchObject({ total: 16, done: 16, failed: 0 });
      const ends = await Promise.all(workers.map((w) => w.done));
      expect(ends.map((e) => e.code)).toEqual([0, 0]);
      expect(ends.map((e) => e.stderr).join("\n")).toMatch(/daily quota spent .*every worker pauses until/);
      expect(ends.map((e) => lastJson(e.stdout).failed)).toEqual([0, 0]);
      expectOnce(await idsIn(sb, "qq-"), 16);
    } finally {
      await redis.stop();
      await sb.close();
    }
  }, 150_000);
});
