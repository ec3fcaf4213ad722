import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCall } from "../../client/src/actions/index.js";
import { GongClient, type AddCallRequestInput } from "@gong-connector/client";
import { Journal, runImport, senderFromClient, type CallSender } from "../src/index.js";
import { importExitCode } from "../../cli/src/commands/import.js";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, sha256File, startTestSandbox, writeJsonl, writeWavs } from "../../../test-support/importer.js";

let sb: RunningSandbox;
let client: GongClient;
let sender: CallSender;
const dir = mkdtempSync(join(tmpdir(), "gc-import-"));

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  client = new GongClient({
    baseURL: sb.baseUrl,
    auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret },
    rateLimit: { perSecond: 200 },
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
  });
  sender = senderFromClient(client, { addCall: { ambiguityDelayMs: 20 } });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

async function callsWithPrefix(prefix: string) {
  return (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(prefix));
}

describe("runImport", () => {
  it("imports every row with its media, then a rerun sends nothing", async () => {
    const files = writeWavs(join(dir, "m1"), 3);
    const rows = Array.from({ length: 8 }, (_, i) => ({ ...callRequest(i, "basic"), ...(i < 3 && { mediaFile: `m1/rec-${i}.wav` }) }));
    const manifest = join(dir, "basic.jsonl");
    writeJsonl(manifest, rows);
    const first = await runImport({ manifest, sender, concurrency: 4 });
    expect(first.started).toBe(true);
    expect(first.summary).toMatchObject({ total: 8, done: 8, skipped: 0, failed: 0, invalid: 0, pending: 0, created: 8, mediaUploaded: 3 });
    expect(first.summary.journal).toBe(`${manifest}.journal.sqlite`);
    expect(importExitCode(first)).toBe(0);

    const calls = await callsWithPrefix("basic-");
    expect(calls).toHaveLength(8);
    for (let i = 0; i < 3; i++) {
      const call = calls.find((c) => c.clientUniqueId === `basic-0000${i}`);
      expect(call?.media.sha256).toBe(sha256File(files[i] ?? ""));
    }

    const before = await apiRequestCount(sb);
    const second = await runImport({ manifest, sender });
    expect(second.summary).toMatchObject({ total: 8, done: 0, skipped: 8, failed: 0 });
    expect(await apiRequestCount(sb)).toBe(before);
  });

  it("resolves a row caught mid-request (sending) by lookup, and a call already in Gong as a duplicate", async () => {
    const manifest = join(dir, "resume.jsonl");
    const rows = [callRequest(1, "resume"), callRequest(2, "resume"), callRequest(3, "resume")];
    writeJsonl(manifest, rows);
    // Row 1 was sent by a run that died before recording the answer; row 2 exists in Gong but the journal never knew.
    await addCall(client, rows[0] as AddCallRequestInput);
    await addCall(client, rows[1] as AddCallRequestInput);
    const journal = new Journal(`${manifest}.journal.sqlite`);
    const run = journal.beginRun({ manifest });
    journal.loadRows(rows.map((r, i) => ({ line: i + 1, clientUniqueId: String(r.clientUniqueId), request: r })), run);
    journal.markSending("resume-00001");
    journal.close();

    const result = await runImport({ manifest, sender });
    expect(result.summary).toMatchObject({ done: 3, failed: 0, created: 1, recovered: 1, duplicates: 1 });
    expect(await callsWithPrefix("resume-")).toHaveLength(3);
    const j = new Journal(`${manifest}.journal.sqlite`);
    expect(j.all().map((r) => [r.clientUniqueId, r.state, r.recovered, r.duplicate])).toEqual([
      ["resume-00001", "done", true, false],
      ["resume-00002", "done", false, true],
      ["resume-00003", "done", false, false],
    ]);
    j.close();
  });

  it("reports failed rows (line, clientUniqueId, status, Gong's errors, requestId) and exits 5", async () => {
    const manifest = join(dir, "fail.jsonl");
    const bad = { ...callRequest(2, "fail"), primaryUser: SEED_USERS.recordingDisabled, parties: [{ userId: SEED_USERS.recordingDisabled }] };
    writeJsonl(manifest, [callRequest(1, "fail"), bad, callRequest(3, "fail")]);
    const report = join(dir, "fail-report.csv");
    const result = await runImport({ manifest, sender, report });
    expect(result.summary).toMatchObject({ total: 3, done: 2, failed: 1, report });
    expect(importExitCode(result)).toBe(5);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ line: 2, clientUniqueId: "fail-00002", stage: "create", status: 409 });
    expect(result.failures[0]?.requestId).toMatch(/\S/);
    expect(result.failures[0]?.errors.length).toBeGreaterThan(0);
    const csv = readFileSync(report, "utf8").trim().split("\n");
    expect(csv[0]).toBe("line,clientUniqueId,stage,status,errors,requestId,callId,message");
    expect(csv[1]).toMatch(/^2,fail-00002,create,409,/);

    const jsonl = join(dir, "fail-report.jsonl");
    const again = await runImport({ manifest, sender, report: jsonl });
    expect(again.summary).toMatchObject({ skipped: 2, failed: 1 });
    const line = JSON.parse(readFileSync(jsonl, "utf8").trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ line: 2, clientUniqueId: "fail-00002", status: 409 });
  });

  it("refuses to start when a row is invalid, unless skipInvalid", async () => {
    const manifest = join(dir, "invalid.jsonl");
    writeJsonl(manifest, [callRequest(1, "inv"), { ...callRequest(2, "inv"), actualStart: "yesterday" }, callRequest(3, "inv")]);
    const refused = await runImport({ manifest, sender, report: join(dir, "invalid-report.jsonl") });
    expect(refused.started).toBe(false);
    expect(importExitCode(refused)).toBe(2);
    expect(refused.invalid.map((r) => [r.line, r.issues[0]?.path])).toEqual([[2, "actualStart"]]);
    expect(await callsWithPrefix("inv-")).toHaveLength(0);
    expect(readFileSync(join(dir, "invalid-report.jsonl"), "utf8")).toMatch(/"line":2,.*"status":"invalid"/);

    const skipped = await runImport({ manifest, sender, skipInvalid: true });
    expect(skipped.summary).toMatchObject({ total: 3, invalid: 1, done: 2, failed: 0 });
    expect(importExitCode(skipped)).toBe(0);
    expect(await callsWithPrefix("inv-")).toHaveLength(2);
  });

  it("stops on abort with a resumable journal, and the rerun ends with every call exactly once", async () => {
    const manifest = join(dir, "abort.jsonl");
    writeJsonl(manifest, Array.from({ length: 40 }, (_, i) => callRequest(i, "abort")));
    const slow = new GongClient({
      baseURL: sb.baseUrl,
      auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret },
      rateLimit: { perSecond: 10 },
    });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 300);
    const first = await runImport({ manifest, sender: senderFromClient(slow), signal: controller.signal, concurrency: 4 });
    expect(first.summary.interrupted).toBe(true);
    expect(importExitCode(first)).toBe(130);
    expect(first.summary.pending).toBeGreaterThan(0);
    expect(first.summary.done + first.summary.pending).toBe(40);

    const second = await runImport({ manifest, sender });
    expect(second.summary.failed).toBe(0);
    expect(second.summary.skipped + second.summary.done).toBe(40);
    const calls = await callsWithPrefix("abort-");
    expect(calls).toHaveLength(40);
    expect(new Set(calls.map((c) => c.clientUniqueId)).size).toBe(40);
  });
});
