/**
 * `gong-connector add-call --input FILE` with the most extreme garbage, through the built CLI: arrays and objects
 * nested 200,000 deep end with exit 2 and a one-paragraph error on stderr — never a crash, a stack trace or a hang.
 * An empty file, a BOM alone, NUL bytes and generated garbage (random bytes, huge strings, deep JSON, wrong types)
 * run in-process: packages/cli/test/fuzz-input.test.ts.
 */
import { describe, it } from "vitest";
import { expectRefusedCleanly as expectRefused, withTempDir } from "../../test-support/cli-fixtures.js";
import { runCli } from "../../bench/lib/proc.js";

const { file: write } = withTempDir("fuzz-cli-");
let counter = 0;

/** Runs add-call on `content` and checks the outcome: exit 2, one paragraph on stderr, no stack trace, nothing on stdout. */
async function expectRefusedCleanly(content: string | Uint8Array, what: string): Promise<void> {
  const file = write(`input-${String(counter++)}.json`, content);
  expectRefused(await runCli(["add-call", "--input", file], { timeoutMs: 30_000 }), what);
}

describe("fuzz: add-call --input with garbage", () => {
  // An empty file, a BOM alone and NUL bytes run in-process (packages/cli/test/fuzz-input.test.ts); nesting 200,000
  // deep runs here, on a process's own stack.
  it("exits 2 cleanly on the extremes: 200,000-deep nesting", async () => {
    await expectRefusedCleanly("[".repeat(200_000) + "]".repeat(200_000), "arrays nested 200,000 deep");
    await expectRefusedCleanly('{"a":'.repeat(200_000) + "1" + "}".repeat(200_000), "objects nested 200,000 deep");
  }, 60_000);
});
