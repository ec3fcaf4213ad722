import { checkMediaFile, ValidationError, type GongClient, type MediaFileInfo } from "../index.js";
import { addCall, checkAddCallRequest, type AddCallOptions, type AddCallResult } from "./add-call.js";
import { addCallMedia, MediaUploadFailedError, type AddCallMediaOptions } from "./media.js";

export interface AddCallWithMediaResult extends AddCallResult {
  media: { requestId: string; url: string };
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
    throw new MediaUploadFailedError(call, error, filePath);
  }
}
