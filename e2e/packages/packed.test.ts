/**
 * The packages as a consumer gets them: one `npm pack` of @gong-connector/schema, @gong-connector/client and
 * @gong-connector/sandbox (test-support/packed.ts).
 *
 * The client: the schema and client tarballs installed with `npm install` into a fresh project. It brings no native
 * module, no install script, no server and no Redis client; a TypeScript file using the API type-checks with
 * `skipLibCheck: false`, and a misspelt field or a wrong enum does not; the installed JavaScript runs.
 *
 * The sandbox: its tarball unpacked into a project nested in that one (`sandbox-user/`, which resolves the schema and
 * zod the client's install brought), its third-party dependencies (the ones the packed package.json declares, and
 * only those) linked from this repository's node_modules: an `npm install` would need the registry and a compile of
 * better-sqlite3. A file using its public API type-checks with `skipLibCheck: false` and without
 * @types/better-sqlite3, a script adds a call over HTTP, and examples/sandbox-vitest runs against it.
 *
 * Both projects' files are type-checked by one program (`typeCheck`), so zod's declarations are read and checked once.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test-support/dist.js";
import { exec, NPM_ENV, packWorkspaces, typeCheck, type ExecResult, type TypeCheck } from "../../test-support/packed.js";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
}

let work = "";
/** The client's consumer: npm installed the schema and client tarballs here. */
let project = "";
/** The sandbox's consumer, inside `project`. */
let sandboxUser = "";
let installed: ExecResult;
let checked: Promise<TypeCheck> | undefined;

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, "utf8")) as Manifest;
}

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Links a dependency's directory into the sandbox's consumer as this repository resolves it from `fromPackage`. */
function linkDependency(name: string, fromPackage: string): void {
  const target = join(sandboxUser, "node_modules", name);
  if (existsSync(target) || existsSync(join(project, "node_modules", name))) return;
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

const API_USE = `import {
  GongClient,
  addCall,
  addCallWithMedia,
  GongApiError,
  ValidationError,
  parseAddCallRequest,
  type AddCallRequestInput,
  type AddCallResult,
} from "@gong-connector/client";
import { checkMediaFile, sleep } from "@gong-connector/client/advanced";
import { formatGongDateTime, validateAddCallRequest } from "@gong-connector/schema";

export async function run(signal: AbortSignal): Promise<AddCallResult> {
  const client = new GongClient({ baseURL: "http://127.0.0.1:9", auth: { accessKey: "key", accessKeySecret: "secret" } });
  const request: AddCallRequestInput = {
    clientUniqueId: "pbx-1",
    actualStart: new Date("2024-05-01T10:00:00Z"),
    primaryUser: "7782342274025937895",
    direction: "Outbound",
    parties: [{ userId: "7782342274025937895", name: "Rep" }],
  };
  const fromFile: unknown = JSON.parse("{}");
  try {
    parseAddCallRequest(fromFile);
  } catch (error) {
    if (error instanceof ValidationError) console.log(error.issues.map((i) => i.path));
  }
  await checkMediaFile("call.wav", { allowAnyFormat: false, signal });
  await sleep(1, { signal });
  console.log(formatGongDateTime(new Date()), validateAddCallRequest(request).ok);
  try {
    const withMedia = await addCallWithMedia(client, { request, media: "call.wav", signal, onProgress: (sent, total) => sent / total });
    console.log(withMedia.media.url);
  } catch (error) {
    if (error instanceof GongApiError) console.log(error.status, error.requestId);
  }
  return addCall(client, request, { signal });
}
`;


/** The sandbox's public API, used as its README shows. */
const SANDBOX_API_USE = `import {
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
`;

/** The same program sees a misuse: an option that does not exist and a mode that does not. */
const SANDBOX_MISUSE = `import { startSandbox } from "@gong-connector/sandbox";\nawait startSandbox({ prot: 0 });\nawait startSandbox({ duplicates: "ignore" });\n`;

const TYPO = API_USE.replace('    primaryUser: "7782342274025937895",\n', '    primaryUsr: "7782342274025937895",\n');
const SIDEWAYS = API_USE.replace('    direction: "Outbound",\n', '    direction: "Sideways",\n');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "gc-packed-"));
  project = join(work, "app");
  sandboxUser = join(project, "sandbox-user");
  mkdirSync(sandboxUser, { recursive: true });
  const tarballs = await packWorkspaces(["schema", "client", "sandbox"]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "@gong-connector/schema": `file:${tarballs.schema ?? ""}`, "@gong-connector/client": `file:${tarballs.client ?? ""}` },
      devDependencies: { "@types/node": "20.19.43" },
    }),
  );
  writeFileSync(join(sandboxUser, "package.json"), JSON.stringify({ name: "sandbox-consumer", private: true, type: "module" }));
  const unpacked = join(sandboxUser, "node_modules/@gong-connector/sandbox");
  mkdirSync(unpacked, { recursive: true });
  const [install, untar] = await Promise.all([
    exec("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: project, env: NPM_ENV }),
    exec("tar", ["-xzf", tarballs.sandbox ?? "", "-C", unpacked, "--strip-components=1"], { cwd: work }),
  ]);
  installed = install;
  expect(untar.status, untar.stderr).toBe(0);
  for (const dep of Object.keys(readManifest(join(unpacked, "package.json")).dependencies ?? {})) {
    if (!dep.startsWith("@gong-connector/")) linkDependency(dep, join(ROOT, "packages/sandbox"));
  }
  // One program type-checks both consumers' files (with skipLibCheck false), once the install is done.
  writeFileSync(join(project, "ok.ts"), API_USE);
  writeFileSync(join(project, "typo.ts"), TYPO);
  writeFileSync(join(project, "sideways.ts"), SIDEWAYS);
  writeFileSync(join(sandboxUser, "uses-api.ts"), SANDBOX_API_USE);
  writeFileSync(join(sandboxUser, "misuses-api.ts"), SANDBOX_MISUSE);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
        types: ["node"],
      },
      files: ["ok.ts", "typo.ts", "sideways.ts", "sandbox-user/uses-api.ts", "sandbox-user/misuses-api.ts"],
    }),
  );
  // Started now, it runs while the tests before the ones that read it run.
  void typeChecked().catch(() => undefined);
}, 120_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** About 8 CPU-seconds of tsc: on two cores shared with the rest of the suite it has taken over a minute. */
const TYPE_CHECK_TIMEOUT = 180_000;

/** The type-check of both consumers, run once for the tests that read it. */
function typeChecked(): Promise<TypeCheck> {
  checked ??= typeCheck(project);
  return checked;
}

describe("the packed client, installed into a fresh project", () => {
  it("installs from the tarballs with nothing but zod besides (no native module, no install script, no server, no Redis client)", () => {
    expect(installed.status, installed.stderr).toBe(0);
    const modules = join(project, "node_modules");
    const packages = readdirSync(modules).flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name])).filter((n) => n !== ".package-lock.json" && n !== ".bin");
    expect(packages.sort()).toEqual(["@gong-connector/client", "@gong-connector/schema", "@types/node", "undici-types", "zod"]);
    for (const banned of ["fastify", "better-sqlite3", "bullmq", "ioredis", "lossless-json"]) expect(existsSync(join(modules, banned)), banned).toBe(false);
    const files = walk(modules).map((f) => relative(modules, f));
    expect(files.filter((f) => f.endsWith(".node") || f.endsWith("binding.gyp"))).toEqual([]);
    for (const name of packages) {
      const manifest = readManifest(join(modules, name, "package.json"));
      const scripts = Object.keys(manifest.scripts ?? {}).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s));
      expect(scripts, `${name} has install scripts`).toEqual([]);
    }
    const client = readManifest(join(modules, "@gong-connector/client/package.json"));
    expect(Object.keys(client.dependencies ?? {}).sort()).toEqual(["@gong-connector/schema", "zod"]);
  });

  it("type-checks a file using the API with skipLibCheck: false; a misspelt field and a wrong enum do not compile", async () => {
    expect(TYPO).not.toBe(API_USE);
    expect(SIDEWAYS).not.toBe(API_USE);
    const { errors, checked: files } = await typeChecked();
    // Every declaration file of the installed packages was checked, not only the consumer's files.
    for (const dts of ["node_modules/@gong-connector/client/dist/index.d.ts", "node_modules/@gong-connector/client/dist/advanced.d.ts", "node_modules/@gong-connector/schema/dist/index.d.ts"]) {
      expect(files).toContain(dts);
    }
    expect(files.some((f) => f.startsWith("node_modules/zod/"))).toBe(true);
    const report = errors.join("\n");
    // Only the broken files fail: ok.ts and every .d.ts of the packages (skipLibCheck: false) check clean.
    expect(errors.filter((e) => !e.startsWith("typo.ts(") && !e.startsWith("sideways.ts(") && !e.startsWith("sandbox-user/misuses-api.ts(")), report).toEqual([]);
    const line = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const typoErrors = errors.filter((e) => e.startsWith("typo.ts("));
    expect(typoErrors.length, report).toBeGreaterThan(0);
    expect(typoErrors.join("\n")).toContain("primaryUsr");
    expect(typoErrors[0]).toContain(`typo.ts(${String(line(TYPO, "primaryUsr:"))},`);
    const sidewaysErrors = errors.filter((e) => e.startsWith("sideways.ts("));
    expect(sidewaysErrors.length, report).toBeGreaterThan(0);
    expect(sidewaysErrors.join("\n")).toContain('"Sideways"');
    // The error is at the field: the line with `direction: "Sideways"`.
    expect(sidewaysErrors[0]).toContain(`sideways.ts(${String(line(SIDEWAYS, 'direction: "Sideways"'))},`);
  }, TYPE_CHECK_TIMEOUT);

  it("runs: the installed entry points load and validate, without the repository's node_modules", async () => {
    const script = `
      import { GongClient, parseAddCallRequest, ValidationError } from "@gong-connector/client";
      import { sleep } from "@gong-connector/client/advanced";
      const ok = parseAddCallRequest({ clientUniqueId: "a", actualStart: new Date("2024-05-01T10:00:00.500Z"), primaryUser: "1", direction: "Inbound", parties: [{ userId: "1" }] });
      let refused = [];
      try { parseAddCallRequest({ clientUniqueId: "a", actualStart: "2024-05-01T10:00:00Z", primaryUsr: "1", direction: "Sideways", parties: [] }); }
      catch (error) { if (error instanceof ValidationError) refused = error.issues.map((i) => i.path); }
      await sleep(1);
      new GongClient({ auth: { bearerToken: "t0ken" } });
      console.log(JSON.stringify({ actualStart: ok.actualStart, refused }));
    `;
    writeFileSync(join(project, "run.mjs"), script);
    const r = await exec(process.execPath, ["run.mjs"], { cwd: project });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { actualStart: string; refused: string[] };
    expect(out.actualStart).toBe("2024-05-01T10:00:00Z");
    expect(out.refused).toEqual(expect.arrayContaining(["primaryUsr", "direction", "parties"]));
  });
});

describe("@gong-connector/sandbox, packed", () => {
  const modules = (): string => join(sandboxUser, "node_modules");

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

  it("a TypeScript file using the public API type-checks with skipLibCheck false and no @types/better-sqlite3", async () => {
    expect(existsSync(join(modules(), "@types/better-sqlite3"))).toBe(false);
    expect(existsSync(join(project, "node_modules/@types/better-sqlite3"))).toBe(false);
    const { errors, checked: files } = await typeChecked();
    const { files: graph } = publicTypeGraph(join(modules(), "@gong-connector/sandbox/dist/index.d.ts"));
    for (const dts of graph) expect(files).toContain(relative(project, dts));
    const mine = errors.filter((e) => e.startsWith("sandbox-user/"));
    expect(mine.map((e) => /^([\w./-]+)\((\d+),\d+\): error (TS\d+)/.exec(e)?.slice(1))).toEqual([
      ["sandbox-user/misuses-api.ts", "2", "TS2353"],
      ["sandbox-user/misuses-api.ts", "3", "TS2322"],
    ]);
    // The sandbox's declarations and the schema's they import check clean.
    expect(errors.filter((e) => e.startsWith("node_modules/")), errors.join("\n")).toEqual([]);
  }, TYPE_CHECK_TIMEOUT);

  it("a script starts the sandbox, adds a call over HTTP, reads it back and closes", async () => {
    writeFileSync(
      join(sandboxUser, "script.mjs"),
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
    const run = await exec(process.execPath, ["script.mjs"], { cwd: sandboxUser, timeoutMs: 60_000 });
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

  it("importing it loads no server and no database until startSandbox is called", async () => {
    writeFileSync(
      join(sandboxUser, "trace-hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
  if (m) appendFileSync(process.env.TRACE_FILE, m[1] + "\\n");
  return result;
}
`,
    );
    writeFileSync(join(sandboxUser, "trace.mjs"), `import { register } from "node:module";\nregister("./trace-hooks.mjs", import.meta.url);\n`);
    const loaded = async (name: string, script: string): Promise<string[]> => {
      const trace = join(sandboxUser, `${name}.trace`);
      writeFileSync(trace, "");
      const run = await exec(process.execPath, ["--import", "./trace.mjs", "--input-type=module", "-e", script], { cwd: sandboxUser, env: { ...process.env, TRACE_FILE: trace } });
      expect(run.status, run.stderr).toBe(0);
      return [...new Set(readFileSync(trace, "utf8").split("\n").filter(Boolean))].sort();
    };
    const [imported, started] = await Promise.all([
      loaded("import", `await import("@gong-connector/sandbox");`),
      loaded("start", `const { startSandbox } = await import("@gong-connector/sandbox"); await (await startSandbox()).close();`),
    ]);
    expect(imported).toEqual(["@gong-connector/sandbox", "ipaddr.js"]);
    expect(started).toEqual(expect.arrayContaining(["fastify", "better-sqlite3", "@gong-connector/schema", "zod"]));
  });

  it("runs examples/sandbox-vitest against the packed package", async () => {
    const example = join(ROOT, "examples/sandbox-vitest");
    for (const part of ["src", "test"]) cpSync(join(example, part), join(sandboxUser, part), { recursive: true });
    linkDependency("vitest", ROOT);
    const run = await exec(process.execPath, [join(modules(), "vitest/vitest.mjs"), "run", "--root", sandboxUser, "--reporter", "verbose"], {
      cwd: sandboxUser,
      timeoutMs: 120_000,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
  });
});
