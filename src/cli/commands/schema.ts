import { Command } from "commander";
import { ValidationError } from "../../client/index.js";
import { addCallJsonSchema } from "../../schema/index.js";
import { action } from "../action.js";
import { EXIT } from "../exit.js";
import { printJson } from "../output.js";

const SCHEMAS: Record<string, () => unknown> = { "add-call": addCallJsonSchema };

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
      action((name: string) => {
        const build = SCHEMAS[name];
        if (build === undefined) throw ValidationError.of("action", `must be one of: ${Object.keys(SCHEMAS).join(", ")}`);
        printJson(build(), true);
        return Promise.resolve(EXIT.ok);
      }),
    );
}
