import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-sandbox-data-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refused(data: string, pattern: RegExp): Promise<void> {
  const r = await runCli(["sandbox", "--data", data], {}, 30_000);
  expect(r.signal, "the sandbox started instead of refusing").toBeNull();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/a bug|\n\s+at /);
  expect(r.stdout).toBe("");
}

describe("sandbox --data that cannot be a data directory: exit 2 naming --data", () => {
  it("a file", async () => {
    const file = join(dir, "afile");
    writeFileSync(file, "keep me\n");
    await refused(file, /--data .*afile: is not a directory/);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  it("a path under a file", async () => {
    writeFileSync(join(dir, "plain"), "x");
    await refused(join(dir, "plain", "sub"), /--data .*plain\/sub: cannot be used \(ENOTDIR\)/);
  });

  it("a directory whose sandbox.db is not an SQLite database", async () => {
    mkdirSync(join(dir, "bad"));
    const junk = Buffer.alloc(4096, 0x5a);
    writeFileSync(join(dir, "bad", "sandbox.db"), junk);
    await refused(join(dir, "bad"), /--data .*bad: holds a sandbox\.db that is not an SQLite database/);
    expect(readFileSync(join(dir, "bad", "sandbox.db")).equals(junk)).toBe(true);
  });

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
