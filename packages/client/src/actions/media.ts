import type { GongClient } from "../client.js";
import { ValidationError } from "../errors.js";
import { checkMediaFile, type MediaFileInfo } from "../internal/media-file.js";
import { GONG_ID_PATTERN } from "@gong-connector/schema";
import type { AddCallMediaResponse } from "@gong-connector/schema";
import type { AddCallResult } from "./add-call.js";

export interface AddCallMediaInput {
  callId: string;
  filePath: string;
  /**
   * True when the call was added with a downloadMediaUrl (an AddCallResult says so): such a call takes no upload
   * (CONTRACT.md §3), so it is refused, sending nothing.
   */
  mediaFromUrl?: boolean | undefined;
}

export interface AddCallMediaOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((sent: number, total: number) => void) | undefined;
  /** Send files of other extensions as application/octet-stream. */
  allowAnyFormat?: boolean | undefined;
}

export function checkCallId(callId: unknown): string {
  if (typeof callId !== "string" || !GONG_ID_PATTERN.test(callId)) {
    throw ValidationError.of("callId", "must be a string of 1-20 digits (the callId Add call returned)");
  }
  return callId;
}

/**
 * Add call media (PUT /v2/calls/{id}/media): checks the call id and the file (checkMediaFile), then streams the file
 * from disk. Refuses, sending nothing, a bad id, a bad file, or a call added with a downloadMediaUrl.
 */
export async function addCallMedia(client: GongClient, input: AddCallMediaInput, options: AddCallMediaOptions = {}): Promise<AddCallMediaResponse> {
  const callId = checkCallId(input.callId);
  if (input.mediaFromUrl === true) {
    throw ValidationError.of("callId", "the call was added with a downloadMediaUrl: Gong fetches its media from that URL, so it takes no upload");
  }
  const file = await checkMediaFile(input.filePath, { allowAnyFormat: options.allowAnyFormat, signal: options.signal });
  return sendMedia(client, callId, file, options);
}

/** The upload of a checked file (addCallWithMedia's last step). */
export function sendMedia(client: GongClient, callId: string, file: MediaFileInfo, options: AddCallMediaOptions): Promise<AddCallMediaResponse> {
  return client.uploadMedia(callId, file, { signal: options.signal, onProgress: options.onProgress });
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
