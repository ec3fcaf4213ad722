/**
 * Properties of the manifest readers over random input (fast-check): random bytes, random CSV structure (headers
 * mixing real field paths, reserved names and junk; cells with quotes, line breaks, JSON and `__proto__`), random
 * JSONL objects. Whatever the input: either a ManifestError naming the manifest, or a parse in which every row is
 * valid or has issues naming a path and a rule; never another exception, never Object.prototype polluted. The CLI
 * on random manifests: exit 0 or 2, never a stack trace (in-process through run(argv); one junk
 * manifest through the built CLI).
 */
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManifestError, validateManifest, type ManifestCheck } from "@gong-connector/importer";
import { callRequest, HOST, runCli } from "../../test-support/importer.js";
import { runInProcess } from "../../test-support/run-in-process.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-prop-"));
let counter = 0;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PROBES = ["x", "y", "polluted", "taskId", "name", "userId", "system", "a", "0"];

function expectUnpolluted(): void {
  const probe = {} as Record<string, unknown>;
  for (const k of PROBES) expect(probe[k], `Object.prototype.${k}`).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(Object.keys(Array.prototype)).toEqual([]);
}

/** Validates `content` as a manifest and checks the outcome; returns the check or the ManifestError message. */
async function outcome(content: string | Uint8Array, ext: "jsonl" | "csv"): Promise<ManifestCheck | string> {
  const file = join(dir, `m-${counter++}.${ext}`);
  writeFileSync(file, content);
  let result: ManifestCheck | string;
  try {
    result = await validateManifest(file);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ManifestError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^manifest ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[ :]`));
    expect(message).not.toMatch(/\n\s+at /);
    result = message;
  }
  expectUnpolluted();
  if (typeof result !== "string") {
    expect(result.valid + result.invalid.length).toBe(result.total);
    for (const row of result.invalid) {
      expect(row.line).toBeGreaterThanOrEqual(1);
      expect(row.issues.length).toBeGreaterThan(0);
      for (const issue of row.issues) {
        expect(issue.path).not.toBe("");
        expect(issue.rule).not.toBe("");
      }
    }
  }
  rmSync(file, { force: true });
  return result;
}

const FIELD_PATHS = [
  "clientUniqueId", "actualStart", "primaryUser", "direction", "title", "duration", "mediaFile", "parties",
  "parties[0].userId", "parties[1].name", "parties[0].mediaChannelId", "parties[1].context[0].objects[0].objectId",
  "context[0].system", "context[0].objects[0].fields", "speakersTimeline.precise",
  "speakersTimeline.speechSegments[0].partyIds", "speakersTimeline.speechSegments[0].fromTime", "flowContext.taskId",
];
const HOSTILE_PATHS = [
  "__proto__", "__proto__.x", "flowContext.__proto__.x", "constructor.prototype.polluted", "parties[0].__proto__",
  "parties[0].constructor", "prototype", "flowContext.constructor.prototype.y", "parties[99999].name", "parties.name",
  "title[0]", "nope", "", " ", "a..b", "parties[0].name[", "=1+1",
];
const headerCell = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FIELD_PATHS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_PATHS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const cell = fc.oneof(
  fc.constantFrom(
    "", HOST, "2026-03-01T10:00:00Z", "Inbound", "yes", "12.5", "a;b", '{"__proto__":{"x":1}}', '[{"name":"n","__proto__":{"y":1}}]',
    '{"taskId":"t"}', "[".repeat(100), "../../etc/passwd", "/etc/passwd", "media/none.wav", "=cmd|' /C calc'!A0",
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** A CSV cell as written: bare, quoted, or broken (an unbalanced quote). */
function writeCell(value: string, style: number): string {
  if (style === 0) return value;
  if (style === 1) return `"${value.replace(/"/g, '""')}"`;
  return `"${value}`;
}

const csvText = fc
  .record({
    header: fc.uniqueArray(headerCell, { minLength: 1, maxLength: 8 }),
    rows: fc.array(fc.array(fc.tuple(cell, fc.nat({ max: 12 })), { maxLength: 10 }), { maxLength: 6 }),
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.boolean(),
  })
  .map(({ header, rows, eol, bom }) => {
    const lines = [header.join(","), ...rows.map((r) => r.map(([v, s]) => writeCell(v, s < 10 ? s % 2 : 2)).join(","))];
    return `${bom ? "\uFEFF" : ""}${lines.join(eol)}${eol}`;
  });

const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "x", "toString", "hasOwnProperty", "valueOf");
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 6 })), tie("value"), { maxKeys: 4 }),
    fc.array(tie("value"), { maxLength: 3 }),
  ),
})).value;

const jsonlLine = fc.oneof(
  fc.nat({ max: 50 }).map((i) => JSON.stringify(callRequest(i, "prop"))),
  fc.tuple(fc.nat({ max: 50 }), hostileKey, hostileJson).map(([i, k, v]) => {
    const base = JSON.stringify(callRequest(i, "prop"));
    return base.replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v)},`);
  }),
  fc.tuple(fc.nat({ max: 50 }), hostileKey, hostileJson).map(([i, k, v]) =>
    JSON.stringify(callRequest(i, "prop")).replace('"parties":[{', `"parties":[{${JSON.stringify(k)}:${JSON.stringify(v)},`),
  ),
  hostileJson.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "# comment", "// comment", "{", "[]", "null", `{"mediaFile":"../../etc/passwd"}`),
);

describe("manifest readers on random input", () => {
  it("random bytes: a ManifestError naming the file, or a parse with every issue named; nothing polluted", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.constantFrom("jsonl" as const, "csv" as const), async (bytes, ext) => {
        await outcome(bytes, ext);
      }),
      { numRuns: 300 },
    );
  });

  it("random CSV structure: headers with reserved and unknown paths, cells with quotes, JSON and __proto__", async () => {
    const seen = { refused: 0, parsed: 0, validRows: 0, invalidRows: 0 };
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const result = await outcome(text, "csv");
        if (typeof result === "string") {
          seen.refused++;
          expect(result).toMatch(/line \d+|is empty|no rows|no header row/);
        } else {
          seen.parsed++;
          seen.validRows += result.valid;
          seen.invalidRows += result.invalid.length;
        }
      }),
      { numRuns: 300 },
    );
    // The generator reaches every outcome: refused files, parsed files, valid and invalid rows.
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.parsed).toBeGreaterThan(0);
    expect(seen.invalidRows).toBeGreaterThan(0);
  });

  it("random JSONL objects with __proto__/constructor keys at any depth: never valid with such a key, nothing polluted", async () => {
    let protoRows = 0;
    let validRows = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(jsonlLine, { minLength: 1, maxLength: 8 }), async (lines) => {
        const text = lines.join("\n");
        const result = await outcome(text, "jsonl");
        if (typeof result === "string") return;
        // No valid row carries a __proto__ key: count rows that had one and compare with invalid rows.
        const dataLines = text.split("\n").map((l, i) => ({ l: l.trim(), line: i + 1 })).filter(({ l }) => l !== "" && !l.startsWith("#") && !l.startsWith("//"));
        const invalidLines = new Set(result.invalid.map((r) => r.line));
        for (const { l, line } of dataLines) {
          if (!l.includes('"__proto__"')) continue;
          protoRows++;
          expect(invalidLines.has(line), l).toBe(true);
        }
        validRows += result.valid;
      }),
      { numRuns: 300 },
    );
    expect(protoRows).toBeGreaterThan(0);
    expect(validRows).toBeGreaterThan(0);
  });
});

describe("import --dry-run on random manifests (CLI)", () => {
  /** The outcome the command line must have on any manifest: exit 0 or 2, a message for 2, never a stack trace. */
  const expectCleanOutcome = (r: { code: number | null; stderr: string }): void => {
    const context = `exit ${String(r.code)}\n${r.stderr.slice(0, 2000)}`;
    expect([0, 2], context).toContain(r.code);
    expect(r.stderr, context).not.toMatch(/^\s+at /m);
    if (r.code === 2) expect(r.stderr, context).toMatch(/^gong-connector: /m);
  };

  it("the built CLI: a manifest of junk, quotes, __proto__ and bytes that are no UTF-8 exits 2 with messages", async () => {
    const file = join(dir, "cli-junk.csv");
    writeFileSync(file, Buffer.concat([Buffer.from('clientUniqueId,__proto__.x,"parties\n0.userId"\n"a,""b",{"x":1}\n'), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]));
    const r = await runCli(["import", file, "--dry-run"]);
    expectCleanOutcome(r);
    expect(r.code).toBe(2);
  });

  it("exits 0 or 2 with messages, never a stack trace or another code (in-process, run(argv))", async () => {
    const manifest = fc.oneof(
      csvText.map((t) => ({ ext: "csv", content: t })),
      fc.array(jsonlLine, { maxLength: 6 }).map((ls) => ({ ext: "jsonl", content: ls.join("\n") })),
      fc.uint8Array({ maxLength: 200 }).map((b) => ({ ext: "jsonl", content: b })),
    );
    await fc.assert(
      fc.asyncProperty(manifest, async ({ ext, content }) => {
        const file = join(dir, `cli-${counter++}.${ext}`);
        writeFileSync(file, content);
        expectCleanOutcome(await runInProcess(["import", file, "--dry-run"]));
      }),
      { numRuns: 15 },
    );
  }, 240_000);
});
