/** A small PCM WAV generator (the demo's "recording") and a header reader. */

export interface ToneSegment {
  /** Which speaker (0-based); each speaker gets its own pitch. */
  speaker: number;
  fromMs: number;
  toMs: number;
}

export interface GeneratedWav {
  wav: Buffer;
  durationMs: number;
  segments: ToneSegment[];
}

export interface WavOptions {
  /** Number of speakers taking turns (default 2). */
  speakers?: number;
  /** Turns in total (default 6). */
  turns?: number;
  /** Length of each turn in ms (default 1000). */
  turnMs?: number;
  /** Silence between turns in ms (default 150). */
  gapMs?: number;
  sampleRate?: number;
}

const PITCHES = [220, 330, 440, 550, 660, 275];

/** Writes a 16-bit mono PCM WAV header for `dataBytes` bytes of samples. */
export function wavHeader(dataBytes: number, sampleRate: number, channels = 1, bitsPerSample = 16): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = (channels * bitsPerSample) / 8;
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * A short "conversation": speakers take turns, each a tone of its own pitch with a little vibrato and soft edges,
 * separated by silence. Returns the WAV bytes and when each speaker talks (for a speakers timeline).
 */
export function generateConversationWav(opts: WavOptions = {}): GeneratedWav {
  const speakers = Math.max(1, opts.speakers ?? 2);
  const turns = Math.max(1, opts.turns ?? 6);
  const turnMs = opts.turnMs ?? 1000;
  const gapMs = opts.gapMs ?? 150;
  const rate = opts.sampleRate ?? 16_000;
  const durationMs = turns * turnMs + (turns + 1) * gapMs;
  const samples = Math.round((durationMs / 1000) * rate);
  const data = Buffer.alloc(samples * 2);
  const segments: ToneSegment[] = [];
  for (let t = 0; t < turns; t++) {
    const speaker = t % speakers;
    const fromMs = gapMs + t * (turnMs + gapMs);
    const toMs = fromMs + turnMs;
    segments.push({ speaker, fromMs, toMs });
    const pitch = PITCHES[speaker % PITCHES.length] ?? 440;
    const start = Math.round((fromMs / 1000) * rate);
    const end = Math.round((toMs / 1000) * rate);
    const fade = Math.round(0.02 * rate);
    for (let i = start; i < end && i < samples; i++) {
      const k = i - start;
      const secs = k / rate;
      const env = Math.min(1, k / fade, (end - i) / fade);
      const f = pitch * (1 + 0.01 * Math.sin(2 * Math.PI * 5 * secs));
      const v = 0.35 * env * (Math.sin(2 * Math.PI * f * secs) + 0.3 * Math.sin(4 * Math.PI * f * secs));
      data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), i * 2);
    }
  }
  return { wav: Buffer.concat([wavHeader(data.length, rate), data]), durationMs, segments };
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataBytes: number;
  durationSeconds: number;
}

/** Reads a RIFF/WAVE header from a file's first bytes (a few KB are plenty); undefined if not a PCM-style WAV. */
export function readWavInfo(head: Buffer): WavInfo | undefined {
  if (head.length < 12 || head.toString("ascii", 0, 4) !== "RIFF" || head.toString("ascii", 8, 12) !== "WAVE") return undefined;
  let offset = 12;
  let byteRate = 0;
  let sampleRate = 0;
  let channels = 0;
  let bitsPerSample = 0;
  while (offset + 8 <= head.length) {
    const id = head.toString("ascii", offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    if (id === "fmt " && offset + 24 <= head.length) {
      channels = head.readUInt16LE(offset + 10);
      sampleRate = head.readUInt32LE(offset + 12);
      byteRate = head.readUInt32LE(offset + 16);
      bitsPerSample = head.readUInt16LE(offset + 22);
    } else if (id === "data") {
      if (byteRate === 0) return undefined;
      return { sampleRate, channels, bitsPerSample, dataBytes: size, durationSeconds: size / byteRate };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
