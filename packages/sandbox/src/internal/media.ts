import { Busboy, type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { basename, join } from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MEDIA_CONTENT_TYPES, mediaFormatForExtension, sniffMediaFormat, type MediaFormat } from "@gong-connector/schema";
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

export class Meter extends Transform {
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

/** Temporary files are `.incoming-<16 hex>.part` in the media dir; whatever a crash left of them is swept at start-up (reclaim.ts). */
function tmpPathIn(dir: string): string {
  return join(dir, `.incoming-${randomBytes(8).toString("hex")}.part`);
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Codes of a write that failed because the sandbox's own disk (or quota) is full. */
const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const { code } = err;
  return typeof code === "string" ? code : undefined;
}

/**
 * The answer to a failure of the sandbox's own storage: 507 when the disk is full, 500 otherwise. Both are server-side
 * (a client retries them later); neither is the client's fault.
 */
export function storageError(err: unknown): SandboxError {
  const code = errnoCode(err) ?? "unknown";
  if (DISK_FULL_CODES.has(code)) {
    return new SandboxError(507, `Insufficient storage: the sandbox's disk is full (${code}); the media was not stored`);
  }
  return new SandboxError(500, `Internal server error: the sandbox could not write the media (${code})`);
}

/**
 * Streams `source` to a temp file (never buffering it), hashing and measuring as it goes. On any failure (source
 * error or destroyed, limit exceeded, write error) the file is closed and removed before this rejects; a write error
 * becomes storageError's 507/500.
 */
export async function writeMeasured(source: Readable, dir: string, maxBytes: number): Promise<{ tmpPath: string; meter: Meter }> {
  const tmpPath = tmpPathIn(dir);
  const meter = new Meter(maxBytes);
  const out = createWriteStream(tmpPath, { flags: "wx", mode: 0o600 });
  let writeFailure: unknown;
  out.once("error", (err) => {
    writeFailure = err;
  });
  try {
    await pipeline(source, meter, out);
  } catch (err) {
    out.destroy();
    await removeQuietly(tmpPath);
    throw writeFailure !== undefined ? storageError(writeFailure) : err;
  }
  return { tmpPath, meter };
}

/** Checks a written file's size and first bytes; returns the received media or throws (after removing the file). */
export async function finish(tmpPath: string, meter: Meter, fileName: string, expected: MediaFormat | undefined): Promise<ReceivedMedia> {
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

class UploadAborted extends SandboxError {
  constructor() {
    super(400, "upload aborted: the connection closed before the body was complete");
  }
}

/**
 * Reads a multipart/form-data request and streams its `mediaFile` part to disk. Other parts are drained and ignored.
 * Throws SandboxError 400 for a missing part, an extension not in the list, an empty or too large file, content that
 * is not a supported media format, a malformed body or a client that went away; 507/500 when the sandbox cannot
 * write. Whatever the outcome, no partial file and no open descriptor is left behind once it settles.
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
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { ...req.headers, "content-type": type },
      limits: { files: 4, fields: 32, parts: 40, fileSize: maxBytes + 1, headerPairs: 64 },
    });
  } catch (err) {
    throw Errors.badRequest(`malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
  }

  return new Promise<ReceivedMedia>((resolve, reject) => {
    let settled = false;
    let work: Promise<ReceivedMedia> | undefined;
    let fileStream: BusboyFileStream | undefined;

    const detach = (): void => {
      req.off("aborted", onAborted);
      req.off("close", onClose);
      req.off("error", fail);
    };
    /** Stops reading, destroys the part being written (its pipeline then closes and removes the file), then rejects. */
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      detach();
      req.unpipe(parser);
      const reason = err instanceof SandboxError ? err : Errors.badRequest(`malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
      fileStream?.destroy(reason);
      parser.destroy();
      if (!req.destroyed) req.resume();
      const cleaned = work === undefined ? Promise.resolve() : work.then((media) => removeQuietly(media.tmpPath), () => undefined);
      void cleaned.then(() => {
        reject(reason);
      });
    };
    const onAborted = (): void => {
      fail(new UploadAborted());
    };
    const onClose = (): void => {
      if (!req.complete) fail(new UploadAborted());
    };

    parser.on("file", (name, stream, fileNameRaw) => {
      stream.on("error", () => undefined); // a form cut short errors the part too; the parser's own error reports it
      if (name !== "mediaFile" || work !== undefined || settled) {
        stream.resume();
        return;
      }
      const fileName = basename(fileNameRaw || "");
      const expected = mediaFormatForExtension(fileName);
      if (expected === undefined) {
        stream.resume();
        fail(Errors.badRequest(`mediaFile: file name "${fileName}" must end in .wav, .mp3, .mp4, .mkv or .flac`));
        return;
      }
      fileStream = stream;
      work = writeMeasured(stream, dir, maxBytes).then(({ tmpPath, meter }) => finish(tmpPath, meter, fileName, expected));
      // The upload may have been refused (a malformed rest of the form) while the file was still being written.
      work.then((media) => (settled ? removeQuietly(media.tmpPath) : undefined), fail);
    });
    parser.on("partsLimit", () => {
      fail(Errors.badRequest("malformed multipart body: too many parts"));
    });
    parser.on("error", fail);
    parser.on("finish", () => {
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
        detach();
        resolve(media);
      }, fail);
    });
    req.on("error", fail);
    req.on("aborted", onAborted);
    req.on("close", onClose);
    req.pipe(parser);
  });
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
