/**
 * staleDists() on a throw-away tree shaped like the repository: a package is stale when its dist/ was never built or
 * when some file of its src/ (at any depth) is newer than the build's stamp; unit tests never run dist/ at all.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGES, ROOT, staleDists } from "../dist.js";

const root = mkdtempSync(join(tmpdir(), "gc-dist-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const T0 = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

function file(path: string, time: Date): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, "x");
  utimesSync(full, time, time);
}

describe("staleDists(root)", () => {
  it("names a package with no dist/ at all", () => {
    file("packages/a/src/index.ts", at(0));
    expect(staleDists(root, ["a"])).toEqual(["a"]);
  });

  it("a dist/ stamped after every src/ file is fresh; a src/ file touched after it, however deep, makes it stale", () => {
    file("packages/b/src/index.ts", at(0));
    file("packages/b/src/internal/deep/x.ts", at(5));
    file("packages/b/dist/.tsbuildinfo", at(10));
    expect(staleDists(root, ["b"])).toEqual([]);
    file("packages/b/src/internal/deep/x.ts", at(11));
    expect(staleDists(root, ["b"])).toEqual(["b"]);
    file("packages/b/dist/.tsbuildinfo", at(12));
    expect(staleDists(root, ["b"])).toEqual([]);
  });

  it("other files of dist/ do not count: only the build's stamp says when dist/ was brought up to date", () => {
    file("packages/c/src/index.ts", at(20));
    file("packages/c/dist/index.js", at(30));
    expect(staleDists(root, ["c"])).toEqual(["c"]);
    file("packages/c/dist/.tsbuildinfo", at(19));
    expect(staleDists(root, ["c"])).toEqual(["c"]);
  });

  it("reports only the stale packages, in the order asked", () => {
    expect(staleDists(root, ["c", "b", "a"])).toEqual(["c", "a"]);
  });

  it("knows every workspace package of the repository", () => {
    const workspaces = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
    expect(workspaces.map((w) => relative("packages", w)).sort()).toEqual([...PACKAGES].sort());
  });
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

describe("unit tests never run dist/", () => {
  // What starts the built code: the CLI runners, the build checks, and the bench's launchers of dist/.
  const RUNS_DIST = [
    /\bdist\/(main|index)\.js\b/,
    /\b(runCli|startCli|ensureBuilt|ensureFreshDist)\b/,
    /test-support\/(run-cli|dist)\.js/,
    /bench\/lib\/(proc|sandbox)\.js/,
  ];

  it("no file of packages/*/test names a way to start the built CLI or sandbox (such tests belong in e2e/)", () => {
    const files = PACKAGES.flatMap((p) => sources(join(ROOT, "packages", p, "test")));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((f) => {
      const text = readFileSync(f, "utf8");
      return RUNS_DIST.filter((re) => re.test(text)).map((re) => `${relative(ROOT, f)} matches ${String(re)}`);
    });
    expect(offenders).toEqual([]);
  });
});
