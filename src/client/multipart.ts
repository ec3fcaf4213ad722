import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { GongError } from "./errors.js";
import type { StreamBody } from "./transport.js";

export interface MultipartFile {
  /** Form field name, e.g. "mediaFile". */
  fieldName: string;
  filePath: string;
  /** Filename sent in Content-Disposition (the basename). */
  fileName: string;
  contentType: string;
  /** File size in bytes (from stat); exactly this many bytes are sent. */
  size: number;
  /** Called after each chunk with file bytes sent so far and the size. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

export interface MultipartBody extends StreamBody {
  /** The Content-Type header value, with the boundary. */
  readonly contentType: string;
}

/** Quotes a form field or file name as browsers do (WHATWG): `"` -> %22, CR -> %0D, LF -> %0A; UTF-8 kept. */
export function quoteFormName(name: string): string {
  return `"${name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`;
}

async function* fileParts(file: MultipartFile, preamble: Buffer, epilogue: Buffer): AsyncGenerator<Buffer> {
  yield preamble;
  let sent = 0;
  if (file.size > 0) {
    const stream = createReadStream(file.filePath, { start: 0, end: file.size - 1, highWaterMark: 256 * 1024 });
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      sent += buffer.length;
      yield buffer;
      file.onProgress?.(sent, file.size);
    }
  }
  if (sent !== file.size) throw new GongError(`${file.filePath} changed while uploading: read ${sent} of ${file.size} bytes`);
  yield epilogue;
}

/** A multipart/form-data body of one file part: preamble + file stream + epilogue, with an exact length. */
export function createMultipartBody(file: MultipartFile): MultipartBody {
  const boundary = `----gong-connector-${randomBytes(16).toString("hex")}`;
  const preamble = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name=${quoteFormName(file.fieldName)}; filename=${quoteFormName(file.fileName)}\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
    "utf8",
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`, "utf8");
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: preamble.length + file.size + epilogue.length,
    open: () => Readable.from(fileParts(file, preamble, epilogue), { objectMode: false }),
  };
}
