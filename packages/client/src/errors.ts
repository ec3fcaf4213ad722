import { printableExcerpt } from "./internal/excerpt.js";
import { parseJson } from "./internal/json.js";
import { parseRetryAfter } from "./internal/retry-timing.js";
import { SECRET_HEADERS } from "./internal/redact.js";
import type { ValidationIssue } from "@gong-connector/schema";

/** Response headers as the client keeps them: lower-case names, one string each. */
export type ResponseHeaders = Readonly<Record<string, string>>;

/** Header shapes `GongApiError.from` accepts. */
export type HeadersInput = Headers | Readonly<Record<string, string | readonly string[] | number | undefined>>;

const MAX_TEXT_ERROR = 500;

/** Normalises headers to lower-case names and single strings, dropping any credential-bearing header. */
export function normalizeHeaders(input: HeadersInput | undefined): ResponseHeaders {
  const out: Record<string, string> = {};
  if (input === undefined) return out;
  const put = (name: string, value: string): void => {
    const key = name.toLowerCase();
    if (!SECRET_HEADERS.has(key)) out[key] = value;
  };
  if (input instanceof Headers) {
    input.forEach((value, name) => {
      put(name, value);
    });
    return out;
  }
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    put(name, typeof value === "string" || typeof value === "number" ? String(value) : value.join(", "));
  }
  return out;
}

/** Base of every error the client throws. `exitCode` is the CLI exit code (DESIGN.md). */
export class GongError extends Error {
  override name = "GongError";
  readonly exitCode: number = 1;
  /** How many attempts were made before this error was thrown (set by the retry loop). */
  attempts?: number;
}

interface ApiErrorInit {
  status: number;
  requestId?: string | undefined;
  errors?: readonly string[] | undefined;
  headers?: ResponseHeaders | undefined;
  /** The body, cut and with control characters escaped, when it does not carry Gong's `errors[]`. */
  body?: string | undefined;
}

function describeApiError(kind: string, init: ApiErrorInit): string {
  const errors = init.errors ?? [];
  const detail = errors.length > 0 ? `: ${errors.join("; ")}` : init.body !== undefined ? `: body ${init.body}` : "";
  const request = init.requestId === undefined ? "" : ` (requestId ${init.requestId})`;
  return `Gong API ${init.status} ${kind}${detail}${request}`;
}

/** Gong answered with a non-2xx status. */
export class GongApiError extends GongError {
  override name = "GongApiError";
  override readonly exitCode: number = 3;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly errors: readonly string[];
  readonly headers: ResponseHeaders;
  /**
   * When the body is not Gong's `{requestId, errors[]}` (JSON of another shape, or errors[] missing or empty): its
   * first 500 characters, control characters escaped, secrets redacted. Undefined when errors[] says what went wrong.
   */
  readonly body: string | undefined;
  /** The request that got this answer, e.g. "GET /v2/users" (set by the client). */
  endpoint?: string;
  /** On a 401/403 to a Bearer (OAuth) request: the scope the endpoint needs (set by the client). */
  requiredScope?: string;

  constructor(init: ApiErrorInit, kind = "error") {
    super(describeApiError(kind, init));
    this.status = init.status;
    this.requestId = init.requestId;
    this.errors = init.errors ?? [];
    this.headers = init.headers ?? {};
    this.body = init.body;
  }

  /**
   * Builds the subclass for a status from a raw (string) or parsed error body and the response headers. `redact` is
   * applied to every string taken from the answer after parsing (errors[], requestId, header values, the body excerpt).
   */
  static from(status: number, body: unknown, headers?: HeadersInput, redact: (text: string) => string = (t) => t): GongApiError {
    const read = readErrorBody(body, redact);
    const kept = Object.fromEntries(Object.entries(normalizeHeaders(headers)).map(([k, v]) => [k, redact(v)]));
    const init: ApiErrorInit = { status, headers: kept, ...read };
    if (status === 400) return new BadRequestError(init);
    if (status === 401) return new AuthenticationError(init);
    if (status === 403) return new PermissionDeniedError(init);
    if (status === 404) return new NotFoundError(init);
    if (status === 409) return new ConflictError(init);
    if (status === 429) return new RateLimitError(init);
    if (status >= 500) return new InternalServerError(init);
    return new GongApiError(init);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringifyBody(body: unknown): string {
  if (typeof body === "string") return body;
  try {
    // JSON.stringify answers undefined for undefined and functions, despite its type.
    const text = JSON.stringify(body) as string | undefined;
    return text ?? String(body);
  } catch {
    return String(body);
  }
}

function readErrorBody(body: unknown, redact: (text: string) => string): { requestId?: string; errors: string[]; body?: string } {
  const excerpt = (text: string): string => printableExcerpt(redact(text), MAX_TEXT_ERROR);
  let parsed = body;
  if (typeof body === "string") {
    if (body.trim() === "") return { errors: [] };
    try {
      parsed = parseJson(body);
    } catch {
      return { errors: [excerpt(body)] };
    }
  }
  if (!isRecord(parsed)) {
    return typeof body === "string" ? { errors: [excerpt(body)] } : body === undefined ? { errors: [] } : { errors: [], body: excerpt(stringifyBody(body)) };
  }
  const out: { requestId?: string; errors: string[]; body?: string } = { errors: [] };
  const { requestId, errors } = parsed;
  if (typeof requestId === "string") out.requestId = excerpt(requestId);
  if (Array.isArray(errors)) out.errors = errors.map((e) => excerpt(typeof e === "string" ? e : stringifyBody(e)));
  else if (typeof errors === "string") out.errors = [excerpt(errors)];
  if (out.errors.length === 0) out.body = excerpt(stringifyBody(body));
  return out;
}

export class BadRequestError extends GongApiError {
  override name = "BadRequestError";
  constructor(init: ApiErrorInit) {
    super(init, "Bad Request");
  }
}

export class AuthenticationError extends GongApiError {
  override name = "AuthenticationError";
  constructor(init: ApiErrorInit) {
    super(init, "Unauthorized");
  }
}

export class PermissionDeniedError extends GongApiError {
  override name = "PermissionDeniedError";
  constructor(init: ApiErrorInit) {
    super(init, "Forbidden");
  }
}

export class NotFoundError extends GongApiError {
  override name = "NotFoundError";
  constructor(init: ApiErrorInit) {
    super(init, "Not Found");
  }
}

export class ConflictError extends GongApiError {
  override name = "ConflictError";
  constructor(init: ApiErrorInit, kind = "Conflict") {
    super(init, kind);
  }
}

/** A 409 that is not a duplicate: the primary user is not enabled for call import (CONTRACT.md §5). */
export class RecordingDisabledError extends ConflictError {
  override name = "RecordingDisabledError";
  constructor(init: ApiErrorInit) {
    super(init, "Conflict (the primary user must be enabled for call import in Gong)");
  }

  static fromConflict(error: ConflictError): RecordingDisabledError {
    return new RecordingDisabledError(error);
  }
}

export class RateLimitError extends GongApiError {
  override name = "RateLimitError";
  override readonly exitCode: number = 4;
  /** Seconds Gong asked us to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(init: ApiErrorInit & { retryAfterSeconds?: number | undefined }) {
    super(init, "Too Many Requests");
    const header = init.headers?.["retry-after"];
    this.retryAfterSeconds = init.retryAfterSeconds ?? (header === undefined ? undefined : parseRetryAfter(header));
  }
}

export class InternalServerError extends GongApiError {
  override name = "InternalServerError";
  override readonly exitCode: number = 4;
  constructor(init: ApiErrorInit) {
    super(init, "Server Error");
  }
}

/** The connection failed or was reset; Gong may or may not have processed the request. */
export class GongConnectionError extends GongError {
  override name = "GongConnectionError";
  override readonly exitCode: number = 4;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Gong connection failed: ${message}`, options);
  }
}

const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found (DNS)",
  EAI_AGAIN: "host name lookup failed for now (DNS)",
  EAI_FAIL: "host name lookup failed (DNS)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
};

/** Error codes that mean the connection was never made (no byte of the request can have left). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(Object.keys(UNREACHABLE_REASONS));

/** TLS failures during the handshake, before any byte of the request is written. */
export function isTlsHandshakeCode(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code);
}

/**
 * The server could not be reached: the connection was refused, the host name did not resolve, or the TLS handshake
 * failed. Nothing was sent, so nothing can have been processed: not ambiguous, no look-up needed.
 */
export class GongUnreachableError extends GongConnectionError {
  override name = "GongUnreachableError";
  /** The system or TLS error code, e.g. ECONNREFUSED, ENOTFOUND, EAI_AGAIN, CERT_HAS_EXPIRED. */
  readonly code: string;
  /** The origin tried, e.g. https://api.gong.io or http://127.0.0.1:3000. */
  readonly origin: string;
  readonly sent = false;
  constructor(origin: string, code: string, detail: string, options?: { cause?: unknown }) {
    super("", options);
    const reason = UNREACHABLE_REASONS[code] ?? (isTlsHandshakeCode(code) ? "TLS handshake failed" : "no connection");
    this.message = `could not reach ${origin}: ${reason} (${detail}); nothing was sent`;
    this.code = code;
    this.origin = origin;
  }
}

export class GongTimeoutError extends GongConnectionError {
  override name = "GongTimeoutError";
  readonly timeoutMs: number;
  readonly kind: "request" | "idle";
  constructor(timeoutMs: number, kind: "request" | "idle" = "request") {
    super(kind === "idle" ? `no data for ${timeoutMs} ms (idle timeout)` : `no response within ${timeoutMs} ms (timeout)`);
    this.timeoutMs = timeoutMs;
    this.kind = kind;
  }
}

export class GongAbortError extends GongError {
  override name = "GongAbortError";
  override readonly exitCode: number = 130;
  constructor(message = "request aborted") {
    super(message);
  }
}

/** A 2xx response whose body is not the JSON we expected. */
export class GongResponseError extends GongError {
  override name = "GongResponseError";
  override readonly exitCode: number = 4;
  readonly status: number;
  readonly requestId: string | undefined;
  constructor(message: string, status: number, requestId?: string) {
    super(`Unexpected Gong response (status ${status}${requestId === undefined ? "" : `, requestId ${requestId}`}): ${message}`);
    this.status = status;
    this.requestId = requestId;
  }
}

/** Our own check failed; nothing was sent. */
export class ValidationError extends GongError {
  override name = "ValidationError";
  override readonly exitCode: number = 2;
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[]) {
    super(`Invalid input: ${issues.map((i) => i.message).join("; ") || "(no details)"}`);
    this.issues = issues;
  }

  static of(path: string, rule: string): ValidationError {
    return new ValidationError([{ path, rule, message: `${path}: ${rule}` }]);
  }
}

export type { ValidationIssue };
