/**
 * GONG_CONNECTOR_TEST_TIME_SCALE refused in-process (`run(argv)` of the CLI's sources) on each kind of command: a
 * value that is not a number in (0, 1] is a usage error (exit 2) naming the variable, before anything is sent to the
 * sandbox. e2e/cli/test-hook.test.ts runs through the built CLI the waits the hook shortens (and those it leaves as
 * in production) and one refusal.
 */
import { describe, expect, it } from "vitest";
import { apiRequests, withTempDir } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";
import { withSandbox } from "../../../test-support/sandbox.js";
import { TIME_SCALE_VARIABLE } from "../../../test-support/test-hooks.js";

const sandbox = withSandbox();
const { file, writeJson } = withTempDir("gc-test-hook-");

describe(TIME_SCALE_VARIABLE, () => {
  it("refuses a value that is not a number in (0, 1] with exit 2, naming the variable, before anything is sent", async () => {
    const sb = sandbox();
    const before = (await apiRequests(sb)).length;
    const input = writeJson("refused.json", sb.validCall());
    const manifest = file("refused.jsonl", `${JSON.stringify(sb.validCall())}\n`);
    const runs: [string, string[]][] = [
      ["0", ["add-call", "--input", input]],
      ["2", ["users"]],
      ["fast", ["import", manifest]],
      ["-0.5", ["add-media", "--call-id", "1", "--file", input, "--allow-any-format"]],
      ["1.5e0", ["calls"]],
    ];
    for (const [value, args] of runs) {
      const r = await runInProcess(args, { env: { ...sb.env, [TIME_SCALE_VARIABLE]: value } });
      expect(r.code, `${value}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${TIME_SCALE_VARIABLE} (a test hook) must be a number greater than 0 and at most 1`);
      expect(r.stderr).toContain(JSON.stringify(value));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await apiRequests(sb)).length).toBe(before);
  });
});
