/**
 * Direct import: validate the whole manifest, load it into the journal, then send the rows with
 * `concurrency` tasks in flight under the client's rate limiter, recording every state change.
 * Per-row state lives in the journal (SQLite), never in memory: memory is flat in the number of rows.
 * The daily quota never fails a row: the import waits for the reset (or stops, when asked to).
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import { GongAbortError, RateLimitError } from "@gong-connector/client";
import { sleep, type DailyQuota } from "@gong-connector/client/advanced";
import { formatGongDateTime } from "@gong-connector/schema";
import { JournalWriteError } from "./errors.js";
import { defaultJournalPath, Journal, type JournalRow } from "./journal.js";
import { invalidToFailures, writeFailureReport } from "./report.js";
import { errorDetails, isAbort, quotaError, runTask, TaskError, type CallSender } from "./task.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { ManifestRows, validateManifest, type FilteredManifestRow, type ManifestCheck, type RowCheck } from "./validate.js";
import type { FailureRecord, GongBinding, ImportSummary, InvalidManifestRow, ManifestFormat, ManifestReader, ProgressQuota, ProgressStats, ValidManifestRow } from "./types.js";

/** What the import does when the daily quota is spent: wait for the reset (default), or stop at once. */
export type QuotaPolicy = "wait" | "stop";

/** A quota wait that starts (once per wait, for the stderr line). */
export interface QuotaWait {
  /** Epoch ms at which the import resumes. */
  resumeAt: number;
  /** Gong's answer or the local budget that ran out. */
  reason: string;
  /** The import stops instead of waiting (--stop-on-quota). */
  stopping: boolean;
}

export interface ImportOptions {
  manifest: string;
  format?: ManifestFormat;
  /** Where the rows come from (a mapping over any CSV/JSONL: mappingReader); default the manifest readers. */
  reader?: ManifestReader | undefined;
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
  /** Called once validation is done, before anything is sent (e.g. to print the first invalid rows). */
  onValidated?(check: ManifestCheck): void;
  /** The Gong the journal must belong to: a journal bound to another throws JournalBindingError; an unbound one is bound. */
  gong?: GongBinding | undefined;
  /** Bind the journal to `gong` even when it belongs to another (the same tenant moved). */
  rebindJournal?: boolean | undefined;
  /** Applied to every text from the server before it goes into the journal or the report (secrets). */
  redact?: ((text: string) => string) | undefined;
  /** Called once the journal is open and bound, before anything is sent (e.g. to keep the day's request count in it). */
  onJournal?: ((journal: Journal) => void) | undefined;
  /** When the daily quota is spent: "wait" for the reset (default) or "stop" with the rows left pending. */
  onQuota?: QuotaPolicy | undefined;
  /** Called when a quota wait (or stop) starts. */
  onQuotaWait?: ((wait: QuotaWait) => void) | undefined;
  /** The client's daily budget, for the progress display (quota left, countdown, ETA in days). */
  quota?: (() => DailyQuota & { dayMs: number }) | undefined;
}

export interface ImportResult {
  summary: ImportSummary;
  /** False when the manifest had invalid rows and `skipInvalid` was not set: nothing was sent. */
  started: boolean;
  /** The first invalid rows (at most 100; `summary.invalid` counts them all, the report lists them all). */
  invalid: InvalidManifestRow[];
  /** The first failures of this run (at most 100; `summary.failed` counts them all, the report lists them all). */
  failures: FailureRecord[];
}

const PAGE = 500;
/** Failures kept in ImportResult.failures. */
export const FAILURE_SAMPLE = 100;
/** Wait after a quota 429 that gave no Retry-After. */
const DEFAULT_QUOTA_WAIT_S = 60;

export function emptySummary(): ImportSummary {
  return {
    total: 0, done: 0, skipped: 0, failed: 0, invalid: 0, pending: 0, created: 0, duplicates: 0, recovered: 0,
    mediaUploaded: 0, interrupted: false, quotaWaits: 0, quotaStopped: false, durationMs: 0,
  };
}

/** Validates the manifest, then loads its valid rows into the journal in batches. */
export async function loadManifestIntoJournal(
  journal: Journal,
  manifest: string,
  format: ManifestFormat | undefined,
  checkRow?: RowCheck,
  mediaRoot?: string,
  reader?: ManifestReader,
): Promise<{ run: number; total: number; valid: number; withMedia: number }> {
  const run = journal.beginRun({ manifest: resolve(manifest) });
  let batch: ValidManifestRow[] = [];
  const check = await validateManifest(manifest, {
    format,
    checkRow,
    mediaRoot,
    reader,
    onValid: (row) => {
      batch.push(row);
      if (batch.length >= PAGE) {
        journal.loadRows(batch, run);
        batch = [];
      }
    },
  });
  journal.loadRows(batch, run);
  return { run, total: check.total, valid: check.valid, withMedia: check.withMedia };
}

/** What both importers (local and queued) need to know before they may start. */
export interface StartCheckOptions {
  manifest: string;
  format?: ManifestFormat | undefined;
  /** Where the rows come from (a mapping); default the manifest readers. */
  reader?: ManifestReader | undefined;
  skipInvalid?: boolean | undefined;
  report?: string | undefined;
  /** An extra check of each row before anything is sent (e.g. primaryUserRowCheck); its issues make the row invalid. */
  checkRow?: RowCheck | undefined;
  /** The directory media files must be in (default: the manifest's). */
  mediaRoot?: string | undefined;
  onValidated?(check: ManifestCheck): void;
  /** Aborts the check between rows (GongAbortError). */
  signal?: AbortSignal | undefined;
}

/** The invalid rows (from `rows`) and `failures`, both in line order, merged into one stream in line order. */
export function* reportRecords(rows: ManifestRows, failures: Iterable<FailureRecord>): Generator<FailureRecord> {
  const invalid = rows.invalidRows()[Symbol.iterator]();
  const failed = failures[Symbol.iterator]();
  let a = invalid.next();
  let b = failed.next();
  while (a.done !== true || b.done !== true) {
    if (b.done === true || (a.done !== true && a.value.line <= b.value.line)) {
      const item = a.value as InvalidManifestRow | (FilteredManifestRow & { filtered: true });
      if ("filtered" in item) {
        yield { line: item.line, clientUniqueId: item.clientUniqueId ?? "", stage: "filtered", status: "filtered", errors: [item.reason], message: `skipped by the mapping's filter: ${item.reason}` };
      } else {
        const [record] = invalidToFailures([item]);
        if (record !== undefined) yield record;
      }
      a = invalid.next();
    } else {
      yield b.value;
      b = failed.next();
    }
  }
}

/** Writes the report from a stream of records; returns how many were written (none: no report, a stale one removed). */
export async function writeReport(path: string, records: Iterable<FailureRecord>): Promise<number> {
  return writeFailureReport(path, records);
}

/**
 * Validates every row before anything is sent and counts them into `summary`. With invalid rows and no
 * `skipInvalid`, writes the report and returns the refused result (nothing is sent). The caller closes `rows`
 * (the invalid rows, for the final report).
 */
export async function checkBeforeStart(
  opts: StartCheckOptions,
  summary: ImportSummary,
  started: number,
): Promise<{ check: ManifestCheck; rows: ManifestRows; refused?: ImportResult }> {
  const rows = new ManifestRows();
  try {
    const check = await validateManifest(opts.manifest, { format: opts.format, checkRow: opts.checkRow, rows, mediaRoot: opts.mediaRoot, signal: opts.signal, reader: opts.reader });
    summary.total = check.total;
    summary.invalid = check.invalidCount;
    if (opts.reader !== undefined) {
      summary.filtered = check.filtered;
      summary.filteredByReason = check.filteredByReason;
    }
    opts.onValidated?.(check);
    if (check.invalidCount === 0 || opts.skipInvalid === true) return { check, rows };
    summary.pending = check.valid;
    summary.durationMs = Date.now() - started;
    if (opts.report !== undefined) {
      if ((await writeReport(opts.report, reportRecords(rows, []))) > 0) summary.report = opts.report;
    }
    return { check, rows, refused: { summary, started: false, invalid: check.invalid, failures: [] } };
  } catch (err) {
    rows.close();
    throw err;
  }
}

/** The journal write failure behind `err`, if any. */
function journalFailure(err: unknown): JournalWriteError | undefined {
  if (err instanceof JournalWriteError) return err;
  if (err instanceof TaskError && err.cause instanceof JournalWriteError) return err.cause;
  return undefined;
}

export async function runImport(opts: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const summary = emptySummary();
  const progress = opts.progress ?? silentProgress;

  // 1. Check every row before anything is sent.
  const { check, rows, refused } = await checkBeforeStart(opts, summary, started);
  if (refused) {
    rows.close();
    return refused;
  }

  // 2. Load the valid rows into the journal (rows already there keep their state).
  const journalPath = opts.journal ?? defaultJournalPath(opts.manifest);
  summary.journal = journalPath;
  const failures: FailureRecord[] = [];
  let fatal: unknown;
  let journal: Journal | undefined;
  let run = 0;
  let cleanup = (): void => undefined;
  try {
    journal = new Journal(journalPath, { ...(opts.redact !== undefined && { redact: opts.redact }) });
    const runStarted = new Date().toISOString();
    const j = journal;
    if (opts.gong !== undefined) j.bind(opts.gong, { rebind: opts.rebindJournal === true });
    opts.onJournal?.(j);
    const loaded = await loadManifestIntoJournal(j, opts.manifest, opts.format, opts.checkRow, opts.mediaRoot, opts.reader);
    run = loaded.run;
    const valid = loaded.valid;
    summary.skipped = j.counts(run).done;
    const requestsPerRow = valid === 0 ? 1 : 1 + loaded.withMedia / valid;

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

    // The quota gate: every lane waits while the quota is spent; a stop leaves the rows pending.
    let pausedUntil = 0;
    let stopAt: number | undefined;
    const quotaStats = (): ProgressQuota | undefined => {
      const q = opts.quota?.();
      const waiting = pausedUntil > Date.now() ? pausedUntil : undefined;
      if (q === undefined) {
        return waiting === undefined ? undefined : { left: 0, perDay: 0, resetsAt: waiting, dayMs: 86_400_000, requestsPerRow, waitingUntil: waiting };
      }
      const out: ProgressQuota = { left: q.perDay - q.spent, perDay: q.perDay, resetsAt: q.resetsAt, dayMs: q.dayMs, requestsPerRow };
      if (waiting !== undefined) out.waitingUntil = waiting;
      return out;
    };
    const stats = (): ProgressStats => {
      const s: ProgressStats = { total: valid, done: summary.done, failed: summary.failed, skipped: summary.skipped };
      const q = quotaStats();
      if (q !== undefined) s.quota = q;
      return s;
    };
    const ticker = setInterval(() => {
      if (pausedUntil > Date.now()) progress.update(stats());
    }, 1000);
    ticker.unref();
    cleanup = () => {
      clearInterval(ticker);
      opts.signal?.removeEventListener("abort", abort);
    };
    progress.start(stats());

    const quotaHit = (err: RateLimitError): void => {
      const waitS = err.retryAfterSeconds ?? DEFAULT_QUOTA_WAIT_S;
      // A little past the reset, so that the first request after it is not early by a clock's tick.
      const until = Date.now() + waitS * 1000 + 250;
      const stopping = opts.onQuota === "stop";
      const starting = pausedUntil <= Date.now() && stopAt === undefined;
      if (until > pausedUntil) pausedUntil = until;
      if (stopping) stopAt ??= pausedUntil;
      if (starting) {
        summary.quotaWaits += stopping ? 0 : 1;
        opts.onQuotaWait?.({ resumeAt: pausedUntil, reason: err.message, stopping });
      }
      progress.update(stats());
    };
    // The import's own daily budget spent: wait (or stop) before a row starts, rather than leave it mid-send.
    const budgetSpent = (): boolean => {
      const q = opts.quota?.();
      if (q === undefined || q.spent < q.perDay || pausedUntil > Date.now()) return false;
      quotaHit(
        new RateLimitError({
          status: 429,
          errors: [`local rate limit: daily budget of ${q.perDay} requests spent`],
          retryAfterSeconds: Math.max(1, Math.ceil((q.resetsAt - Date.now()) / 1000)),
        }),
      );
      return true;
    };
    const waitForQuota = async (): Promise<void> => {
      for (;;) {
        if (budgetSpent() && stopAt !== undefined) return;
        const ms = pausedUntil - Date.now();
        if (ms <= 0 || signal.aborted || stopAt !== undefined) return;
        try {
          await sleep(ms, { signal });
        } catch (err) {
          // Interrupted while waiting for the quota: the lanes see the aborted signal and stop.
          if (err instanceof GongAbortError) return;
          throw err;
        }
      }
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
        buffer = j.page(run, afterLine, PAGE);
        const last = buffer[buffer.length - 1];
        if (last === undefined) exhausted = true;
        else afterLine = last.line;
      }
    };

    /** One attempt at a row from where the journal says it stands; true when finished (done or failed). */
    const attempt = async (row: JournalRow): Promise<boolean> => {
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
              j.markSending(id);
            },
            created: (info) => {
              const r: { callId: string; requestId?: string; duplicate?: boolean; recovered?: boolean } = { callId: info.callId };
              if (info.requestId !== undefined) r.requestId = info.requestId;
              if (info.duplicate !== undefined) r.duplicate = info.duplicate;
              if (info.recovered !== undefined) r.recovered = info.recovered;
              j.markCreated(id, r);
            },
            mediaSending: () => {
              j.markMediaSending(id);
            },
            mediaDone: (info) => {
              j.markMediaDone(id, info);
            },
          },
          signal,
        );
        summary.done++;
        if (outcome.created) summary.created++;
        if (outcome.duplicate) summary.duplicates++;
        if (outcome.recovered) summary.recovered++;
        if (outcome.mediaUploaded) summary.mediaUploaded++;
        return true;
      } catch (err) {
        const disk = journalFailure(err);
        if (disk !== undefined) throw disk;
        if (isAbort(err, signal)) return true; // the journal keeps the row where it stood; a rerun resumes it
        const quota = quotaError(err);
        if (quota !== undefined) {
          // Never a failure: the row stays where the journal has it and is tried again after the reset.
          quotaHit(quota);
          return false;
        }
        const stage = err instanceof TaskError ? err.stage : "create";
        const details = errorDetails(err);
        j.markFailed(id, stage, details);
        summary.failed++;
        if (failures.length < FAILURE_SAMPLE) {
          const current = j.get(id);
          const record: FailureRecord = { line: row.line, clientUniqueId: id, stage, errors: current?.lastErrors ?? [], message: current?.lastError ?? "" };
          if (details.status !== undefined) record.status = details.status;
          const requestId = current?.lastRequestId;
          if (requestId !== undefined) record.requestId = requestId;
          if (current?.callId !== undefined) record.callId = current.callId;
          failures.push(record);
        }
        return true;
      }
    };

    const processRow = async (first: JournalRow): Promise<void> => {
      let row: JournalRow | undefined = first;
      try {
        while (row !== undefined) {
          if (await attempt(row)) return;
          await waitForQuota();
          if (signal.aborted || stopAt !== undefined) return;
          row = j.get(row.clientUniqueId);
        }
      } finally {
        progress.update(stats());
      }
    };

    const lanes = Array.from({ length: concurrency }, async () => {
      try {
        for (;;) {
          await waitForQuota();
          if (signal.aborted || stopAt !== undefined) return;
          const row = next();
          if (row === undefined) return;
          await processRow(row);
        }
      } catch (err) {
        // The journal cannot be written: stop every lane; what it holds is intact for a rerun.
        fatal ??= err;
        controller.abort(err);
      }
    });
    await Promise.all(lanes);
    if (fatal !== undefined) throw fatal as Error;

    summary.interrupted = signal.aborted && stopAt === undefined;
    if (stopAt !== undefined) {
      summary.quotaStopped = true;
      summary.resumeAt = formatGongDateTime(stopAt);
    }
    summary.pending = valid - summary.skipped - summary.done - summary.failed;
    progress.stop(stats());
    summary.durationMs = Date.now() - started;
    if (opts.report !== undefined) {
      // Every invalid row and every row that failed in this run, streamed from SQLite in line order.
      if ((await writeReport(opts.report, reportRecords(rows, j.failureRecords(run, runStarted)))) > 0) summary.report = opts.report;
    }
  } catch (err) {
    fatal = err;
  } finally {
    cleanup();
    try {
      journal?.close();
    } catch (err) {
      fatal ??= err;
    }
    rows.close();
  }
  if (fatal !== undefined) throw fatal as Error;
  return { summary, started: true, invalid: check.invalid, failures };
}
