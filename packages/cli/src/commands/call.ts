import { Command } from "commander";
import { ValidationError } from "@gong-connector/client";
import { formatGongDateTime } from "@gong-connector/schema";
import { action } from "../action.js";
import { clientFromEnvironment } from "../client.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";
import { checkDateTimes, DEFAULT_CALLS_DAYS, gongId, rangeOf } from "./calls.js";

interface CallFlags {
  clientUniqueId?: string;
  around?: string;
  workspace?: string;
  pretty?: boolean;
  baseUrl?: string;
  verbose?: boolean;
}

const HOUR_MS = 3_600_000;

export function callCommand(): Command {
  return new Command("call")
    .description("Show one call in Gong: by its callId (GET /v2/calls/{id}), or by the clientUniqueId it was added with.")
    .argument("[callId]", "the callId that add-call printed", gongId)
    .option("-u, --client-unique-id <id>", "find the call by the clientUniqueId it was added with (instead of a callId)")
    .option("--around <iso>", `with --client-unique-id: the call's actualStart; searches ±1 hour around it (default: the last ${DEFAULT_CALLS_DAYS} days)`)
    .option("-w, --workspace <id>", "with --client-unique-id: the workspace the call is in", gongId)
    .option("--pretty", "indent the JSON")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .addHelpText(
      "after",
      `
Prints Gong's record of the call (CallBasicData) as one JSON object: {"id","url","title","started","duration",
"primaryUserId","direction","workspaceId","clientUniqueId",…}. Exit codes: 0 found, 2 invalid option, 3 not found
(or Gong refused), 4 gave up. By clientUniqueId the call is looked up in the calls that started in the range (one
request per 100 calls); Gong may list a new call a little late.

Examples:
  $ gong-connector call 7782342274025937895
  $ gong-connector call --client-unique-id pbx-2024-05-01-0001 --around 2024-05-01T14:30:00Z
  $ gong-connector call -u pbx-2024-05-01-0001                  # searches the last ${DEFAULT_CALLS_DAYS} days`,
    )
    .action(
      action(async (callId: string | undefined, flags: CallFlags) => {
        const { findCallByClientUniqueIdIn, getCall } = await import("@gong-connector/client");
        await checkDateTimes({ "--around": flags.around });
        if ((callId === undefined) === (flags.clientUniqueId === undefined)) {
          throw ValidationError.of("call", "give either a callId or --client-unique-id, not both or neither");
        }
        if (callId !== undefined && (flags.around !== undefined || flags.workspace !== undefined)) {
          throw ValidationError.of(flags.around !== undefined ? "--around" : "--workspace", "applies only with --client-unique-id");
        }
        const client = clientFromEnvironment(flags);
        const signal = interruptSignal();
        if (callId !== undefined) {
          printJson(await getCall(client, callId, { signal }), flags.pretty === true);
          return EXIT.ok;
        }
        const clientUniqueId = flags.clientUniqueId ?? "";
        const range =
          flags.around === undefined
            ? rangeOf({})
            : { from: formatGongDateTime(Date.parse(flags.around) - HOUR_MS), to: formatGongDateTime(Date.parse(flags.around) + HOUR_MS) };
        const call = await findCallByClientUniqueIdIn(
          client,
          { clientUniqueId, fromDateTime: range.from, toDateTime: range.to, workspaceId: flags.workspace },
          {
            signal,
            onWarning: (message) => {
              printError(`gong-connector: warning: ${message}`);
            },
          },
        );
        if (call === undefined) {
          printError(`gong-connector: no call with clientUniqueId ${JSON.stringify(clientUniqueId)} started in [${range.from}, ${range.to})`);
          printError(
            flags.around === undefined
              ? "  Give the call's actualStart with --around to search another time (Gong may also list a new call a little late)."
              : "  Check --around (the call's actualStart); Gong may also list a new call a little late.",
          );
          return EXIT.refused;
        }
        printJson(call, flags.pretty === true);
        return EXIT.ok;
      }),
    );
}
