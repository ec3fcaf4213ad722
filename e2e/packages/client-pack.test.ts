/**
 * The client as a consumer gets it: `npm pack` of @gong-connector/schema and @gong-connector/client, installed from
 * the tarballs into a fresh project. It brings no native module, no install script, no server and no Redis client;
 * a TypeScript file using the API type-checks with `skipLibCheck: false`, and a misspelt field or a wrong enum does
 * not; the installed JavaScript runs.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../test-support/dist.js";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

let project: string;
let installed: SpawnSyncReturns<string>;

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });
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

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "gc-client-pack-"));
  const packs = join(project, "packs");
  mkdirSync(packs);
  const tarballs: Record<string, string> = {};
  for (const name of ["schema", "client"]) {
    const packed = run(NPM, ["pack", "--pack-destination", packs, "--json"], join(ROOT, "packages", name));
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string }[];
    tarballs[name] = join(packs, info?.filename ?? "");
  }
  const app = join(project, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "@gong-connector/schema": `file:${tarballs.schema ?? ""}`, "@gong-connector/client": `file:${tarballs.client ?? ""}` },
      devDependencies: { "@types/node": "20.19.43" },
    }),
  );
  installed = run(NPM, ["install", "--offline", "--no-audit", "--no-fund"], app);
  project = app;
}, 120_000);

afterAll(() => {
  const base = join(project, "..");
  if (base.startsWith(tmpdir())) rmSync(base, { recursive: true, force: true });
});

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
      const manifest = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")) as { scripts?: Record<string, string>; dependencies?: Record<string, string> };
      const scripts = Object.keys(manifest.scripts ?? {}).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s));
      expect(scripts, `${name} has install scripts`).toEqual([]);
    }
    const client = JSON.parse(readFileSync(join(modules, "@gong-connector/client/package.json"), "utf8")) as { dependencies?: Record<string, string> };
    expect(Object.keys(client.dependencies ?? {}).sort()).toEqual(["@gong-connector/schema", "zod"]);
  });

  it("type-checks a file using the API with skipLibCheck: false; a misspelt field and a wrong enum do not compile", () => {
    writeFileSync(join(project, "ok.ts"), API_USE);
    const typo = API_USE.replace('    primaryUser: "7782342274025937895",\n', '    primaryUsr: "7782342274025937895",\n');
    const sideways = API_USE.replace('    direction: "Outbound",\n', '    direction: "Sideways",\n');
    expect(typo).not.toBe(API_USE);
    expect(sideways).not.toBe(API_USE);
    writeFileSync(join(project, "typo.ts"), typo);
    writeFileSync(join(project, "sideways.ts"), sideways);
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
        files: ["ok.ts", "typo.ts", "sideways.ts"],
      }),
    );
    const r = run(process.execPath, [TSC, "-p", "tsconfig.json", "--pretty", "false"], project);
    const errors = r.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
    // Only the two broken files fail: ok.ts and every .d.ts of the packages (skipLibCheck: false) check clean.
    expect(errors.filter((e) => !e.startsWith("typo.ts(") && !e.startsWith("sideways.ts(")), r.stdout).toEqual([]);
    const line = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const typoErrors = errors.filter((e) => e.startsWith("typo.ts("));
    expect(typoErrors.length, r.stdout).toBeGreaterThan(0);
    expect(typoErrors.join("\n")).toContain("primaryUsr");
    expect(typoErrors[0]).toContain(`typo.ts(${String(line(typo, "primaryUsr:"))},`);
    const sidewaysErrors = errors.filter((e) => e.startsWith("sideways.ts("));
    expect(sidewaysErrors.length, r.stdout).toBeGreaterThan(0);
    expect(sidewaysErrors.join("\n")).toContain('"Sideways"');
    // The error is at the field: the line with `direction: "Sideways"`.
    expect(sidewaysErrors[0]).toContain(`sideways.ts(${String(line(sideways, 'direction: "Sideways"'))},`);
    expect(r.status).not.toBe(0);
  });

  it("runs: the installed entry points load and validate, without the repository's node_modules", () => {
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
    const r = run(process.execPath, ["run.mjs"], project);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { actualStart: string; refused: string[] };
    expect(out.actualStart).toBe("2024-05-01T10:00:00Z");
    expect(out.refused).toEqual(expect.arrayContaining(["primaryUsr", "direction", "parties"]));
  });
});
