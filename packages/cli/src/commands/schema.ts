import { Command } from "commander";
import { action } from "../action.js";
import { EXIT } from "../exit.js";
import { printJson } from "../output.js";
import { ConfigurationError } from "../setup-error.js";

/** Each action's JSON Schema, built when asked for (the schema module loads zod). */
const SCHEMAS: Record<string, () => Promise<unknown>> = {
  "add-call": async () => (await import("@gong-connector/schema")).addCallJsonSchema(),
};

export function schemaCommand(): Command {
  return new Command("schema")
    .description("Print the JSON Schema of an action's input, with the connector's field labels (title) and help (description).")
    .argument("[action]", `one of: ${Object.keys(SCHEMAS).join(", ")}`, "add-call")
    .addHelpText(
      "after",
      `
Examples:
  $ gong-connector schema add-call > add-call.schema.json`,
    )
    .action(
      action(async (name: string) => {
        const build = SCHEMAS[name];
        if (build === undefined) throw new ConfigurationError(`schema: no action ${JSON.stringify(name)}; the actions are: ${Object.keys(SCHEMAS).join(", ")}`);
        printJson(await build(), true);
        return EXIT.ok;
      }),
    );
}
