import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import {
  adminCalls,
  callRequest,
  HOST,
  lastJson,
  runCli,
  sandboxEnv,
  sha256File,
  startCli,
  startRedis,
  startTestSandbox,
  writeJsonl,
  writeWavs,
} from "../../test-support/importer.js";

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), "gc-cli-"));

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

async function count(prefix: string): Promise<number> {
  return (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(prefix)).length;
}

describe("gong-connector import (CLI)", () => {
  it("lists invalid rows with their line numbers and refuses to start (exit 2)", async () => {
    const manifest = join(dir, "bad.jsonl");
    writeJsonl(manifest, [
      callRequest(1, "bad"),
      { ...callRequest(2, "bad"), direction: "Sideways" },
      callRequest(3, "bad"),
      { ...callRequest(4, "bad"), mediaFile: "nowhere.wav" },
      callRequest(1, "bad"),
    ]);
    const r = await runCli(["import", manifest, "--report", join(dir, "bad-report.csv")], sandboxEnv(sb));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 invalid row\(s\)/);
    expect(r.stderr).toMatch(/^line 2 \(bad-00002\): direction: /m);
    expect(r.stderr).toMatch(/^line 4 \(bad-00004\): mediaFile: file not found/m);
    expect(r.stderr).toMatch(/^line 5 \(bad-00001\): clientUniqueId: duplicate clientUniqueId \(first on line 1\)/m);
    expect(r.stderr).toMatch(/nothing was sent/);
    const summary = lastJson(r.stdout);
    expect(summary).toMatchObject({ total: 5, invalid: 3, done: 0 });
    expect((summary.invalidRows as { line: number }[]).map((x) => x.line)).toEqual([2, 4, 5]);
    expect(readFileSync(join(dir, "bad-report.csv"), "utf8")).toMatch(/^2,bad-00002,invalid,invalid,"direction: /m);
    expect(await count("bad-")).toBe(0);
    expect(existsSync(`${manifest}.journal.sqlite`)).toBe(false);

    const skip = await runCli(["import", manifest, "--skip-invalid"], sandboxEnv(sb));
    expect(skip.code).toBe(0);
    expect(lastJson(skip.stdout)).toMatchObject({ total: 5, invalid: 3, done: 2, failed: 0 });
    expect(await count("bad-")).toBe(2);
  });

  it("imports the CSV example with media, prints progress lines and a summary; --dry-run sends nothing", async () => {
    const manifest = join(dir, "calls.csv");
    writeWavs(join(dir, "media"), 2);
    writeFileSync(
      manifest,
      "clientUniqueId,actualStart,primaryUser,direction,parties[0].userId,parties[1].name,parties[1].emailAddress,mediaFile\n" +
        `csv-1,2026-04-01T10:00:00Z,${HOST},Outbound,${HOST},Guest,guest@example.com,media/rec-0.wav\n` +
        `csv-2,2026-04-01T11:00:00Z,${HOST},Inbound,${HOST},Other,,media/rec-1.wav\n` +
        `csv-3,2026-04-01T12:00:00Z,${HOST},Conference,${HOST},,,\n`,
    );
    const dry = await runCli(["import", manifest, "--dry-run"], sandboxEnv(sb));
    expect(dry.code).toBe(0);
    expect(lastJson(dry.stdout)).toMatchObject({ total: 3, valid: 3, invalid: 0, withMedia: 2 });
    expect(await count("csv-")).toBe(0);

    const r = await runCli(["import", manifest, "--progress-interval", "0.2"], sandboxEnv(sb));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^import: 3\/3 done, 0 failed/m);
    expect(lastJson(r.stdout)).toMatchObject({ total: 3, done: 3, failed: 0, mediaUploaded: 2, journal: `${manifest}.journal.sqlite` });
    expect(await count("csv-")).toBe(3);
  });

  it("on SIGTERM flushes the journal and exits 130; the rerun resumes and sends nothing twice", async () => {
    const manifest = join(dir, "term.jsonl");
    writeJsonl(manifest, Array.from({ length: 30 }, (_, i) => callRequest(i, "term")));
    const run = startCli(["import", manifest, "--rate-limit", "6", "--progress-interval", "0.2"], sandboxEnv(sb));
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

    const second = await runCli(["import", manifest, "--rate-limit", "50"], sandboxEnv(sb));
    expect(second.code).toBe(0);
    const s2 = lastJson(second.stdout);
    expect(Number(s2.skipped) + Number(s2.done)).toBe(30);
    expect(s2.skipped).toBe(summary.done);
    expect(await count("term-")).toBe(30);
  });

  it("exits 5 and writes the report when some rows fail", async () => {
    const manifest = join(dir, "partial.jsonl");
    const { SEED_USERS } = await import("../../packages/sandbox/src/index.js");
    writeJsonl(manifest, [callRequest(1, "part"), { ...callRequest(2, "part"), primaryUser: SEED_USERS.inactive, parties: [{ userId: SEED_USERS.inactive }] }]);
    const report = join(dir, "partial.jsonl.report.jsonl");
    const r = await runCli(["import", manifest, "--report", report], sandboxEnv(sb));
    expect(r.code).toBe(5);
    expect(lastJson(r.stdout)).toMatchObject({ total: 2, done: 1, failed: 1, report });
    const rec = JSON.parse(readFileSync(report, "utf8").trim()) as Record<string, unknown>;
    expect(rec).toMatchObject({ line: 2, clientUniqueId: "part-00002", stage: "create", status: 409 });
    expect(typeof rec.requestId).toBe("string");
  });

});

describe("gong-connector import --queue / worker (CLI)", () => {
  it("two worker processes import a queued manifest; the importer gathers the summary", async () => {
    const redis = await startRedis();
    const limited = await startTestSandbox({ ratePerSecond: 3 });
    try {
      const manifest = join(dir, "queued.jsonl");
      writeWavs(join(dir, "qmedia"), 2);
      writeJsonl(manifest, Array.from({ length: 9 }, (_, i) => ({ ...callRequest(i, "cq"), ...(i < 2 && { mediaFile: `qmedia/rec-${i}.wav` }) })));
      const env = sandboxEnv(limited);
      const workers = [0, 1].map(() => startCli(["worker", "--queue", redis.url, "--exit-when-idle", "2"], env));
      const imp = await runCli(["import", manifest, "--queue", redis.url, "--progress-interval", "1"], env);
      const results = await Promise.all(workers.map((w) => w.done));
      expect(imp.code).toBe(0);
      expect(lastJson(imp.stdout)).toMatchObject({ total: 9, done: 9, failed: 0, mediaUploaded: 2, queue: redis.url });
      for (const w of results) expect(w.code).toBe(0);
      const processed = results.map((w) => Number(lastJson(w.stdout).processed));
      expect(processed.reduce((a, b) => a + b, 0)).toBe(9);
      expect((await adminCalls(limited)).filter((c) => c.clientUniqueId.startsWith("cq-"))).toHaveLength(9);
    } finally {
      await limited.close();
      await redis.stop();
    }
  }, 90_000);

  it("a worker killed with SIGKILL mid-import loses its jobs to another after --lock-seconds; every call and file goes in once", async () => {
    const redis = await startRedis();
    // Latency on every API request keeps jobs in flight long enough to be caught by the kill.
    const slow = await startTestSandbox({ ratePerSecond: 0, faults: { latencyMs: 150 } });
    const inGong = async (): Promise<number> => (await adminCalls(slow)).filter((c) => c.clientUniqueId.startsWith("ck-")).length;
    try {
      const manifest = join(dir, "killed.jsonl");
      const files = writeWavs(join(dir, "kmedia"), 8);
      writeJsonl(manifest, Array.from({ length: 24 }, (_, i) => ({ ...callRequest(i, "ck"), ...(i % 3 === 0 && { mediaFile: `kmedia/rec-${i / 3}.wav` }) })));
      const env = sandboxEnv(slow);
      const workerArgs = ["worker", "--queue", redis.url, "--rate-limit", "100", "--concurrency", "4", "--lock-seconds", "2"];
      const first = startCli(workerArgs, env);
      const imp = startCli(["import", manifest, "--queue", redis.url, "--progress-interval", "1"], env);
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
      const calls = (await adminCalls(slow)).filter((c) => c.clientUniqueId.startsWith("ck-"));
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
      await slow.close();
      await redis.stop();
    }
  }, 120_000);

  it("a worker stops on SIGTERM with exit 130; a bad --queue URL is a usage error (exit 2)", async () => {
    const redis = await startRedis();
    try {
      const w = startCli(["worker", "--queue", redis.url], sandboxEnv(sb));
      const t0 = Date.now();
      while (!/worker: processing/.test(w.stderr()) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      w.child.kill("SIGTERM");
      const r = await w.done;
      expect(r.code).toBe(130);
      expect(lastJson(r.stdout)).toEqual({ processed: 0, failed: 0, interrupted: true });
    } finally {
      await redis.stop();
    }
    const bad = await runCli(["worker", "--queue", "http://127.0.0.1:1"], sandboxEnv(sb));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--queue: must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});
