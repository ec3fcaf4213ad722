import { Readable } from "node:stream";
import { run } from "../packages/cli/src/program.js";

export interface InProcessResult {
  /** The exit code run() returned (what main.ts sets as the process's). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** The environment of the run, on top of PATH and HOME only (as runCli gives a subprocess). */
  env?: Record<string, string | undefined>;
  /** What the run reads on stdin (not a terminal), then end of input: empty unless given, as runCli gives a subprocess. */
  stdin?: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the command line in this process — `run(argv)` of the CLI's sources — with `env` as the whole environment
 * and `stdin` as its standard input, stdout and stderr captured, for checks of argument parsing, messages and exit codes that need no process of
 * their own (end-to-end tests spawn the built CLI for those). Runs wait for each other: they replace process.env,
 * process.stdin and the streams' write for their duration, and restore them after.
 */
export function runInProcess(args: readonly string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const result = queue.then(() => runNow(args, options));
  queue = result.catch(() => undefined);
  return result;
}

function text(chunk: unknown): string {
  return typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
}

async function runNow(args: readonly string[], options: InProcessOptions): Promise<InProcessResult> {
  const savedEnv = process.env;
  const env: NodeJS.ProcessEnv = { PATH: savedEnv.PATH ?? "", HOME: savedEnv.HOME ?? "/tmp" };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { stdout: out, stderr: err } = process;
  const outWrite = Object.getOwnPropertyDescriptor(out, "write");
  const errWrite = Object.getOwnPropertyDescriptor(err, "write");
  const capture = (into: string[]) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      into.push(text(chunk));
      const callback = rest.find((r): r is () => void => typeof r === "function");
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  const stdinProperty = Object.getOwnPropertyDescriptor(process, "stdin");
  const input = Readable.from([Buffer.from(options.stdin ?? "", "utf8")], { objectMode: false });
  process.env = env;
  Object.defineProperty(process, "stdin", { configurable: true, enumerable: true, get: () => input });
  out.write = capture(stdout);
  err.write = capture(stderr);
  try {
    const code = await run(["node", "gong-connector", ...args]);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    process.env = savedEnv;
    input.destroy();
    if (stdinProperty === undefined) delete (process as { stdin?: unknown }).stdin;
    else Object.defineProperty(process, "stdin", stdinProperty);
    if (outWrite === undefined) delete (out as { write?: unknown }).write;
    else Object.defineProperty(out, "write", outWrite);
    if (errWrite === undefined) delete (err as { write?: unknown }).write;
    else Object.defineProperty(err, "write", errWrite);
  }
}
