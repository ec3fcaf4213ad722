import { open, realpath, stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { MEDIA_CONTENT_TYPES, MEDIA_MAX_BYTES, mediaContentTypeFor, mediaFormatForExtension, type MediaFormat } from "@gong-connector/schema";
import { GongAbortError, ValidationError, type ValidationIssue } from "../errors.js";

export interface MediaFileInfo {
  /** The path as given (the user's name for it). */
  filePath: string;
  /** The file the path resolves to (symlinks followed): what is read and sent. */
  realPath: string;
  /** The basename of the given path, sent as the part's filename. */
  fileName: string;
  size: number;
  contentType: string;
}

const FIELD = "mediaFile";
/** Bytes read from the start of the file to recognise its container. */
const HEAD_BYTES = 64;
/** RIFF chunks walked (each an 8-byte read past the head) looking for a WAV file's "fmt " chunk. */
const MAX_RIFF_CHUNKS = 16;

const FORMAT_NAMES: Readonly<Record<MediaFormat, string>> = { wav: "WAV", mp3: "MP3", mp4: "MP4", mkv: "MKV", flac: "FLAC" };

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return offset + length <= bytes.length ? String.fromCharCode(...bytes.subarray(offset, offset + length)) : "";
}

/** An MPEG audio frame header: 11 sync bits, no reserved version or layer, a usable bitrate and sample rate. */
function isMpegFrame(b: Uint8Array, at: number): boolean {
  const [b0, b1, b2] = [b[at], b[at + 1], b[at + 2]];
  if (b0 === undefined || b1 === undefined || b2 === undefined) return false;
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0x03;
  return version !== 0x01 && layer !== 0x00 && bitrate !== 0x0f && sampleRate !== 0x03;
}

/** An ID3v2 tag header: "ID3", version 2-4, and four syncsafe size bytes. */
function isId3(b: Uint8Array): boolean {
  if (ascii(b, 0, 3) !== "ID3" || b.length < 10) return false;
  const major = b[3] ?? 0;
  return major >= 2 && major <= 4 && [6, 7, 8, 9].every((i) => ((b[i] ?? 0x80) & 0x80) === 0);
}

type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** A RIFF/WAVE file whose chunks lead to a "fmt " chunk (chunks such as JUNK or LIST may come first). */
async function isWav(head: Uint8Array, readAt: ReadAt, size: number): Promise<boolean> {
  if (ascii(head, 0, 4) !== "RIFF" || ascii(head, 8, 4) !== "WAVE") return false;
  let offset = 12;
  for (let i = 0; i < MAX_RIFF_CHUNKS && offset + 8 <= size; i++) {
    const chunk = offset + 8 <= head.length ? head.subarray(offset, offset + 8) : await readAt(offset, 8);
    if (chunk.length < 8) return false;
    const id = ascii(chunk, 0, 4);
    if (id === "fmt ") return true;
    if (!/^[\x20-\x7e]{4}$/.test(id)) return false;
    const length = new DataView(chunk.buffer, chunk.byteOffset, 8).getUint32(4, true);
    offset += 8 + length + (length % 2);
  }
  return false;
}

/** What a file's first bytes are, in words: a media container, or what else it looks like. */
async function identify(head: Uint8Array, readAt: ReadAt, size: number): Promise<{ format?: MediaFormat; found: string }> {
  if (await isWav(head, readAt, size)) return { format: "wav", found: "WAV audio" };
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WAVE") return { found: 'a RIFF/WAVE header without a "fmt " chunk' };
  if (ascii(head, 0, 4) === "fLaC") return { format: "flac", found: "FLAC audio" };
  if (ascii(head, 4, 4) === "ftyp" && new DataView(head.buffer, head.byteOffset, 4).getUint32(0) >= 8) return { format: "mp4", found: "an MP4 container" };
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return { format: "mkv", found: "a Matroska (MKV) container" };
  if (isId3(head)) return { format: "mp3", found: "MP3 audio (an ID3 tag)" };
  if (isMpegFrame(head, 0)) return { format: "mp3", found: "MP3 audio (an MPEG frame)" };
  const magic: [string, string][] = [
    ["%PDF", "a PDF document"],
    ["PK\x03\x04", "a ZIP archive"],
    ["OggS", "an Ogg container (not a supported format)"],
    ["\x7fELF", "an executable (ELF)"],
    ["\x89PNG", "a PNG image"],
    ["GIF8", "a GIF image"],
  ];
  for (const [prefix, what] of magic) if (ascii(head, 0, prefix.length) === prefix) return { found: what };
  if (head[0] === 0xff && head[1] === 0xd8) return { found: "a JPEG image" };
  if (head.every((c) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f))) return { found: "text, not audio or video" };
  const hex = Array.from(head.subarray(0, 8), (c) => c.toString(16).padStart(2, "0")).join(" ");
  return { found: `no known audio or video header (it starts with bytes ${hex})` };
}

export interface MediaFileOptions {
  /** Let a file of an unknown extension through unread (sent as application/octet-stream). */
  allowAnyFormat?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

function issue(rule: string): ValidationIssue {
  return { path: FIELD, rule, message: `${FIELD}: ${rule}` };
}

/**
 * The problems Gong would have with a media file, found before any request; empty when it is fine. The path is
 * resolved (symlinks followed) and must lead to a regular, non-empty file of at most MEDIA_MAX_BYTES with a supported
 * extension, whose first bytes are that format's container header: WAV (RIFF/WAVE with a "fmt " chunk), MP3 (an ID3
 * tag or an MPEG frame), MP4 (`ftyp` at offset 4), MKV (EBML magic) or FLAC (`fLaC`). `allowAnyFormat` lets a file
 * of an unknown extension through unread (sent as application/octet-stream); a supported extension's content is
 * checked all the same, so that `passwd.wav` leading to a text file is refused with or without it.
 */
export async function mediaFileIssues(filePath: string, options: MediaFileOptions = {}): Promise<{ issues: ValidationIssue[]; info?: MediaFileInfo }> {
  if (options.signal?.aborted === true) throw new GongAbortError();
  const allowAnyFormat = options.allowAnyFormat === true;
  const name = JSON.stringify(filePath);
  let realPath: string;
  let size: number;
  try {
    realPath = await realpath(filePath);
    const info = await stat(realPath);
    if (!info.isFile()) {
      const what = info.isDirectory() ? "a directory" : "a device, socket or pipe";
      const via = realPath === resolve(filePath) ? "" : ` (it leads to ${JSON.stringify(realPath)})`;
      return { issues: [issue(`${name} is not a regular file but ${what}${via}`)] };
    }
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    return { issues: [issue(code === "ENOENT" ? `file not found: ${name}` : `cannot read ${name} (${code})`)] };
  }
  if (size === 0) return { issues: [issue(`file is empty: ${name}`)] };
  if (size > MEDIA_MAX_BYTES) {
    return { issues: [issue(`file is ${size} bytes, over the ${MEDIA_MAX_BYTES}-byte (1.5 GB) limit: ${name}`)] };
  }
  const fileName = basename(filePath);
  const expected = mediaFormatForExtension(fileName);
  if (expected === undefined && !allowAnyFormat) {
    const list = Object.keys(MEDIA_CONTENT_TYPES).join(", ");
    const ext = extname(fileName);
    const what = ext === "" ? "the name has no extension" : `${JSON.stringify(ext)} is an unsupported extension`;
    return { issues: [issue(`unsupported file type: ${what} (supported: ${list}; or allow any format): ${name}`)] };
  }
  const info: MediaFileInfo = { filePath, realPath, fileName, size, contentType: mediaContentTypeFor(fileName) ?? "application/octet-stream" };
  if (expected === undefined) return { issues: [], info };
  let found: { format?: MediaFormat; found: string };
  try {
    const handle = await open(realPath, "r");
    try {
      const readAt: ReadAt = async (offset, length) => {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      };
      found = await identify(await readAt(0, HEAD_BYTES), readAt, size);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    return { issues: [issue(`cannot read ${name} (${code})`)] };
  }
  if (found.format !== expected) {
    if (found.format !== undefined) {
      return { issues: [issue(`content looks like ${found.format}, not ${expected} as its extension says (found ${found.found}): ${name}`)] };
    }
    return { issues: [issue(`${name} is not ${FORMAT_NAMES[expected]} as its extension says: found ${found.found}`)] };
  }
  return { issues: [], info };
}

/** mediaFileIssues that throws ValidationError (field `mediaFile`) on the first problem. Nothing is sent. */
export async function checkMediaFile(filePath: string, options: MediaFileOptions = {}): Promise<MediaFileInfo> {
  const { issues, info } = await mediaFileIssues(filePath, options);
  if (info === undefined || issues.length > 0) throw new ValidationError(issues);
  return info;
}
