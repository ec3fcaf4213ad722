/** The command installed globally from the clone (`npm i -g ./packages/cli`), run from another directory. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test-support/dist.js";

const prefix = mkdtempSync(join(tmpdir(), "gc-global-"));
afterAll(() => {
  rmSync(prefix, { recursive: true, force: true });
});

describe("npm i -g ./packages/cli", () => {
  it("puts a working gong-connector on PATH that reports the CLI package's version", () => {
    const install = spawnSync("npm", ["i", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--offline", join(ROOT, "packages/cli")], {
      encoding: "utf8",
      cwd: ROOT,
    });
    expect(install.status, install.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as { version: string }).version;
    const run = spawnSync(join(prefix, "bin", "gong-connector"), ["--version"], { encoding: "utf8", cwd: tmpdir() });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
    const help = spawnSync(join(prefix, "bin", "gong-connector"), ["users", "--help"], { encoding: "utf8", cwd: tmpdir() });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("$ gong-connector users");
  });
});
