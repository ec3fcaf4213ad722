/**
 * Runs npm scripts at the same time and fails when any of them fails:
 *   node --import tsx scripts/parallel.ts [--live SCRIPT] SCRIPT [SCRIPT…]
 * The --live script writes to this terminal as it goes (a long test run shows its progress); every other script's
 * output (stdout and stderr, in order) is printed whole when it ends, under its name with its time and exit code, so
 * that outputs do not interleave line by line. The exit code is 0 when all succeeded, else 1 (with the failed names on
 * stderr). Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from "node:child_process";

interface Outcome {
  name: string;
  code: number;
  ms: number;
  output: string;
}

function start(name: string, live: boolean): ChildProcess {
  const npm = process.env.npm_execpath;
  // Under npm, run the same npm (npm_execpath is its CLI script); alone, the npm on PATH.
  const [command, args] = npm !== undefined && npm !== "" ? [process.execPath, [npm, "run", name]] : ["npm", ["run", name]];
  const env = live ? process.env : { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" };
  return spawn(command, args, { stdio: live ? ["inherit", "inherit", "inherit"] : ["ignore", "pipe", "pipe"], env });
}

function run(name: string, live: boolean): Promise<Outcome> {
  const started = performance.now();
  const child = start(name, live);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (output += d));
  // A live script shares the terminal, so Ctrl-C reaches it directly; the others get it from here.
  const stop = (): void => {
    if (!live) child.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  return new Promise((resolve) => {
    child.on("error", (error) => {
      output += `${error.message}\n`;
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", stop);
      resolve({ name, code: code ?? (signal === null ? 1 : 128 + 2), ms: performance.now() - started, output });
    });
  });
}

function usage(): never {
  process.stderr.write("usage: parallel.ts [--live SCRIPT] SCRIPT [SCRIPT…] (npm script names)\n");
  process.exit(2);
}

const args = process.argv.slice(2);
let live: string | undefined;
if (args[0] === "--live") {
  live = args[1];
  if (live === undefined || live === "") usage();
  args.splice(0, 2);
}
const names = live === undefined ? args : [live, ...args];
if (names.length === 0 || names.some((name) => name.startsWith("-"))) usage();

const outcomes = await Promise.all(
  names.map(async (name) => {
    const isLive = name === live;
    const outcome = await run(name, isLive);
    const head = `── npm run ${name}: ${outcome.code === 0 ? "ok" : `failed (exit ${outcome.code})`} in ${(outcome.ms / 1000).toFixed(1)} s`;
    const body = isLive ? "" : `${outcome.output}${outcome.output === "" || outcome.output.endsWith("\n") ? "" : "\n"}`;
    process.stdout.write(`${head}\n${body}`);
    return outcome;
  }),
);
const failed = outcomes.filter((o) => o.code !== 0);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((o) => o.name).join(", ")}\n`);
  process.exitCode = 1;
}
