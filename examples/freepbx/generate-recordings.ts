/**
 * Writes the recordings of examples/freepbx/cdr.csv where FreePBX keeps them: monitor/YYYY/MM/DD/<recordingfile>, by
 * the local date of the leg that names the file. Each is a short generated WAV (8 kHz mono, two speakers taking
 * turns), a few KB, different for each call. The files are not committed (examples/freepbx/.gitignore).
 *
 *   npx tsx examples/freepbx/generate-recordings.ts [cdr.csv] [monitor-dir]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { generateConversationWav } from "@gong-connector/sandbox";

/** Writes a WAV for every recordingfile of `cdrPath` under `monitorDir`; returns the paths written. */
export function generateRecordings(cdrPath: string, monitorDir: string): string[] {
  const rows = parse(readFileSync(cdrPath, "utf8"), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  const written = new Map<string, string>();
  for (const row of rows) {
    const name = (row.recordingfile ?? "").trim();
    const date = /^(\d{4})-(\d{2})-(\d{2})/.exec((row.calldate ?? "").trim());
    if (name === "" || date === null || written.has(name)) continue;
    const dir = join(monitorDir, date[1] ?? "", date[2] ?? "", date[3] ?? "");
    mkdirSync(dir, { recursive: true });
    const { wav } = generateConversationWav({ speakers: 2, turns: 2 + written.size, turnMs: 120, gapMs: 30, sampleRate: 8000 });
    const path = join(dir, name);
    writeFileSync(path, wav);
    written.set(name, path);
  }
  return [...written.values()];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  const cdr = process.argv[2] ?? join(here, "cdr.csv");
  const monitor = process.argv[3] ?? join(dirname(cdr), "monitor");
  for (const path of generateRecordings(cdr, monitor)) process.stdout.write(`${path}\n`);
}
