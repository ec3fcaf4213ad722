/**
 * The failure report: one record per failed (or skipped invalid) row, CSV or JSONL by file extension.
 * Written streaming (memory flat in the number of records) into a temporary file beside the report,
 * then renamed over it, so a reader never sees half a report.
 */
import { randomBytes } from "node:crypto";
import { constants, createWriteStream, type Stats } from "node:fs";
import { lstat, open, readlink, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { ReportPathError } from "./errors.js";
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

/** The report format of a path: `.csv` gives CSV, `.jsonl` JSON lines (reportPathProblem refuses any other extension). */
export function reportFormatFor(path: string): "csv" | "jsonl" {
  return extname(path).toLowerCase() === ".csv" ? "csv" : "jsonl";
}

/** `path` made absolute without normalising it, so that `link/..` is resolved by the file system, as the kernel does. */
function absolute(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}${sep}${path}`;
}

/** The extensions a report may have: the format comes from it. */
const REPORT_EXTENSIONS = [".csv", ".jsonl"] as const;

/** The longest first line read to recognise a report (a JSONL record holds one row's errors and message). */
const FIRST_LINE_MAX = 1024 * 1024;

const CSV_HEADER = REPORT_COLUMNS.join(",");
const JSONL_KEYS = ["line", "clientUniqueId", "stage", "errors", "message"] as const;

/** The first line of the regular file `path` (without its newline), or undefined when none ends within FIRST_LINE_MAX bytes. */
async function firstLine(path: string): Promise<{ line: string | undefined; empty: boolean }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(FIRST_LINE_MAX);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      const nl = buf.subarray(0, filled).indexOf(10);
      if (nl >= 0) return { line: buf.subarray(0, nl).toString("utf8"), empty: false };
      if (filled === buf.length) return { line: undefined, empty: false };
    }
    return { line: filled === 0 ? undefined : buf.subarray(0, filled).toString("utf8"), empty: filled === 0 };
  } finally {
    await fh.close();
  }
}

/** Whether `line` is the first line of a report this tool wrote, in `format`. */
function isReportFirstLine(line: string, format: "csv" | "jsonl"): boolean {
  if (format === "csv") return line.replace(/\r$/, "") === CSV_HEADER;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) && JSONL_KEYS.every((k) => k in value);
  } catch {
    return false;
  }
}

/**
 * Why the report at `path` may not be written or removed, or undefined when it may: its name must end in `.csv` or
 * `.jsonl`, and a file already there (through a symlink too) must be a regular file that is a report this tool wrote
 * (a CSV starting with the report's header, a JSONL whose first line is a report record) or empty. Reads at most the
 * file's first line, and opens nothing that is not a regular file (a FIFO, a device).
 */
export async function reportPathProblem(path: string): Promise<string | undefined> {
  const ext = extname(path).toLowerCase();
  if (!(REPORT_EXTENSIONS as readonly string[]).includes(ext)) {
    return `--report ${path}: the report file name must end in .csv or .jsonl (the format comes from it)`;
  }
  let st: Stats;
  try {
    st = await stat(absolute(path));
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    return `--report ${path}: cannot be used (${errCode(err) ?? String(err)})`;
  }
  if (st.isDirectory()) return `--report ${path} is a directory; give a file name such as failures.csv`;
  if (!st.isFile()) return `--report ${path} exists and is not a regular file (a FIFO, a device or a socket); choose another path`;
  const notReport = `--report ${path} exists and is not a gong-connector report; choose another path or remove it`;
  let real: string;
  try {
    real = await realpath(absolute(path));
    const { line, empty } = await firstLine(real);
    if (empty) return undefined;
    if (line === undefined || !isReportFirstLine(line, ext === ".csv" ? "csv" : "jsonl")) return notReport;
  } catch (err) {
    return `--report ${path}: cannot be read to check it is a report (${errCode(err) ?? String(err)})`;
  }
  return undefined;
}

/** Removes the report at `path` when it is one this tool wrote; anything else is left alone (ReportPathError). */
async function removeIfReport(path: string): Promise<void> {
  try {
    await lstat(path);
  } catch (err) {
    if (errCode(err) === "ENOENT") return;
    throw err;
  }
  const problem = await reportPathProblem(path);
  if (problem !== undefined) throw new ReportPathError(problem);
  await unlink(path);
}

/**
 * Writes the report at `path` and returns the number of records written.
 *
 * - `records` may be an array (written sorted by line) or any iterable or async iterable (written in the
 *   order given, streaming: memory does not grow with the number of records).
 * - Written to a temporary file in the same directory, flushed to disk and renamed over `path`: a crash
 *   leaves the earlier file (or none), never half a report; on an error the temporary file is removed.
 * - When there is no record, no report is written and a report left at `path` by an earlier run is removed,
 *   so that the report always describes the last run.
 * - A file at `path` that is not a report this tool wrote (reportPathProblem) is never replaced nor removed:
 *   ReportPathError.
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
    await iterator.return?.();
    await removeIfReport(target);
    return 0;
  }
  const problem = await reportPathProblem(target);
  if (problem !== undefined) {
    await iterator.return?.();
    throw new ReportPathError(problem);
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
    const late = await reportPathProblem(target);
    if (late !== undefined) throw new ReportPathError(late);
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
 * the same file (same device and inode); then that it is a report path at all (reportPathProblem: `.csv` or `.jsonl`,
 * and a file already there is a report this tool wrote, or empty). Returns the problem as one sentence, or `undefined`
 * when the path is fine. Reads file metadata and at most an existing report's first line, so it can run before
 * anything is read or sent.
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
  return reportPathProblem(report);
}
