/** Child processes for the benchmarks: spawn, wall time, peak RSS (own preload or /proc sampling). */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(ROOT, "packages", "cli", "dist", "main.js");

/** A preload that writes the process's peak RSS (bytes, from getrusage) to $BENCH_RSS_FILE when it exits. */
export const RSS_PRELOAD =
  "data:text/javascript," +
  encodeURIComponent(
    `import { writeFileSync } from "node:fs";
     process.on("exit", () => { if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)); });`,
  );

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in ms (high resolution). */
  wallMs: number;
  /** Peak RSS in bytes, when measured. */
  peakRss?: number;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Run `node --import <preload>` so the child reports its own peak RSS (node commands only). */
  measureRss?: boolean;
  /** Extra node flags (node commands only), e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
  cwd?: string;
  timeoutMs?: number;
  stdin?: string;
}

/** The environment children get: PATH and HOME plus `extra` (nothing else leaks in, e.g. GONG_* of the caller). */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

function collect(child: ChildProcess, started: bigint, timeoutMs: number): Promise<Omit<RunResult, "peakRss">> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Runs any command and waits for it. */
export async function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const input = options.stdin;
  const child = spawn(command, [...args], { env: childEnv(options.env), cwd: options.cwd ?? ROOT, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (input !== undefined && child.stdin !== null) {
    // A child may exit without reading its input (EPIPE): that is not a failure of the run; its exit code tells.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  }
  return collect(child, started, options.timeoutMs ?? 3_600_000);
}

/** Runs `node [flags] script args`, optionally reporting the child's peak RSS. */
export async function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const dir = options.measureRss === true ? mkdtempSync(join(tmpdir(), "bench-rss-")) : undefined;
  const rssFile = dir === undefined ? undefined : join(dir, "rss");
  const flags = [...(options.nodeFlags ?? []), ...(rssFile === undefined ? [] : ["--import", RSS_PRELOAD])];
  try {
    const result: RunResult = await runCommand(process.execPath, [...flags, script, ...args], {
      ...options,
      env: { ...options.env, BENCH_RSS_FILE: rssFile },
    });
    if (rssFile !== undefined && existsSync(rssFile)) result.peakRss = Number(readFileSync(rssFile, "utf8"));
    return result;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI as a user runs it: `node packages/cli/dist/main.js ...args`. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode(CLI, args, options);
}

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM), or undefined when the process is gone. */
export function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` and keeps the peak (combined with VmHWM since `reset`). */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly pid: number,
    private readonly intervalMs = 20,
  ) {}

  start(): this {
    this.peak = procStatusBytes(this.pid, "VmRSS") ?? 0;
    this.timer = setInterval(() => {
      const rss = procStatusBytes(this.pid, "VmRSS");
      if (rss !== undefined && rss > this.peak) this.peak = rss;
    }, this.intervalMs);
    return this;
  }

  /** Stops sampling; returns the peak RSS seen in bytes. */
  stop(): number {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const rss = procStatusBytes(this.pid, "VmRSS");
    if (rss !== undefined && rss > this.peak) this.peak = rss;
    return this.peak;
  }
}

/** Makes sure dist/ is built (the CLI and the sandbox child run from it). */
export async function ensureBuilt(force: boolean): Promise<void> {
  if (!force && existsSync(CLI) && existsSync(join(ROOT, "packages", "sandbox", "dist", "index.js"))) return;
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const r = await runNode(tsc, ["-b", "tsconfig.build.json"], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`build failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}
