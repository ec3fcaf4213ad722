/**
 * Writes the tiny example recordings in examples/media/ (a few KB each: 8 kHz mono, two speakers taking
 * short turns). Run: npx tsx examples/generate-media.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateConversationWav } from "@gong-connector/sandbox";

const dir = join(dirname(fileURLToPath(import.meta.url)), "media");
mkdirSync(dir, { recursive: true });
for (const [i, name] of ["intro-call.wav", "demo-call.wav", "renewal-call.wav"].entries()) {
  const { wav } = generateConversationWav({ speakers: 2, turns: 2 + i, turnMs: 90, gapMs: 20, sampleRate: 8000 });
  writeFileSync(join(dir, name), wav);
  process.stdout.write(`${name}: ${wav.length} bytes\n`);
}
