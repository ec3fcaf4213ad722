/**
 * Properties of the manifest readers over random input (fast-check): random bytes, random CSV structure (headers
 * mixing real field paths, reserved names and junk; cells with quotes, line breaks, JSON and `__proto__`), random
 * JSONL objects. Whatever the input: either a ManifestError naming the manifest, or a parse in which every row is
 * valid or has issues naming a path and a rule; never another exception, never Object.prototype polluted. One junk
 * manifest through the built CLI: exit 2 with messages, never a stack trace (random manifests through the command line,
 * in-process: packages/cli/test/import-input.test.ts).
 */
import fc from "fast-check";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError, validateManifest, type ManifestCheck } from "@gong-connector/importer";
import { runCli } from "../../test-support/importer.js";
import { expectCleanOutcome, importFixture } from "../../test-support/import-fixtures.js";
import { csvText, jsonlLine } from "../../test-support/manifest-arbitraries.js";

const dir = importFixture("gc-hostile-prop-", false).dir;
let counter = 0;

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

describe("import --dry-run on a random manifest (the built CLI)", () => {
  it("a manifest of junk, quotes, __proto__ and bytes that are no UTF-8 exits 2 with messages", async () => {
    const file = join(dir, "cli-junk.csv");
    writeFileSync(file, Buffer.concat([Buffer.from('clientUniqueId,__proto__.x,"parties\n0.userId"\n"a,""b",{"x":1}\n'), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]));
    const r = await runCli(["import", file, "--dry-run"]);
    expectCleanOutcome(r);
    expect(r.code).toBe(2);
  });
});
