import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { MEDIA_CONTENT_TYPES, MEDIA_MAX_BYTES, mediaContentTypeFor } from "../schema/media.js";
import { ValidationError } from "./errors.js";

export interface MediaFileInfo {
  filePath: string;
  fileName: string;
  size: number;
  contentType: string;
}

const FIELD = "mediaFile";

/**
 * Checks a media file before any request: it exists, is a regular non-empty file of at most MEDIA_MAX_BYTES with a
 * supported extension (any extension with `allowAnyFormat`, sent as application/octet-stream).
 */
export async function checkMediaFile(filePath: string, allowAnyFormat = false): Promise<MediaFileInfo> {
  let size: number;
  try {
    const info = await stat(filePath);
    if (!info.isFile()) throw ValidationError.of(FIELD, `not a regular file: ${filePath}`);
    size = info.size;
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw ValidationError.of(FIELD, code === "ENOENT" ? `file not found: ${filePath}` : `cannot read ${filePath} (${code})`);
  }
  if (size === 0) throw ValidationError.of(FIELD, `file is empty: ${filePath}`);
  if (size > MEDIA_MAX_BYTES) {
    throw ValidationError.of(FIELD, `file is ${size} bytes, over the ${MEDIA_MAX_BYTES}-byte (1.5 GB) limit: ${filePath}`);
  }
  const fileName = basename(filePath);
  const known = mediaContentTypeFor(fileName);
  if (known === undefined && !allowAnyFormat) {
    const list = Object.keys(MEDIA_CONTENT_TYPES).join(", ");
    throw ValidationError.of(FIELD, `unsupported file type (supported: ${list}; or allow any format): ${fileName}`);
  }
  return { filePath, fileName, size, contentType: known ?? "application/octet-stream" };
}
