/**
 * The queue worker: takes import jobs from BullMQ and runs them like the direct importer, with the job's
 * progress as its journal. A 4xx (other than 429) fails the job at once (UnrecoverableError); anything else
 * is retried by BullMQ with backoff. After a crash the job comes back as stalled and resumes from its
 * progress: "sending" means look the call up before sending again.
 */
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import { errorDetails, isPermanent, runTask, TaskError, type CallSender } from "../task.js";
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
}

/** Processes one job (exported for tests with a fake sender). */
export async function processImportJob(
  sender: CallSender,
  job: Job<ImportJobData, ImportJobResult>,
  signal?: AbortSignal,
): Promise<ImportJobResult> {
  const data = job.data;
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
    const details = errorDetails(err);
    const stage = err instanceof TaskError ? err.stage : "create";
    const failedCallId = err instanceof TaskError ? err.callId : undefined;
    await job.updateData({ ...data, lastError: { ...details, stage, ...(failedCallId !== undefined && { callId: failedCallId }) } });
    if (isPermanent(err)) throw new UnrecoverableError(details.message);
    throw err instanceof TaskError && err.cause instanceof Error ? err.cause : err;
  }
}

/** Starts a worker; close it with `worker.close()` (waits for the jobs in flight). */
export async function startImportWorker(opts: ImportWorkerOptions): Promise<Worker<ImportJobData, ImportJobResult>> {
  let sender: CallSender | undefined = typeof opts.sender === "function" ? undefined : opts.sender;
  const jobsPerSecond = opts.jobsPerSecond ?? 3;
  const worker = new Worker<ImportJobData, ImportJobResult>(
    opts.queueName ?? DEFAULT_QUEUE_NAME,
    async (job, _token, signal) => {
      if (sender === undefined) throw new Error("worker not ready");
      return processImportJob(sender, job, signal);
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
  if (typeof opts.sender === "function") sender = await opts.sender(worker);
  await worker.waitUntilReady();
  void worker.run();
  return worker;
}
