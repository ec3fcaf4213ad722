import { extname } from "node:path";

/** 1.5 GB, as Gong counts it (CONTRACT.md §3). */
export const MEDIA_MAX_BYTES = 1_500_000_000;

export const MEDIA_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".mkv": "video/x-matroska",
  ".flac": "audio/flac",
};

export type MediaFormat = "wav" | "mp3" | "mp4" | "mkv" | "flac";

/** The content type Gong expects for a file name, or undefined when its extension is not a supported format. */
export function mediaContentTypeFor(fileName: string): string | undefined {
  return MEDIA_CONTENT_TYPES[extname(fileName).toLowerCase()];
}

export function mediaFormatForExtension(fileName: string): MediaFormat | undefined {
  const ext = extname(fileName).toLowerCase().slice(1);
  return ext === "wav" || ext === "mp3" || ext === "mp4" || ext === "mkv" || ext === "flac" ? ext : undefined;
}

function ascii(head: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...head.subarray(offset, offset + length));
}

/** Recognises a media format from a file's first bytes (at least 12 are needed). */
export function sniffMediaFormat(head: Uint8Array): MediaFormat | undefined {
  if (head.length >= 12 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WAVE") return "wav";
  if (head.length >= 4 && ascii(head, 0, 4) === "fLaC") return "flac";
  if (head.length >= 8 && ascii(head, 4, 4) === "ftyp") return "mp4";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "mkv";
  if (head.length >= 3 && ascii(head, 0, 3) === "ID3") return "mp3";
  // An MPEG audio frame sync: 11 set bits, a valid layer and no reserved version.
  if (head.length >= 2 && head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0 && ((head[1] ?? 0) & 0x06) !== 0) return "mp3";
  return undefined;
}

const SUBTYPE_FORMATS = /(wav|wave|mp3|mpeg|mp4|mkv|matroska|flac)/i;

/**
 * The content-type rule for `downloadMediaUrl` (CONTRACT.md §3): `audio/*` or `video/*`, or an octet-stream type
 * whose subtype names a supported format.
 */
export function isAcceptableDownloadContentType(contentType: string): boolean {
  const ct = contentType.trim().toLowerCase();
  if (ct.startsWith("audio/") || ct.startsWith("video/")) return true;
  const m = /^(application|binary)\/octet-stream(.*)$/.exec(ct);
  if (!m) return false;
  return SUBTYPE_FORMATS.test(m[2] ?? "");
}
