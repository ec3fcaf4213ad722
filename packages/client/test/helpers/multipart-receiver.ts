import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream/promises";

export interface ReceivedPart {
  /** The part headers, as sent. */
  headers: string;
  /** sha256 of the part's bytes, hex. */
  sha256: string;
  size: number;
  /** Bytes of the whole body on disk. */
  bodyBytes: number;
}

/** Streams a multipart/form-data request to `diskPath`, then locates its single part and hashes it from disk. */
export async function receiveSinglePart(req: IncomingMessage, diskPath: string): Promise<ReceivedPart> {
  const boundary = /boundary=(.+)$/.exec(req.headers["content-type"] ?? "")?.[1];
  if (boundary === undefined) throw new Error("no boundary");
  await pipeline(req, createWriteStream(diskPath));
  const { size: bodyBytes } = await stat(diskPath);
  const handle = await open(diskPath, "r");
  const head = Buffer.alloc(Math.min(4096, bodyBytes));
  await handle.read(head, 0, head.length, 0);
  await handle.close();
  const opening = `--${boundary}\r\n`;
  if (!head.subarray(0, opening.length).equals(Buffer.from(opening))) throw new Error("bad opening boundary");
  const headerEnd = head.indexOf("\r\n\r\n");
  const start = headerEnd + 4;
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  const tail = Buffer.alloc(epilogue.length);
  const h2 = await open(diskPath, "r");
  await h2.read(tail, 0, tail.length, bodyBytes - epilogue.length);
  await h2.close();
  if (!tail.equals(epilogue)) throw new Error("bad closing boundary");
  const end = bodyBytes - epilogue.length;
  const hash = createHash("sha256");
  if (end > start) await pipeline(createReadStream(diskPath, { start, end: end - 1 }), hash);
  return { headers: head.subarray(opening.length, headerEnd).toString("utf8"), sha256: hash.digest("hex"), size: end - start, bodyBytes };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}
