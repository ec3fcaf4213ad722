/** Real (not sparse) media files for the upload benches: a WAV header, then pseudo-random bytes written in chunks. */
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, statfs } from "node:fs/promises";

const CHUNK = 4 * 1024 * 1024;

/** A 44-byte PCM WAV header (16-bit stereo, 44.1 kHz) for `dataBytes` of samples (sizes clamped to 32 bits). */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(44_100, 24);
  h.writeUInt32LE(44_100 * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** Writes a `.wav` file of exactly `bytes` bytes; returns its sha256 (hex). */
export async function writeMediaFile(path: string, bytes: number): Promise<string> {
  if (bytes < 44) throw new RangeError("a media file needs at least 44 bytes");
  const hash = createHash("sha256");
  const fh = await open(path, "w");
  try {
    const header = wavHeader(bytes - 44);
    hash.update(header);
    await fh.write(header);
    const buf = Buffer.alloc(CHUNK);
    let left = bytes - 44;
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      const chunk = buf.subarray(0, n);
      randomFillSync(chunk);
      hash.update(chunk);
      await fh.write(chunk);
      left -= n;
    }
  } finally {
    await fh.close();
  }
  return hash.digest("hex");
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Free bytes on the file system holding `dir`. */
export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}
