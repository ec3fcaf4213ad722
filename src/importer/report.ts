/**
 * The failure report: one record per failed (or skipped invalid) row, CSV or JSONL by file extension.
 * Written streaming (memory flat in the number of records) into a temporary file beside the report,
 * then renamed over it, so a reader never sees half a report.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, open, readlink, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import type { FailureRecord, InvalidManifestRow } from "./types.js";

export const REPORT_COLUMNS = ["line", "clientUniqueId", "stage", "status", "errors", "requestId", "callId", "message"] as const;

/**
 * CSV options: RFC 4180 quoting, and every cell that a spreadsheet would read as a formula (starting with
 * `=`, `+`, `-`, `@`, tab or CR, or their full-width forms) prefixed with `'` (OWASP "CSV injection").
 */
const CSV_OPTIONS = { header: true, columns: [...REPORT_COLUMNS], escape_formulas: true, record_delimiter: "\n" } as const;

type CsvCell = string | number;

function csvRow(r: FailureRecord): CsvCell[] {
  return [
    r.line,
    r.clientUniqueId,
    r.stage,
    r.status === undefined ? "" : r.status,
    r.errors.join(" | "),
    r.requestId ?? "",
    r.callId ?? "",
    r.message,
  ];
}

/** Control characters JSON.stringify leaves raw (DEL, C1 controls, the Unicode line and paragraph separators). */
const RAW_CONTROLS = /[\u007f-\u009f\u2028\u2029]/g;

/** One report record as one line of JSON (fixed key order, no raw control character), without the newline. */
export function failureToJsonLine(r: FailureRecord): string {
  const out: Record<string, unknown> = { line: r.line, clientUniqueId: r.clientUniqueId, stage: r.stage };
  if (r.status !== undefined) out.status = r.status;
  out.errors = r.errors;
  if (r.requestId !== undefined) out.requestId = r.requestId;
  if (r.callId !== undefined) out.callId = r.callId;
  out.message = r.message;
  return JSON.stringify(out).replace(RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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

/** Renders records as CSV (header row; `errors` joined with ` | `; formula leaders neutralised). */
export function failuresToCsv(records: readonly FailureRecord[]): string {
  return stringifySync(records.map(csvRow), CSV_OPTIONS);
}

/** Renders records as JSON lines. */
export function failuresToJsonl(records: readonly FailureRecord[]): string {
  return records.map((r) => `${failureToJsonLine(r)}\n`).join("");
}

/** The report format of a path: `.csv` gives CSV, anything else (`.jsonl`, `.ndjson`, `.json`) JSON lines. */
export function reportFormatFor(path: string): "csv" | "jsonl" {
  return extname(path).toLowerCase() === ".csv" ? "csv" : "jsonl";
}

/** `path` made absolute without normalising it, so that `link/..` is resolved by the file system, as the kernel does. */
function absolute(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}${sep}${path}`;
}

async function removeIfFile(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isFile() || st.isSymbolicLink()) await unlink(path);
  } catch (err) {
    if (!(err instanceof Error && "code" in err && err.code === "ENOENT")) throw err;
  }
}

/**
 * Writes the report at `path` and returns the number of records written.
 *
 * - `records` may be an array (written sorted by line) or any iterable or async iterable (written in the
 *   order given, streaming: memory does not grow with the number of records).
 * - Written to a temporary file in the same directory, flushed to disk and renamed over `path`: a crash
 *   leaves the earlier file (or none), never half a report; on an error the temporary file is removed.
 * - When there is no record, no report is written and a file left at `path` by an earlier run is removed,
 *   so that the report always describes the last run.
 */
export async function writeFailureReport(
  path: string,
  records: Iterable<FailureRecord> | AsyncIterable<FailureRecord>,
): Promise<number> {
  const source: Iterable<FailureRecord> | AsyncIterable<FailureRecord> = Array.isArray(records)
    ? [...(records as readonly FailureRecord[])].sort((a, b) => a.line - b.line)
    : records;
  const iterator: Iterator<FailureRecord> | AsyncIterator<FailureRecord> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const target = absolute(path);
  let first: IteratorResult<FailureRecord>;
  try {
    first = await iterator.next();
  } catch (err) {
    await iterator.return?.();
    throw err;
  }
  if (first.done === true) {
    await removeIfFile(target);
    return 0;
  }

  let count = 0;
  async function* all(): AsyncGenerator<FailureRecord> {
    if (first.done === true) return;
    count++;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      count++;
      yield next.value;
    }
  }
  const csv = reportFormatFor(target) === "csv";
  const encode = csv
    ? new Transform({
        objectMode: true,
        transform(record: FailureRecord, _enc, done) {
          done(null, csvRow(record));
        },
      })
    : new Transform({
        writableObjectMode: true,
        transform(record: FailureRecord, _enc, done) {
          done(null, `${failureToJsonLine(record)}\n`);
        },
      });
  // Beside the report (same file system, so the rename is atomic); the path is not normalised (see absolute()).
  const temp = `${dirname(target)}${sep}.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const out = createWriteStream(temp, { flags: "wx" });
    if (csv) await pipeline(Readable.from(all()), encode, stringify(CSV_OPTIONS), out);
    else await pipeline(Readable.from(all()), encode, out);
    const fh = await open(temp, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
  } catch (err) {
    await iterator.return?.();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return count;
}

/** One file the import reads or writes besides the report: what to call it in a message, and its path. */
export interface ImportInput {
  /** e.g. `the manifest`, `the journal`. */
  role: string;
  path: string;
}

interface FileIdentity {
  /** Absolute path with every symlink of its directory resolved (and of the file itself when it exists). */
  real: string;
  /** Device and inode when the file exists. */
  ino?: { dev: number; ino: number };
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

async function identify(path: string, depth = 0): Promise<FileIdentity> {
  const abs = absolute(path);
  try {
    const real = await realpath(abs);
    const st = await stat(real);
    return { real, ino: { dev: st.dev, ino: st.ino } };
  } catch (err) {
    if (errCode(err) !== "ENOENT") throw err;
  }
  // The file does not exist (yet): its directory's real path and its name; a dangling symlink points elsewhere.
  try {
    const target = await readlink(abs);
    if (depth < 40) return await identify(resolve(dirname(abs), target), depth + 1);
  } catch {
    // not a symlink
  }
  try {
    return { real: join(await realpath(dirname(abs)), basename(abs)) };
  } catch {
    return { real: resolve(abs) };
  }
}

/**
 * Checks that `--report` can be written and is none of the import's inputs (the manifest, the journal and its WAL
 * files, a mapping...): the same path in any spelling (`./x/../calls.csv`), through a symlink, or a hard link of
 * the same file (same device and inode). Returns the problem as one sentence, or `undefined` when the path is fine.
 * Reads nothing but file metadata, so it can run before anything is read or sent.
 */
export async function checkReportPath(report: string, inputs: readonly ImportInput[]): Promise<string | undefined> {
  let reportId: FileIdentity;
  try {
    reportId = await identify(report);
  } catch (err) {
    return `--report ${report}: cannot be used (${errCode(err) ?? String(err)})`;
  }
  try {
    const st = await stat(reportId.real);
    if (st.isDirectory()) return `--report ${report} is a directory; give a file name such as failures.csv`;
  } catch {
    // does not exist yet: fine
  }
  try {
    const dir = await stat(dirname(reportId.real));
    if (!dir.isDirectory()) return `--report ${report}: ${dirname(report)} is not a directory`;
  } catch {
    return `--report ${report}: the directory ${dirname(report)} does not exist`;
  }
  for (const input of inputs) {
    let id: FileIdentity;
    try {
      id = await identify(input.path);
    } catch {
      continue;
    }
    const same =
      id.real === reportId.real ||
      (id.ino !== undefined && reportId.ino !== undefined && id.ino.dev === reportId.ino.dev && id.ino.ino === reportId.ino.ino);
    if (same) {
      return `--report ${report} is ${input.role} (${input.path}): writing the report would replace it; choose another report file`;
    }
  }
  return undefined;
}
