/**
 * One call's import, shared by the direct scheduler and the queue worker: look up first when an earlier
 * attempt may have created the call, else Add call (addCall resolves 409 duplicates by lookup), then upload
 * the media. State changes are reported through hooks so each mode can persist them before going on.
 */
import { GongAbortError, GongApiError, GongError, RateLimitError, ValidationError } from "@gong-connector/client";
import type { FailureStage } from "./types.js";

/** What the importer needs from Gong (the actions, bound to one client). */
export interface CallSender {
  /** Add call; resolves duplicates (409) by lookup and returns `duplicate: true`. */
  addCall(request: Record<string, unknown>, signal?: AbortSignal): Promise<{ callId: string; requestId: string; duplicate?: true; recovered?: true }>;
  /** Looks the call up by clientUniqueId around actualStart; the callId, or undefined when not (yet) listed. */
  findCall(request: Record<string, unknown>, signal?: AbortSignal): Promise<string | undefined>;
  /** Streams the recording to PUT /v2/calls/{id}/media. */
  uploadMedia(callId: string, filePath: string, signal?: AbortSignal): Promise<{ requestId: string; url: string }>;
  /**
   * Throws RateLimitError when the day's request budget is already spent, before a task touches its state (so a row
   * does not stay "sending" for a request that was never sent). Optional.
   */
  checkQuota?(signal?: AbortSignal): Promise<void>;
}

export interface CallTask {
  clientUniqueId: string;
  request: Record<string, unknown>;
  mediaFile?: string;
}

/** Where an earlier attempt left the task. */
export interface TaskResume {
  /** The call exists with this id. */
  callId?: string;
  /** An earlier attempt may have sent Add call: look the call up before sending. */
  mayExist: boolean;
  /** The media is already uploaded. */
  mediaDone: boolean;
}

export interface CreatedInfo {
  callId: string;
  requestId?: string;
  duplicate?: boolean;
  recovered?: boolean;
}

export interface TaskHooks {
  /** Called (and awaited) right before Add call is sent. */
  sending(): void | Promise<void>;
  created(info: CreatedInfo): void | Promise<void>;
  mediaSending(): void | Promise<void>;
  mediaDone(info: { requestId: string; url: string }): void | Promise<void>;
}

export interface TaskOutcome {
  callId: string;
  requestId?: string;
  /** A new call was created by this attempt. */
  created: boolean;
  duplicate: boolean;
  recovered: boolean;
  mediaUploaded: boolean;
  mediaUrl?: string;
}

/** A task failed at `stage`; `cause` is the client's error. */
export class TaskError extends Error {
  override readonly name = "TaskError";
  readonly stage: FailureStage;
  readonly callId: string | undefined;
  override readonly cause: unknown;
  constructor(stage: FailureStage, cause: unknown, callId?: string) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.stage = stage;
    this.cause = cause;
    this.callId = callId;
  }
}

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  const cause = err instanceof TaskError ? err.cause : err;
  return cause instanceof GongAbortError || (cause instanceof Error && cause.name === "AbortError") || signal?.aborted === true;
}

/** A failure no retry can fix: a 4xx other than 429, or our own validation. */
export function isPermanent(err: unknown): boolean {
  const cause = err instanceof TaskError ? err.cause : err;
  if (cause instanceof ValidationError) return true;
  return cause instanceof GongApiError && cause.status >= 400 && cause.status < 500 && cause.status !== 429;
}

/** The client's quota error behind `err` (Gong's 429 with a long Retry-After, or the local daily budget spent). */
export function quotaError(err: unknown): RateLimitError | undefined {
  const cause = err instanceof TaskError ? err.cause : err;
  return cause instanceof RateLimitError ? cause : undefined;
}

export interface ErrorDetails {
  status?: number;
  errors: string[];
  message: string;
  requestId?: string;
}

/** Status, Gong's errors, requestId and a message from any thrown value. */
export function errorDetails(err: unknown): ErrorDetails {
  const cause = err instanceof TaskError ? err.cause : err;
  if (cause instanceof GongApiError) {
    const d: ErrorDetails = { status: cause.status, errors: [...cause.errors], message: `${cause.name}: ${cause.message}` };
    if (cause.requestId !== undefined) d.requestId = cause.requestId;
    return d;
  }
  if (cause instanceof ValidationError) {
    return { errors: cause.issues.map((i) => i.message), message: `${cause.name}: ${cause.message}` };
  }
  if (cause instanceof GongError) return { errors: [], message: `${cause.name}: ${cause.message}` };
  if (cause instanceof Error) return { errors: [], message: `${cause.name}: ${cause.message}` };
  return { errors: [], message: String(cause) };
}

/** Runs one task from where `resume` says it stands. Throws TaskError (abort errors included: check isAbort). */
export async function runTask(
  sender: CallSender,
  task: CallTask,
  resume: TaskResume,
  hooks: TaskHooks,
  signal?: AbortSignal,
): Promise<TaskOutcome> {
  let callId = resume.callId;
  let requestId: string | undefined;
  let created = false;
  let duplicate = false;
  let recovered = false;
  try {
    await sender.checkQuota?.(signal);
  } catch (err) {
    throw new TaskError(callId === undefined ? "create" : "media", err, callId);
  }
  if (callId === undefined) {
    try {
      if (resume.mayExist) {
        const found = await sender.findCall(task.request, signal);
        if (found !== undefined) {
          callId = found;
          recovered = true;
          await hooks.created({ callId, recovered: true });
        }
      }
      if (callId === undefined) {
        await hooks.sending();
        const res = await sender.addCall(task.request, signal);
        callId = res.callId;
        requestId = res.requestId;
        duplicate = res.duplicate === true;
        recovered = res.recovered === true;
        created = !duplicate && !recovered;
        await hooks.created({ callId, requestId, duplicate, recovered });
      }
    } catch (err) {
      throw new TaskError("create", err);
    }
  }
  let mediaUploaded = false;
  let mediaUrl: string | undefined;
  if (task.mediaFile !== undefined && !resume.mediaDone) {
    try {
      await hooks.mediaSending();
      const res = await sender.uploadMedia(callId, task.mediaFile, signal);
      mediaUploaded = true;
      mediaUrl = res.url;
      await hooks.mediaDone(res);
    } catch (err) {
      throw new TaskError("media", err, callId);
    }
  }
  const outcome: TaskOutcome = { callId, created, duplicate, recovered, mediaUploaded };
  if (requestId !== undefined) outcome.requestId = requestId;
  if (mediaUrl !== undefined) outcome.mediaUrl = mediaUrl;
  return outcome;
}
