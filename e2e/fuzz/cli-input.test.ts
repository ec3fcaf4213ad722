/**
 * Fuzzing `gong-connector add-call --input FILE` with garbage: random bytes, huge strings, deep JSON and wrong types
 * always end with exit 2 and a one-paragraph error on stderr — never a crash, a stack trace or a hang.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../bench/lib/proc.js";
import { invalidRequestArb } from "../../test-support/arbitraries.js";

let dir = "";
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fuzz-cli-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs add-call on `content` and checks the outcome: exit 2, one paragraph on stderr, no stack trace, nothing on stdout. */
async function expectRefusedCleanly(content: string | Uint8Array, what: string): Promise<void> {
  const file = join(dir, `input-${counter++}.json`);
  writeFileSync(file, content);
  const r = await runCli(["add-call", "--input", file], { timeoutMs: 30_000 });
  const err = r.stderr.trim();
  const context = `${what}: exit ${r.code}, stderr:\n${err.slice(0, 2000)}`;
  expect(r.code, context).toBe(2);
  expect(err, context).toMatch(/^gong-connector: /);
  expect(err, context).not.toMatch(/\n\s*\n/);
  expect(err, context).not.toMatch(/^\s+at /m);
  expect(r.stdout, context).toBe("");
}

const depth = fc.integer({ min: 1_000, max: 200_000 });

const garbage = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 4096 }).map((b) => ({ content: b, what: `${b.length} random bytes` })),
  fc.integer({ min: 100_000, max: 3_000_000 }).chain((n) =>
    fc.constantFrom(
      { content: `"${"a".repeat(n)}"`, what: `a JSON string of ${n} characters` },
      { content: `{"clientUniqueId":"${"x".repeat(n)}"}`, what: `clientUniqueId of ${n} characters` },
      { content: `{"${"k".repeat(n)}":1}`, what: `a key of ${n} characters` },
      { content: `{"title":"${"t".repeat(n)}`, what: `an unterminated string of ${n} characters` },
    ),
  ),
  depth.chain((d) =>
    fc.constantFrom(
      { content: "[".repeat(d) + "]".repeat(d), what: `arrays nested ${d} deep` },
      { content: '{"a":'.repeat(d) + "1" + "}".repeat(d), what: `objects nested ${d} deep` },
      { content: `{"clientUniqueId":"c","parties":${"[".repeat(d)}${"]".repeat(d)}}`, what: `parties nested ${d} deep` },
      { content: `{"speakersTimeline":${'{"x":'.repeat(d)}0${"}".repeat(d)}}`, what: `speakersTimeline nested ${d} deep` },
      { content: "[".repeat(d), what: `${d} unclosed brackets` },
    ),
  ),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(fc.anything(), { maxLength: 3 })).map((v) => ({
    content: JSON.stringify(v),
    what: `top-level ${JSON.stringify(v).slice(0, 40)}`,
  })),
  invalidRequestArb().map((c) => ({ content: JSON.stringify(c.request), what: c.what })),
);

describe("fuzz: add-call --input with garbage", () => {
  it("exits 2 with a one-paragraph error for every generated input", async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async ({ content, what }) => {
        await expectRefusedCleanly(content, what);
      }),
      // Each run spawns the CLI; the in-process fuzzers (packages/schema/test/fuzz-validation.test.ts) run hundreds of cases each.
      { numRuns: 12 },
    );
  }, 120_000);

  it("exits 2 cleanly on the extremes: empty file, BOM only, NUL bytes, 200,000-deep nesting", async () => {
    await expectRefusedCleanly("", "empty file");
    await expectRefusedCleanly("\uFEFF", "BOM only");
    await expectRefusedCleanly(new Uint8Array(1000), "1000 NUL bytes");
    await expectRefusedCleanly("[".repeat(200_000) + "]".repeat(200_000), "arrays nested 200,000 deep");
    await expectRefusedCleanly('{"a":'.repeat(200_000) + "1" + "}".repeat(200_000), "objects nested 200,000 deep");
  }, 60_000);
});
