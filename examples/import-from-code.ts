/**
 * Bulk import from code, against the environment's Gong (or a sandbox):
 *   GONG_BASE_URL=… GONG_ACCESS_KEY=… GONG_ACCESS_KEY_SECRET=… npx tsx examples/import-from-code.ts examples/calls.jsonl
 */
import { clientFromEnv } from "@gong-connector/client";
import { defaultProgress, formatInvalidRows, runImport, senderFromClient } from "@gong-connector/importer";

const manifest = process.argv[2] ?? new URL("./calls.jsonl", import.meta.url).pathname;
const controller = new AbortController();
process.once("SIGINT", () => {
  controller.abort();
});

const result = await runImport({
  manifest,
  sender: senderFromClient(clientFromEnv()),
  concurrency: 4,
  progress: defaultProgress(),
  signal: controller.signal,
  onValidated: ({ invalid }) => {
    if (invalid.length > 0) process.stderr.write(`${formatInvalidRows(invalid)}\n`);
  },
});
process.stdout.write(`${JSON.stringify(result.summary)}\n`);
for (const f of result.failures) process.stderr.write(`line ${f.line} ${f.clientUniqueId}: ${f.status ?? "-"} ${f.message}\n`);
process.exitCode = !result.started ? 2 : result.summary.interrupted ? 130 : result.summary.failed > 0 ? 5 : 0;
