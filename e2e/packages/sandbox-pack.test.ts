/**
 * @gong-connector/sandbox as another project gets it: `npm pack` of schema and sandbox, unpacked into a fresh
 * project's node_modules. Their third-party dependencies (the ones the packed package.json files declare, and only
 * those) are linked from this repository's node_modules: an `npm install` there would need the registry and a
 * compile of better-sqlite3. Then the project type-checks a file using the public API with `skipLibCheck: false`
 * and without @types/better-sqlite3, runs a script that adds a call over HTTP, and runs examples/sandbox-vitest.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test-support/dist.js";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

const PACKED = ["schema", "sandbox"] as const;
let work: string | undefined;
let project: string;
const modules = (): string => join(project, "node_modules");

function readManifest(path: string): Manifest & { engines?: Record<string, string> } {
  return JSON.parse(readFileSync(path, "utf8")) as Manifest & { engines?: Record<string, string> };
}

/** Links a dependency's directory as this repository resolves it from `fromPackage`. */
function linkDependency(name: string, fromPackage: string): void {
  const target = join(modules(), name);
  if (existsSync(target)) return;
  const require = createRequire(join(fromPackage, "package.json"));
  let dir = dirname(require.resolve(`${name}/package.json`));
  if (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(dir, target, "dir");
}

/** Every .d.ts file the package's public types reach through relative imports, and the bare modules they name. */
function publicTypeGraph(entry: string): { files: string[]; modules: Set<string> } {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)) {
      const spec = m[1] ?? "";
      if (spec.startsWith(".")) visit(join(dirname(file), spec.replace(/\.js$/, ".d.ts")));
      else bare.add(spec);
    }
    for (const m of text.matchAll(/\/\/\/\s*<reference\s+types="([^"]+)"/g)) bare.add(m[1] ?? "");
  };
  visit(entry);
  return { files: [...seen], modules: bare };
}

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "gong-sandbox-pack-"));
  work = dir;
  project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  for (const name of PACKED) {
    const source = join(ROOT, "packages", name);
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: source, encoding: "utf8" });
    const tarball = join(dir, out.trim().split("\n").pop() ?? "");
    const unpacked = join(modules(), "@gong-connector", name);
    mkdirSync(unpacked, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
  }
  for (const name of PACKED) {
    const manifest = readManifest(join(modules(), "@gong-connector", name, "package.json"));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (!dep.startsWith("@gong-connector/")) linkDependency(dep, join(ROOT, "packages", name));
    }
  }
}, 120_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("@gong-connector/sandbox, packed", () => {
  it("ships its built files and README, no sources or build info, and exports only its entry point", () => {
    const dir = join(modules(), "@gong-connector/sandbox");
    const files = (readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split("\\").join("/"));
    expect(files).toContain("README.md");
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".tsbuildinfo") || f.endsWith(".map"))).toEqual([]);
    const manifest = readManifest(join(dir, "package.json"));
    expect(Object.keys(manifest.exports ?? {})).toEqual([".", "./package.json"]);
    expect(manifest.engines?.node).toBe(">=20");
  });

  it("its public .d.ts files name no type of fastify or better-sqlite3", () => {
    const { files, modules: named } = publicTypeGraph(join(modules(), "@gong-connector/sandbox/dist/index.d.ts"));
    expect(files.length).toBeGreaterThan(1);
    const foreign = [...named].filter((m) => !m.startsWith("node:") && !m.startsWith("@gong-connector/") && m !== "node");
    expect(foreign, files.map((f) => relative(project, f)).join("\n")).toEqual([]);
  });

  it("a TypeScript file using the public API type-checks with skipLibCheck false and no @types/better-sqlite3", () => {
    linkDependency("@types/node", ROOT);
    expect(existsSync(join(modules(), "@types/better-sqlite3"))).toBe(false);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        files: ["uses-api.ts", "misuses-api.ts"],
      }),
    );
    writeFileSync(
      join(project, "uses-api.ts"),
      `import {
  DataDirError, DEFAULT_WORKSPACE_ID, generateConversationWav, parseHost, SEED_USERS, SEED_WORKSPACES, startSandbox,
  type FaultChange, type RunningSandbox, type SandboxCall, type SandboxRequest, type StartSandboxOptions,
} from "@gong-connector/sandbox";

const options: StartSandboxOptions = { port: 0, ratePerSecond: 0, duplicates: "return-existing", faults: { latencyMs: 5 } };
const sandbox: RunningSandbox = await startSandbox(options);
const faults: FaultChange = { error503: 0.1, script: [{ fault: "drop-after-commit", method: "POST", path: "/v2/calls" }] };
await sandbox.setFaults(faults);
await sandbox.setUser(SEED_USERS.recordingDisabled, { telephonyCallsImported: true });
const calls: SandboxCall[] = await sandbox.calls();
const log: SandboxRequest[] = await sandbox.requests(10);
const sha: string | null | undefined = calls[0]?.media.sha256;
const { wav, durationMs } = generateConversationWav({ speakers: 2 });
const workspace: string = SEED_WORKSPACES[0]?.id ?? DEFAULT_WORKSPACE_ID;
const port: number | undefined = parseHost("localhost:8080")?.port;
const problem: string | undefined = new DataDirError("/tmp/x", "is a file").problem;
console.log(sandbox.baseUrl, sandbox.port, sandbox.accessKey, sandbox.bearerToken, log.length, sha, wav.length, durationMs, workspace, port, problem);
await sandbox.close();
`,
    );
    // the same program sees a misuse: an option that does not exist and a mode that does not
    writeFileSync(
      join(project, "misuses-api.ts"),
      `import { startSandbox } from "@gong-connector/sandbox";\nawait startSandbox({ prot: 0 });\nawait startSandbox({ duplicates: "ignore" });\n`,
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], { cwd: project, encoding: "utf8" });
    const errors = `${tsc.stdout}${tsc.stderr}`.split("\n").filter((line) => /error TS/.test(line));
    expect(tsc.status).not.toBe(0);
    expect(errors.map((line) => /^([\w.-]+)\((\d+),\d+\): error (TS\d+)/.exec(line)?.slice(1))).toEqual([
      ["misuses-api.ts", "2", "TS2353"],
      ["misuses-api.ts", "3", "TS2322"],
    ]);
  });

  it("a script starts the sandbox, adds a call over HTTP, reads it back and closes", () => {
    writeFileSync(
      join(project, "script.mjs"),
      `import { SEED_USERS, startSandbox } from "@gong-connector/sandbox";
const sandbox = await startSandbox();
try {
  const res = await fetch(sandbox.baseUrl + "/v2/calls", {
    method: "POST",
    headers: { authorization: "Bearer " + sandbox.bearerToken, "content-type": "application/json" },
    body: JSON.stringify({
      clientUniqueId: "packed-1", actualStart: "2026-03-02T15:00:00Z", primaryUser: SEED_USERS.host, direction: "Inbound",
      parties: [{ userId: SEED_USERS.host }, { phoneNumber: "+14155550100" }],
    }),
  });
  const { callId } = await res.json();
  const read = await fetch(sandbox.baseUrl + "/v2/calls/" + callId, { headers: { authorization: "Bearer " + sandbox.bearerToken } });
  const stored = await sandbox.call(callId);
  console.log(JSON.stringify({ status: res.status, readStatus: read.status, read: (await read.json()).call, stored }));
} finally {
  await sandbox.close();
}
`,
    );
    const run = spawnSync(process.execPath, ["script.mjs"], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as {
      status: number;
      readStatus: number;
      read: { id: string; clientUniqueId: string; direction: string };
      stored: { id: string; clientUniqueId: string; request: { parties: unknown[] } };
    };
    expect(out.status).toBe(200);
    expect(out.readStatus).toBe(200);
    expect(out.read).toMatchObject({ clientUniqueId: "packed-1", direction: "Inbound" });
    expect(out.stored).toMatchObject({ id: out.read.id, clientUniqueId: "packed-1" });
    expect(out.stored.request.parties).toHaveLength(2);
  });

  it("importing it loads no server and no database until startSandbox is called", () => {
    writeFileSync(
      join(project, "trace-hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
  if (m) appendFileSync(process.env.TRACE_FILE, m[1] + "\\n");
  return result;
}
`,
    );
    writeFileSync(join(project, "trace.mjs"), `import { register } from "node:module";\nregister("./trace-hooks.mjs", import.meta.url);\n`);
    const loaded = (script: string): string[] => {
      const trace = join(project, "trace.txt");
      writeFileSync(trace, "");
      const run = spawnSync(process.execPath, ["--import", "./trace.mjs", "--input-type=module", "-e", script], {
        cwd: project,
        encoding: "utf8",
        env: { ...process.env, TRACE_FILE: trace },
      });
      expect(run.status, run.stderr).toBe(0);
      return [...new Set(readFileSync(trace, "utf8").split("\n").filter(Boolean))].sort();
    };
    expect(loaded(`await import("@gong-connector/sandbox");`)).toEqual(["@gong-connector/sandbox", "ipaddr.js"]);
    const started = loaded(`const { startSandbox } = await import("@gong-connector/sandbox"); await (await startSandbox()).close();`);
    expect(started).toEqual(expect.arrayContaining(["fastify", "better-sqlite3", "@gong-connector/schema", "zod"]));
  });

  it("runs examples/sandbox-vitest against the packed package", () => {
    const example = join(ROOT, "examples/sandbox-vitest");
    for (const part of ["src", "test"]) cpSync(join(example, part), join(project, part), { recursive: true });
    linkDependency("vitest", ROOT);
    const run = spawnSync(process.execPath, [join(modules(), "vitest/vitest.mjs"), "run", "--root", project, "--reporter", "verbose"], {
      cwd: project,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
  });
});
