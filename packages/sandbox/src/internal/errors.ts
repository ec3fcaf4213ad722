/** Error bodies the sandbox answers with: always `{ requestId, errors: string[] }` (CONTRACT.md §1). */

export class SandboxError extends Error {
  readonly status: number;
  readonly errors: string[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, errors: string | string[], headers: Record<string, string> = {}) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.join("; "));
    this.name = "SandboxError";
    this.status = status;
    this.errors = list;
    this.headers = headers;
  }
}

export interface ErrorBody {
  requestId: string;
  errors: string[];
}

export function errorBody(requestId: string, errors: string[]): ErrorBody {
  return { requestId, errors };
}

/** Constant refusals, one place for their wording. Callers must not branch on the text. */
export const Errors = {
  unauthorized: () => new SandboxError(401, "Access denied: missing or invalid credentials"),
  forbidden: () => new SandboxError(403, "Access denied: missing or invalid credentials"),
  missingScope: (status: 401 | 403, scope: string) => new SandboxError(status, `Access denied: token lacks scope ${scope}`),
  notFound: (what = "Resource") => new SandboxError(404, `${what} not found`),
  callNotFound: (id: string) => new SandboxError(404, `Call not found: ${id}`),
  noCallsInRange: () => new SandboxError(404, "No calls found corresponding to the provided filters"),
  badRequest: (errors: string | string[]) => new SandboxError(400, errors),
  duplicateCall: (clientUniqueId: string, callId: string) =>
    new SandboxError(409, `A call with clientUniqueId '${clientUniqueId}' already exists: callId ${callId}`),
  recordingDisabled: (userId: string) =>
    new SandboxError(409, `Recording is not enabled for the primary user ${userId} (telephony calls import is off or the user is inactive)`),
  callHasDownloadUrl: (callId: string) =>
    new SandboxError(409, `Call ${callId} was created with downloadMediaUrl; its media cannot also be uploaded`),
  rateLimited: (retryAfterSeconds: number, perDay: boolean) =>
    new SandboxError(429, perDay ? "Daily API quota exceeded" : "Too many requests", {
      "retry-after": String(retryAfterSeconds),
    }),
  injected: (status: number, retryAfterSeconds = 1) =>
    new SandboxError(
      status,
      status === 503 ? "Service temporarily unavailable (injected fault)" : status === 429 ? "Too many requests (injected fault)" : "Internal server error (injected fault)",
      status === 429 ? { "retry-after": String(retryAfterSeconds) } : {},
    ),
  tooManyFailures: (retryAfterSeconds: number) =>
    new SandboxError(429, "Too many failed authentication attempts from this address", { "retry-after": String(retryAfterSeconds) }),
  notFoundRoute: (method: string, path: string) =>
    new SandboxError(404, `Not found: ${method.slice(0, 16)} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`),
  misdirected: () => new SandboxError(421, "Misdirected request: this sandbox does not answer to that Host name (see --allowed-host)"),
  hostRequired: () => new SandboxError(400, "Host header required"),
  tooDeep: (maxDepth: number) => new SandboxError(400, `(root): JSON nested deeper than ${maxDepth} levels`),
  internal: () => new SandboxError(500, "Internal server error"),
  adminDenied: () => new SandboxError(401, "Admin token missing or invalid"),
} as const;

/** The sandbox's data directory cannot be used: not a directory, not writable, or its sandbox.db is not the sandbox's. */
export class DataDirError extends Error {
  override readonly name = "DataDirError";
  readonly dataDir: string;
  readonly problem: string;
  constructor(dataDir: string, problem: string) {
    super(`the data directory ${dataDir} ${problem}`);
    this.dataDir = dataDir;
    this.problem = problem;
  }
}
