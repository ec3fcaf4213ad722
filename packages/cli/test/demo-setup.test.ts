/**
 * `demo` and `sandbox` with a port or data directory they cannot use: exit 2 naming the flag, never "unexpected error
 * (a bug)". (The demo's run itself is e2e/sandbox/cli.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";

let busy: Server;
let port: number;
let dir: string;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  port = (busy.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), "gong-demo-setup-"));
});
afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe.each(["demo", "sandbox"])("%s", (command) => {
  it("a port in use: exit 2, naming --port", async () => {
    const r = await runInProcess([command, "--port", String(port)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gong-connector: --port ${String(port)}: 127.0.0.1:${String(port)} is already in use\n`);
    expect(r.stdout).toBe("");
  });

  it("a data directory that is a file, or under /proc: exit 2, naming --data", async () => {
    const file = join(dir, `${command}-file`);
    writeFileSync(file, "x");
    for (const data of [file, "/proc/gong-demo-test"]) {
      const r = await runInProcess([command, "--data", data]);
      expect(r.code, data).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^gong-connector: --data ${data.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: `));
      expect(r.stderr).not.toContain("a bug");
    }
  });
});
