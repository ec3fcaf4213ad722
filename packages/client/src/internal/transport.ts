import type { Readable, Writable } from "node:stream";

/** A request body streamed from a fresh source on every attempt, with its exact length. */
export interface StreamBody {
  readonly length: number;
  /** Opens a new stream of exactly `length` bytes. */
  open(): Readable;
  /**
   * Writes the body to `out` (without ending it), reusing a few fixed buffers: memory stays flat however large the
   * body is, because no buffer waits for the garbage collector. Transports that write to a node stream prefer it.
   */
  writeTo?(out: Writable): Promise<void>;
}

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | StreamBody | undefined;
  signal?: AbortSignal | undefined;
  /** Total deadline for the whole exchange (JSON requests). */
  timeoutMs?: number | undefined;
  /** Fails when nothing moves for this long (uploads). */
  idleTimeoutMs?: number | undefined;
}

export interface TransportResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one HTTP exchange. Throws GongTimeoutError, GongAbortError or GongConnectionError; any HTTP status is a
 * response, not an error.
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** The subset of `fetch` the client needs; the global fetch fits. */
export type FetchLike = (input: string, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

export function isStreamBody(body: TransportRequest["body"]): body is StreamBody {
  return typeof body === "object";
}
