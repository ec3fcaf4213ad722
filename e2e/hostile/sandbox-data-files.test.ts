/**
 * `gong-connector sandbox --data` on a directory that cannot be written, as an unprivileged user, through the built
 * CLI: exit 2 naming --data. The other refused --data run in-process: packages/cli/test/sandbox-data.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "gc-sandbox-data-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("sandbox --data that cannot be a data directory: exit 2 naming --data", () => {
  // A file, a path under a file and a sandbox.db that is not SQLite run in-process: packages/cli/test/sandbox-data.test.ts.
  it("a directory that cannot be written (run as an unprivileged user)", async () => {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "ro"), { mode: 0o555 });
    // root ignores the mode: the same CLI runs as nobody (65534) through setpriv then.
    const asRoot = process.getuid?.() === 0;
    const args = ["sandbox", "--data", join(dir, "ro", "x")];
    const { spawnSync } = await import("node:child_process");
    const { CLI } = await import("../../test-support/importer.js");
    const cmd = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
    const r = spawnSync(cmd[0] ?? "", cmd.slice(1), { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "" } });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--data .*ro\/x: cannot be written \(EACCES/);
    expect(existsSync(join(dir, "ro", "x"))).toBe(false);
  });
});
