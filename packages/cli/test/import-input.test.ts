/**
 * import --dry-run on random manifests (fast-check), run in-process (`run(argv)` of the CLI's sources) on real files:
 * exit 0 or 2 with messages, never a stack trace or another code. e2e/hostile/importer-input.test.ts checks the
 * manifest readers over random input and runs one junk manifest through the built CLI.
 */
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { expectCleanOutcome, importFixture } from "../../../test-support/import-fixtures.js";
import { csvText, jsonlLine } from "../../../test-support/manifest-arbitraries.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-input-prop-", false);
let counter = 0;

describe("import --dry-run on random manifests (in-process)", () => {
  it("exits 0 or 2 with messages, never a stack trace or another code", async () => {
    const manifest = fc.oneof(
      csvText.map((t) => ({ ext: "csv", content: t })),
      fc.array(jsonlLine, { maxLength: 6 }).map((ls) => ({ ext: "jsonl", content: ls.join("\n") })),
      fc.uint8Array({ maxLength: 200 }).map((b) => ({ ext: "jsonl", content: b })),
    );
    await fc.assert(
      fc.asyncProperty(manifest, async ({ ext, content }) => {
        const file = join(fx.dir, `cli-${counter++}.${ext}`);
        writeFileSync(file, content);
        expectCleanOutcome(await runInProcess(["import", file, "--dry-run"]));
      }),
      { numRuns: 15 },
    );
  }, 240_000);
});
