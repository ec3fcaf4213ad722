/**
 * The built CLI refusing bad input (a process of its own: exit code, streams, stdin, a closed pipe). The other
 * refusals run in-process: packages/cli/test/validation.test.ts.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliEnv, minimalRequest, withConnectionCounter, withTempDir } from "../../test-support/cli-fixtures.js";
import { CLI, runCli } from "../../test-support/run-cli.js";

/** A TCP listener that only counts connections: proof that nothing was sent. */
const listener = withConnectionCounter();
const { file } = withTempDir("gc-cli-");
const env = () => cliEnv(listener.baseUrl(), "S3CRET-never-print-me-4f9a");
const valid = minimalRequest("cli-valid-1", "1234567890123456789");

describe("add-call refuses bad input with exit 2, naming every bad field, sending nothing", () => {
  it("lists each bad field with its rule", async () => {
    const input = file("bad.json", JSON.stringify({ ...valid, direction: "in", purpose: "p".repeat(256), primaryUser: 5 }));
    const before = listener.connections();
    const r = await runCli(["add-call", "--input", input], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("direction: must be one of: Inbound, Outbound, Conference, Unknown");
    expect(r.stderr).toContain("purpose: must be at most 255 characters");
    expect(r.stderr).toContain("primaryUser: must be a string of 1-20 digits");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(listener.connections()).toBe(before);
  });

  it("reads the request from stdin", async () => {
    const r = await runCli(["add-call", "--input", "-"], { env: env(), stdin: JSON.stringify({ ...valid, parties: [] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("parties: must list at least one party");
  });

  it("--dry-run prints the validated request and sends nothing, without credentials", async () => {
    const r = await runCli(["add-call", "--dry-run", "--input", file("dry.json", JSON.stringify(valid))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(valid);
  });
});

describe("output into a closed pipe", () => {
  it("stops quietly when the reader goes away (| head)", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${CLI}" import --help | head -c 10 >/dev/null; "${process.execPath}" "${CLI}" schema | head -c 10 >/dev/null`], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });
});

