/**
 * Bulk import from code, with a journal and a report, against the environment's Gong (or a sandbox):
 *   GONG_BASE_URL=… GONG_ACCESS_KEY=… GONG_ACCESS_KEY_SECRET=… npx tsx examples/import-from-code.ts examples/calls.jsonl
 * Ctrl-C stops it; running it again resumes from the journal and adds no call twice.
 */
import { GongClient } from "@gong-connector/client";
import {
  defaultJournalPath,
  defaultProgress,
  formatInvalidRows,
  gongBinding,
  Journal,
  redactorFor,
  runImport,
  senderFromClient,
} from "@gong-connector/importer";

const manifest = process.argv[2] ?? new URL("./calls.jsonl", import.meta.url).pathname;
const journalPath = defaultJournalPath(manifest);
const auth = { accessKey: process.env.GONG_ACCESS_KEY ?? "", accessKeySecret: process.env.GONG_ACCESS_KEY_SECRET ?? "" };
const client = new GongClient({ baseURL: process.env.GONG_BASE_URL, auth });

const controller = new AbortController();
process.once("SIGINT", () => {
  controller.abort();
});

const result = await runImport({
  manifest,
  journal: journalPath,
  report: "failures.csv",
  sender: senderFromClient(client),
  gong: gongBinding(client.baseURL, auth),
  redact: redactorFor(auth),
  concurrency: 4,
  progress: defaultProgress(),
  signal: controller.signal,
  onValidated: (check) => {
    if (check.invalidCount > 0) process.stderr.write(`${formatInvalidRows(check.invalid, check.invalidCount)}\n`);
  },
});
process.stdout.write(`${JSON.stringify(result.summary)}\n`);
for (const f of result.failures) process.stderr.write(`line ${f.line} ${f.clientUniqueId}: ${f.status ?? "-"} ${f.message}\n`);

// The journal can be read once the import is over (an import holds it locked while it runs).
const journal = new Journal(journalPath);
try {
  process.stderr.write(`journal ${journalPath}: ${JSON.stringify(journal.counts())}\n`);
} finally {
  journal.close();
}

const { summary } = result;
process.exitCode = !result.started ? 2 : summary.interrupted ? 130 : summary.quotaStopped ? 6 : summary.failed > 0 ? 5 : 0;
