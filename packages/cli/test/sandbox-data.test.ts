/**
 * `gong-connector sandbox --data` that cannot be a data directory, run in-process (`run(argv)` of the CLI's sources):
 * a file, a path under a file, a sandbox.db that is not SQLite — exit 2 naming --data, nothing on stdout, what was
 * there left as it was. e2e/hostile/sandbox-data-files.test.ts runs through the built CLI a directory that cannot be
 * written, as an unprivileged user.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withTempDir } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const { dir, file } = withTempDir("gc-sandbox-data-");

/** The sandbox refuses `data`; a sandbox that started instead would serve until the test times out. */
async function refused(data: string, pattern: RegExp): Promise<void> {
  const r = await runInProcess(["sandbox", "--data", data]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/a bug|\n\s+at /);
  expect(r.stdout).toBe("");
}

describe("sandbox --data that cannot be a data directory: exit 2 naming --data", () => {
  it("a file", async () => {
    const path = file("afile", "keep me\n");
    await refused(path, /--data .*afile: is not a directory/);
    expect(readFileSync(path, "utf8")).toBe("keep me\n");
  });

  it("a path under a file", async () => {
    file("plain", "x");
    await refused(join(dir, "plain", "sub"), /--data .*plain\/sub: cannot be used \(ENOTDIR\)/);
  });

  it("a directory whose sandbox.db is not an SQLite database", async () => {
    mkdirSync(join(dir, "bad"));
    const junk = Buffer.alloc(4096, 0x5a);
    file("bad/sandbox.db", junk);
    await refused(join(dir, "bad"), /--data .*bad: holds a sandbox\.db that is not an SQLite database/);
    expect(readFileSync(join(dir, "bad", "sandbox.db")).equals(junk)).toBe(true);
  });
});
