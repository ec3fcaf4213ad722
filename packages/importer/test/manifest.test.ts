import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  formatInvalidRows,
  Journal,
  JournalBusyError,
  ManifestError,
  readManifest,
  validateManifest,
  type RawManifestRow,
  type ValidManifestRow,
} from "../src/index.js";
import { parseColumnPath } from "../src/internal/manifest.js";
import { jobIdFor } from "../src/internal/queue/common.js";
import { callRequest, HOST, REP, ROOT, writeJsonl, writeWavs } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-manifest-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<RawManifestRow[]> {
  const out: RawManifestRow[] = [];
  for await (const r of readManifest(path)) out.push(r);
  return out;
}

async function validRows(path: string): Promise<ValidManifestRow[]> {
  const rows: ValidManifestRow[] = [];
  await validateManifest(path, { onValid: (r) => { rows.push(r); } });
  return rows;
}

describe("JSONL manifest", () => {
  it("reads one request per line with line numbers, skipping blank and comment lines", async () => {
    const p = join(dir, "a.jsonl");
    writeFileSync(p, `${JSON.stringify(callRequest(1))}\n\n# comment\n${JSON.stringify({ ...callRequest(2), mediaFile: "x.wav" })}\n`);
    const rows = await collect(p);
    expect(rows.map((r) => r.line)).toEqual([1, 4]);
    expect(rows[1]?.mediaFile).toBe("x.wav");
    expect(rows[1]?.request).not.toHaveProperty("mediaFile");
  });

  it("reports bad JSON and non-objects as invalid rows with their lines", async () => {
    const p = join(dir, "bad.jsonl");
    writeFileSync(p, `${JSON.stringify(callRequest(1))}\n{not json\n[1,2]\n`);
    const check = await validateManifest(p);
    expect(check.total).toBe(3);
    expect(check.valid).toBe(1);
    expect(check.invalid.map((r) => r.line)).toEqual([2, 3]);
    expect(check.invalid[0]?.issues[0]?.rule).toMatch(/invalid JSON/);
  });
});

describe("manifest validation", () => {
  it("lists every invalid row with its line number and rules", async () => {
    const p = join(dir, "rules.jsonl");
    const bad1 = { ...callRequest(2), direction: "Sideways" };
    const { primaryUser: _p, ...bad2 } = callRequest(3);
    writeJsonl(p, [callRequest(1), bad1, bad2, callRequest(4)]);
    const check = await validateManifest(p);
    expect(check.valid).toBe(2);
    expect(check.invalid.map((r) => [r.line, r.clientUniqueId])).toEqual([[2, "t-00002"], [3, "t-00003"]]);
    expect(check.invalid[0]?.issues.map((i) => i.path)).toContain("direction");
    expect(check.invalid[1]?.issues.map((i) => i.path)).toContain("primaryUser");
    const text = formatInvalidRows(check.invalid);
    expect(text).toMatch(/^line 2 \(t-00002\): direction: /m);
    expect(text).toMatch(/^line 3 \(t-00003\): primaryUser: /m);
  });

  it("makes repeated clientUniqueIds invalid, naming the first line", async () => {
    const p = join(dir, "dup.jsonl");
    writeJsonl(p, [callRequest(1), callRequest(2), callRequest(1)]);
    const check = await validateManifest(p);
    expect(check.invalid).toEqual([
      { line: 3, clientUniqueId: "t-00001", issues: [{ path: "clientUniqueId", rule: "duplicate clientUniqueId (first on line 1)" }] },
    ]);
  });

  it("checks media files: missing, empty, wrong extension, content not matching, and with downloadMediaUrl", async () => {
    const [wav] = writeWavs(join(dir, "media"), 1);
    writeFileSync(join(dir, "media", "empty.wav"), "");
    writeFileSync(join(dir, "media", "notes.txt"), "hello");
    writeFileSync(join(dir, "media", "fake.mp3"), readFileSync(wav ?? ""));
    const p = join(dir, "media.jsonl");
    writeJsonl(p, [
      { ...callRequest(1), mediaFile: "media/rec-0.wav" },
      { ...callRequest(2), mediaFile: "media/missing.wav" },
      { ...callRequest(3), mediaFile: "media/empty.wav" },
      { ...callRequest(4), mediaFile: "media/notes.txt" },
      { ...callRequest(5), mediaFile: "media/fake.mp3" },
      { ...callRequest(6), mediaFile: "media/rec-0.wav", downloadMediaUrl: "https://media.example.com/x.wav" },
    ]);
    const rows: ValidManifestRow[] = [];
    const check = await validateManifest(p, { onValid: (r) => { rows.push(r); } });
    expect(rows.map((r) => r.mediaFile)).toEqual([join(dir, "media", "rec-0.wav")]);
    const rules = Object.fromEntries(check.invalid.map((r) => [r.line, r.issues.map((i) => i.rule).join("; ")]));
    expect(rules[2]).toMatch(/file not found/);
    expect(rules[3]).toMatch(/empty/);
    expect(rules[4]).toMatch(/unsupported extension/);
    expect(rules[5]).toMatch(/looks like wav, not mp3/);
    expect(rules[6]).toMatch(/either mediaFile or downloadMediaUrl/);
  });
});

describe("CSV manifest", () => {
  it("parses the column paths", () => {
    expect(parseColumnPath("parties[0].context[1].objects[2].objectType")).toEqual(["parties", 0, "context", 1, "objects", 2, "objectType"]);
    expect(parseColumnPath("speakersTimeline.speechSegments[3].partyIds")).toEqual(["speakersTimeline", "speechSegments", 3, "partyIds"]);
    expect(parseColumnPath("parties[x]")).toBeUndefined();
    expect(parseColumnPath("a..b")).toBeUndefined();
  });

  it("builds requests from sub-columns: parties, context, timeline, numbers, booleans, lists, JSON cells", async () => {
    const p = join(dir, "full.csv");
    const header = [
      "clientUniqueId", "actualStart", "primaryUser", "direction", "title", "duration",
      "parties[0].userId", "parties[0].partyId", "parties[1].name", "parties[1].phoneNumber", "parties[1].partyId",
      "parties[1].context[0].system", "parties[1].context[0].objects[0].objectType", "parties[1].context[0].objects[0].objectId",
      "context[0].system", "context[0].objects[0].objectType", "context[0].objects[0].objectId", "context[0].objects[0].fields",
      "speakersTimeline.precise", "speakersTimeline.speechSegments[0].fromTime", "speakersTimeline.speechSegments[0].toTime",
      "speakersTimeline.speechSegments[0].partyIds", "flowContext.taskId",
    ];
    const row = [
      "csv-1", "2026-03-01T10:00:00Z", HOST, "Outbound", '"Quoted, with comma"', "12.5",
      HOST, "a", "Guest", "007", "b",
      "Salesforce", "Contact", "003xx",
      "Salesforce", "Opportunity", "006xx", '"[{""name"":""Stage"",""value"":""Won""}]"',
      "yes", "0", "1500", "a;b", "task-9",
    ];
    writeFileSync(p, `${header.join(",")}\n${row.join(",")}\n`);
    const [r] = await validRows(p);
    expect(r?.request).toEqual({
      clientUniqueId: "csv-1",
      actualStart: "2026-03-01T10:00:00Z",
      primaryUser: HOST,
      direction: "Outbound",
      title: "Quoted, with comma",
      duration: 12.5,
      parties: [
        { userId: HOST, partyId: "a" },
        { name: "Guest", phoneNumber: "007", partyId: "b", context: [{ system: "Salesforce", objects: [{ objectType: "Contact", objectId: "003xx" }] }] },
      ],
      context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "006xx", fields: [{ name: "Stage", value: "Won" }] }] }],
      speakersTimeline: { precise: true, speechSegments: [{ fromTime: 0, toTime: 1500, partyIds: ["a", "b"] }] },
      flowContext: { taskId: "task-9" },
    });
  });

  it("leaves empty cells out, so rows may have fewer parties than the header has columns for", async () => {
    const p = join(dir, "sparse.csv");
    writeFileSync(
      p,
      "clientUniqueId,actualStart,primaryUser,direction,parties[0].userId,parties[1].name,parties[2].name,mediaFile\n" +
        `s-1,2026-03-01T10:00:00Z,${HOST},Inbound,${HOST},,Third,\n` +
        `s-2,2026-03-01T11:00:00Z,${REP},Inbound,${REP},,,\n`,
    );
    const rows = await validRows(p);
    expect(rows.map((r) => r.request.parties)).toEqual([[{ userId: HOST }, { name: "Third" }], [{ userId: REP }]]);
    expect(rows.every((r) => r.mediaFile === undefined)).toBe(true);
  });

  it("accepts whole JSON structures in the parties/context/speakersTimeline columns", async () => {
    const p = join(dir, "json.csv");
    const parties = JSON.stringify([{ userId: HOST }, { name: "X" }]).replace(/"/g, '""');
    writeFileSync(p, `clientUniqueId,actualStart,primaryUser,direction,parties\nj-1,2026-03-01T10:00:00Z,${HOST},Unknown,"${parties}"\n`);
    const rows = await validRows(p);
    expect(rows[0]?.request.parties).toEqual([{ userId: HOST }, { name: "X" }]);
  });

  it("numbers rows by the line they start on, multi-line cells included", async () => {
    const p = join(dir, "lines.csv");
    const ok = (i: number) => `m-${i},2026-03-01T1${i}:00:00Z,${HOST},Inbound,${HOST}`;
    writeFileSync(
      p,
      "clientUniqueId,actualStart,primaryUser,direction,parties[0].userId,title\n" +
        `${ok(1)},"two\nlines"\n` +
        `\n` +
        `m-2,not-a-date,${HOST},Inbound,${HOST},x\n` +
        `${ok(3)},"a\nb\nc"\n` +
        `m-4,2026-03-01T14:00:00Z,${HOST},Bad,${HOST},y\n`,
    );
    const check = await validateManifest(p);
    expect(check.valid).toBe(2);
    expect(check.invalid.map((r) => r.line)).toEqual([5, 9]);
  });

  it("refuses unknown columns and malformed headers as a whole", async () => {
    const p = join(dir, "unknown.csv");
    writeFileSync(p, "clientUniqueId,actualStrat\nx,y\n");
    await expect(validateManifest(p)).rejects.toThrow(ManifestError);
    await expect(validateManifest(p)).rejects.toThrow(/unknown field "actualStrat"/);
    writeFileSync(p, "clientUniqueId,parties.name\nx,y\n");
    await expect(validateManifest(p)).rejects.toThrow(/needs an index/);
  });

  it("reports numbers that are not numbers through the validator, with the path", async () => {
    const p = join(dir, "nan.csv");
    writeFileSync(p, `clientUniqueId,actualStart,primaryUser,direction,parties[0].userId,parties[0].mediaChannelId\nn-1,2026-03-01T10:00:00Z,${HOST},Inbound,${HOST},left\n`);
    const check = await validateManifest(p);
    expect(check.invalid[0]?.issues.map((i) => i.path)).toContain("parties[0].mediaChannelId");
  });

  it("validates the examples shipped in examples/", async () => {
    for (const f of ["calls.jsonl", "calls.csv"]) {
      const check = await validateManifest(join(ROOT, "examples", f));
      expect(check.invalid).toEqual([]);
      expect(check.withMedia).toBeGreaterThan(0);
    }
  });
});

describe("jobIdFor", () => {
  it("keeps ordinary ids and encodes what BullMQ refuses, one-to-one", () => {
    expect(jobIdFor("call-42")).toBe("call-42");
    expect(jobIdFor("12345")).toBe("#12345");
    expect(jobIdFor("a:b")).toBe("a%3Ab");
    expect(jobIdFor("a%3Ab")).toBe("a%253Ab");
    expect(new Set(["1", "#1", "%231", "a:1", "a%3A1"].map(jobIdFor)).size).toBe(5);
  });
});

describe("Journal", () => {
  it("is locked while open: a second import cannot use it; closing releases it", () => {
    const path = join(dir, "lock.sqlite");
    const a = new Journal(path);
    expect(() => new Journal(path)).toThrow(JournalBusyError);
    a.close();
    const b = new Journal(path);
    b.close();
  });

  it("walks a row through its states, one transaction each, and keeps them across reopen", () => {
    const path = join(dir, "states.sqlite");
    const j = new Journal(path);
    const run = j.beginRun({ manifest: "m.jsonl" });
    j.loadRows([{ line: 3, clientUniqueId: "s-1", request: { clientUniqueId: "s-1" }, mediaFile: "/m/a.wav" }], run);
    expect(j.get("s-1")).toMatchObject({ state: "pending", mediaState: "pending", attempts: 0, line: 3 });
    j.markSending("s-1");
    j.markCreated("s-1", { callId: "123", requestId: "r1" });
    expect(j.get("s-1")).toMatchObject({ state: "created", callId: "123", attempts: 1 });
    j.markMediaSending("s-1");
    j.markFailed("s-1", "media", { status: 500, errors: ["boom"], message: "InternalServerError", requestId: "r2" });
    j.close();
    const k = new Journal(path);
    expect(k.get("s-1")).toMatchObject({ state: "failed", mediaState: "failed", failedStage: "media", lastStatus: 500, lastErrors: ["boom"], lastRequestId: "r2", callId: "123" });
    const run2 = k.beginRun({ manifest: "m.jsonl" });
    expect(run2).toBe(run + 1);
    k.loadRows([{ line: 4, clientUniqueId: "s-1", request: { clientUniqueId: "s-1", title: "changed" }, mediaFile: "/m/a.wav" }], run2);
    // The call exists: its request is not replaced, and it resumes at the media step.
    expect(k.get("s-1")).toMatchObject({ state: "failed", line: 4, request: { clientUniqueId: "s-1" } });
    k.markCreated("s-1", { callId: "123" });
    expect(k.get("s-1")?.state).toBe("created");
    k.markMediaSending("s-1");
    k.markMediaDone("s-1", { url: "u", requestId: "r3" });
    expect(k.get("s-1")).toMatchObject({ state: "done", mediaState: "done", mediaUrl: "u", attempts: 3 });
    expect(k.counts(run2)).toMatchObject({ done: 1 });
    expect(k.failures(run2)).toEqual([]);
    k.close();
  });
});
