import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { CLI } from "./dist.js";

export interface ChildSandbox {
  child: ChildProcess;
  line: { baseUrl: string; accessKey: string; accessKeySecret: string; bearerToken: string; dataDir: string; adminToken?: string; oauthUrl?: string; clientId?: string; clientSecret?: string };
  /** ms from spawn to the JSON line */
  startupMs: number;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `gong-connector sandbox` (the built CLI) as a child process and waits for its first stdout line. */
export async function spawnSandbox(args: string[] = [], timeoutMs = 20_000): Promise<ChildSandbox> {
  return spawnCommand("sandbox", args, timeoutMs);
}

/** Starts the built CLI's `sandbox` or `demo` as a child process and waits for its first stdout line (parsed as JSON). */
export async function spawnCommand(name: "sandbox" | "demo", args: string[] = [], timeoutMs = 20_000): Promise<ChildSandbox> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, name, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => { resolve(code); }));
  const rl = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`sandbox did not print its JSON line in time; stderr: ${err}`)); }, timeoutMs);
    rl.once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}; stderr: ${err}`));
    });
  });
  const startupMs = performance.now() - t0;
  return {
    child,
    line: JSON.parse(first) as ChildSandbox["line"],
    startupMs,
    stderr: () => err,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
