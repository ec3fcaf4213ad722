/**
 * Chaos: 300 calls (60 with media) while the sandbox answers ~20% of requests with a fault, the CLI killed
 * with SIGKILL three times at random moments and restarted. The end state must be every call in Gong
 * exactly once, each media file with the right sha256, and a journal that agrees with Gong.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, callRequest, lastJson, requestLog, sandboxEnv, setFaults, sha256File, startCli, startTestSandbox, writeJsonl, writeWavs } from "../../test-support/importer.js";
import { FAST_WAITS } from "../../test-support/test-hooks.js";

const CALLS = 300;
const MEDIA_EVERY = 5;
const KILLS = 3;

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), "gc-chaos-"));

beforeAll(async () => {
  // The rate limit is lifted so the test stays fast; the faults are the point here.
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

it(`imports ${CALLS} calls exactly once through 20% faults and ${KILLS} kill -9`, async () => {
  const started = Date.now();
  const wavs = writeWavs(join(dir, "media"), CALLS / MEDIA_EVERY);
  const rows = Array.from({ length: CALLS }, (_, i) => ({
    ...callRequest(i, "chaos"),
    ...(i % MEDIA_EVERY === 0 && { mediaFile: `media/rec-${i / MEDIA_EVERY}.wav` }),
  }));
  const manifest = join(dir, "chaos.jsonl");
  writeJsonl(manifest, rows);
  // 20% of API requests fail: 500/503 before any work, 429, and POSTs that fail after the call was stored.
  // 20% of all API requests fail before any work; on top, 6% of Add calls fail after the call was stored.
  await setFaults(sb, { error500: 0.07, error503: 0.07, error429: 0.06, errorAfterCommit: 0.03, dropAfterCommit: 0.03 });

  const env = sandboxEnv(sb);
  const args = ["import", manifest, "--concurrency", "16", "--rate-limit", "200", "--progress-interval", "0.25"];
  const kills: { afterMs: number; doneBefore: number }[] = [];
  for (let k = 0; k < KILLS; k++) {
    const run = startCli(args, env);
    // Kill at a random moment once sending is under way (the progress line shows it started).
    const t0 = Date.now();
    while (!/^import: /m.test(run.stderr()) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    const delay = 200 + Math.floor(Math.random() * 1200);
    await new Promise((r) => setTimeout(r, delay));
    run.child.kill("SIGKILL");
    const r = await run.done;
    expect(r.signal).toBe("SIGKILL");
    const j = new Journal(`${manifest}.journal.sqlite`);
    kills.push({ afterMs: Date.now() - t0, doneBefore: j.counts().done });
    j.close();
  }
  expect(kills.at(-1)?.doneBefore ?? CALLS).toBeLessThan(CALLS);

  // Run to the end. A row may fail when every retry of one request hits a fault; a rerun retries it.
  let final: Record<string, unknown> = {};
  let code: number | null = null;
  const finalRuns: { code: number | null; durationMs: number; done: unknown; failed: unknown; recovered: unknown; duplicates: unknown }[] = [];
  for (let attempt = 0; attempt < 3 && code !== 0; attempt++) {
    const t0 = Date.now();
    // The runs to the end retry at 1/100 of the production back-off (the test hook): the same retries, less sleep.
    const r = await startCli(args, { ...env, ...FAST_WAITS }).done;
    code = r.code;
    final = lastJson(r.stdout);
    finalRuns.push({ code, durationMs: Date.now() - t0, done: final.done, failed: final.failed, recovered: final.recovered, duplicates: final.duplicates });
  }
  expect(code).toBe(0);
  expect(final).toMatchObject({ failed: 0, interrupted: false, pending: 0 });

  await setFaults(sb, { error500: 0, error503: 0, error429: 0, errorAfterCommit: 0, dropAfterCommit: 0 });
  const calls = (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("chaos-"));
  const ids = new Set(calls.map((c) => c.clientUniqueId));
  const duplicates = calls.length - ids.size;
  expect(calls).toHaveLength(CALLS);
  expect(duplicates).toBe(0);

  // Every media file is there with the right content.
  const byId = new Map(calls.map((c) => [c.clientUniqueId, c]));
  for (let i = 0; i < CALLS; i += MEDIA_EVERY) {
    const call = byId.get(`chaos-${String(i).padStart(5, "0")}`);
    expect(call?.media.state).toBe("ready");
    expect(call?.media.sha256).toBe(sha256File(wavs[i / MEDIA_EVERY] ?? ""));
  }

  // The journal agrees with Gong: every row done, with the callId Gong has for its clientUniqueId.
  const journal = new Journal(`${manifest}.journal.sqlite`);
  const jrows = journal.all();
  journal.close();
  expect(jrows).toHaveLength(CALLS);
  for (const r of jrows) {
    expect(r.state).toBe("done");
    expect(r.callId).toBe(byId.get(r.clientUniqueId)?.id);
  }

  const log = (await requestLog(sb)).requests.filter((r) => typeof r.path === "string" && r.path.startsWith("/v2"));
  const faults = log.filter((r) => Number(r.status) >= 429).length;
  const durationMs = Date.now() - started;
  // Figures for the record (visible with --reporter=verbose).
  console.log(JSON.stringify({ calls: calls.length, duplicates, requests: log.length, faultAnswers: faults, kills, finalRuns, durationMs }));
  expect(faults / log.length).toBeGreaterThan(0.12);
}, 240_000);
