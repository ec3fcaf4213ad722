/**
 * The importer's main entry point is light: importing the built `@gong-connector/importer` loads neither bullmq nor
 * ioredis (queue mode lives on `@gong-connector/importer/queue`), and its public declarations name no type of a
 * package a consumer of the main entry does not install.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test-support/dist.js";

/** Module hooks (they run in their own thread) that append every URL the process resolves to $TRACE_FILE. */
const HOOKS = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.TRACE_FILE, result.url + "\\n");
  return result;
}`;
const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "importer-light-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Imports `specifier` (resolved from the repository root, as a consumer's code would: the package's `import`
 * condition, i.e. its built dist/) in a child node process; returns the URLs it resolved and the packages under
 * node_modules they belong to.
 */
async function load(name: string, specifier: string): Promise<{ code: number | null; stderr: string; urls: string[]; packages: Set<string> }> {
  const trace = join(dir, `${name}.trace`);
  writeFileSync(trace, "");
  // Evaluated code resolves bare specifiers from the working directory: the repository root. The ESM hook sees what
  // is imported; CommonJS modules that require() each other (bullmq requires ioredis) are in require.cache.
  const script = [
    `import { appendFileSync } from "node:fs";`,
    `import { createRequire } from "node:module";`,
    `import { pathToFileURL } from "node:url";`,
    `const m = await import(${JSON.stringify(specifier)});`,
    `if (Object.keys(m).length === 0) process.exit(3);`,
    `const cjs = Object.keys(createRequire(import.meta.url).cache).map((p) => pathToFileURL(p).href);`,
    `appendFileSync(process.env.TRACE_FILE, cjs.join("\\n") + "\\n");`,
  ].join("\n");
  let stderr = "";
  const code = await new Promise<number | null>((done, reject) => {
    const child = spawn(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, "--input-type=module", "--eval", script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TRACE_FILE: trace },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", done);
  });
  const urls = readFileSync(trace, "utf8").split("\n").filter(Boolean);
  const packages = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1] !== undefined) packages.add(m[1]);
  }
  return { code, stderr, urls, packages };
}

describe("@gong-connector/importer main entry", () => {
  it("loads the built entry and neither bullmq nor ioredis", async () => {
    const { code, stderr, urls, packages } = await load("main", "@gong-connector/importer");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // The built entry was loaded (not the TypeScript sources), with what it needs.
    expect(urls.some((u) => u.endsWith("/packages/importer/dist/index.js"))).toBe(true);
    expect(packages.has("better-sqlite3")).toBe(true);
    expect(urls.filter((u) => /\/node_modules\/(bullmq|ioredis)\//.test(u))).toEqual([]);
    expect(packages.has("bullmq")).toBe(false);
    expect(packages.has("ioredis")).toBe(false);
  });

  it("the same probe sees bullmq and ioredis when the queue entry is imported", async () => {
    const { code, stderr, urls, packages } = await load("queue", "@gong-connector/importer/queue");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith("/packages/importer/dist/queue/index.js"))).toBe(true);
    expect(packages.has("bullmq")).toBe(true);
    expect(packages.has("ioredis")).toBe(true);
  });

  it("the errors entry loads no SQLite, CSV parser, progress bar or queue", async () => {
    const { code, packages } = await load("errors", "@gong-connector/importer/errors");
    expect(code).toBe(0);
    expect(["better-sqlite3", "csv-parse", "csv-stringify", "cli-progress", "bullmq", "ioredis"].filter((p) => packages.has(p))).toEqual([]);
  });
});

/** Every module specifier a declaration file imports or references. */
function specifiersOf(dts: string): string[] {
  const out: string[] = [];
  for (const m of dts.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)) if (m[1] !== undefined) out.push(m[1]);
  for (const m of dts.matchAll(/\/\/\/\s*<reference\s+types=["']([^"']+)["']/g)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

/** The packages (not relative files) named by `entry` and every declaration file it reaches through relative imports. */
function packagesNamedBy(entry: string): { files: number; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, ".d.ts"));
        expect(existsSync(target), `${file} imports ${spec}`).toBe(true);
        todo.push(target);
      } else {
        packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec));
      }
    }
  }
  return { files: seen.size, packages };
}

describe("@gong-connector/importer public declarations", () => {
  const dist = join(ROOT, "packages/importer/dist");
  const allowed = new Set(["@gong-connector/client", "@gong-connector/schema", "node:events", "node:fs", "node:stream"]);

  it("the main and errors entries name only our packages and node's", () => {
    for (const entry of ["index.d.ts", "errors.d.ts"]) {
      const { files, packages } = packagesNamedBy(join(dist, entry));
      expect(files).toBeGreaterThan(entry === "index.d.ts" ? 5 : 1);
      expect([...packages].filter((p) => !allowed.has(p))).toEqual([]);
    }
  });

  it("the queue entry names bullmq (its optional peer dependency) and nothing else outside", () => {
    const { packages } = packagesNamedBy(join(dist, "queue/index.d.ts"));
    expect(packages.has("bullmq")).toBe(true);
    expect([...packages].filter((p) => !allowed.has(p) && p !== "bullmq")).toEqual([]);
  });
});
