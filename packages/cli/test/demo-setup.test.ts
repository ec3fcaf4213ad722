/**
 * `demo` and `sandbox` with a port or data directory they cannot use: exit 2 naming the flag, never "unexpected error
 * (a bug)". (The demo's run itself is e2e/sandbox/cli.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { withBusyPort, withTempDir } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const busyPort = withBusyPort();
const tmp = withTempDir("gong-demo-setup-");

describe.each(["demo", "sandbox"])("%s", (command) => {
  it("a port in use: exit 2, naming --port", async () => {
    const port = String(busyPort());
    const r = await runInProcess([command, "--port", port]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gong-connector: --port ${port}: 127.0.0.1:${port} is already in use\n`);
    expect(r.stdout).toBe("");
  });

  it("a data directory that is a file, or under /proc: exit 2, naming --data", async () => {
    const file = tmp.file(`${command}-file`, "x");
    for (const data of [file, "/proc/gong-demo-test"]) {
      const r = await runInProcess([command, "--data", data]);
      expect(r.code, data).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^gong-connector: --data ${data.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: `));
      expect(r.stderr).not.toContain("a bug");
    }
  });
});
