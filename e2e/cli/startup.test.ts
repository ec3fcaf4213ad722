/**
 * What each command loads. Start-up time is most of a short command's wall time, so heavy packages load only in the
 * commands that use them: fastify and better-sqlite3 for the sandbox, bullmq and ioredis for queue mode, csv-parse
 * for import, cli-progress for the uploads of add-call --media and add-media. zod comes with @gong-connector/client's entry point (the client checks Gong's answers with it), so
 * every command loads it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../test-support/run-cli.js";

/** Module hooks (they run in their own thread) that append every package a process resolves to $TRACE_FILE. */
const HOOKS = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
  if (m) appendFileSync(process.env.TRACE_FILE, m[1] + "\\n");
  return result;
}`;
const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

const HEAVY = ["fastify", "better-sqlite3", "bullmq", "ioredis", "csv-parse"];
/** The progress bar: only the commands that upload load it. */
const PROGRESS = "cli-progress";
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-startup-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function packagesLoadedBy(name: string, args: readonly string[]): Promise<{ code: number | null; packages: Set<string> }> {
  const trace = join(dir, `${name}.trace`);
  writeFileSync(trace, "");
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TRACE_FILE: trace };
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, CLI, ...args], { env, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", resolve);
  });
  return { code, packages: new Set(readFileSync(trace, "utf8").split("\n").filter(Boolean)) };
}

describe("start-up: what each command loads", () => {
  it("--help loads commander and none of the server, database, queue, CSV or progress-bar packages", async () => {
    const { code, packages } = await packagesLoadedBy("help", ["--help"]);
    expect(code).toBe(0);
    expect(packages.has("commander")).toBe(true);
    expect([...HEAVY, PROGRESS].filter((p) => packages.has(p))).toEqual([]);
  });

  it("add-media loads none of them either", async () => {
    const file = join(dir, "call.wav");
    writeFileSync(file, "");
    const { code, packages } = await packagesLoadedBy("add-media", ["add-media", "--call-id", "123", "--file", file]);
    expect(code).toBe(2); // the empty file is refused before anything is sent
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
  });

  it("add-call loads zod (the schema) when it runs, and nothing of the sandbox or the queue; without --media no progress bar", async () => {
    const input = join(dir, "call.json");
    writeFileSync(input, "{}");
    const { code, packages } = await packagesLoadedBy("add-call", ["add-call", "--input", input, "--dry-run"]);
    expect(code).toBe(2);
    expect(packages.has("zod")).toBe(true);
    expect(["fastify", "better-sqlite3", "bullmq", PROGRESS].filter((p) => packages.has(p))).toEqual([]);
  });
});
