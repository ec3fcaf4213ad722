import { formatGongDateTime } from "@gong-connector/schema";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { GongClient, ValidationError, type GongClientOptions } from "@gong-connector/client";
import { createRateLimiter, DAY_MS, type DailyRateLimiter } from "@gong-connector/client/advanced";
// The importer (SQLite, BullMQ) is loaded only when the command runs, so other commands start fast.
import type { ImportResult, ManifestFormat, MappingReader, MappingWarning } from "@gong-connector/importer";
import { action } from "../action.js";
import { baseUrlSetting, cliClientOptions, cliWaits, setupErrorOf } from "../client.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";
import { profileName } from "../profiles.js";
import { tokenSharing, type TokenSharing } from "../shared-token-store.js";

interface ImportFlags {
  journal?: string;
  concurrency: number;
  report?: string;
  skipInvalid?: boolean;
  checkUsers?: boolean;
  mediaRoot?: string;
  format?: ManifestFormat;
  rateLimit?: number;
  dailyBudget?: number;
  stopOnQuota?: boolean;
  rebindJournal?: boolean;
  queue?: string;
  queueName?: string;
  attempts?: number;
  dryRun?: boolean;
  progressInterval: number;
  baseUrl?: string;
  profile?: string;
  verbose?: boolean;
  quiet?: boolean;
  map?: string;
  preset?: string;
  recordings?: string;
  timezone?: string;
  userMap?: string;
  defaultCountry?: string;
}

/** A client with `options`; a ValidationError of them said in terms of what the user set. */
export function cliClient(options: GongClientOptions): GongClient {
  try {
    return new GongClient(options);
  } catch (error) {
    if (error instanceof ValidationError) throw setupErrorOf(error, baseUrlSetting());
    throw error;
  }
}

export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function format(value: string): ManifestFormat {
  if (value !== "jsonl" && value !== "csv") throw new InvalidArgumentError("--format must be jsonl or csv");
  return value;
}

/** A redis:// URL without its password, for the summary. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

/**
 * Test hook: GONG_CONNECTOR_TEST_DAY_SECONDS shortens the quota day the importer counts its daily budget in (and the
 * worker's shared budget), to match a sandbox started with --day-seconds. Gong's day is 24 h from 00:00 UTC.
 */
export const TEST_DAY_SECONDS_VARIABLE = "GONG_CONNECTOR_TEST_DAY_SECONDS";

/** The quota day length in ms: 24 h, or the test hook's seconds. */
export function quotaDayMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[TEST_DAY_SECONDS_VARIABLE]?.trim();
  if (raw === undefined || raw === "") return DAY_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw ValidationError.of(TEST_DAY_SECONDS_VARIABLE, "must be a whole number of seconds from 1 to 86400");
  }
  return seconds * 1000;
}

/** The exit code of an import result (DESIGN.md): 2 invalid manifest, 130 interrupted, 6 stopped on quota, 5 some failed, else 0. */
export function importExitCode(result: ImportResult): number {
  if (!result.started) return EXIT.invalid;
  if (result.summary.interrupted) return EXIT.interrupted;
  if (result.summary.quotaStopped) return EXIT.quotaStopped;
  if (result.summary.failed > 0) return EXIT.partlyFailed;
  return EXIT.ok;
}

export function importCommand(): Command {
  return new Command("import")
    .description("Bulk import calls (and recordings) from a JSONL or CSV manifest; resumable, exactly once per clientUniqueId.")
    .argument("<manifest>", "JSONL (one Add call request per line, optional mediaFile) or CSV (see docs/importer.md)")
    .option("-j, --journal <file>", "SQLite journal (default: <manifest>.journal.sqlite); rerun with it to resume")
    .option("-c, --concurrency <n>", "calls in flight at once (requests are paced by the rate limit)", positiveInt("--concurrency"), 4)
    .option(
      "-r, --report <file>",
      "write failed and invalid rows to FILE (.csv or .jsonl); when no row failed no FILE is written and a report left by an earlier run is removed; an existing FILE that is not a gong-connector report is never replaced nor removed (exit 2)",
    )
    .option("--skip-invalid", "import the valid rows even when some rows are invalid")
    .option("--check-users", "also refuse rows whose primary user Gong would refuse (unknown, inactive, call import off): one walk of /v2/users")
    .option(
      "--media-root <dir>",
      "media files (mediaFile) must be inside DIR (after resolving symlinks); default: the manifest's directory",
    )
    .option("--format <format>", "manifest format, jsonl or csv (default: from the extension)", format)
    .option("--rate-limit <perSecond>", "requests per second to Gong (default 3, Gong's limit)", positiveInt("--rate-limit"))
    .option(
      "--daily-budget <n>",
      "requests this import may send per UTC day, look-ups and uploads included (default 10,000, Gong's quota); counted in the journal across reruns, so leave headroom for other integrations",
      positiveInt("--daily-budget"),
    )
    .option("--stop-on-quota", "when the daily quota is spent, stop at once (exit 6, rows left pending) instead of waiting for the reset")
    .option("--rebind-journal", "use a journal bound to another Gong with this one (only if the same tenant really moved to another URL or key)")
    .option("--queue <redis-url>", "put the rows on a BullMQ queue for `worker` processes and wait for them")
    .option("--queue-name <name>", "BullMQ queue name (default gong-import)")
    .option("--attempts <n>", "queue mode: attempts per job before it fails (default 5; 4xx fail at once)", positiveInt("--attempts"))
    .option("--map <file>", "read any CSV/JSONL export through a mapping file (YAML or JSON; see docs/mappings.md)")
    .option("--preset <name>", "read the export through a mapping shipped with the connector: freepbx (FreePBX's cdr table as CSV), twilio (Twilio's call log)")
    .option("--recordings <dir>", "with --map/--preset: where $recording finds recordings by name (<dir>/YYYY/MM/DD/<name>, else anywhere under dir)")
    .option("--timezone <zone>", "with --map: the IANA time zone local date-times are read in (wins over the mapping's timezone)")
    .option("--user-map <file>", "with --map: a CSV of extension,email for $userByExtension")
    .option("--default-country <cc>", "with --map: the country of phone numbers written without one (default: the mapping's, else US)")
    .option("--dry-run", "validate the manifest and media files, send nothing (with --map: also print the first requests)")
    .option("--progress-interval <seconds>", "seconds between progress lines when stderr is not a terminal", positiveNumber("--progress-interval"), 5)
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .option("-q, --quiet", "no progress on stderr")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .addHelpText(
      "after",
      `
Every row is checked before anything is sent; invalid rows are listed with their line numbers and the
import does not start (exit 2) unless --skip-invalid is given. Prints a summary JSON on stdout:
{"total","done","skipped","failed","invalid","pending","created","duplicates","recovered","mediaUploaded",
"interrupted","quotaWaits","quotaStopped","resumeAt","durationMs","journal","report"}. The first 100 invalid
rows are printed; the report lists them all.

Quota: rows never fail because of Gong's daily quota (10,000 requests per company and UTC day) or of
--daily-budget. By default the import waits for the reset (the progress line counts down, the ETA is in days
when it comes to that); with --stop-on-quota it stops at once with exit 6 and prints when to rerun.

The journal is bound to the Gong it was first used with (base URL and access key or token, never a secret);
another Gong is refused (exit 2): use a new --journal for it.

Exit codes: 0 all imported, 2 invalid manifest or a journal of another Gong, 4 the journal's disk is full
(or failing; nothing is lost, rerun to resume), 5 some rows failed (see --report), 6 stopped on quota
(--stop-on-quota; rerun after the reset), 130 interrupted (rerun the same command to resume).
Credentials from GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN (and GONG_BASE_URL), else the
profile (--profile, GONG_PROFILE, default); in queue mode an OAuth profile's pair is shared with the workers
through Redis (docs/oauth.md).

Examples:
  $ gong-connector import examples/calls.jsonl --report failures.csv
  $ gong-connector import examples/calls.csv --concurrency 8 --skip-invalid
  $ gong-connector import calls.jsonl --dry-run
  $ gong-connector import cdr.csv --map mapping.yaml --timezone America/New_York --user-map extensions.csv --dry-run
  $ gong-connector import cdr.csv --preset freepbx --timezone America/New_York --user-map extensions.csv --recordings monitor/
  $ gong-connector import calls.jsonl --queue redis://127.0.0.1:6379   # then: gong-connector worker --queue …`,
    )
    .action(
      action(async (manifest: string, flags: ImportFlags) => {
        const {
          checkManifestFile,
          checkReportPath,
          defaultJournalPath,
          defaultProgress,
          formatInvalidRows,
          gongBinding,
          runImport,
          redactorFor,
          senderFromClient,
          silentProgress,
          validateManifest,
          primaryUserRowCheck,
        } = await import("@gong-connector/importer");
        await checkManifestFile(manifest);
        if (flags.report !== undefined) {
          const journal = flags.journal ?? defaultJournalPath(manifest);
          const problem = await checkReportPath(flags.report, [
            { role: "the manifest", path: manifest },
            ...["", "-wal", "-shm", "-journal"].map((suffix) => ({ role: "the journal", path: `${journal}${suffix}` })),
          ]);
          if (problem !== undefined) {
            printError(`gong-connector: ${problem}; nothing was read or sent`);
            return EXIT.invalid;
          }
        }
        const signal = interruptSignal();
        const progressLabel = "import";
        const progress = flags.quiet === true ? silentProgress : defaultProgress({ intervalMs: flags.progressInterval * 1000, label: progressLabel });
        const onValidated = (check: { invalid: Parameters<typeof formatInvalidRows>[0]; invalidCount: number }): void => {
          if (check.invalidCount === 0) return;
          printError(`gong-connector: ${check.invalidCount} invalid row(s) in ${manifest}:\n${formatInvalidRows(check.invalid, check.invalidCount)}`);
          if (flags.skipInvalid === true) printError("gong-connector: --skip-invalid: importing the valid rows only");
          else printError("gong-connector: nothing was sent; fix the rows or rerun with --skip-invalid");
        };
        const dayMs = quotaDayMs();
        const waits = cliWaits();
        // One client (one rate limiter, one daily budget) for the users check and the import itself. A daily budget
        // spent, or a 429 asking to wait longer than a second, comes back to the importer, which waits for every
        // row at once (or stops), rather than each request on its own.
        let limiter: DailyRateLimiter | undefined;
        let client: GongClient | undefined;
        let options: GongClientOptions | undefined;
        // Queue mode with an OAuth profile: the token pair is shared with the workers through the queue's Redis.
        let sharing: TokenSharing | undefined;
        const clientOptions = (): GongClientOptions => {
          if (options !== undefined) return options;
          const own = cliClientOptions(flags, process.env, {
            rateLimit: (limiter = createRateLimiter({
              perSecond: flags.rateLimit ?? 3,
              perDay: flags.dailyBudget ?? 10_000,
              dayMs,
              maxDayWaitMs: 0,
            })),
            maxRetryAfterSeconds: 1,
          });
          return (options = sharing === undefined ? own : sharing.share(own));
        };
        const gongClient = (): GongClient => (client ??= cliClient(clientOptions()));
        // The journal and the jobs are bound to the Gong the calls go to: with OAuth, the customer's API host of the token.
        const binding = async () => {
          const { auth } = clientOptions();
          return { gong: gongBinding(await gongClient().resolveBaseURL({ signal }), auth), redact: redactorFor(auth) };
        };
        // Recordings found by $recording are inside --recordings: that directory bounds the media files.
        const mediaRoot = flags.mediaRoot ?? flags.recordings;
        try {
          if (flags.queue !== undefined && flags.dryRun !== true) {
            // Redis connections retry for ever: an address where nothing answers is said now (exit 4), not waited on.
            const { checkQueueConnection, connectionFromUrl } = await import("@gong-connector/importer/queue");
            await checkQueueConnection(connectionFromUrl(flags.queue), { signal });
            sharing = await tokenSharing(flags.queue, profileName(flags.profile));
          }
          let checkRow: ReturnType<typeof primaryUserRowCheck> | undefined;
          if (flags.checkUsers === true) {
            const { listUsers } = await import("@gong-connector/client");
            checkRow = primaryUserRowCheck(await listUsers(gongClient(), { signal }));
          }
          const mapped = await mappingFromFlags(manifest, flags, () => gongClient(), signal);
          if (typeof mapped === "number") return mapped;
          const reader = mapped?.reader;
          const common = {
            manifest,
            checkRow,
            ...(mediaRoot !== undefined && { mediaRoot }),
            rebindJournal: flags.rebindJournal === true,
            ...(flags.format !== undefined && { format: flags.format }),
            ...(flags.journal !== undefined && { journal: flags.journal }),
            ...(flags.report !== undefined && { report: flags.report }),
            skipInvalid: flags.skipInvalid === true,
            ...(reader !== undefined && { reader }),
            signal,
            progress,
            onValidated,
          };
          if (flags.dryRun === true) {
            const requests: unknown[] = [];
            const check = await validateManifest(manifest, {
              ...(flags.format !== undefined && { format: flags.format }),
              ...(mediaRoot !== undefined && { mediaRoot }),
              ...(reader !== undefined && {
                reader,
                onValid: (row) => {
                  if (requests.length < DRY_RUN_REQUESTS) requests.push(row.mediaFile === undefined ? { line: row.line, request: row.request } : { line: row.line, request: row.request, mediaFile: row.mediaFile });
                },
              }),
              checkRow,
              signal,
            });
            onValidated(check);
            mapped?.finish();
            printJson({
              total: check.total,
              valid: check.valid,
              invalid: check.invalidCount,
              withMedia: check.withMedia,
              ...(reader !== undefined && { filtered: check.filtered, filteredByReason: check.filteredByReason, requests }),
              invalidRows: check.invalid,
              ...(check.invalidCount > check.invalid.length && { invalidRowsOmitted: check.invalidCount - check.invalid.length }),
            });
            return check.invalidCount > 0 ? EXIT.invalid : EXIT.ok;
          }
          let result: ImportResult;
          if (flags.queue !== undefined) {
            if (flags.stopOnQuota === true || flags.dailyBudget !== undefined) {
              printError("gong-connector: --stop-on-quota and --daily-budget are for direct imports; in queue mode give the workers --daily-budget (they pause together when it is spent)");
              return EXIT.invalid;
            }
            const { connectionFromUrl, runQueuedImport } = await import("@gong-connector/importer/queue");
            result = await runQueuedImport({
              ...common,
              ...(await binding()),
              connection: connectionFromUrl(flags.queue),
              queueLabel: redactRedisUrl(flags.queue),
              ...(flags.queueName !== undefined && { queueName: flags.queueName }),
              ...(flags.attempts !== undefined && { attempts: flags.attempts }),
            });
          } else {
            const sender = senderFromClient(gongClient(), { addCall: waits.addCall });
            result = await runImport({
              ...common,
              ...(await binding()),
              sender,
              concurrency: flags.concurrency,
              onQuota: flags.stopOnQuota === true ? "stop" : "wait",
              onJournal: (journal) => {
                limiter?.useStore(journal);
              },
              quota: () => ({ ...(limiter ?? createRateLimiter()).quota(), dayMs }),
              onQuotaWait: (wait) => {
                const at = formatGongDateTime(wait.resumeAt);
                const inS = Math.max(0, Math.round((wait.resumeAt - Date.now()) / 1000));
                printError(
                  wait.stopping
                    ? `gong-connector: daily quota spent (${wait.reason}); stopping (--stop-on-quota). Rerun the same command after ${at} to resume.`
                    : `gong-connector: daily quota spent (${wait.reason}); waiting ${inS}s for the reset, until ${at}. The import resumes by itself (Ctrl-C stops it; a rerun resumes).`,
                );
              },
            });
          }
          const summary = result.started
            ? result.summary
            : {
                ...result.summary,
                invalidRows: result.invalid,
                ...(result.summary.invalid > result.invalid.length && { invalidRowsOmitted: result.summary.invalid - result.invalid.length }),
              };
          mapped?.finish();
          printJson(summary);
          if (result.summary.report !== undefined) {
            const filtered = result.summary.filtered ?? 0;
            const rows = result.summary.failed + result.summary.invalid + filtered;
            printError(`gong-connector: report of ${rows} failed${filtered > 0 ? ", invalid or filtered" : " or invalid"} row(s) written to ${result.summary.report}`);
          } else if (flags.report !== undefined && !result.summary.interrupted && !result.summary.quotaStopped) {
            printError(`gong-connector: no row failed; no report written (${flags.report})`);
          }
          if (result.summary.quotaStopped) {
            printError(
              `gong-connector: stopped on quota; ${result.summary.pending} row(s) pending. Rerun the same command after ${result.summary.resumeAt ?? "the reset"} to resume (journal ${resolve(result.summary.journal ?? "")}).`,
            );
          } else if (result.summary.interrupted) {
            printError(`gong-connector: interrupted; the journal is saved. Rerun the same command to resume (journal ${resolve(result.summary.journal ?? "")}).`);
          } else if (result.summary.failed > 0) {
            printError(`gong-connector: ${result.summary.failed} row(s) failed${flags.report === undefined ? " (add --report FILE for the list)" : `; see ${flags.report}`}. Rerun to retry them.`);
          }
          return importExitCode(result);
        } catch (error) {
          // The importer's errors (an unusable manifest, journal or report; a journal that cannot be written) are
          // reported by action() with the exit code of exit-codes.ts; a path that does not exist is a usage error.
          if (error instanceof Error && "code" in error && error.code === "ENOENT") {
            printError(`gong-connector: ${error.message}`);
            return EXIT.invalid;
          }
          throw error;
        } finally {
          await sharing?.close();
        }
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Mappings (--map): any CSV/JSONL export through a mapping file (docs/mappings.md)
// ---------------------------------------------------------------------------------------------

/** Requests `import --map … --dry-run` prints. */
const DRY_RUN_REQUESTS = 10;
/** Warnings printed one by one; past this many they are only counted. */
const NAMED_WARNINGS = 20;

/**
 * The mapping reader of `--map` (with `--timezone`, `--user-map`, `--default-country`), and `finish()` to print how
 * many warnings were not shown. Undefined without `--map`; an exit code for a usage error. A mapping or user map that
 * cannot be used throws MappingError (exit 2) before any row is read.
 */
async function mappingFromFlags(
  manifest: string,
  flags: ImportFlags,
  client: () => GongClient,
  signal: AbortSignal,
): Promise<{ reader: MappingReader; finish: () => void } | number | undefined> {
  if (flags.map !== undefined && flags.preset !== undefined) {
    printError("gong-connector: give --map or --preset, not both (a preset is a mapping file: copy it to change it); nothing was read or sent");
    return EXIT.invalid;
  }
  if (flags.map === undefined && flags.preset === undefined) {
    const stray = [
      flags.timezone !== undefined && "--timezone",
      flags.userMap !== undefined && "--user-map",
      flags.defaultCountry !== undefined && "--default-country",
      flags.recordings !== undefined && "--recordings",
    ].filter(
      (f): f is string => f !== false,
    );
    if (stray.length === 0) return undefined;
    printError(`gong-connector: ${stray.join(", ")} ${stray.length === 1 ? "goes" : "go"} with --map or --preset (a manifest is already in Gong's shape); nothing was read or sent`);
    return EXIT.invalid;
  }
  const { directoryUsers, loadMapping, loadUserMap, mappingReader, presetPath } = await import("@gong-connector/importer");
  const mapping = await loadMapping(flags.preset === undefined ? (flags.map ?? "") : presetPath(flags.preset));
  const userMap = flags.userMap === undefined ? undefined : await loadUserMap(flags.userMap);
  let warnings = 0;
  const onWarning = (w: MappingWarning): void => {
    warnings++;
    if (warnings <= NAMED_WARNINGS) printError(`gong-connector: warning: ${manifest} line ${w.line}: ${w.field}: ${w.message}`);
  };
  const reader = mappingReader(mapping, {
    timezone: flags.timezone,
    defaultCountry: flags.defaultCountry,
    format: flags.format,
    userMap,
    recordings: flags.recordings,
    users: () => directoryUsers(client(), { signal }),
    onWarning,
  });
  const finish = (): void => {
    if (warnings > NAMED_WARNINGS) printError(`gong-connector: ${warnings - NAMED_WARNINGS} more warning(s) (${warnings} in all)`);
  };
  return { reader, finish };
}
