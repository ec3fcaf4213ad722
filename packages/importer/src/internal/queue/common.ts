/** What the queued import's producer and workers agree on: job data, job ids, progress and results. */
import type { ConnectionOptions } from "bullmq";
import { ValidationError } from "@gong-connector/client";
import type { ErrorDetails, TaskOutcome } from "../task.js";
import type { FailureStage } from "../types.js";

export const DEFAULT_QUEUE_NAME = "gong-import";
export const DEFAULT_RATE_KEY = "gong-connector:ratelimit";
export const JOB_NAME = "add-call";

export interface ImportJobData {
  clientUniqueId: string;
  line: number;
  request: Record<string, unknown>;
  /** Absolute path (workers may run elsewhere: the file must be reachable at this path there). */
  mediaFile?: string;
  /** The manifest the row came from (for logs). */
  manifest?: string;
  /** The Gong the import's journal belongs to: a worker sending to another refuses the job. */
  gong?: { baseUrl: string; identity: string; label: string };
  /** Set by a worker when the job fails for good. */
  lastError?: ErrorDetails & { stage: FailureStage; callId?: string };
}

/** Where a job stands, kept as the job's progress (the queue-mode journal). */
export interface ImportJobProgress {
  phase: "sending" | "created" | "media-sending" | "done";
  callId?: string;
}

/** A job's result is the task's outcome. */
export type ImportJobResult = TaskOutcome;

/**
 * The BullMQ job id for a clientUniqueId. BullMQ refuses integer-looking ids and ids with `:`, so those
 * (and ids holding `%` or `#`, to keep the mapping one-to-one) are encoded: `:`/`%`/`#` percent-encoded,
 * integer-looking ids prefixed with `#`. Any other id is used as is.
 */
export function jobIdFor(clientUniqueId: string): string {
  const encoded = /[:%#]/.test(clientUniqueId) ? clientUniqueId.replace(/[:%#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : clientUniqueId;
  return `${parseInt(encoded, 10)}` === encoded ? `#${encoded}` : encoded;
}

/** BullMQ connection options from a redis:// or rediss:// URL; ValidationError (path `--queue`) when it is not one. */
export function connectionFromUrl(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw ValidationError.of("--queue", "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw ValidationError.of("--queue", `must be a redis:// or rediss:// URL, got ${u.protocol}//…`);
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw ValidationError.of("--queue", "the path must be a Redis database number, e.g. redis://host:6379/2");
  return {
    host: u.hostname === "" ? "127.0.0.1" : u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port === "" ? 6379 : Number(u.port),
    db,
    ...(u.username !== "" && { username: decodeURIComponent(u.username) }),
    ...(u.password !== "" && { password: decodeURIComponent(u.password) }),
    ...(u.protocol === "rediss:" && { tls: {} }),
    maxRetriesPerRequest: null,
  };
}

export function isJobProgress(v: unknown): v is ImportJobProgress {
  return typeof v === "object" && v !== null && "phase" in v && typeof v.phase === "string";
}
