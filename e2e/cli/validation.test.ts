/**
 * The built CLI refusing bad input (a process of its own: exit code, streams, stdin, a closed pipe). The other
 * refusals run in-process: packages/cli/test/validation.test.ts.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliEnv, minimalRequest, withConnectionCounter } from "../../test-support/cli-fixtures.js";
import { CLI, runCli } from "../../test-support/run-cli.js";

/** A TCP listener that only counts connections: proof that nothing was sent. */
const listener = withConnectionCounter();
const env = () => cliEnv(listener.baseUrl(), "S3CRET-never-print-me-4f9a");
const valid = minimalRequest("cli-valid-1", "1234567890123456789");

describe("add-call refuses bad input with exit 2, naming every bad field, sending nothing", () => {
  // Every bad field named with its rule, --dry-run's output and the other refusals run in-process
  // (packages/cli/test/validation.test.ts); a request piped on stdin runs here.
  it("reads the request from stdin", async () => {
    const r = await runCli(["add-call", "--input", "-"], { env: env(), stdin: JSON.stringify({ ...valid, parties: [] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("parties: must list at least one party");
  });
});

describe("output into a closed pipe", () => {
  it("stops quietly when the reader goes away (| head)", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${CLI}" import --help | head -c 10 >/dev/null; "${process.execPath}" "${CLI}" schema | head -c 10 >/dev/null`], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });
});

