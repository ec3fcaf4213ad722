import { checkMediaFile, ValidationError, type GongClient, type MediaFileInfo } from "../client/index.js";
import { gongIdSchema, type AddCallMediaResponse } from "../schema/index.js";
import { addCall, checkAddCallRequest, type AddCallOptions, type AddCallResult } from "./add-call.js";

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
  const result = gongIdSchema.safeParse(callId);
  if (!result.success) throw ValidationError.of("callId", "must be a string of 1-20 digits (the callId Add call returned)");
  return result.data;
}

/** Add call media (PUT /v2/calls/{id}/media): streams the file from disk; refuses bad files before sending. */
export async function addCallMedia(
  client: GongClient,
  input: AddCallMediaInput,
  options: AddCallMediaOptions = {},
): Promise<AddCallMediaResponse> {
  const callId = checkCallId(input.callId);
  return client.uploadMedia(callId, input.filePath, {
    signal: options.signal,
    onProgress: options.onProgress,
    allowAnyFormat: options.allowAnyFormat,
  });
}

export interface AddCallWithMediaResult extends AddCallResult {
  media: { requestId: string; url: string };
}

/** The call went in but its media did not: `call` says which call, `cause` why the upload failed. */
export class MediaUploadFailedError extends Error {
  override name = "MediaUploadFailedError";
  readonly call: AddCallResult;
  override readonly cause: unknown;
  constructor(call: AddCallResult, cause: unknown) {
    super(`The call was added (callId ${call.callId}) but its media upload failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.call = call;
    this.cause = cause;
  }
}

/**
 * Add call, then Add call media. Both the request and the file are checked before anything is sent. When the upload
 * fails after the call went in, throws MediaUploadFailedError naming the call, so a retry can use addCallMedia.
 */
export async function addCallWithMedia(
  client: GongClient,
  input: unknown,
  filePath: string,
  options: AddCallOptions & AddCallMediaOptions = {},
): Promise<AddCallWithMediaResult> {
  const request = checkAddCallRequest(input);
  if (request.downloadMediaUrl !== undefined) {
    throw ValidationError.of("downloadMediaUrl", "must be omitted when a media file is uploaded (Gong fetches one or the other)");
  }
  const file: MediaFileInfo = await checkMediaFile(filePath, options.allowAnyFormat ?? false);
  const call = await addCall(client, request, options);
  try {
    const media = await addCallMedia(client, { callId: call.callId, filePath: file.filePath }, options);
    return { ...call, media: { requestId: media.requestId, url: media.url } };
  } catch (error) {
    throw new MediaUploadFailedError(call, error);
  }
}
