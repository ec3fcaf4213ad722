/**
 * Direct import: validate the whole manifest, load it into the journal, then send the rows with
 * `concurrency` tasks in flight under the client's rate limiter, recording every state change.
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import { defaultJournalPath, Journal, type JournalRow } from "./journal.js";
import { invalidToFailures, writeFailureReport } from "./report.js";
import { errorDetails, isAbort, runTask, TaskError, type CallSender } from "./task.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { validateManifest, type ManifestCheck, type RowCheck } from "./validate.js";
import type { FailureRecord, ImportSummary, InvalidManifestRow, ManifestFormat, ValidManifestRow } from "./types.js";

export interface ImportOptions {
  manifest: string;
  format?: ManifestFormat;
  /** Journal path (default `<manifest>.journal.sqlite`). */
  journal?: string;
  /** Rows in flight at once (default 4). The client's rate limiter paces the requests themselves. */
  concurrency?: number;
  /** Import the valid rows even when some are invalid (otherwise nothing is sent). */
  skipInvalid?: boolean;
  /** Failure report path (.csv or .jsonl). */
  report?: string;
  /** An extra check of each row before anything is sent (e.g. primaryUserRowCheck); its issues make the row invalid. */
  checkRow?: RowCheck | undefined;
  /** The directory media files must be in (default: the manifest's directory). */
  mediaRoot?: string | undefined;
  sender: CallSender;
  signal?: AbortSignal;
  progress?: ProgressReporter;
  /** Called once validation is done, before anything is sent (e.g. to print the invalid rows). */
  onValidated?(check: { total: number; valid: number; invalid: InvalidManifestRow[] }): void;
}

export interface ImportResult {
  summary: ImportSummary;
  /** False when the manifest had invalid rows and `skipInvalid` was not set: nothing was sent. */
  started: boolean;
  invalid: InvalidManifestRow[];
  failures: FailureRecord[];
}

const PAGE = 500;

export function emptySummary(): ImportSummary {
  return {
    total: 0, done: 0, skipped: 0, failed: 0, invalid: 0, pending: 0, created: 0, duplicates: 0, recovered: 0,
    mediaUploaded: 0, interrupted: false, durationMs: 0,
  };
}

/** Validates the manifest, then loads its valid rows into the journal in batches. */
export async function loadManifestIntoJournal(
  journal: Journal,
  manifest: string,
  format: ManifestFormat | undefined,
  checkRow?: RowCheck,
  mediaRoot?: string,
): Promise<{ run: number; total: number; valid: number }> {
  const run = journal.beginRun({ manifest: resolve(manifest) });
  let batch: ValidManifestRow[] = [];
  const check = await validateManifest(manifest, {
    ...(format === undefined ? {} : { format }),
    checkRow,
    mediaRoot,
    onValid: (row) => {
      batch.push(row);
      if (batch.length >= PAGE) {
        journal.loadRows(batch, run);
        batch = [];
      }
    },
  });
  journal.loadRows(batch, run);
  return { run, total: check.total, valid: check.valid };
}

/** What both importers (local and queued) need to know before they may start. */
export interface StartCheckOptions {
  manifest: string;
  format?: ManifestFormat | undefined;
  skipInvalid?: boolean | undefined;
  report?: string | undefined;
  /** An extra check of each row before anything is sent (e.g. primaryUserRowCheck); its issues make the row invalid. */
  checkRow?: RowCheck | undefined;
  /** The directory media files must be in (default: the manifest's). */
  mediaRoot?: string | undefined;
  onValidated?(check: { total: number; valid: number; invalid: InvalidManifestRow[] }): void;
}

/**
 * Validates every row before anything is sent and counts them into `summary`. With invalid rows and no
 * `skipInvalid`, writes the report and returns the refused result (nothing is sent).
 */
export async function checkBeforeStart(
  opts: StartCheckOptions,
  summary: ImportSummary,
  started: number,
): Promise<{ check: ManifestCheck; invalidRecords: FailureRecord[]; refused?: ImportResult }> {
  const check = await validateManifest(opts.manifest, { ...(opts.format !== undefined && { format: opts.format }), checkRow: opts.checkRow, mediaRoot: opts.mediaRoot });
  summary.total = check.total;
  summary.invalid = check.invalid.length;
  opts.onValidated?.(check);
  const invalidRecords = invalidToFailures(check.invalid);
  if (check.invalid.length === 0 || opts.skipInvalid === true) return { check, invalidRecords };
  summary.pending = check.valid;
  summary.durationMs = Date.now() - started;
  if (opts.report !== undefined) {
    if ((await writeFailureReport(opts.report, invalidRecords)) > 0) summary.report = opts.report;
  }
  return { check, invalidRecords, refused: { summary, started: false, invalid: check.invalid, failures: [] } };
}

export async function runImport(opts: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const summary = emptySummary();
  const progress = opts.progress ?? silentProgress;

  // 1. Check every row before anything is sent.
  const { check, invalidRecords, refused } = await checkBeforeStart(opts, summary, started);
  if (refused) return refused;

  // 2. Load the valid rows into the journal (rows already there keep their state).
  const journalPath = opts.journal ?? defaultJournalPath(opts.manifest);
  summary.journal = journalPath;
  const journal = new Journal(journalPath);
  const failures: FailureRecord[] = [];
  let cleanup = (): void => undefined;
  try {
    const { run, valid } = await loadManifestIntoJournal(journal, opts.manifest, opts.format, opts.checkRow, opts.mediaRoot);
    summary.skipped = journal.counts(run).done;
    const stats = () => ({ total: valid, done: summary.done, failed: summary.failed, skipped: summary.skipped });
    progress.start(stats());

    // 3. Send with `concurrency` rows in flight. Every request in flight listens to the signal (transport,
    // limiter, backoff): use our own, linked to the caller's, with room for that many listeners.
    const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    const controller = new AbortController();
    setMaxListeners(concurrency * 8 + 16, controller.signal);
    const signal = controller.signal;
    const abort = (): void => {
      controller.abort(opts.signal?.reason);
    };
    if (opts.signal?.aborted === true) abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    cleanup = () => {
      opts.signal?.removeEventListener("abort", abort);
    };
    let buffer: JournalRow[] = [];
    let afterLine = 0;
    let exhausted = false;
    const next = (): JournalRow | undefined => {
      for (;;) {
        const row = buffer.shift();
        if (row !== undefined) {
          if (row.state === "done") continue;
          return row;
        }
        if (exhausted) return undefined;
        buffer = journal.page(run, afterLine, PAGE);
        const last = buffer[buffer.length - 1];
        if (last === undefined) exhausted = true;
        else afterLine = last.line;
      }
    };

    const processRow = async (row: JournalRow): Promise<void> => {
      const id = row.clientUniqueId;
      // "sending" (or a create that failed after being sent) may have reached Gong: look up first.
      const mayExist = row.state === "sending" || (row.state === "failed" && row.failedStage !== "invalid" && row.attempts > 0);
      try {
        const task = row.mediaFile === undefined ? { clientUniqueId: id, request: row.request } : { clientUniqueId: id, request: row.request, mediaFile: row.mediaFile };
        const resume = row.callId === undefined
          ? { mayExist, mediaDone: row.mediaState === "done" }
          : { callId: row.callId, mayExist, mediaDone: row.mediaState === "done" };
        const outcome = await runTask(
          opts.sender,
          task,
          resume,
          {
            sending: () => {
              journal.markSending(id);
            },
            created: (info) => {
              const r: { callId: string; requestId?: string; duplicate?: boolean; recovered?: boolean } = { callId: info.callId };
              if (info.requestId !== undefined) r.requestId = info.requestId;
              if (info.duplicate !== undefined) r.duplicate = info.duplicate;
              if (info.recovered !== undefined) r.recovered = info.recovered;
              journal.markCreated(id, r);
            },
            mediaSending: () => {
              journal.markMediaSending(id);
            },
            mediaDone: (info) => {
              journal.markMediaDone(id, info);
            },
          },
          signal,
        );
        summary.done++;
        if (outcome.created) summary.created++;
        if (outcome.duplicate) summary.duplicates++;
        if (outcome.recovered) summary.recovered++;
        if (outcome.mediaUploaded) summary.mediaUploaded++;
      } catch (err) {
        if (isAbort(err, signal)) return; // the journal keeps the row where it stood; a rerun resumes it
        const stage = err instanceof TaskError ? err.stage : "create";
        const details = errorDetails(err);
        journal.markFailed(id, stage, details);
        const current = journal.get(id);
        const record: FailureRecord = { line: row.line, clientUniqueId: id, stage, errors: details.errors, message: details.message };
        if (details.status !== undefined) record.status = details.status;
        const requestId = details.requestId ?? current?.lastRequestId;
        if (requestId !== undefined) record.requestId = requestId;
        if (current?.callId !== undefined) record.callId = current.callId;
        failures.push(record);
        summary.failed++;
      } finally {
        progress.update(stats());
      }
    };

    const lanes = Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (signal.aborted) return;
        const row = next();
        if (row === undefined) return;
        await processRow(row);
      }
    });
    await Promise.all(lanes);

    summary.interrupted = signal.aborted;
    summary.pending = valid - summary.skipped - summary.done - summary.failed;
    progress.stop(stats());
  } finally {
    cleanup();
    journal.close();
  }

  summary.durationMs = Date.now() - started;
  if (opts.report !== undefined) {
    if ((await writeFailureReport(opts.report, [...invalidRecords, ...failures])) > 0) summary.report = opts.report;
  }
  return { summary, started: true, invalid: check.invalid, failures };
}
