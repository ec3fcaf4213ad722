/**
 * `gong-connector sandbox`'s OAuth flags refused in-process (`run(argv)` of the CLI's sources): a port in use and
 * values out of range are usage errors (exit 2) naming the flag, with nothing on stdout. e2e/sandbox/oauth-cli.test.ts
 * runs through the built CLI the OAuth host itself, --oauth-port, --data across a restart, and a --port in use.
 */
import { describe, expect, it } from "vitest";
import { withBusyPort } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

describe("sandbox: OAuth flags refused with exit 2, naming the flag", () => {
  const busyPort = withBusyPort();

  it("an --oauth-port in use", async () => {
    const port = busyPort();
    const res = await runInProcess(["sandbox", "--oauth-port", String(port)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--oauth-port ${String(port)}: 127.0.0.1:${String(port)} is already in use`);
    expect(res.stdout).toBe("");
  });

  for (const args of [["--oauth-port", "70000"], ["--oauth-port", "x"], ["--token-ttl-seconds", "0"], ["--token-ttl-seconds", "1.5"], ["--token-ttl-seconds", "31536001"]]) {
    it(args.join(" "), async () => {
      const res = await runInProcess(["sandbox", ...args]);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toContain(args[0]);
      expect(res.stdout).toBe("");
    });
  }
});
