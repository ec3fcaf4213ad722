import {
  BadRequestError,
  ConflictError,
  GongAbortError,
  GongConnectionError,
  GongError,
  GongUnreachableError,
  type GongApiError,
  InternalServerError,
  RecordingDisabledError,
  ValidationError,
} from "../errors.js";
import type { GongClient } from "../client.js";
import { sleep } from "../internal/sleep.js";
import { addCallResponseSchema, validateAddCallRequest, type AddCallRequest, type AddCallRequestInput } from "@gong-connector/schema";
import { findCallByClientUniqueId } from "./lookup.js";
import { checkDownloadUrl, checkPrimaryUser } from "./preflight.js";

export interface AddCallResult {
  callId: string;
  requestId: string;
  /** Gong already had a call with this clientUniqueId: this is that call, nothing new was created. */
  duplicate?: true;
  /** The request failed ambiguously but the call was created: found by looking it up. */
  recovered?: true;
  /**
   * The call was added with a `downloadMediaUrl`: Gong fetches its media from there, so it takes no upload
   * (`addCallMedia(client, { ...result, filePath })` refuses it). A flag, not the URL: a pre-signed URL is a secret.
   */
  mediaFromUrl?: true;
}

export interface AddCallOptions {
  signal?: AbortSignal | undefined;
  /** Resends after an ambiguous failure whose look-up found nothing (default 3). */
  maxResends?: number | undefined;
  /** Wait before the look-up after an ambiguous failure, and the base of the resend backoff (default 2,000 ms). */
  ambiguityDelayMs?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Before sending, HEAD the downloadMediaUrl (2xx, content type, size); off by default (CONTRACT.md §3). */
  checkDownloadUrl?: boolean | undefined;
  /** Before sending, look the primary user up in /v2/users (exists, active, call import on); off by default: it costs quota. */
  checkPrimaryUser?: boolean | undefined;
}

/**
 * Validates an Add call request given as unknown data (JSON read from a file, a JavaScript caller's object) and
 * returns it typed and ready to send (date-times as UTC `YYYY-MM-DDTHH:mm:ssZ`); throws ValidationError naming every
 * bad field. Nothing is sent. `addCall` runs the same check itself: this is for checking without sending.
 */
export function parseAddCallRequest(input: unknown): AddCallRequest {
  const result = validateAddCallRequest(input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}

/** The request may or may not have been processed: a 5xx, a timeout or a dropped connection. */
function isAmbiguous(error: unknown): boolean {
  // An unreachable server (refused, DNS, TLS handshake) received nothing: not ambiguous.
  return error instanceof InternalServerError || (error instanceof GongConnectionError && !(error instanceof GongUnreachableError));
}

/**
 * Add call (POST /v2/calls), safe to retry: it validates first (ValidationError, nothing sent), and after an
 * ambiguous failure it looks the call up by `clientUniqueId` before sending again, so a retried Add call never
 * creates a second call. A duplicate answer (409, or 400) that the look-up resolves returns the existing call with
 * `duplicate: true`. Data of unknown shape (read from a file) may be passed as `data as AddCallRequestInput`: the
 * validation is the same.
 */
export async function addCall(client: GongClient, request: AddCallRequestInput, options: AddCallOptions = {}): Promise<AddCallResult> {
  return sendValidAddCall(client, parseAddCallRequest(request), options);
}

/** Add call of a request that has passed parseAddCallRequest (addCallWithMedia's second half). */
export async function sendValidAddCall(client: GongClient, request: AddCallRequest, options: AddCallOptions): Promise<AddCallResult> {
  if (options.checkDownloadUrl === true && request.downloadMediaUrl !== undefined) await checkDownloadUrl(request.downloadMediaUrl, { signal: options.signal });
  if (options.checkPrimaryUser === true) await checkPrimaryUser(client, request.primaryUser, { signal: options.signal });
  const result = await sendAddCall(client, request, options);
  return request.downloadMediaUrl === undefined ? result : { ...result, mediaFromUrl: true };
}

async function sendAddCall(client: GongClient, request: AddCallRequest, options: AddCallOptions): Promise<AddCallResult> {
  if (request.downloadMediaUrl?.startsWith("http:") === true) {
    options.onWarning?.("downloadMediaUrl uses plain http: Gong fetches it unencrypted; prefer an https (pre-signed) URL");
  }
  const maxResends = options.maxResends ?? 3;
  const delayMs = options.ambiguityDelayMs ?? 2000;
  const lookup = () =>
    findCallByClientUniqueId(
      client,
      { clientUniqueId: request.clientUniqueId, actualStart: request.actualStart, workspaceId: request.workspaceId },
      { signal: options.signal, onWarning: options.onWarning },
    );
  /** The look-up after a refusal: its own failure is a warning, never what the user is told of the Add call. */
  const lookupAfterRefusal = async (refusal: GongApiError) => {
    try {
      return await lookup();
    } catch (error) {
      if (error instanceof GongAbortError) throw error;
      options.onWarning?.(`Add call was refused (${String(refusal.status)}); looking the call up by clientUniqueId failed too (${(error as Error).message})`);
      return undefined;
    }
  };
  let attempts = 0;
  let ambiguous: GongError | undefined;

  for (let resend = 0; ; resend++) {
    try {
      const response = await client.request({
        method: "POST",
        path: "/v2/calls",
        body: request,
        schema: addCallResponseSchema,
        retry: "never",
        signal: options.signal,
      });
      return { callId: response.callId, requestId: response.requestId };
    } catch (error) {
      attempts += error instanceof GongError ? (error.attempts ?? 1) : 1;
      if (error instanceof ConflictError || error instanceof BadRequestError) {
        let existing = await lookupAfterRefusal(error);
        // A 409 to a resend is most likely the call our ambiguous attempt created, listed late: look again, backing off.
        const listedLate = error instanceof ConflictError && ambiguous !== undefined ? { ambiguous, conflict: error } : undefined;
        for (let i = 0; existing === undefined && listedLate !== undefined && i < maxResends; i++) {
          await sleep(delayMs * 2 ** i, { signal: options.signal });
          existing = await lookupAfterRefusal(error);
        }
        if (existing) {
          // After an ambiguous failure, the "duplicate" is the call our earlier attempt created.
          const flag = ambiguous !== undefined ? { recovered: true as const } : { duplicate: true as const };
          return { callId: existing.id, requestId: error.requestId ?? "", ...flag };
        }
        if (listedLate !== undefined) throw new UnconfirmedCallError(request.clientUniqueId, listedLate.ambiguous, listedLate.conflict);
        if (error instanceof ConflictError && !(error instanceof RecordingDisabledError)) {
          throw RecordingDisabledError.fromConflict(error);
        }
        throw error;
      }
      if (!isAmbiguous(error)) throw error;
      ambiguous = error as GongError;
      await sleep(delayMs, { signal: options.signal });
      const existing = await lookup();
      if (existing) return { callId: existing.id, requestId: (error as { requestId?: string }).requestId ?? "", recovered: true };
      if (resend >= maxResends) {
        ambiguous.attempts = attempts;
        throw error;
      }
      options.onWarning?.(`Add call failed ambiguously (${(error as Error).message}); not found by clientUniqueId, sending again`);
      await sleep(delayMs * 2 ** resend, { signal: options.signal });
    }
  }
}

/**
 * Add call failed ambiguously (5xx, timeout, dropped connection), and Gong refused the resend as a duplicate (409):
 * the first attempt most likely created the call, but no look-up by `clientUniqueId` has found it yet (new calls can
 * be listed late). Running the same Add call again later finds the call instead of adding a second one.
 */
export class UnconfirmedCallError extends GongError {
  override name = "UnconfirmedCallError";
  override readonly exitCode: number = 4;
  readonly clientUniqueId: string;
  /** Gong's answer to the resend. */
  readonly conflict: ConflictError;
  override readonly cause: GongError;

  constructor(clientUniqueId: string, ambiguous: GongError, conflict: ConflictError) {
    super(
      `Add call of clientUniqueId ${JSON.stringify(clientUniqueId)} is unconfirmed: an attempt failed ambiguously (${ambiguous.message}) ` +
        `and Gong refused the resend as a duplicate (409${conflict.requestId === undefined ? "" : `, requestId ${conflict.requestId}`}), ` +
        "so that attempt most likely created the call, but looking it up by clientUniqueId has not found it yet. " +
        "Run the same Add call again later: it finds the call rather than adding a second one.",
    );
    this.clientUniqueId = clientUniqueId;
    this.conflict = conflict;
    this.cause = ambiguous;
  }
}
