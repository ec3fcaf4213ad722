import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { clientFromEnv } from "../../client/index.js";
// The importer (SQLite, BullMQ) is loaded only when the command runs, so other commands start fast.
import type { ImportResult, ManifestFormat } from "../../importer/index.js";
import { action } from "../action.js";
import { stderrLogger } from "../client.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";

interface ImportFlags {
  journal?: string;
  concurrency: number;
  report?: string;
  skipInvalid?: boolean;
  checkUsers?: boolean;
  mediaRoot?: string;
  format?: ManifestFormat;
  rateLimit?: number;
  queue?: string;
  queueName?: string;
  attempts?: number;
  dryRun?: boolean;
  progressInterval: number;
  baseUrl?: string;
  verbose?: boolean;
  quiet?: boolean;
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

/** The exit code of an import result (DESIGN.md): 2 invalid manifest, 130 interrupted, 5 some failed, else 0. */
export function importExitCode(result: ImportResult): number {
  if (!result.started) return EXIT.invalid;
  if (result.summary.interrupted) return EXIT.interrupted;
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
      "write failed and invalid rows to FILE (.csv or .jsonl); when no row failed no FILE is written and one left by an earlier run is removed",
    )
    .option("--skip-invalid", "import the valid rows even when some rows are invalid")
    .option("--check-users", "also refuse rows whose primary user Gong would refuse (unknown, inactive, call import off): one walk of /v2/users")
    .option(
      "--media-root <dir>",
      "media files (mediaFile) must be inside DIR (after resolving symlinks); default: the manifest's directory",
    )
    .option("--format <format>", "manifest format, jsonl or csv (default: from the extension)", format)
    .option("--rate-limit <perSecond>", "requests per second to Gong (default 3, Gong's limit)", positiveInt("--rate-limit"))
    .option("--queue <redis-url>", "put the rows on a BullMQ queue for `worker` processes and wait for them")
    .option("--queue-name <name>", "BullMQ queue name (default gong-import)")
    .option("--attempts <n>", "queue mode: attempts per job before it fails (default 5; 4xx fail at once)", positiveInt("--attempts"))
    .option("--dry-run", "validate the manifest and media files, send nothing")
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
"interrupted","durationMs","journal","report"}. Exit codes: 0 all imported, 2 invalid manifest, 5 some rows
failed (see --report), 130 interrupted (rerun the same command to resume).
Credentials from GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN (and GONG_BASE_URL).

Examples:
  $ gong-connector import examples/calls.jsonl --report failures.csv
  $ gong-connector import examples/calls.csv --concurrency 8 --skip-invalid
  $ gong-connector import calls.jsonl --dry-run
  $ gong-connector import calls.jsonl --queue redis://127.0.0.1:6379   # then: gong-connector worker --queue …`,
    )
    .action(
      action(async (manifest: string, flags: ImportFlags) => {
        const {
          checkManifestFile,
          checkReportPath,
          connectionFromUrl,
          defaultJournalPath,
          defaultProgress,
          formatInvalidRows,
          JournalBusyError,
          ManifestError,
          runImport,
          runQueuedImport,
          senderFromClient,
          silentProgress,
          validateManifest,
          primaryUserRowCheck,
        } = await import("../../importer/index.js");
        try {
          await checkManifestFile(manifest);
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          printError(`gong-connector: ${error.message}`);
          return EXIT.invalid;
        }
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
        const onValidated = (check: { invalid: Parameters<typeof formatInvalidRows>[0] }): void => {
          if (check.invalid.length === 0) return;
          printError(`gong-connector: ${check.invalid.length} invalid row(s) in ${manifest}:\n${formatInvalidRows(check.invalid)}`);
          if (flags.skipInvalid === true) printError("gong-connector: --skip-invalid: importing the valid rows only");
          else printError("gong-connector: nothing was sent; fix the rows or rerun with --skip-invalid");
        };
        // One client (one rate limiter) for the users check and the import itself.
        let client: ReturnType<typeof clientFromEnv> | undefined;
        const gongClient = () =>
          (client ??= clientFromEnv(process.env, {
            ...(flags.baseUrl !== undefined && { baseURL: flags.baseUrl }),
            ...(flags.rateLimit !== undefined && { rateLimit: { perSecond: flags.rateLimit } }),
            logger: stderrLogger(flags.verbose === true),
          }));
        let checkRow: ReturnType<typeof primaryUserRowCheck> | undefined;
        if (flags.checkUsers === true) {
          const { listUsers } = await import("../../actions/pick-lists.js");
          checkRow = primaryUserRowCheck(await listUsers(gongClient(), { signal }));
        }
        const common = {
          manifest,
          checkRow,
          ...(flags.mediaRoot !== undefined && { mediaRoot: flags.mediaRoot }),
          ...(flags.format !== undefined && { format: flags.format }),
          ...(flags.journal !== undefined && { journal: flags.journal }),
          ...(flags.report !== undefined && { report: flags.report }),
          skipInvalid: flags.skipInvalid === true,
          signal,
          progress,
          onValidated,
        };
        try {
          if (flags.dryRun === true) {
            const check = await validateManifest(manifest, {
              ...(flags.format !== undefined && { format: flags.format }),
              ...(flags.mediaRoot !== undefined && { mediaRoot: flags.mediaRoot }),
              checkRow,
            });
            onValidated(check);
            printJson({
              total: check.total,
              valid: check.valid,
              invalid: check.invalid.length,
              withMedia: check.withMedia,
              invalidRows: check.invalid,
            });
            return check.invalid.length > 0 ? EXIT.invalid : EXIT.ok;
          }
          let result: ImportResult;
          if (flags.queue !== undefined) {
            result = await runQueuedImport({
              ...common,
              connection: connectionFromUrl(flags.queue),
              queueLabel: redactRedisUrl(flags.queue),
              ...(flags.queueName !== undefined && { queueName: flags.queueName }),
              ...(flags.attempts !== undefined && { attempts: flags.attempts }),
            });
          } else {
            result = await runImport({ ...common, sender: senderFromClient(gongClient()), concurrency: flags.concurrency });
          }
          const summary = result.started ? result.summary : { ...result.summary, invalidRows: result.invalid };
          printJson(summary);
          if (result.summary.report !== undefined) {
            const rows = result.summary.failed + result.summary.invalid;
            printError(`gong-connector: report of ${rows} failed or invalid row(s) written to ${result.summary.report}`);
          } else if (flags.report !== undefined && !result.summary.interrupted) {
            printError(`gong-connector: no row failed; no report written (${flags.report})`);
          }
          if (result.summary.interrupted) {
            printError(`gong-connector: interrupted; the journal is saved. Rerun the same command to resume (journal ${resolve(result.summary.journal ?? "")}).`);
          } else if (result.summary.failed > 0) {
            printError(`gong-connector: ${result.summary.failed} row(s) failed${flags.report === undefined ? " (add --report FILE for the list)" : `; see ${flags.report}`}. Rerun to retry them.`);
          }
          return importExitCode(result);
        } catch (error) {
          if (error instanceof ManifestError || error instanceof JournalBusyError) {
            printError(`gong-connector: ${error.message}`);
            return EXIT.invalid;
          }
          if (error instanceof Error && "code" in error && error.code === "ENOENT") {
            printError(`gong-connector: ${error.message}`);
            return EXIT.invalid;
          }
          throw error;
        }
      }),
    );
}
