import { Command } from "commander";
import { action } from "../action.js";
import { clientFromEnvironment } from "../client.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printJson } from "../output.js";

interface ListFlags {
  baseUrl?: string;
  verbose?: boolean;
  pretty?: boolean;
}

export function workspacesCommand(): Command {
  return new Command("workspaces")
    .description("Pick list for Workspace: every Gong workspace with id and name, as JSON.")
    .option("--pretty", "indent the JSON")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr")
    .addHelpText(
      "after",
      `
Prints a JSON array: [{"id","name","description"}].

Examples:
  $ gong-connector workspaces --pretty`,
    )
    .action(
      action(async (flags: ListFlags) => {
        const { listWorkspaces } = await import("@gong-connector/client");
        printJson(await listWorkspaces(clientFromEnvironment(flags), { signal: interruptSignal() }), flags.pretty === true);
        return EXIT.ok;
      }),
    );
}
