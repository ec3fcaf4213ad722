import type { AddCallRequestInput } from "@gong-connector/schema";
import type { GongClient } from "../client.js";
import { ValidationError } from "../errors.js";
import { checkMediaFile } from "../internal/media-file.js";
import { parseAddCallRequest, sendValidAddCall, type AddCallOptions, type AddCallResult } from "./add-call.js";
import { MediaUploadFailedError, sendMedia, type AddCallMediaOptions } from "./media.js";

export interface AddCallWithMediaOptions extends AddCallOptions, AddCallMediaOptions {
  /** The Add call request (it must not have a downloadMediaUrl). */
  request: AddCallRequestInput;
  /** Path of the recording to upload (wav, mp3, mp4, mkv, flac; at most 1.5 GB). */
  media: string;
}

export interface AddCallWithMediaResult extends AddCallResult {
  media: { requestId: string; url: string };
}

/**
 * Add call, then Add call media. Both the request and the file are checked, once, before anything is sent. When the
 * upload fails after the call went in, throws MediaUploadFailedError naming the call, so a retry can use addCallMedia.
 */
export async function addCallWithMedia(client: GongClient, options: AddCallWithMediaOptions): Promise<AddCallWithMediaResult> {
  const request = parseAddCallRequest(options.request);
  if (request.downloadMediaUrl !== undefined) {
    throw ValidationError.of("downloadMediaUrl", "must be omitted when a media file is uploaded (Gong fetches one or the other)");
  }
  const file = await checkMediaFile(options.media, { allowAnyFormat: options.allowAnyFormat, signal: options.signal });
  const call = await sendValidAddCall(client, request, options);
  try {
    const media = await sendMedia(client, call.callId, file, options);
    return { ...call, media: { requestId: media.requestId, url: media.url } };
  } catch (error) {
    throw new MediaUploadFailedError(call, error, options.media);
  }
}
