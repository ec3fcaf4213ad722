/** Helpers of the importer tests: a sandbox with the admin API, manifests, a real redis-server, the CLI. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { expect } from "vitest";
import { SEED_USERS, generateConversationWav, startSandbox, type RunningSandbox, type StartSandboxOptions } from "@gong-connector/sandbox";

import { CLI, ROOT } from "./dist.js";
export { CLI, ROOT };
export const HOST = SEED_USERS.host;
export const REP = SEED_USERS.rep;

export async function startTestSandbox(opts: Partial<StartSandboxOptions> = {}): Promise<RunningSandbox> {
  return startSandbox({ admin: true, ...opts });
}

export interface AdminCall {
  id: string;
  clientUniqueId: string;
  media: { state: string; sha256: string | null; size: number | null };
}

async function admin<T>(sb: RunningSandbox, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sb.baseUrl}/__sandbox${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.adminToken ?? ""}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function adminCalls(sb: RunningSandbox): Promise<AdminCall[]> {
  return (await admin<{ calls: AdminCall[] }>(sb, "GET", "/calls")).calls;
}

export async function setFaults(sb: RunningSandbox, faults: Record<string, number>): Promise<void> {
  await admin(sb, "PUT", "/faults", faults);
}

export async function setSettings(sb: RunningSandbox, settings: Record<string, unknown>): Promise<void> {
  await admin(sb, "PUT", "/settings", settings);
}

export async function requestLog(sb: RunningSandbox, limit = 10_000): Promise<{ total: number; requests: Record<string, unknown>[] }> {
  return admin(sb, "GET", `/requests?limit=${limit}`);
}

/** How many /v2 requests (Gong's API, not the admin API) the sandbox has answered (of its last 10,000). */
export async function apiRequestCount(sb: RunningSandbox): Promise<number> {
  const log = await requestLog(sb);
  return log.requests.filter((r) => typeof r.path === "string" && r.path.startsWith("/v2")).length;
}

export function sandboxEnv(sb: RunningSandbox): Record<string, string> {
  return { GONG_BASE_URL: sb.baseUrl, GONG_ACCESS_KEY: sb.accessKey, GONG_ACCESS_KEY_SECRET: sb.accessKeySecret };
}

/** A valid Add call request; minutes apart so that lookups stay within one page. */
export function callRequest(i: number, prefix = "t"): Record<string, unknown> {
  const start = new Date(Date.UTC(2026, 0, 1, 8, 0, 0) + i * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    clientUniqueId: `${prefix}-${String(i).padStart(5, "0")}`,
    actualStart: start,
    primaryUser: HOST,
    direction: i % 2 === 0 ? "Outbound" : "Inbound",
    title: `Test call ${i}`,
    parties: [{ userId: HOST, name: "Host" }, { name: `Guest ${i}`, emailAddress: `guest${i}@example.com` }],
  };
}

/** Writes tiny distinct WAVs (different lengths so their sha256 differ). */
export function writeWavs(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const { wav } = generateConversationWav({ speakers: 2, turns: 1 + (i % 4), turnMs: 40 + i, gapMs: 10, sampleRate: 8000 });
    const file = join(dir, `rec-${i}.wav`);
    writeFileSync(file, wav);
    files.push(file);
  }
  return files;
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function writeJsonl(path: string, rows: readonly Record<string, unknown>[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

// ---------------------------------------------------------------------------------------------
// redis-server
// ---------------------------------------------------------------------------------------------

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts its own `redis-server` on a free port (no persistence); `stop()` ends it. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      reject(new Error(`redis-server did not start: ${out}`));
    }, 10_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${String(code)}): ${out}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The CLI as a subprocess
// ---------------------------------------------------------------------------------------------

export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the built CLI with ARGS with a clean environment plus `env`. */
export function startCli(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

export async function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), timeoutMs);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/** The last JSON object printed on stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{"));
  const last = lines[lines.length - 1];
  if (last === undefined) throw new Error(`no JSON on stdout: ${stdout}`);
  return JSON.parse(last) as Record<string, unknown>;
}

/** Writes `count` valid calls (`callRequest(from + i, prefix)`) as DIR/NAME in JSONL and returns the path. */
export function writeManifest(dir: string, name: string, count: number, prefix: string, from = 0): string {
  const path = join(dir, name);
  writeJsonl(path, Array.from({ length: count }, (_, i) => callRequest(from + i, prefix)));
  return path;
}

/** The clientUniqueIds of the sandbox's calls that start with `prefix`. */
export async function idsIn(sb: RunningSandbox, prefix: string): Promise<string[]> {
  return (await adminCalls(sb)).map((c) => c.clientUniqueId).filter((id) => id.startsWith(prefix));
}

/** Each of `count` ids is there exactly once. */
export function expectOnce(ids: readonly string[], count: number): void {
  expect(ids).toHaveLength(count);
  expect(new Set(ids).size).toBe(count);
}
