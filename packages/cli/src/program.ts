import { readFileSync } from "node:fs";
import { Command } from "commander";
import { addCallCommand } from "./commands/add-call.js";
import { addMediaCommand } from "./commands/add-media.js";
import { authCommand } from "./commands/auth.js";
import { callCommand } from "./commands/call.js";
import { callsCommand } from "./commands/calls.js";
import { demoCommand } from "./commands/demo.js";
import { importCommand } from "./commands/import.js";
import { sandboxCommand } from "./commands/sandbox.js";
import { schemaCommand } from "./commands/schema.js";
import { usersCommand } from "./commands/users.js";
import { workerCommand } from "./commands/worker.js";
import { serveCommand } from "./commands/serve.js";
import { workspacesCommand } from "./commands/workspaces.js";
import { reportError } from "./errors.js";
import { escapeControls } from "./output.js";
import { EXIT, installSignalHandlers, takeExitCode } from "./exit.js";

/** The CLI package's version: package.json is one level above src/ and dist/ alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

/**
 * Commander checks required options before unknown ones, so `add-call --inptu x` would say that --input is missing
 * instead of naming the misspelt option. Required options are therefore checked here, after commander has refused
 * unknown options and bad values (with its "Did you mean …?" suggestion), with commander's own message.
 */
function checkRequiredOptionsLast(command: Command): void {
  const required = command.options.filter((option) => option.mandatory);
  if (required.length === 0) return;
  for (const option of required) option.mandatory = false;
  command.hook("preAction", (_program, actionCommand) => {
    if (actionCommand !== command) return;
    for (const option of required) {
      if (command.getOptionValue(option.attributeName()) === undefined) {
        command.error(`error: required option '${option.flags}' not specified`, { code: "commander.missingMandatoryOptionValue" });
      }
    }
  });
}

/** Usage errors print commander's message and a pointer to --help; exit code 2 (commander itself would use 1). */
function configure(command: Command): void {
  command.exitOverride();
  command.showHelpAfterError("(add --help for usage and examples)");
  command.showSuggestionAfterError(true);
  command.configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(escapeControls(s)),
  });
  // Every command that talks to Gong (it has --base-url) can take its credentials from a stored profile.
  if (command.options.some((option) => option.long === "--base-url") && !command.options.some((option) => option.long === "--profile")) {
    command.option("--profile <name>", "stored connection to use when no credentials are in the environment (default: $GONG_PROFILE or \"default\")");
  }
  checkRequiredOptionsLast(command);
  for (const sub of command.commands) configure(sub);
}

export function buildProgram(): Command {
  const program = new Command("gong-connector")
    .description("Add calls and their recordings to Gong: validated before sending, streamed, rate-limited, safe to retry.")
    .version(packageVersion(), "-V, --version")
    .addCommand(addCallCommand())
    .addCommand(addMediaCommand())
    .addCommand(usersCommand())
    .addCommand(workspacesCommand())
    .addCommand(callsCommand())
    .addCommand(callCommand())
    .addCommand(importCommand())
    .addCommand(workerCommand())
    .addCommand(serveCommand())
    .addCommand(sandboxCommand())
    .addCommand(schemaCommand())
    .addCommand(demoCommand())
    .addCommand(authCommand())
    .addHelpText(
      "after",
      `
Environment: GONG_BASE_URL, GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN (these win over any
profile); GONG_PROFILE (the profile to use, default "default"), GONG_CONFIG_DIR (where profiles live); for auth
login: GONG_CLIENT_SECRET, GONG_OAUTH_URL (default https://app.gong.io).

Examples:
  $ gong-connector demo                      # a local sandbox, a call with a recording, its page in the browser
  $ gong-connector sandbox                   # a local Gong to try everything on (its JSON line gives the keys)
  $ gong-connector users                     # the primary user's id
  $ gong-connector add-call --input call.json --media examples/media/demo-call.wav
  $ gong-connector calls --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z

Every command has --help with examples. Exit codes: 0 done, 2 invalid input or usage (nothing sent), 3 Gong refused,
4 gave up, 5 import finished with some calls failed, 6 import stopped on quota (--stop-on-quota), 130 interrupted,
1 a bug.`,
    );
  configure(program);
  return program;
}

/** Runs the command line and returns the exit code (main.ts sets it; nothing here calls process.exit). */
export async function run(argv: readonly string[]): Promise<number> {
  const removeHandlers = installSignalHandlers();
  try {
    const program = buildProgram();
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.invalid;
    }
    await program.parseAsync([...argv]);
    return takeExitCode();
  } catch (error) {
    return reportError(error);
  } finally {
    removeHandlers();
  }
}
