/**
 * Writes the recordings of examples/twilio: one short generated WAV (8 kHz mono, two speakers) per name listed in
 * recordings.txt (a call's SID, as Twilio's recordings are saved here), into recordings/ (not committed).
 *
 *   npx tsx examples/twilio/generate-recordings.ts [recordings.txt] [recordings-dir]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateConversationWav } from "@gong-connector/sandbox";

/** Writes a WAV for each file name listed in `listPath` (one a line) into `dir`; returns the paths written. */
export function generateRecordings(listPath: string, dir: string): string[] {
  const names = readFileSync(listPath, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  mkdirSync(dir, { recursive: true });
  return names.map((name, i) => {
    const { wav } = generateConversationWav({ speakers: 2, turns: 2 + i, turnMs: 110, gapMs: 25, sampleRate: 8000 });
    const path = join(dir, name);
    writeFileSync(path, wav);
    return path;
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  const list = process.argv[2] ?? join(here, "recordings.txt");
  for (const path of generateRecordings(list, process.argv[3] ?? join(dirname(list), "recordings"))) process.stdout.write(`${path}\n`);
}
