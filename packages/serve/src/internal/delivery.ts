/**
 * The relay's one sender (local mode): takes due calls from the outbox, `concurrency` at a time, and runs each like
 * the importer does (look up first when an earlier attempt may have created it, Add call, then the media), with
 * every step committed to the outbox before the next. The client's limiter paces the requests (Gong's 3/s and the
 * daily quota); a spent quota pauses delivery until the reset and is never a failure. A passing failure (5xx,
 * network, a 429 Gong gave up on) is tried again later with growing waits; a refusal (4xx) fails the call at once.
 */
import { setMaxListeners } from "node:events";
import { rm } from "node:fs/promises";
import { errorDetails, isAbort, isPermanent, quotaError, runTask, TaskError, type CallSender } from "@gong-connector/importer";
import type { Outbox, OutboxRow } from "./outbox.js";

export interface DeliveryOptions {
  outbox: Outbox;
  sender: CallSender;
  /** Calls in flight at once (default 3: Gong's 3 requests/s). */
  concurrency?: number | undefined;
  /** Attempts before a call that keeps failing for passing reasons is marked failed (default 20). */
  maxAttempts?: number | undefined;
  /** First wait after a passing failure (ms, doubled each time; default 5,000). */
  retryBaseMs?: number | undefined;
  /** Longest wait between attempts (ms; default 600,000). */
  retryMaxMs?: number | undefined;
  /** Applied to every text from Gong before it is stored (secrets). */
  redact?: ((text: string) => string) | undefined;
  /** Structured events for the log. */
  onEvent?: ((event: DeliveryEvent) => void) | undefined;
}

export type DeliveryEvent =
  | { type: "delivered"; clientUniqueId: string; callId: string; created: boolean; duplicate: boolean; recovered: boolean; mediaUploaded: boolean; ms: number }
  | { type: "retry"; clientUniqueId: string; attempts: number; at: number; message: string; status?: number | undefined }
  | { type: "failed"; clientUniqueId: string; reason: string; message: string; status?: number | undefined }
  | { type: "quota"; resumeAt: number; message: string }
  | { type: "error"; message: string };

/** Why a call failed for good, as a short label (for metrics). */
export function failureReason(status: number | undefined, stage: string): string {
  if (status === undefined) return stage === "media" ? "media" : "error";
  return `http_${String(status)}`;
}

export class Delivery {
  readonly #o: {
    outbox: Outbox;
    sender: CallSender;
    concurrency: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    redact: ((text: string) => string) | undefined;
    onEvent: ((event: DeliveryEvent) => void) | undefined;
  };
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #controller = new AbortController();
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Epoch ms until which nothing is sent (the daily quota is spent). */
  pausedUntil = 0;

  constructor(opts: DeliveryOptions) {
    this.#o = {
      concurrency: Math.max(1, Math.floor(opts.concurrency ?? 3)),
      maxAttempts: Math.max(1, Math.floor(opts.maxAttempts ?? 20)),
      retryBaseMs: opts.retryBaseMs ?? 5000,
      retryMaxMs: opts.retryMaxMs ?? 600_000,
      outbox: opts.outbox,
      sender: opts.sender,
      redact: opts.redact,
      onEvent: opts.onEvent,
    };
    setMaxListeners(this.#o.concurrency * 8 + 16, this.#controller.signal);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Something was accepted (or retried): look for due calls now. */
  poke(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const outbox = this.#o.outbox;
    while (!this.#stopping) {
      const now = Date.now();
      if (this.pausedUntil <= now) {
        const free = this.#o.concurrency - this.#inFlight.size;
        if (free > 0) {
          for (const row of outbox.due(free, new Set(this.#inFlight.keys()), now)) this.#launch(row);
        }
      }
      // Sleep until poked, a call finishes, the next wait ends or the quota resets (at most 1 s, for safety).
      let wait = 1000;
      if (this.pausedUntil > now) wait = Math.min(wait, this.pausedUntil - now);
      else if (this.#inFlight.size < this.#o.concurrency) {
        const next = outbox.nextDue();
        if (next !== undefined && next > now) wait = Math.min(wait, next - now);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, Math.max(5, wait));
      });
      clearTimeout(this.#timer);
      this.#wake = undefined;
    }
  }

  #launch(row: OutboxRow): void {
    const id = row.clientUniqueId;
    const p = this.#deliver(row)
      .catch((err: unknown) => {
        this.#o.onEvent?.({ type: "error", message: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.#inFlight.delete(id);
        this.poke();
      });
    this.#inFlight.set(id, p);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const outbox = this.#o.outbox;
    const id = row.clientUniqueId;
    const started = Date.now();
    const signal = this.#controller.signal;
    const hasMedia = row.mediaFile !== null;
    const task = row.mediaFile === null ? { clientUniqueId: id, request: row.request } : { clientUniqueId: id, request: row.request, mediaFile: row.mediaFile };
    const mediaDone = row.phase === "done";
    outbox.markAttempt(id);
    const resume = row.callId === null ? { mayExist: row.phase === "sending", mediaDone } : { callId: row.callId, mayExist: false, mediaDone };
    try {
      const outcome = await runTask(
        this.#o.sender,
        task,
        resume,
        {
          sending: () => {
            outbox.markSending(id);
          },
          created: (info) => {
            outbox.markCreated(id, info.callId, hasMedia);
          },
          mediaSending: () => {
            outbox.markMediaSending(id);
          },
          mediaDone: () => {
            outbox.markDone(id);
          },
        },
        signal,
      );
      if (row.mediaFile !== null && row.mediaOwned) await rm(row.mediaFile, { force: true });
      this.#o.onEvent?.({
        type: "delivered",
        clientUniqueId: id,
        callId: outcome.callId,
        created: outcome.created,
        duplicate: outcome.duplicate,
        recovered: outcome.recovered,
        mediaUploaded: outcome.mediaUploaded,
        ms: Date.now() - started,
      });
    } catch (err) {
      if (isAbort(err, signal)) return; // stopping: the outbox keeps the call where it stood
      const quota = quotaError(err);
      if (quota !== undefined) {
        // Never a failure: every call waits for the reset where it stands.
        const until = Date.now() + (quota.retryAfterSeconds ?? 60) * 1000 + 250;
        const starting = this.pausedUntil <= Date.now();
        if (until > this.pausedUntil) this.pausedUntil = until;
        outbox.postpone(id);
        if (starting) this.#o.onEvent?.({ type: "quota", resumeAt: this.pausedUntil, message: quota.message });
        return;
      }
      const redact = this.#o.redact ?? ((t: string) => t);
      const raw = errorDetails(err);
      const stage = err instanceof TaskError ? err.stage : "create";
      const errors = raw.errors.map(redact);
      const lastError = {
        stage,
        message: redact(raw.message),
        ...(raw.status !== undefined && { status: raw.status }),
        ...(raw.requestId !== undefined && { requestId: raw.requestId }),
      };
      const current = outbox.get(id);
      const attempts = Math.max(1, current?.attempts ?? 1);
      if (isPermanent(err) || attempts >= this.#o.maxAttempts) {
        outbox.markFailed(id, errors.length > 0 ? errors : [lastError.message], lastError);
        this.#o.onEvent?.({ type: "failed", clientUniqueId: id, reason: failureReason(raw.status, stage), message: lastError.message, status: raw.status });
        return;
      }
      const wait = Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** (attempts - 1));
      const at = Date.now() + Math.round(wait * (0.8 + Math.random() * 0.4));
      outbox.markRetry(id, at, errors.length > 0 ? errors : [lastError.message], lastError);
      this.#o.onEvent?.({ type: "retry", clientUniqueId: id, attempts, at, message: lastError.message, status: raw.status });
    }
  }

  /**
   * Stops taking calls and waits up to `graceMs` for those in flight; then aborts them (the outbox keeps each where
   * it stood: a restart resumes it, looking it up first when Add call may have been sent).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.poke();
    await this.#loop;
    const all = Promise.all(this.#inFlight.values());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => {
        resolve("timeout");
      }, graceMs);
    });
    const r = await Promise.race([all.then(() => "done" as const), timedOut]);
    clearTimeout(timer);
    if (r === "timeout") {
      this.#controller.abort();
      await all;
    }
  }
}
