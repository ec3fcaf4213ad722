// Nothing here loads zod: the `add-media` command imports only this module, and starts about 45 ms sooner for it.
import type { GongClient } from "../client.js";
import { ValidationError } from "../errors.js";
import { GONG_ID_PATTERN } from "@gong-connector/schema";
import type { AddCallMediaResponse } from "@gong-connector/schema";
import type { AddCallResult } from "./add-call.js";
import { isUrlCall } from "./url-calls.js";

export interface AddCallMediaInput {
  callId: string;
  filePath: string;
}

export interface AddCallMediaOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((sent: number, total: number) => void) | undefined;
  /** Send files of other extensions as application/octet-stream. */
  allowAnyFormat?: boolean | undefined;
}

function checkCallId(callId: unknown): string {
  if (typeof callId !== "string" || !GONG_ID_PATTERN.test(callId)) {
    throw ValidationError.of("callId", "must be a string of 1-20 digits (the callId Add call returned)");
  }
  return callId;
}

/** Add call media (PUT /v2/calls/{id}/media): streams the file from disk; refuses bad files before sending. */
export async function addCallMedia(
  client: GongClient,
  input: AddCallMediaInput,
  options: AddCallMediaOptions = {},
): Promise<AddCallMediaResponse> {
  const callId = checkCallId(input.callId);
  if (isUrlCall(client, callId)) {
    throw ValidationError.of("callId", "the call was added with a downloadMediaUrl: Gong fetches its media from that URL, so it takes no upload");
  }
  return client.uploadMedia(callId, input.filePath, {
    signal: options.signal,
    onProgress: options.onProgress,
    allowAnyFormat: options.allowAnyFormat,
  });
}

/** The call went in but its media did not: `call` says which call, `cause` why the upload failed. */
export class MediaUploadFailedError extends Error {
  override name = "MediaUploadFailedError";
  readonly call: AddCallResult;
  override readonly cause: unknown;
  /** The media file as it was given, for a retry with addCallMedia. */
  readonly filePath: string | undefined;
  constructor(call: AddCallResult, cause: unknown, filePath?: string) {
    super(`The call was added (callId ${call.callId}) but its media upload failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.call = call;
    this.cause = cause;
    this.filePath = filePath;
  }
}
