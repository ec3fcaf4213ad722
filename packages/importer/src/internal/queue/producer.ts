/**
 * Queue mode, producer side: validate the manifest exactly as the direct import does, put each row not
 * yet done on the BullMQ queue (jobId from the clientUniqueId, so enqueueing twice is harmless), wait for
 * the workers to finish them, then record the results in the journal and build the same summary and report.
 */
import { Queue, type ConnectionOptions, type Job } from "bullmq";
import { checkQueueConnection } from "./reach.js";
import { GongAbortError } from "@gong-connector/client";
import { sleep } from "@gong-connector/client/advanced";
import { defaultJournalPath, Journal } from "../journal.js";
import type { GongBinding } from "../types.js";
import { checkBeforeStart, emptySummary, FAILURE_SAMPLE, loadManifestIntoJournal, reportRecords, writeReport, type ImportResult } from "../scheduler.js";
import { silentProgress, type ProgressReporter } from "../progress.js";
import type { FailureRecord, ManifestFormat, ManifestReader } from "../types.js";
import type { ManifestCheck, RowCheck } from "../validate.js";
import { DEFAULT_QUEUE_NAME, JOB_NAME, jobIdFor, type ImportJobData, type ImportJobResult } from "./common.js";

export interface QueuedImportOptions {
  manifest: string;
  format?: ManifestFormat;
  /** Where the rows come from (a mapping: mappingReader); default the manifest readers. */
  reader?: ManifestReader | undefined;
  connection: ConnectionOptions;
  /** Printed in the summary (never with a password). */
  queueLabel?: string;
  queueName?: string;
  journal?: string;
  skipInvalid?: boolean;
  report?: string;
  /** An extra check of each row before anything is enqueued (e.g. primaryUserRowCheck). */
  checkRow?: RowCheck | undefined;
  /** The directory media files must be in (default: the manifest's directory). */
  mediaRoot?: string | undefined;
  signal?: AbortSignal;
  progress?: ProgressReporter;
  onValidated?(check: ManifestCheck): void;
  /** The Gong the journal must belong to (bound on first use); jobs carry it, and workers of another Gong refuse them. */
  gong?: GongBinding | undefined;
  /** Bind the journal to `gong` even when it belongs to another (the same tenant moved). */
  rebindJournal?: boolean | undefined;
  /** Applied to every text from the workers before it goes into the journal or the report (secrets). */
  redact?: ((text: string) => string) | undefined;
  /** Attempts per job before it fails for good (default 5); 4xx fail at once. */
  attempts?: number;
  /** First retry delay of a job (ms, exponential; default 2,000). */
  backoffMs?: number;
  /** How often to check the jobs (default 500 ms). */
  pollMs?: number;
}

const BATCH = 500;

export async function runQueuedImport(opts: QueuedImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const summary = emptySummary();
  const progress = opts.progress ?? silentProgress;
  const signal = opts.signal;
  if (opts.queueLabel !== undefined) summary.queue = opts.queueLabel;

  const { check, rows, refused } = await checkBeforeStart(opts, summary, started);
  if (refused) {
    rows.close();
    return refused;
  }

  try {
    await checkQueueConnection(opts.connection, { signal });
  } catch (err) {
    rows.close();
    throw err;
  }
  const journalPath = opts.journal ?? defaultJournalPath(opts.manifest);
  summary.journal = journalPath;
  const failures: FailureRecord[] = [];
  let fatal: unknown;
  let journal: Journal | undefined;
  let queue: Queue<ImportJobData, ImportJobResult> | undefined;
  try {
    journal = new Journal(journalPath, { ...(opts.redact !== undefined && { redact: opts.redact }) });
    const j = journal;
    const runStarted = new Date().toISOString();
    if (opts.gong !== undefined) j.bind(opts.gong, { rebind: opts.rebindJournal === true });
    queue = new Queue<ImportJobData, ImportJobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: opts.connection });
    const q = queue;
    q.on("error", () => {});
    const { run, valid } = await loadManifestIntoJournal(j, opts.manifest, opts.format, opts.checkRow, opts.mediaRoot, opts.reader);
    summary.skipped = j.counts(run).done;
    const stats = () => ({ total: valid, done: summary.done, failed: summary.failed, skipped: summary.skipped });
    const gong = opts.gong === undefined ? undefined : { baseUrl: opts.gong.baseUrl, identity: opts.gong.identity, label: opts.gong.label };

    // Enqueue every row not done yet (in line order, in batches). The rows still open in the journal are the jobs
    // still out: nothing per row is kept in memory.
    let afterLine = 0;
    const jobOpts = {
      attempts: opts.attempts ?? 5,
      backoff: { type: "exponential", delay: opts.backoffMs ?? 2000 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    };
    for (;;) {
      if (signal?.aborted === true) break;
      const page = j.page(run, afterLine, BATCH);
      const last = page[page.length - 1];
      if (last === undefined) break;
      afterLine = last.line;
      const todo = page.filter((r) => r.state !== "done");
      if (todo.length === 0) continue;
      const jobs = todo.map((r) => {
        const data: ImportJobData = { clientUniqueId: r.clientUniqueId, line: r.line, request: r.request, manifest: opts.manifest };
        if (r.mediaFile !== undefined) data.mediaFile = r.mediaFile;
        if (gong !== undefined) data.gong = gong;
        return { name: JOB_NAME, data, opts: { ...jobOpts, jobId: jobIdFor(r.clientUniqueId) } };
      });
      j.markQueued(todo.map((r) => r.clientUniqueId));
      await q.addBulk(jobs);
      // A job that failed in an earlier run stays failed in Redis (its id is taken): retry it.
      const states = await Promise.all(jobs.map((job) => q.getJobState(job.opts.jobId)));
      await Promise.all(
        jobs.map(async (jobSpec, i) => {
          if (states[i] !== "failed") return;
          const job = await q.getJob(jobSpec.opts.jobId);
          if (job) {
            await job.updateData(jobSpec.data);
            await job.retry("failed", { resetAttemptsMade: true });
          }
        }),
      );
    }

    progress.start(stats());
    const record = (job: Job<ImportJobData, ImportJobResult>, state: "completed" | "failed", row: { clientUniqueId: string; line: number }): void => {
      if (state === "completed") {
        const r = job.returnvalue;
        j.recordQueued(row.clientUniqueId, {
          ok: true,
          callId: r.callId,
          duplicate: r.duplicate,
          recovered: r.recovered,
          ...(r.mediaUrl !== undefined && { mediaUrl: r.mediaUrl }),
        });
        summary.done++;
        if (r.created) summary.created++;
        if (r.duplicate) summary.duplicates++;
        if (r.recovered) summary.recovered++;
        if (r.mediaUploaded) summary.mediaUploaded++;
      } else {
        const e = job.data.lastError;
        const details = e ?? { errors: [], message: job.failedReason, stage: "create" as const };
        j.recordQueued(row.clientUniqueId, { ok: false, ...details });
        summary.failed++;
        if (failures.length < FAILURE_SAMPLE) {
          const current = j.get(row.clientUniqueId);
          const f: FailureRecord = { line: row.line, clientUniqueId: row.clientUniqueId, stage: details.stage, errors: current?.lastErrors ?? [], message: current?.lastError ?? "" };
          if (details.status !== undefined) f.status = details.status;
          if (current?.lastRequestId !== undefined) f.requestId = current.lastRequestId;
          if (e?.callId !== undefined) f.callId = e.callId;
          failures.push(f);
        }
      }
    };

    // Wait for the workers: check the jobs of the rows still open in the journal, 1,000 at a time, round and round.
    let cursor = 0;
    while (signal?.aborted !== true) {
      const open = j.openPage(run, cursor, 1000);
      const lastOpen = open[open.length - 1];
      if (lastOpen === undefined) {
        if (cursor === 0) break;
        cursor = 0;
        continue;
      }
      const ids = open.map((r) => jobIdFor(r.clientUniqueId));
      const states = await Promise.all(ids.map((id) => q.getJobState(id)));
      let finished = 0;
      for (let i = 0; i < open.length; i++) {
        const state = states[i];
        const row = open[i];
        const id = ids[i];
        if (row === undefined || id === undefined || (state !== "completed" && state !== "failed")) continue;
        const job = await q.getJob(id);
        if (job) {
          record(job, state, row);
          finished++;
        }
      }
      progress.update(stats());
      cursor = lastOpen.line;
      if (finished === 0) {
        try {
          await sleep(opts.pollMs ?? 500, { signal });
        } catch (err) {
          // Interrupted: stop waiting; the rows still open stay pending in the journal for a rerun.
          if (err instanceof GongAbortError) break;
          throw err;
        }
      }
    }
    summary.interrupted = signal?.aborted === true;
    summary.pending = valid - summary.skipped - summary.done - summary.failed;
    progress.stop(stats());
    summary.durationMs = Date.now() - started;
    if (opts.report !== undefined) {
      if ((await writeReport(opts.report, reportRecords(rows, j.failureRecords(run, runStarted)))) > 0) summary.report = opts.report;
    }
  } catch (err) {
    fatal = err;
  } finally {
    try {
      journal?.close();
    } catch (err) {
      fatal ??= err;
    }
    rows.close();
    await queue?.close();
  }
  if (fatal !== undefined) throw fatal as Error;
  return { summary, started: true, invalid: check.invalid, failures };
}
