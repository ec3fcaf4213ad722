/**
 * Queue mode (`serve --queue redis://…`): any number of relays accept calls, each into its own outbox (committed to
 * disk before the 202, as in local mode), and hand them to one BullMQ queue; `gong-connector worker` processes
 * deliver them with one global rate limit and daily quota. One job per clientUniqueId (its id is derived from it), so
 * the same call accepted by two relays is one call. The jobs' states are copied back into each relay's outbox, so the
 * API, the console and the metrics show them as in local mode.
 */
import { rm } from "node:fs/promises";
import type { Job, Queue } from "bullmq";
import type { GongBinding } from "@gong-connector/importer";
import type { ImportJobData, ImportJobResult } from "@gong-connector/importer/queue";
import type { DeliveryEvent } from "./delivery.js";
import type { CallPhase, Outbox, OutboxRow } from "./outbox.js";

export interface ForwarderOptions {
  outbox: Outbox;
  /** redis:// URL. */
  url: string;
  queueName?: string | undefined;
  gong: GongBinding;
  /** Attempts per job before it fails for good (default 10; a 4xx fails at once). */
  attempts?: number | undefined;
  /** First retry delay of a job (ms, exponential; default 5,000). */
  backoffMs?: number | undefined;
  /** How often the jobs' states are read back (default 500 ms). */
  pollMs?: number | undefined;
  onEvent?: ((event: DeliveryEvent) => void) | undefined;
  onError?: ((err: unknown) => void) | undefined;
}

const PAGE = 200;
/** Jobs are kept this long after they end, so the status of a call (and its idempotency) outlives its delivery. */
const KEEP_SECONDS = 30 * 86_400;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export class Forwarder {
  readonly #o: ForwarderOptions;
  #queue: Queue<ImportJobData, ImportJobResult> | undefined;
  #jobIdFor: ((id: string) => string) | undefined;
  #jobName = "add-call";
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #cursor = 0;

  constructor(opts: ForwarderOptions) {
    this.#o = opts;
  }

  /** Connects to Redis (throws when it cannot, naming --queue) and starts forwarding. */
  async start(): Promise<void> {
    const { Queue } = await import("bullmq");
    const { checkQueueConnection, connectionFromUrl, DEFAULT_QUEUE_NAME, JOB_NAME, jobIdFor } = await import("@gong-connector/importer/queue");
    // BullMQ's connection retries for ever: an address where nothing answers is said now, not hung on.
    await checkQueueConnection(connectionFromUrl(this.#o.url));
    this.#jobIdFor = jobIdFor;
    this.#jobName = JOB_NAME;
    const queue = new Queue<ImportJobData, ImportJobResult>(this.#o.queueName ?? DEFAULT_QUEUE_NAME, { connection: connectionFromUrl(this.#o.url) });
    queue.on("error", (err) => this.#o.onError?.(err));
    this.#queue = queue;
    try {
      await queue.waitUntilReady();
      await queue.count();
    } catch (err) {
      await queue.close();
      throw err;
    }
    this.#loop = this.#run();
  }

  /** Redis answers (for readiness). */
  async reachable(): Promise<boolean> {
    try {
      if (this.#queue === undefined) return false;
      await this.#queue.count();
      return true;
    } catch {
      return false;
    }
  }

  #stopped(): boolean {
    return this.#stopping;
  }

  poke(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.#forward();
        await this.#readBack();
      } catch (err) {
        this.#o.onError?.(err);
      }
      if (this.#stopped()) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, this.#o.pollMs ?? 500);
      });
      this.#wake = undefined;
    }
  }

  #jobId(id: string): string {
    if (this.#jobIdFor === undefined) throw new Error("the forwarder is not started");
    return this.#jobIdFor(id);
  }

  /** Hands every accepted call not yet in the queue to it (a failed job of the same call is retried instead). */
  async #forward(): Promise<void> {
    const queue = this.#queue;
    if (queue === undefined) return;
    const g = this.#o.gong;
    for (;;) {
      const rows = this.#o.outbox.unforwarded(PAGE);
      if (rows.length === 0 || this.#stopping) return;
      for (const row of rows) {
        const jobId = this.#jobId(row.clientUniqueId);
        const data: ImportJobData = { clientUniqueId: row.clientUniqueId, line: 0, request: row.request, gong: { baseUrl: g.baseUrl, identity: g.identity, label: g.label } };
        if (row.mediaFile !== null) data.mediaFile = row.mediaFile;
        const existing = await queue.getJob(jobId);
        if (existing === undefined) {
          await queue.add(this.#jobName, data, {
            jobId,
            attempts: this.#o.attempts ?? 10,
            backoff: { type: "exponential", delay: this.#o.backoffMs ?? 5000 },
            removeOnComplete: { age: KEEP_SECONDS },
            removeOnFail: { age: KEEP_SECONDS },
          });
        } else if ((await existing.getState()) === "failed") {
          // Asked again after it failed (a retry from the API or the console): the same job, from the start.
          await existing.updateData({ ...data, ...(existing.data.mediaFile !== undefined && data.mediaFile === undefined && { mediaFile: existing.data.mediaFile }) });
          await existing.retry("failed", { resetAttemptsMade: true });
        }
        this.#o.outbox.markForwarded(row.clientUniqueId);
      }
    }
  }

  /** Copies the states of the jobs of open calls into the outbox, a page per round. */
  async #readBack(): Promise<void> {
    const queue = this.#queue;
    if (queue === undefined) return;
    let rows = this.#o.outbox.forwardedOpen(this.#cursor, PAGE);
    if (rows.length === 0 && this.#cursor > 0) {
      this.#cursor = 0;
      rows = this.#o.outbox.forwardedOpen(0, PAGE);
    }
    for (const row of rows) {
      this.#cursor = row.seq;
      const job = await queue.getJob(this.#jobId(row.clientUniqueId));
      if (job === undefined) continue;
      await this.#apply(row, job, await job.getState());
    }
  }

  async #apply(row: OutboxRow, job: Job<ImportJobData, ImportJobResult>, state: string): Promise<void> {
    const outbox = this.#o.outbox;
    const progress: unknown = job.progress;
    const callId = typeof progress === "object" && progress !== null && "callId" in progress ? str(progress.callId) : undefined;
    const attempts = job.attemptsMade;
    const last = job.data.lastError;
    const lastError = last === undefined ? undefined : { stage: last.stage, message: last.message, ...(last.status !== undefined && { status: last.status }), ...(last.requestId !== undefined && { requestId: last.requestId }) };
    const errors = last === undefined ? undefined : last.errors.length > 0 ? last.errors : [last.message];
    if (state === "completed") {
      const result = job.returnvalue;
      outbox.sync(row.clientUniqueId, { phase: "done", callId: str(result.callId) ?? callId, attempts: Math.max(1, attempts), errors: [], lastError: null });
      if (row.mediaFile !== null && row.mediaOwned) await rm(row.mediaFile, { force: true });
      this.#o.onEvent?.({
        type: "delivered",
        clientUniqueId: row.clientUniqueId,
        callId: str(result.callId) ?? "",
        created: result.created,
        duplicate: result.duplicate,
        recovered: result.recovered,
        mediaUploaded: result.mediaUploaded,
        ms: Math.max(0, (job.finishedOn ?? Date.now()) - job.timestamp),
      });
      return;
    }
    if (state === "failed") {
      outbox.sync(row.clientUniqueId, { phase: "failed", callId, attempts, errors: errors ?? [job.failedReason], lastError: lastError ?? { stage: "create", message: job.failedReason } });
      this.#o.onEvent?.({ type: "failed", clientUniqueId: row.clientUniqueId, reason: last?.status === undefined ? "error" : `http_${String(last.status)}`, message: lastError?.message ?? job.failedReason, status: last?.status });
      return;
    }
    // A job at work is sending until its call exists; a waiting job that has a call only lacks its media.
    const phase: CallPhase = callId !== undefined ? "created" : state === "active" ? "sending" : "queued";
    outbox.sync(row.clientUniqueId, { phase, callId, attempts, errors, lastError });
  }

  /** Stops forwarding (what is not forwarded yet stays in the outbox for the next start). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.poke();
    await this.#loop;
    await this.#queue?.close();
  }
}
