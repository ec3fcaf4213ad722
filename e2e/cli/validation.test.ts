/**
 * The built CLI refusing bad input (a process of its own: exit code, streams, stdin, a closed pipe). The other
 * refusals run in-process: packages/cli/test/validation.test.ts.
 */
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../test-support/run-cli.js";

/** A TCP listener that only counts connections: proof that nothing was sent. */
let listener: Server;
let connections = 0;
let baseUrl = "";
const dir = mkdtempSync(join(tmpdir(), "gc-cli-"));
const SECRET = "S3CRET-never-print-me-4f9a";
const env = () => ({ GONG_BASE_URL: baseUrl, GONG_ACCESS_KEY: "key-1", GONG_ACCESS_KEY_SECRET: SECRET });

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => { resolve(); })));

const valid = {
  clientUniqueId: "cli-valid-1",
  actualStart: "2024-05-01T10:00:00Z",
  primaryUser: "1234567890123456789",
  direction: "Inbound",
  parties: [{ userId: "1234567890123456789" }],
};
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe("add-call refuses bad input with exit 2, naming every bad field, sending nothing", () => {
  it("lists each bad field with its rule", async () => {
    const input = file("bad.json", JSON.stringify({ ...valid, direction: "in", purpose: "p".repeat(256), primaryUser: 5 }));
    const before = connections;
    const r = await runCli(["add-call", "--input", input], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("direction: must be one of: Inbound, Outbound, Conference, Unknown");
    expect(r.stderr).toContain("purpose: must be at most 255 characters");
    expect(r.stderr).toContain("primaryUser: must be a string of 1-20 digits");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(connections).toBe(before);
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

