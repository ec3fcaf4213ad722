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

export function usersCommand(): Command {
  return new Command("users")
    .description("Pick list for Primary user: every Gong user (all pages) with id, name and e-mail, as JSON.")
    .option("--pretty", "indent the JSON")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr")
    .addHelpText(
      "after",
      `
Prints a JSON array: [{"id","name","emailAddress","active","callImportEnabled"}]. callImportEnabled false means Gong
refuses calls hosted by that user (409).

Examples:
  $ gong-connector users
  $ gong-connector users | jq -r '.[] | select(.emailAddress == "rep@example.com") | .id'`,
    )
    .action(
      action(async (flags: ListFlags) => {
        const { listUsers } = await import("@gong-connector/client");
        printJson(await listUsers(clientFromEnvironment(flags), { signal: interruptSignal() }), flags.pretty === true);
        return EXIT.ok;
      }),
    );
}
