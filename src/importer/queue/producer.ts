/**
 * Queue mode, producer side: validate the manifest exactly as the direct import does, put each row not
 * yet done on the BullMQ queue (jobId from the clientUniqueId, so enqueueing twice is harmless), wait for
 * the workers to finish them, then record the results in the journal and build the same summary and report.
 */
import { Queue, type ConnectionOptions, type Job } from "bullmq";
import { defaultJournalPath, Journal } from "../journal.js";
import { writeFailureReport } from "../report.js";
import { checkBeforeStart, emptySummary, loadManifestIntoJournal, type ImportResult } from "../scheduler.js";
import { silentProgress, type ProgressReporter } from "../progress.js";
import type { FailureRecord, InvalidManifestRow, ManifestFormat } from "../types.js";
import type { RowCheck } from "../validate.js";
import { DEFAULT_QUEUE_NAME, JOB_NAME, jobIdFor, type ImportJobData, type ImportJobResult } from "./common.js";

export interface QueuedImportOptions {
  manifest: string;
  format?: ManifestFormat;
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
  onValidated?(check: { total: number; valid: number; invalid: InvalidManifestRow[] }): void;
  /** Attempts per job before it fails for good (default 5); 4xx fail at once. */
  attempts?: number;
  /** First retry delay of a job (ms, exponential; default 2,000). */
  backoffMs?: number;
  /** How often to check the jobs (default 500 ms). */
  pollMs?: number;
}

const BATCH = 500;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export async function runQueuedImport(opts: QueuedImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const summary = emptySummary();
  const progress = opts.progress ?? silentProgress;
  const signal = opts.signal;
  if (opts.queueLabel !== undefined) summary.queue = opts.queueLabel;

  const { check, invalidRecords, refused } = await checkBeforeStart(opts, summary, started);
  if (refused) return refused;

  const journalPath = opts.journal ?? defaultJournalPath(opts.manifest);
  summary.journal = journalPath;
  const journal = new Journal(journalPath);
  const queue = new Queue<ImportJobData, ImportJobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: opts.connection });
  queue.on("error", () => {});
  const failures: FailureRecord[] = [];
  try {
    const { run, valid } = await loadManifestIntoJournal(journal, opts.manifest, opts.format, opts.checkRow, opts.mediaRoot);
    summary.skipped = journal.counts(run).done;
    const stats = () => ({ total: valid, done: summary.done, failed: summary.failed, skipped: summary.skipped });

    // Enqueue every row not done yet (in line order, in batches).
    const outstanding = new Map<string, { clientUniqueId: string; line: number }>();
    let afterLine = 0;
    const jobOpts = {
      attempts: opts.attempts ?? 5,
      backoff: { type: "exponential", delay: opts.backoffMs ?? 2000 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    };
    for (;;) {
      if (signal?.aborted === true) break;
      const page = journal.page(run, afterLine, BATCH);
      const last = page[page.length - 1];
      if (last === undefined) break;
      afterLine = last.line;
      const todo = page.filter((r) => r.state !== "done");
      if (todo.length === 0) continue;
      const jobs = todo.map((r) => {
        const data: ImportJobData = { clientUniqueId: r.clientUniqueId, line: r.line, request: r.request, manifest: opts.manifest };
        if (r.mediaFile !== undefined) data.mediaFile = r.mediaFile;
        const jobId = jobIdFor(r.clientUniqueId);
        outstanding.set(jobId, { clientUniqueId: r.clientUniqueId, line: r.line });
        return { name: JOB_NAME, data, opts: { ...jobOpts, jobId } };
      });
      await queue.addBulk(jobs);
      // A job that failed in an earlier run stays failed in Redis (its id is taken): retry it.
      const states = await Promise.all(jobs.map((j) => queue.getJobState(j.opts.jobId)));
      await Promise.all(
        jobs.map(async (j, i) => {
          if (states[i] !== "failed") return;
          const job = await queue.getJob(j.opts.jobId);
          if (job) {
            await job.updateData(j.data);
            await job.retry("failed", { resetAttemptsMade: true });
          }
        }),
      );
    }

    progress.start(stats());
    const record = (job: Job<ImportJobData, ImportJobResult>, state: "completed" | "failed", id: string): void => {
      const meta = outstanding.get(id);
      if (!meta) return;
      outstanding.delete(id);
      if (state === "completed") {
        const r = job.returnvalue;
        journal.recordQueued(meta.clientUniqueId, {
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
        journal.recordQueued(meta.clientUniqueId, { ok: false, ...details });
        const f: FailureRecord = { line: meta.line, clientUniqueId: meta.clientUniqueId, stage: details.stage, errors: details.errors, message: details.message };
        if (details.status !== undefined) f.status = details.status;
        if (details.requestId !== undefined) f.requestId = details.requestId;
        if (e?.callId !== undefined) f.callId = e.callId;
        failures.push(f);
        summary.failed++;
      }
    };

    // Wait for the workers: check the states of the jobs still out (the first 1,000 each round).
    while (outstanding.size > 0 && signal?.aborted !== true) {
      const ids = [...outstanding.keys()].slice(0, 1000);
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      const finished = ids.filter((_, i) => states[i] === "completed" || states[i] === "failed");
      const jobs = await Promise.all(finished.map((id) => queue.getJob(id)));
      finished.forEach((id, i) => {
        const job = jobs[i];
        const state = states[ids.indexOf(id)];
        if (job && (state === "completed" || state === "failed")) record(job, state, id);
      });
      progress.update(stats());
      if (finished.length === 0 || outstanding.size > 0) await sleep(opts.pollMs ?? 500, signal);
    }
    summary.interrupted = signal?.aborted === true;
    summary.pending = valid - summary.skipped - summary.done - summary.failed;
    progress.stop(stats());
  } finally {
    journal.close();
    await queue.close();
  }
  summary.durationMs = Date.now() - started;
  if (opts.report !== undefined) {
    if ((await writeFailureReport(opts.report, [...invalidRecords, ...failures])) > 0) summary.report = opts.report;
  }
  return { summary, started: true, invalid: check.invalid, failures };
}
