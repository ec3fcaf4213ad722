/**
 * Runs one of the sandbox's CLI commands in this process, as the real program would (signal handlers, exit code):
 *   node --import tsx test/helpers/run-command.ts sandbox --port 0 --admin
 *   node --import tsx test/helpers/run-command.ts demo --once
 * Tests spawn it as a child process to check start-up, the JSON line and a clean stop on SIGINT/SIGTERM.
 */
import { demoCommand } from "../packages/cli/src/commands/demo.js";
import { sandboxCommand } from "../packages/cli/src/commands/sandbox.js";
import { installSignalHandlers, takeExitCode } from "../packages/cli/src/exit.js";

const [name, ...rest] = process.argv.slice(2);
const command = name === "demo" ? demoCommand() : name === "sandbox" ? sandboxCommand() : undefined;
if (command === undefined) {
  process.stderr.write("usage: run-command.ts sandbox|demo [flags]\n");
  process.exitCode = 2;
} else {
  const remove = installSignalHandlers();
  await command.parseAsync(["node", name ?? "", ...rest]);
  remove();
  process.exitCode = takeExitCode();
}
