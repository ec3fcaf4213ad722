/** The failure report: one record per failed (or skipped invalid) row, CSV or JSONL by file extension. */
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import type { FailureRecord, InvalidManifestRow } from "./types.js";

export const REPORT_COLUMNS = ["line", "clientUniqueId", "stage", "status", "errors", "requestId", "callId", "message"] as const;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith(" ") || value.endsWith(" ") ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Invalid manifest rows as report records (status `"invalid"`, errors `path: rule`). */
export function invalidToFailures(rows: readonly InvalidManifestRow[]): FailureRecord[] {
  return rows.map((r) => ({
    line: r.line,
    clientUniqueId: r.clientUniqueId ?? "",
    stage: "invalid" as const,
    status: "invalid" as const,
    errors: r.issues.map((i) => `${i.path}: ${i.rule}`),
    message: "invalid row, not sent",
  }));
}

/** Renders records as CSV (header row; `errors` joined with ` | `). */
export function failuresToCsv(records: readonly FailureRecord[]): string {
  const lines = [REPORT_COLUMNS.join(",")];
  for (const r of records) {
    lines.push(
      [
        String(r.line),
        r.clientUniqueId,
        r.stage,
        r.status === undefined ? "" : String(r.status),
        r.errors.join(" | "),
        r.requestId ?? "",
        r.callId ?? "",
        r.message,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

export function failuresToJsonl(records: readonly FailureRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length > 0 ? "\n" : "");
}

/** Writes the report; `.csv` gives CSV, anything else (`.jsonl`, `.ndjson`, `.json`) JSON lines. */
export async function writeFailureReport(path: string, records: readonly FailureRecord[]): Promise<void> {
  const sorted = [...records].sort((a, b) => a.line - b.line);
  const body = extname(path).toLowerCase() === ".csv" ? failuresToCsv(sorted) : failuresToJsonl(sorted);
  await writeFile(path, body, "utf8");
}
