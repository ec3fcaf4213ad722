import busboy from "busboy";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { basename, join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  MEDIA_CONTENT_TYPES,
  isAcceptableDownloadContentType,
  mediaFormatForExtension,
  sniffMediaFormat,
  type MediaFormat,
} from "../schema/media.js";
import { Errors, SandboxError } from "./errors.js";
import { noteBodyBytes } from "./reclaim.js";
import type { StoredMedia } from "./store.js";

/** A media file written to a temporary path under the media dir, checked and hashed. */
export interface ReceivedMedia {
  tmpPath: string;
  fileName: string;
  size: number;
  sha256: string;
  format: MediaFormat;
  contentType: string;
}

const HEAD_BYTES = 64;
/** Multipart framing and small fields allowed on top of the file itself before Content-Length alone refuses an upload. */
const MULTIPART_SLACK_BYTES = 1_048_576;

export function contentTypeForFormat(format: MediaFormat): string {
  return MEDIA_CONTENT_TYPES[`.${format}`] ?? "application/octet-stream";
}

export function describeBytes(n: number): string {
  return n.toLocaleString("en-US");
}

class Meter extends Transform {
  readonly hash = createHash("sha256");
  size = 0;
  head = Buffer.alloc(0);
  tooLarge = false;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.tooLarge = true;
      done(new SandboxError(400, `mediaFile: file exceeds the limit of ${describeBytes(this.maxBytes)} bytes`));
      return;
    }
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    this.hash.update(chunk);
    noteBodyBytes(chunk.length);
    done(null, chunk);
  }
}

function tmpPathIn(dir: string): string {
  return join(dir, `.incoming-${randomBytes(8).toString("hex")}.part`);
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Streams `source` to a temp file (never buffering it), hashing and measuring as it goes; removes it on failure. */
async function writeMeasured(source: Readable, dir: string, maxBytes: number): Promise<{ tmpPath: string; meter: Meter }> {
  const tmpPath = tmpPathIn(dir);
  const meter = new Meter(maxBytes);
  try {
    await pipeline(source, meter, createWriteStream(tmpPath));
  } catch (err) {
    await removeQuietly(tmpPath);
    throw err;
  }
  return { tmpPath, meter };
}

/** Checks a written file's size and first bytes; returns the received media or throws (after removing the file). */
async function finish(tmpPath: string, meter: Meter, fileName: string, expected: MediaFormat | undefined): Promise<ReceivedMedia> {
  if (meter.size === 0) {
    await removeQuietly(tmpPath);
    throw Errors.badRequest("mediaFile: the file is empty");
  }
  const format = sniffMediaFormat(meter.head);
  if (format === undefined) {
    await removeQuietly(tmpPath);
    throw Errors.badRequest("mediaFile: the content is not a supported media format (WAV, MP3, MP4, MKV, FLAC)");
  }
  if (expected !== undefined && expected !== format) {
    await removeQuietly(tmpPath);
    throw Errors.badRequest(`mediaFile: the file name says ${expected.toUpperCase()} but the content is ${format.toUpperCase()}`);
  }
  return { tmpPath, fileName, size: meter.size, sha256: meter.hash.digest("hex"), format, contentType: contentTypeForFormat(format) };
}

/**
 * Reads a multipart/form-data request and streams its `mediaFile` part to disk. Other parts are drained and ignored.
 * Throws SandboxError 400 for a missing part, an extension not in the list, an empty or too large file, or content
 * that is not a supported media format.
 */
export async function receiveUpload(req: IncomingMessage, dir: string, maxBytes: number): Promise<ReceivedMedia> {
  const type = req.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw Errors.badRequest("Content-Type must be multipart/form-data with a mediaFile part");
  }
  const declared = Number(req.headers["content-length"] ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_SLACK_BYTES) {
    throw Errors.badRequest(`mediaFile: file exceeds the limit of ${describeBytes(maxBytes)} bytes`);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 4, fields: 32, parts: 40, fileSize: maxBytes + 1 } });
  } catch (err) {
    throw Errors.badRequest(`malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
  }

  return new Promise<ReceivedMedia>((resolve, reject) => {
    let settled = false;
    let work: Promise<ReceivedMedia> | undefined;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      reject(err instanceof SandboxError ? err : Errors.badRequest(`malformed multipart body: ${err instanceof Error ? err.message : String(err)}`));
    };

    parser.on("file", (name, stream, info) => {
      stream.on("error", () => undefined); // a form cut short errors the part too; the parser's own error reports it
      if (name !== "mediaFile" || work !== undefined || settled) {
        stream.resume();
        return;
      }
      const fileName = basename(info.filename || "");
      const expected = mediaFormatForExtension(fileName);
      if (expected === undefined) {
        stream.resume();
        fail(Errors.badRequest(`mediaFile: file name "${fileName}" must end in .wav, .mp3, .mp4, .mkv or .flac`));
        return;
      }
      work = writeMeasured(stream, dir, maxBytes).then(({ tmpPath, meter }) => finish(tmpPath, meter, fileName, expected));
      // The upload may have been refused (a malformed rest of the form) while the file was still being written.
      work.then((media) => (settled ? removeQuietly(media.tmpPath) : undefined), fail);
    });
    parser.on("error", fail);
    parser.on("close", () => {
      if (settled) return;
      if (work === undefined) {
        fail(Errors.badRequest("mediaFile: required multipart part is missing"));
        return;
      }
      work.then((media) => {
        if (settled) {
          void removeQuietly(media.tmpPath);
          return;
        }
        settled = true;
        resolve(media);
      }, fail);
    });
    req.on("error", fail);
    req.on("aborted", () => {
      fail(Errors.badRequest("upload aborted"));
    });
    req.pipe(parser);
  });
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h.startsWith("::ffff:127.");
  return false;
}

export interface DownloadOptions {
  dir: string;
  maxBytes: number;
  allowLoopback: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Fetches a `downloadMediaUrl` the way Gong does (CONTRACT.md §3), storing it like an upload. Throws an Error with a reason. */
export async function fetchDownload(url: string, opts: DownloadOptions): Promise<ReceivedMedia> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`unsupported scheme ${parsed.protocol}`);
  if (isLoopbackHost(parsed.hostname) && !opts.allowLoopback) {
    throw new Error("loopback URLs are allowed only when the sandbox itself listens on loopback");
  }
  const signals = [AbortSignal.timeout(opts.timeoutMs)];
  if (opts.signal) signals.push(opts.signal);
  const res = await fetch(parsed, { redirect: "follow", signal: AbortSignal.any(signals) });
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`download answered HTTP ${res.status}`);
  }
  const contentType = res.headers.get("content-type") ?? "";
  if (!isAcceptableDownloadContentType(contentType)) {
    await res.body.cancel().catch(() => undefined);
    throw new Error(`Content-Type "${contentType}" is not audio/*, video/* or an octet-stream naming WAV, MP3, MP4, MKV or FLAC`);
  }
  const length = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(length) && length > opts.maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new Error(`Content-Length ${describeBytes(length)} exceeds the limit of ${describeBytes(opts.maxBytes)} bytes`);
  }
  const source = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  let written: { tmpPath: string; meter: Meter };
  try {
    written = await writeMeasured(source, opts.dir, opts.maxBytes);
  } catch (err) {
    throw new Error(err instanceof SandboxError ? (err.errors[0] ?? err.message) : `download failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fileName = basename(decodeURIComponent(parsed.pathname)) || "download";
  try {
    return await finish(written.tmpPath, written.meter, fileName, undefined);
  } catch (err) {
    throw new Error(err instanceof SandboxError ? (err.errors[0] ?? err.message) : String(err));
  }
}

/** Moves a received file to its final name `<callId>-<random>.<format>` in the media dir; returns that name. */
export async function commitMedia(media: ReceivedMedia, dir: string, callId: string): Promise<string> {
  const name = `${callId}-${randomBytes(4).toString("hex")}.${media.format}`;
  await rename(media.tmpPath, join(dir, name));
  return name;
}

export { removeQuietly };

/** What the store records for received media, moved to its final `file` in the media dir. */
export function storedMedia(media: ReceivedMedia, file: string, source: StoredMedia["source"]): StoredMedia {
  return {
    source,
    file,
    fileName: media.fileName,
    sha256: media.sha256,
    size: media.size,
    format: media.format,
    contentType: media.contentType,
  };
}
