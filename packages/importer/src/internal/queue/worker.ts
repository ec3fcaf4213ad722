/**
 * The queue worker: takes import jobs from BullMQ and runs them like the direct importer, with the job's
 * progress as its journal. A 4xx (other than 429) fails the job at once (UnrecoverableError); anything else
 * is retried by BullMQ with backoff. After a crash the job comes back as stalled and resumes from its
 * progress: "sending" means look the call up before sending again.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import { checkQueueConnection } from "./reach.js";
import { RateLimitError } from "@gong-connector/client";
import type { GongBinding } from "../types.js";
import { errorDetails, isPermanent, quotaError, runTask, TaskError, type CallSender } from "../task.js";
import { DEFAULT_QUEUE_NAME, isJobProgress, type ImportJobData, type ImportJobProgress, type ImportJobResult } from "./common.js";

export interface ImportWorkerOptions {
  connection: ConnectionOptions;
  queueName?: string;
  /** Builds the sender once the worker's Redis connection exists (so the rate limiter can share it). */
  sender: CallSender | ((worker: Worker<ImportJobData, ImportJobResult>) => CallSender | Promise<CallSender>);
  /** Jobs in flight in this process (default 4). */
  concurrency?: number;
  /** Jobs per second across every worker of the queue (BullMQ's global limiter; default 3; 0 = none). */
  jobsPerSecond?: number;
  /** Called after each job ends (for logs). */
  onJobDone?(job: Job<ImportJobData, ImportJobResult>, result: ImportJobResult | undefined, error: Error | undefined): void;
  /** Job lock duration (ms); a worker that dies loses its jobs to others after this. */
  lockDuration?: number;
  stalledInterval?: number;
  /** The Gong this worker sends to: jobs of an import bound to another Gong are refused (onForeignJob). */
  gong?: GongBinding | undefined;
  /** A job of another Gong was handed back to the queue (e.g. to stop this worker, which is set up wrongly). */
  onForeignJob?(job: Job<ImportJobData, ImportJobResult>, message: string): void;
  /** The daily quota is spent: every worker of the queue pauses until `resumeAt` (epoch ms); the job waits, unharmed. */
  onQuotaPause?(resumeAt: number, reason: string): void;
  /** Applied to every text from the server before it is stored in the job (secrets). */
  redact?: ((text: string) => string) | undefined;
}

/** The job's Gong is not the worker's: nothing was sent. */
export class ForeignJobError extends Error {
  override readonly name = "ForeignJobError";
}

/** The daily quota is spent: nothing more can be sent before `resumeAt`. */
export class QuotaPauseError extends Error {
  override readonly name = "QuotaPauseError";
  readonly resumeAt: number;
  constructor(cause: RateLimitError) {
    super(cause.message);
    this.resumeAt = Date.now() + (cause.retryAfterSeconds ?? 60) * 1000 + 250;
  }
}

/** Processes one job (exported for tests with a fake sender). */
export async function processImportJob(
  sender: CallSender,
  job: Job<ImportJobData, ImportJobResult>,
  signal?: AbortSignal,
  opts: { gong?: GongBinding | undefined; redact?: ((text: string) => string) | undefined } = {},
): Promise<ImportJobResult> {
  const data = job.data;
  if (data.gong !== undefined && opts.gong !== undefined && (data.gong.baseUrl !== opts.gong.baseUrl || data.gong.identity !== opts.gong.identity)) {
    throw new ForeignJobError(
      `job ${job.id ?? ""} (line ${data.line}) belongs to an import into ${data.gong.baseUrl} (${data.gong.label}), ` +
        `but this worker sends to ${opts.gong.baseUrl} (${opts.gong.label}); nothing was sent. Start workers with the credentials of that Gong.`,
    );
  }
  const progress = isJobProgress(job.progress) ? job.progress : undefined;
  const setProgress = (p: ImportJobProgress) => job.updateProgress(p);
  const task = data.mediaFile === undefined ? { clientUniqueId: data.clientUniqueId, request: data.request } : { clientUniqueId: data.clientUniqueId, request: data.request, mediaFile: data.mediaFile };
  const callId = progress?.callId;
  // Anything but a fresh job may have sent Add call already (a crash mid-request, a retried 5xx).
  const mayExist = progress?.phase === "sending" || (progress === undefined && job.attemptsMade > 0);
  const mediaDone = progress?.phase === "done";
  let current: ImportJobProgress | undefined = progress;
  try {
    const outcome = await runTask(
      sender,
      task,
      callId === undefined ? { mayExist, mediaDone } : { callId, mayExist, mediaDone },
      {
        sending: () => setProgress((current = { phase: "sending" })),
        created: (info) => setProgress((current = { phase: data.mediaFile === undefined ? "done" : "created", callId: info.callId })),
        mediaSending: () => setProgress((current = { phase: "media-sending", ...(current?.callId !== undefined && { callId: current.callId }) })),
        mediaDone: () => setProgress((current = { phase: "done", ...(current?.callId !== undefined && { callId: current.callId }) })),
      },
      signal,
    );
    const result: ImportJobResult = {
      callId: outcome.callId,
      created: outcome.created,
      duplicate: outcome.duplicate,
      recovered: outcome.recovered,
      mediaUploaded: outcome.mediaUploaded,
    };
    if (outcome.requestId !== undefined) result.requestId = outcome.requestId;
    if (outcome.mediaUrl !== undefined) result.mediaUrl = outcome.mediaUrl;
    return result;
  } catch (err) {
    // Quota is never a failure: the job goes back to the queue as it stands (its progress says where it was).
    const quota = quotaError(err);
    if (quota !== undefined) throw new QuotaPauseError(quota);
    const raw = errorDetails(err);
    const redact = opts.redact ?? ((text: string) => text);
    const details = { ...raw, errors: raw.errors.map(redact), message: redact(raw.message) };
    const stage = err instanceof TaskError ? err.stage : "create";
    const failedCallId = err instanceof TaskError ? err.callId : undefined;
    await job.updateData({ ...data, lastError: { ...details, stage, ...(failedCallId !== undefined && { callId: failedCallId }) } });
    if (isPermanent(err)) throw new UnrecoverableError(details.message);
    throw err instanceof TaskError && err.cause instanceof Error ? err.cause : err;
  }
}

/** Starts a worker; close it with `worker.close()` (waits for the jobs in flight). */
export async function startImportWorker(opts: ImportWorkerOptions): Promise<Worker<ImportJobData, ImportJobResult>> {
  await checkQueueConnection(opts.connection);
  let sender: CallSender | undefined = typeof opts.sender === "function" ? undefined : opts.sender;
  const jobsPerSecond = opts.jobsPerSecond ?? 3;
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  // The queue's handle for the shared pause on quota (made on the first one).
  let pauser: Queue | undefined;
  const worker = new Worker<ImportJobData, ImportJobResult>(
    queueName,
    async (job, token, signal) => {
      if (sender === undefined) throw new Error("worker not ready");
      try {
        return await processImportJob(sender, job, signal, { gong: opts.gong, redact: opts.redact });
      } catch (err) {
        if (err instanceof QuotaPauseError) {
          // Pause every worker of the queue until the reset; the job goes back to waiting without using an attempt.
          pauser ??= new Queue(queueName, { connection: opts.connection });
          pauser.on("error", () => {});
          await pauser.rateLimit(Math.max(1, err.resumeAt - Date.now()));
          opts.onQuotaPause?.(err.resumeAt, err.message);
          throw Worker.RateLimitError();
        }
        if (err instanceof ForeignJobError) {
          // Hand the job back untouched (no attempt used) for a worker of the right Gong.
          await job.moveToDelayed(Date.now() + 1000, token);
          opts.onForeignJob?.(job, err.message);
          throw new DelayedError();
        }
        throw err;
      }
    },
    {
      connection: opts.connection,
      concurrency: Math.max(1, Math.floor(opts.concurrency ?? 4)),
      autorun: false,
      ...(jobsPerSecond > 0 && { limiter: { max: jobsPerSecond, duration: 1000 } }),
      ...(opts.lockDuration !== undefined && { lockDuration: opts.lockDuration }),
      ...(opts.stalledInterval !== undefined && { stalledInterval: opts.stalledInterval }),
    },
  );
  worker.on("completed", (job, result) => opts.onJobDone?.(job, result, undefined));
  worker.on("failed", (job, error) => {
    if (job) opts.onJobDone?.(job, undefined, error);
  });
  // A worker must always have an error listener, or connection errors crash the process.
  worker.on("error", () => {});
  worker.on("closed", () => {
    void pauser?.close();
  });
  if (typeof opts.sender === "function") sender = await opts.sender(worker);
  await worker.waitUntilReady();
  void worker.run();
  return worker;
}
