/**
 * Runs npm scripts at the same time and fails when any of them fails:
 *   node --import tsx scripts/parallel.ts typecheck lint
 * Each script's output (stdout and stderr, in order) is printed whole when it ends, under its name with its time
 * and exit code, so that the outputs do not interleave. Ctrl-C stops them all.
 */
import { spawn } from "node:child_process";

interface Outcome {
  name: string;
  code: number;
  ms: number;
  output: string;
}

function run(name: string): Promise<Outcome> {
  const started = performance.now();
  const npm = process.env.npm_execpath;
  // Under npm, run the same npm (npm_execpath is its CLI script); alone, the npm on PATH.
  const [command, args] = npm !== undefined && npm !== "" ? [process.execPath, [npm, "run", name]] : ["npm", ["run", name]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" } });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const stop = (): void => {
      child.kill("SIGINT");
    };
    process.once("SIGINT", stop);
    child.on("error", (error) => {
      output += `${error.message}\n`;
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", stop);
      resolve({ name, code: code ?? (signal === null ? 1 : 128 + 2), ms: performance.now() - started, output });
    });
  });
}

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write("usage: parallel.ts SCRIPT [SCRIPT…] (npm script names)\n");
  process.exit(2);
}
const outcomes = await Promise.all(
  names.map(async (name) => {
    const outcome = await run(name);
    const head = `── npm run ${name}: ${outcome.code === 0 ? "ok" : `failed (exit ${outcome.code})`} in ${(outcome.ms / 1000).toFixed(1)} s`;
    process.stdout.write(`${head}\n${outcome.output}${outcome.output === "" || outcome.output.endsWith("\n") ? "" : "\n"}`);
    return outcome;
  }),
);
const failed = outcomes.filter((o) => o.code !== 0);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((o) => o.name).join(", ")}\n`);
  process.exitCode = 1;
}
