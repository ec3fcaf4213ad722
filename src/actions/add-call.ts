import {
  BadRequestError,
  ConflictError,
  GongConnectionError,
  InternalServerError,
  RecordingDisabledError,
  ValidationError,
  type GongClient,
} from "../client/index.js";
import { sleep } from "../client/index.js";
import { addCallResponseSchema, validateAddCallRequest, type AddCallRequest } from "../schema/index.js";
import { findCallByClientUniqueId } from "./lookup.js";
import { checkDownloadUrl, checkPrimaryUser } from "./preflight.js";
import { rememberUrlCall } from "./url-calls.js";

export interface AddCallResult {
  callId: string;
  requestId: string;
  /** Gong already had a call with this clientUniqueId: this is that call, nothing new was created. */
  duplicate?: true;
  /** The request failed ambiguously but the call was created: found by looking it up. */
  recovered?: true;
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

/** Validates an Add call request; throws ValidationError naming every bad field. Nothing is sent. */
export function checkAddCallRequest(input: unknown): AddCallRequest {
  const result = validateAddCallRequest(input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}

/** The request may or may not have been processed: a 5xx, a timeout or a dropped connection. */
function isAmbiguous(error: unknown): boolean {
  return error instanceof InternalServerError || error instanceof GongConnectionError;
}

/**
 * Add call (POST /v2/calls), safe to retry: it validates first, and after an ambiguous failure it looks the call
 * up by `clientUniqueId` before sending again, so a retried Add call never creates a second call. A duplicate
 * answer (409, or 400) that the look-up resolves returns the existing call with `duplicate: true`.
 */
export async function addCall(client: GongClient, input: unknown, options: AddCallOptions = {}): Promise<AddCallResult> {
  const request = checkAddCallRequest(input);
  if (options.checkDownloadUrl === true && request.downloadMediaUrl !== undefined) await checkDownloadUrl(request.downloadMediaUrl, options.signal);
  if (options.checkPrimaryUser === true) await checkPrimaryUser(client, request.primaryUser, options.signal);
  const result = await sendAddCall(client, request, options);
  if (request.downloadMediaUrl !== undefined) rememberUrlCall(client, result.callId);
  return result;
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
      if (error instanceof ConflictError || error instanceof BadRequestError) {
        const existing = await lookup();
        if (existing) {
          // After an ambiguous failure, the "duplicate" is the call our earlier attempt created.
          const flag = resend > 0 ? { recovered: true as const } : { duplicate: true as const };
          return { callId: existing.id, requestId: error.requestId ?? "", ...flag };
        }
        if (error instanceof ConflictError && !(error instanceof RecordingDisabledError)) {
          throw RecordingDisabledError.fromConflict(error);
        }
        throw error;
      }
      if (!isAmbiguous(error)) throw error;
      await sleep(delayMs, options.signal);
      const existing = await lookup();
      if (existing) return { callId: existing.id, requestId: (error as { requestId?: string }).requestId ?? "", recovered: true };
      if (resend >= maxResends) throw error;
      options.onWarning?.(`Add call failed ambiguously (${(error as Error).message}); not found by clientUniqueId, sending again`);
      await sleep(delayMs * 2 ** resend, options.signal);
    }
  }
}
