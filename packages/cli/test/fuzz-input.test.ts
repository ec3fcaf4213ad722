/**
 * Fuzzing `gong-connector add-call --input FILE` in-process (`run(argv)`) with garbage: random bytes, huge strings,
 * deep JSON and wrong types always end with exit 2 and a one-paragraph error on stderr, nothing on stdout — never a
 * crash or a stack trace; so do an empty file, a BOM alone and NUL bytes. Nesting 200,000 deep also runs through the
 * built CLI: e2e/fuzz/cli-input.test.ts.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { expectRefusedCleanly as expectRefused, withTempDir } from "../../../test-support/cli-fixtures.js";
import { invalidRequestArb } from "../../../test-support/arbitraries.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const { file: write } = withTempDir("fuzz-cli-");
let counter = 0;

/** Runs add-call on `content` and checks the outcome: exit 2, one paragraph on stderr, no stack trace, nothing on stdout. */
async function expectRefusedCleanly(content: string | Uint8Array, what: string): Promise<void> {
  const file = write(`input-${String(counter++)}.json`, content);
  expectRefused(await runInProcess(["add-call", "--input", file]), what);
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
  it("exits 2 cleanly on an empty file, a BOM alone and NUL bytes", async () => {
    await expectRefusedCleanly("", "empty file");
    await expectRefusedCleanly("\uFEFF", "BOM only");
    await expectRefusedCleanly(new Uint8Array(1000), "1000 NUL bytes");
  });

  it("exits 2 with a one-paragraph error for every generated input", async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async ({ content, what }) => {
        await expectRefusedCleanly(content, what);
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
