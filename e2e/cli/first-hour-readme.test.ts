/**
 * The README's own shell examples, run as written against a sandbox, so the README cannot drift from the commands.
 *
 * Every ```sh block of README.md that runs gong-connector is a script a new user pastes; ```console blocks are
 * transcripts (a prompt, then output) and are not run. The sandbox runs as the README starts it, with
 * `--data ./sandbox-data` in the scratch directory, so a block may load `./sandbox-data/sandbox.env`; a block's
 * `export GONG_…=…` line with placeholders (…) is where the user pastes the values of the sandbox's JSON line: the test
 * gives the same variables from its sandbox instead. `npx gong-connector` runs the built CLI (dist/cli/main.js), in a
 * scratch directory holding a copy of examples/.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSandbox, type ChildSandbox } from "../../test-support/child-sandbox.js";
import type { AdminCall } from "../../test-support/sandbox.js";
import { SEED_USERS } from "../../packages/sandbox/src/internal/seed.js";
import { CLI } from "../../test-support/run-cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The ```sh blocks of a Markdown text that run gong-connector, in order. */
export function shellExamples(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^```sh\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const body = m[1] ?? "";
    if (/\bgong-connector\b/.test(body)) blocks.push(body);
  }
  return blocks;
}

const PLACEHOLDER_EXPORT = /^export (GONG_[A-Z_]+=\S+)( GONG_[A-Z_]+=\S+)*\s*$/;

/** The block without its placeholder `export GONG_…` lines; the names those lines set. */
function withoutPlaceholderExports(block: string): { script: string; exported: string[] } {
  const exported: string[] = [];
  const lines = block.split("\n").filter((line) => {
    if (!PLACEHOLDER_EXPORT.test(line) || !line.includes("…")) return true;
    for (const assignment of line.slice("export ".length).trim().split(/\s+/)) exported.push(assignment.split("=")[0] ?? "");
    return false;
  });
  return { script: lines.join("\n"), exported };
}

const scratch = mkdtempSync(join(tmpdir(), "gc-readme-"));
cpSync(join(ROOT, "examples"), join(scratch, "examples"), { recursive: true });
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs a README block with bash -e in the scratch directory, `npx gong-connector` being the built CLI. */
function runBlock(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const prelude = [
    "set -euo pipefail",
    `gong-connector() { node ${JSON.stringify(CLI)} "$@"; }`,
    'npx() { if [ "$1" = gong-connector ]; then shift; gong-connector "$@"; else echo "the README runs npx $1" >&2; return 99; fi; }',
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `${prelude}\n${script}`], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

let sandbox: ChildSandbox | undefined;
beforeAll(async () => {
  sandbox = await spawnSandbox(["--data", join(scratch, "sandbox-data"), "--admin", "--rate-per-second", "0", "--rate-per-day", "0"]);
});
afterAll(async () => {
  await sandbox?.stop();
});

function running(): ChildSandbox {
  if (sandbox === undefined) throw new Error("the sandbox is not running");
  return sandbox;
}

/** The variables a user pastes from the sandbox's JSON line. */
function sandboxEnv(): Record<string, string> {
  const { line } = running();
  return { GONG_BASE_URL: line.baseUrl, GONG_ACCESS_KEY: line.accessKey, GONG_ACCESS_KEY_SECRET: line.accessKeySecret };
}

async function admin<T>(path: string): Promise<T> {
  const { line } = running();
  const res = await fetch(`${line.baseUrl}/__sandbox${path}`, { headers: { authorization: `Bearer ${line.adminToken ?? ""}` } });
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const adminCalls = async (): Promise<AdminCall[]> => (await admin<{ calls: AdminCall[] }>("/calls")).calls;

/** The block to run and the environment it gets: the sandbox's values where the README has the user paste them. */
function prepared(block: string): { script: string; env: Record<string, string> } {
  const { script, exported } = withoutPlaceholderExports(block);
  if (exported.length === 0) return { script, env: {} };
  expect(exported.sort()).toEqual(["GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_BASE_URL"]);
  return { script, env: sandboxEnv() };
}

const blocks = shellExamples(README);

describe("the README's shell examples, run as written against a sandbox", () => {
  it("the README has the first-call and the import examples", () => {
    expect(blocks.some((b) => b.includes("add-call --input call.json --media examples/media/demo-call.wav"))).toBe(true);
    expect(blocks.some((b) => b.includes("import examples/calls.jsonl"))).toBe(true);
  });

  it("the first call: the user of the example exists, every command exits 0, the call and its recording are in the sandbox", async () => {
    const block = blocks.find((b) => b.includes("add-call --input call.json"));
    if (block === undefined) throw new Error("no add-call example in the README");
    const { script, env } = prepared(block);

    const first = await runBlock(script, env);
    expect(first.stderr).not.toContain("unknown user id");
    expect(first.code, first.stderr).toBe(0);
    const request = JSON.parse(readFileSync(join(scratch, "call.json"), "utf8")) as { clientUniqueId: string; primaryUser: string };
    expect(request.primaryUser).toBe(SEED_USERS.example);

    const call = (await adminCalls()).find((c) => c.clientUniqueId === request.clientUniqueId);
    if (call === undefined) throw new Error("the README's call is not in the sandbox");
    const stored = (await admin<{ call: AdminCall }>(`/calls/${call.id}`)).call;
    const wav = readFileSync(join(ROOT, "examples/media/demo-call.wav"));
    expect(stored.media.sha256).toBe(createHash("sha256").update(wav).digest("hex"));
    // add-call's line, then `call` and `calls` show the same call.
    expect(first.stdout).toContain(`{"callId":"${call.id}"`);
    expect(first.stdout).toContain(`"media":{"requestId"`);
    expect(first.stdout.match(new RegExp(`"id":\\s*"${call.id}"`, "g"))?.length).toBe(2);

    // Pasted again: the same call, "duplicate": true, still exit 0, nothing added.
    const again = await runBlock(script, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`{"callId":"${call.id}","requestId"`);
    expect(again.stdout).toContain('"duplicate":true');
    expect((await adminCalls()).filter((c) => c.clientUniqueId === request.clientUniqueId)).toHaveLength(1);
    // Two runs of a block of about ten CLI processes: on two cores shared with the rest of the suite it has taken over a minute.
  }, 180_000);

  it("the bulk import examples import every example call and leave only git-ignored files", async () => {
    const block = blocks.find((b) => b.includes("import examples/calls.jsonl"));
    if (block === undefined) throw new Error("no import example in the README");
    const { script, env } = prepared(block);
    const r = await runBlock(script, Object.keys(env).length > 0 ? env : sandboxEnv());
    expect(r.code, r.stderr).toBe(0);
    const summaries = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { failed: number; done: number; total: number; invalid: number });
    expect(summaries).toHaveLength(2);
    for (const s of summaries) {
      expect(s.failed).toBe(0);
      expect(s.done + s.invalid).toBe(s.total);
    }
    expect(existsSync(join(scratch, "examples/calls.jsonl.journal.sqlite"))).toBe(true);
    const ignored = await new Promise<string>((resolve, reject) => {
      const child = spawn("git", ["check-ignore", "--no-index", "examples/calls.jsonl.journal.sqlite", "examples/calls.csv.journal.sqlite-wal", "failures.csv"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "ignore"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("error", reject);
      child.on("close", () => {
        resolve(out);
      });
    });
    expect(ignored.trim().split("\n")).toHaveLength(3);
  });
});
