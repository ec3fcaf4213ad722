import { Command, InvalidArgumentError } from "commander";
import { ValidationError } from "@gong-connector/client";
import { formatGongDateTime } from "@gong-connector/schema";
import { action } from "../action.js";
import { clientFromEnvironment } from "../client.js";
import { EXIT, interruptSignal } from "../exit.js";
import { formatJson, printError, printJson } from "../output.js";

interface CallsFlags {
  from?: string;
  to?: string;
  workspace?: string;
  jsonl?: boolean;
  pretty?: boolean;
  baseUrl?: string;
  verbose?: boolean;
}

/** Days before --to that `calls` lists when --from is not given. */
export const DEFAULT_CALLS_DAYS = 7;
const DAY_MS = 86_400_000;

const DATE_TIME_RULE = "must be an ISO-8601 date-time with a zone, e.g. 2024-05-01T14:30:00Z or 2024-05-01T09:30:00-05:00";

/** Checks date-time options (ISO-8601 with a zone, as Gong takes them); the schema module is loaded only here. */
export async function checkDateTimes(options: Record<string, string | undefined>): Promise<void> {
  const { isIsoDateTimeWithZone } = await import("@gong-connector/schema");
  const issues = Object.entries(options)
    .filter(([, value]) => value !== undefined && !isIsoDateTimeWithZone(value))
    .map(([path]) => ({ path, rule: DATE_TIME_RULE, message: `${path}: ${DATE_TIME_RULE}` }));
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A commander parser for a Gong id (workspace, call). */
export function gongId(value: string): string {
  if (!/^[0-9]{1,20}$/.test(value)) throw new InvalidArgumentError("must be a Gong id: 1 to 20 digits");
  return value;
}

/** The range `[from, to)` of the flags: --to defaults to now, --from to DEFAULT_CALLS_DAYS days before --to. */
export function rangeOf(flags: { from?: string | undefined; to?: string | undefined }, now = Date.now()): { from: string; to: string } {
  const toMs = flags.to === undefined ? now : Date.parse(flags.to);
  // Gong's date-times are whole seconds: the default end is now rounded up, so a call of this second is in range.
  const to = flags.to ?? formatGongDateTime(Math.ceil(now / 1000) * 1000);
  const from = flags.from ?? formatGongDateTime(toMs - DEFAULT_CALLS_DAYS * DAY_MS);
  if (Date.parse(from) >= toMs) throw ValidationError.of("--to", `must be after --from (${from})`);
  return { from, to };
}

export function callsCommand(): Command {
  return new Command("calls")
    .description(`List the calls in Gong that started in a time range (GET /v2/calls, all pages), as JSON; default: the last ${DEFAULT_CALLS_DAYS} days.`)
    .option("--from <iso>", `first instant, inclusive (ISO-8601 with a zone; default: ${DEFAULT_CALLS_DAYS} days before --to)`)
    .option("--to <iso>", "end, exclusive (ISO-8601 with a zone; default: now)")
    .option("-w, --workspace <id>", "only the calls of this workspace (ids: `gong-connector workspaces`)", gongId)
    .option("--jsonl", "one call per line as they arrive, instead of one JSON array")
    .option("--pretty", "indent the JSON (not with --jsonl: one call per line)")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .addHelpText(
      "after",
      `
Prints a JSON array of Gong's call records (CallBasicData): {"id","url","title","started","duration","primaryUserId",
"direction","system","scope","media","language","workspaceId","clientUniqueId","purpose","customData",…} as Gong
sends them; [] when no call started in the range. Gong matches the actual start of each call. Requests: one per
100 calls. Exit codes: 0 done (also when empty), 2 invalid option, 3 Gong refused, 4 gave up.

Examples:
  $ gong-connector calls                                              # the last ${DEFAULT_CALLS_DAYS} days
  $ gong-connector calls --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z --pretty
  $ gong-connector calls --workspace 1234567890123456789 --jsonl | jq -r '.clientUniqueId'`,
    )
    .action(
      action(async (flags: CallsFlags) => {
        await checkDateTimes({ "--from": flags.from, "--to": flags.to });
        const { listCalls } = await import("@gong-connector/client");
        const { from, to } = rangeOf(flags);
        const calls = listCalls(
          clientFromEnvironment(flags),
          { fromDateTime: from, toDateTime: to, workspaceId: flags.workspace },
          { signal: interruptSignal() },
        );
        if (flags.jsonl === true) {
          let count = 0;
          for await (const call of calls) {
            process.stdout.write(`${formatJson(call)}\n`);
            count++;
          }
          if (count === 0) printError(`gong-connector: no call started in [${from}, ${to})`);
          return EXIT.ok;
        }
        const all: unknown[] = [];
        for await (const call of calls) all.push(call);
        if (all.length === 0) printError(`gong-connector: no call started in [${from}, ${to})`);
        printJson(all, flags.pretty === true);
        return EXIT.ok;
      }),
    );
}
