/**
 * makeDirectories / makeDirectoriesSync: `mkdir -p` that never hangs. Node 20's own recursive mkdir loops forever
 * where the filesystem answers ENOENT for a directory whose parent exists (procfs); these must throw instead.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDirectories, makeDirectoriesSync } from "../src/index.js";

const root = mkdtempSync(join(tmpdir(), "gong-mkdirs-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const variants = [
  ["makeDirectoriesSync", (path: string, mode?: number): Promise<void> => Promise.resolve().then(() => { makeDirectoriesSync(path, mode); })],
  ["makeDirectories", makeDirectories],
] as const;

describe.each(variants)("%s", (name, make) => {
  it("creates the missing parents and the directory, each with the mode; an existing one is left as it is", async () => {
    const deep = join(root, name, "a", "b", "c");
    await make(deep, 0o700);
    for (const p of [join(root, name), join(root, name, "a"), join(root, name, "a", "b"), deep]) {
      expect(statSync(p).isDirectory()).toBe(true);
      expect(statSync(p).mode & 0o777).toBe(0o700);
    }
    await make(deep, 0o755);
    expect(statSync(deep).mode & 0o777).toBe(0o700);
  });

  it("throws ENOENT under /proc instead of looping (Node's recursive mkdir never returns there)", async () => {
    await expect(make("/proc/gong-connector-test/x", 0o700)).rejects.toMatchObject({ code: "ENOENT" });
    expect(existsSync("/proc/gong-connector-test")).toBe(false);
  });

  it("throws ENOTDIR when a file is in the way, naming it", async () => {
    const file = join(root, `${name}-file`);
    writeFileSync(file, "x");
    await expect(make(join(file, "sub"), 0o700)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(make(file, 0o700)).rejects.toThrow(file);
  });

  it("many at once on the same new path all succeed (one makes it, the others find it)", async () => {
    const target = join(root, `${name}-race`, "x", "y");
    await Promise.all(Array.from({ length: 16 }, () => make(target, 0o700)));
    expect(statSync(target).isDirectory()).toBe(true);
  });
});
