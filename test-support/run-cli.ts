import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RSS_PRELOAD } from "../bench/lib/proc.js";

export { CLI } from "./dist.js";
import { CLI } from "./dist.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of the CLI process in bytes (when measured). */
  peakRss?: number;
  durationMs: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  measureRss?: boolean;
  timeoutMs?: number;
}

/** Runs the built CLI as a user would (a subprocess, a clean environment plus `env`). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const dir = options.measureRss === true ? mkdtempSync(join(tmpdir(), "gc-rss-")) : undefined;
  const rssFile = dir === undefined ? undefined : join(dir, "rss");
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  if (rssFile !== undefined) env.BENCH_RSS_FILE = rssFile;
  const nodeArgs = rssFile === undefined ? [CLI, ...args] : ["--import", RSS_PRELOAD, CLI, ...args];
  const started = Date.now();
  return runProcess(process.execPath, nodeArgs, { env, ...(options.stdin === undefined ? {} : { stdin: options.stdin }), timeoutMs: options.timeoutMs ?? 120_000 }).then(({ status, stdout, stderr }) => {
    const result: CliResult = { code: status, stdout, stderr, durationMs: Date.now() - started };
    if (rssFile !== undefined && dir !== undefined) {
      try {
        result.peakRss = Number(readFileSync(rssFile, "utf8"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return result;
  });
}

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without blocking the test worker: `stdin` as its input (empty unless given), `env` as its
 * whole environment (this process's unless given), killed after `timeoutMs` (2 minutes unless given).
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}
