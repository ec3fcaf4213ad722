/**
 * import and worker through the built CLI, for what only a process of their own shows: SIGTERM (exit 130, the journal
 * saved) and the resumed rerun, the binary's exit 5 with a report, worker processes sharing a queue in Redis, a worker
 * killed with SIGKILL, a worker stopped by SIGTERM. One sandbox and one redis-server for the file. Invalid rows, a CSV
 * with media, --dry-run, progress lines and usage errors run in-process in packages/cli/test/import-cli.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { SEED_USERS } from "@gong-connector/sandbox";
import {
  adminCalls,
  callRequest,
  lastJson,
  runCli,
  sha256File,
  startCli,
  startRedis,
  writeJsonl,
  writeWavs,
  type RedisServer,
} from "../../test-support/importer.js";
import { importFixture, queuedJobs } from "../../test-support/import-fixtures.js";

const fx = importFixture("gc-cli-");
const dir = fx.dir;
const count = fx.count;
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe("gong-connector import (CLI)", () => {
  it("on SIGTERM flushes the journal and exits 130; the rerun resumes and sends nothing twice", async () => {
    const manifest = join(dir, "term.jsonl");
    writeJsonl(manifest, Array.from({ length: 30 }, (_, i) => callRequest(i, "term")));
    const run = startCli(["import", manifest, "--rate-limit", "6", "--progress-interval", "0.2"], fx.env());
    // Wait until some rows are in, then stop it.
    const t0 = Date.now();
    while (!/import: [1-9]\d*\/30 done/.test(run.stderr()) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    run.child.kill("SIGTERM");
    const first = await run.done;
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/interrupted; the journal is saved/);
    const summary = lastJson(first.stdout);
    expect(summary).toMatchObject({ interrupted: true, failed: 0 });
    expect(Number(summary.pending)).toBeGreaterThan(0);

    const journal = new Journal(`${manifest}.journal.sqlite`);
    const states = journal.all().map((r) => r.state);
    journal.close();
    expect(states.filter((s) => s === "done").length).toBe(summary.done);
    const before = await count("term-");
    expect(before).toBeGreaterThanOrEqual(Number(summary.done));

    const second = await runCli(["import", manifest, "--rate-limit", "50"], fx.env());
    expect(second.code).toBe(0);
    const s2 = lastJson(second.stdout);
    expect(Number(s2.skipped) + Number(s2.done)).toBe(30);
    expect(s2.skipped).toBe(summary.done);
    expect(await count("term-")).toBe(30);
  });

  it("exits 5 and writes the report when some rows fail", async () => {
    const manifest = join(dir, "partial.jsonl");
    writeJsonl(manifest, [callRequest(1, "part"), { ...callRequest(2, "part"), primaryUser: SEED_USERS.inactive, parties: [{ userId: SEED_USERS.inactive }] }]);
    const report = join(dir, "partial.jsonl.report.jsonl");
    const r = await runCli(["import", manifest, "--report", report], fx.env());
    expect(r.code).toBe(5);
    expect(lastJson(r.stdout)).toMatchObject({ total: 2, done: 1, failed: 1, report });
    const rec = JSON.parse(readFileSync(report, "utf8").trim()) as Record<string, unknown>;
    expect(rec).toMatchObject({ line: 2, clientUniqueId: "part-00002", stage: "create", status: 409 });
    expect(typeof rec.requestId).toBe("string");
  });
});

describe("gong-connector import --queue / worker (CLI)", () => {
  it("two worker processes import a queued manifest; the importer gathers the summary", async () => {
    // Gong's 3 requests a second, on the file's sandbox for this case.
    await fx.sb().setSettings({ ratePerSecond: 3 });
    try {
      const manifest = join(dir, "queued.jsonl");
      writeWavs(join(dir, "qmedia"), 2);
      writeJsonl(manifest, Array.from({ length: 9 }, (_, i) => ({ ...callRequest(i, "cq"), ...(i < 2 && { mediaFile: `qmedia/rec-${i}.wav` }) })));
      const env = fx.env();
      const importing = startCli(["import", manifest, "--queue", redis.url, "--progress-interval", "1"], env);
      // The workers start once the manifest is queued: idle for 2 s, they would take an empty queue for a done one.
      await queuedJobs(redis.url, 9);
      const workers = [0, 1].map(() => startCli(["worker", "--queue", redis.url, "--exit-when-idle", "2"], env));
      const imp = await importing.done;
      const results = await Promise.all(workers.map((w) => w.done));
      expect(imp.code).toBe(0);
      expect(lastJson(imp.stdout)).toMatchObject({ total: 9, done: 9, failed: 0, mediaUploaded: 2, queue: redis.url });
      for (const w of results) expect(w.code).toBe(0);
      const processed = results.map((w) => Number(lastJson(w.stdout).processed));
      expect(processed.reduce((a, b) => a + b, 0)).toBe(9);
      expect(await count("cq-")).toBe(9);
    } finally {
      await fx.sb().setSettings({ ratePerSecond: 0, resetRateLimits: true });
    }
  }, 90_000);

  it("a worker killed with SIGKILL mid-import loses its jobs to another after --lock-seconds; every call and file goes in once", async () => {
    // Latency on every API request keeps jobs in flight long enough to be caught by the kill.
    await fx.sb().setFaults({ latencyMs: 150 });
    const inGong = (): Promise<number> => count("ck-");
    try {
      const manifest = join(dir, "killed.jsonl");
      const files = writeWavs(join(dir, "kmedia"), 8);
      writeJsonl(manifest, Array.from({ length: 24 }, (_, i) => ({ ...callRequest(i, "ck"), ...(i % 3 === 0 && { mediaFile: `kmedia/rec-${i / 3}.wav` }) })));
      const env = fx.env();
      // A queue of its own in the file's redis-server.
      const queue = ["--queue", redis.url, "--queue-name", "killed"];
      const workerArgs = ["worker", ...queue, "--rate-limit", "100", "--concurrency", "4", "--lock-seconds", "2"];
      const first = startCli(workerArgs, env);
      const imp = startCli(["import", manifest, ...queue, "--progress-interval", "1"], env);
      const t0 = Date.now();
      while ((await inGong()) < 4 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 25));
      first.child.kill("SIGKILL");
      expect((await first.done).signal).toBe("SIGKILL");
      const atKill = await inGong();
      expect(atKill).toBeGreaterThanOrEqual(4);
      expect(atKill).toBeLessThan(24);

      const second = startCli([...workerArgs, "--exit-when-idle", "3"], env);
      const timer = setTimeout(() => {
        imp.child.kill("SIGKILL");
        second.child.kill("SIGKILL");
      }, 90_000);
      const [imported, finished] = await Promise.all([imp.done, second.done]).finally(() => {
        clearTimeout(timer);
      });
      expect(imported.code).toBe(0);
      expect(lastJson(imported.stdout)).toMatchObject({ total: 24, done: 24, failed: 0, mediaUploaded: 8 });
      expect(finished.code).toBe(0);
      const calls = (await adminCalls(fx.sb())).filter((c) => c.clientUniqueId.startsWith("ck-"));
      expect(calls).toHaveLength(24);
      expect(new Set(calls.map((c) => c.clientUniqueId)).size).toBe(24);
      for (let i = 0; i < 8; i++) {
        const id = `ck-${String(i * 3).padStart(5, "0")}`;
        expect(calls.find((c) => c.clientUniqueId === id)?.media.sha256, id).toBe(sha256File(files[i] ?? ""));
      }
      console.log(`killed with ${atKill}/24 calls in Gong; the second worker processed ${String(lastJson(finished.stdout).processed)} jobs`);
      // The second worker did the rest, the jobs the first one held when it died included.
      expect(Number(lastJson(finished.stdout).processed)).toBeGreaterThanOrEqual(24 - atKill);
    } finally {
      await fx.sb().setFaults({ latencyMs: 0 });
    }
  }, 120_000);

  it("a worker stops on SIGTERM with exit 130", async () => {
    // A queue of its own in the file's redis-server: this worker finds nothing to do.
    const w = startCli(["worker", "--queue", redis.url, "--queue-name", "idle"], fx.env());
    const t0 = Date.now();
    while (!/worker: processing/.test(w.stderr()) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    w.child.kill("SIGTERM");
    const r = await w.done;
    expect(r.code).toBe(130);
    expect(lastJson(r.stdout)).toEqual({ processed: 0, failed: 0, interrupted: true });
  });
});
