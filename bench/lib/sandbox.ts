/**
 * The sandbox as a separate child process (so its memory is measured apart from the client's), started from the
 * built package: `node --input-type=module -e <launcher>` calls startSandbox from packages/sandbox/dist and prints one JSON
 * line with its base URL and keys, then serves until SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { childEnv, procStatusBytes, ROOT } from "./proc.js";

export interface SandboxChildOptions {
  /** Requests per second per key (0 = unlimited, the default here). */
  ratePerSecond?: number;
  /** Requests per day (0 = unlimited, the default here). */
  ratePerDay?: number;
  /** Data directory (default: a temp dir removed on close). */
  dataDir?: string;
}

export interface SandboxChild {
  baseUrl: string;
  accessKey: string;
  accessKeySecret: string;
  adminToken: string;
  pid: number;
  /** Environment for the CLI pointing at this sandbox. */
  env: Record<string, string>;
  /** Current RSS in bytes. */
  rss(): number;
  /** Peak RSS (VmHWM) of the sandbox process so far, in bytes. */
  peakRss(): number;
  /** GET/PUT/POST on the admin API; returns the parsed JSON. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

const LAUNCHER = (sandboxUrl: string): string => `
import { startSandbox } from ${JSON.stringify(sandboxUrl)};
const opts = JSON.parse(process.env.BENCH_SANDBOX_OPTIONS ?? "{}");
const sb = await startSandbox({ host: "127.0.0.1", port: 0, admin: true, ...opts });
process.stdout.write(JSON.stringify({ baseUrl: sb.baseUrl, accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret, adminToken: sb.adminToken }) + "\\n");
const stop = () => { sb.close().then(() => process.exit(0), () => process.exit(1)); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
`;

interface Ready {
  baseUrl: string;
  accessKey: string;
  accessKeySecret: string;
  adminToken: string;
}

function isReady(v: unknown): v is Ready {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.baseUrl === "string" && typeof o.accessKey === "string" && typeof o.accessKeySecret === "string" && typeof o.adminToken === "string";
}

function waitForLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    if (child.stdout === null) {
      reject(new Error("sandbox child has no stdout"));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null): void => {
      reject(new Error(`sandbox child exited (${code}) before it was ready: ${stderr}`));
    };
    child.once("exit", onExit);
    lines.once("line", (line) => {
      child.off("exit", onExit);
      lines.close();
      child.stdout?.resume();
      resolve(line);
    });
  });
}

/** Starts a sandbox child on 127.0.0.1 (rate limits off unless given). */
export async function startSandboxChild(options: SandboxChildOptions = {}): Promise<SandboxChild> {
  const sandboxUrl = pathToFileURL(join(ROOT, "packages", "sandbox", "dist", "index.js")).href;
  const opts = { ratePerSecond: options.ratePerSecond ?? 0, ratePerDay: options.ratePerDay ?? 0, ...(options.dataDir !== undefined && { dataDir: options.dataDir }) };
  const child = spawn(process.execPath, ["--input-type=module", "-e", LAUNCHER(sandboxUrl)], {
    env: childEnv({ BENCH_SANDBOX_OPTIONS: JSON.stringify(opts) }),
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  const line = await waitForLine(child);
  const parsed: unknown = JSON.parse(line);
  if (!isReady(parsed)) throw new Error(`unexpected sandbox line: ${line}`);
  const pid = child.pid ?? 0;
  const auth = `Bearer ${parsed.adminToken}`;
  return {
    ...parsed,
    pid,
    env: { GONG_BASE_URL: parsed.baseUrl, GONG_ACCESS_KEY: parsed.accessKey, GONG_ACCESS_KEY_SECRET: parsed.accessKeySecret },
    rss: () => procStatusBytes(pid, "VmRSS") ?? 0,
    peakRss: () => procStatusBytes(pid, "VmHWM") ?? 0,
    admin: async (method, path, body) => {
      const res = await fetch(`${parsed.baseUrl}/__sandbox${path}`, {
        method,
        headers: { authorization: auth, ...(body !== undefined && { "content-type": "application/json" }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const json: unknown = await res.json();
      if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
