/**
 * Manifest readers: JSONL (one Add call request per line) and CSV (one column per field path).
 * Both stream the file and yield raw rows with their line numbers; validation is in validate.ts.
 *
 * A manifest is data that may come from another system, so the readers hold it to a few rules before any row is
 * looked at: a readable, non-empty UTF-8 text file without NUL bytes, lines of at most 10 MB (memory stays bounded),
 * JSON nested at most 64 deep, no `__proto__`/`constructor`/`prototype` in a CSV column path or `__proto__` as a JSON
 * key, rows built on null-prototype objects, and media files only under the manifest's directory (or --media-root).
 */
import { createReadStream } from "node:fs";
import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { ManifestError } from "./errors.js";
import type { ManifestFormat, RawManifestRow, RowIssue } from "./types.js";
import { jsonDeeperThan } from "@gong-connector/schema";

/** The manifest format from the file extension (`.jsonl`, `.ndjson`, `.json` -> jsonl; `.csv` -> csv). */
export function manifestFormatFor(path: string): ManifestFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  if (ext === ".csv") return "csv";
  return undefined;
}

/** Longest line (JSONL) or record (CSV) a manifest may have: longer ones are refused, memory stays bounded. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;
/** Deepest nesting of arrays and objects in a JSON row or cell. */
export const MAX_JSON_DEPTH = 64;
/** Highest index in a CSV column path (`parties[9999]`). */
export const MAX_COLUMN_INDEX = 9999;
/** Names that would reach `Object.prototype` if used as keys: refused in column paths (and `__proto__` in JSON). */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

// ---------------------------------------------------------------------------------------------
// The file: open, check, split into lines
// ---------------------------------------------------------------------------------------------

/** A one-line reason why the manifest file cannot be read, from an fs error. */
function fileProblem(path: string, err: unknown): ManifestError {
  const code = errCode(err);
  const why =
    code === "ENOENT" ? "no such file"
    : code === "EACCES" || code === "EPERM" ? "permission denied"
    : code === "EISDIR" ? "is a directory, not a file"
    : code === "ENOTDIR" ? "a part of the path is not a directory"
    : code === "ELOOP" ? "too many symbolic links"
    : code === "ENAMETOOLONG" ? "the path is too long"
    : `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  return new ManifestError(`manifest ${path}: ${why}`);
}

async function openManifest(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw fileProblem(path, err);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ManifestError(`manifest ${path}: is a directory, not a file`);
    if (st.isFile() && st.size === 0) throw new ManifestError(`manifest ${path}: is empty`);
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err instanceof ManifestError ? err : fileProblem(path, err);
  }
  return fh;
}

/**
 * Checks that the manifest can be opened and read: it exists, is not a directory, is not empty, and this process
 * may read it. Throws ManifestError naming the file and the problem. Reads no content.
 */
export async function checkManifestFile(path: string): Promise<void> {
  const fh = await openManifest(path);
  await fh.close();
}

/** One physical line of the file, decoded, without its line end (`\n` or `\r\n`). */
interface PhysicalLine {
  text: string;
  line: number;
}

/**
 * The lines of a manifest file, checked: it must exist, be a file, not be empty, hold UTF-8 text without NUL bytes
 * (a BOM at the start is dropped), with lines of at most `maxLineBytes`. Throws ManifestError naming the file, the
 * line and the problem. Reads in constant memory (one line at most), in time linear in the file size.
 */
export async function* readManifestLines(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<PhysicalLine> {
  const fh = await openManifest(path);
  let input: ReturnType<typeof createReadStream> | undefined;
  try {
    input = fh.createReadStream({ highWaterMark: 64 * 1024 });
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let line = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const decode = (bytes: Buffer): PhysicalLine => {
      line++;
      if (bytes.includes(0)) throw new ManifestError(`manifest ${path} line ${line}: has a NUL byte: not a text file`);
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new ManifestError(`manifest ${path} line ${line}: is not UTF-8 text (save the file as UTF-8)`);
      }
      if (line === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
      if (text.endsWith("\r")) text = text.slice(0, -1);
      return { text, line };
    };
    const tooLong = (): ManifestError =>
      new ManifestError(`manifest ${path} line ${line + 1}: is longer than ${mb(maxLineBytes)} (a manifest line holds one call)`);
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf(10, start);
          if (nl < 0) {
            if (start < chunk.length) {
              pending.push(chunk.subarray(start));
              pendingBytes += chunk.length - start;
              if (pendingBytes > maxLineBytes) throw tooLong();
            }
            break;
          }
          const piece = chunk.subarray(start, nl);
          if (pendingBytes + piece.length > maxLineBytes) throw tooLong();
          const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
          pending = [];
          pendingBytes = 0;
          yield decode(bytes);
          start = nl + 1;
        }
      }
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      throw fileProblem(path, err);
    }
    if (pendingBytes > 0) yield decode(Buffer.concat(pending));
  } finally {
    input?.destroy();
    await fh.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON values: depth and reserved keys
// ---------------------------------------------------------------------------------------------


function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Issues for `__proto__` keys anywhere in a parsed JSON value (walked without recursion). */
function reservedJsonKeys(value: unknown, basePath: string): RowIssue[] {
  const issues: RowIssue[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: basePath }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const v = item.value;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ value: x, path: joinPath(item.path, i) }));
    else if (isPlainObject(v)) {
      for (const key of Object.keys(v)) {
        const path = joinPath(item.path, key);
        if (key === "__proto__") issues.push({ path, rule: "is not allowed (a reserved name)" });
        else stack.push({ value: v[key], path });
      }
    }
  }
  return issues;
}

/** Parses JSON from a manifest: nesting bounded, `__proto__` keys reported. `undefined` value when not parsed. */
function parseJson(text: string, path: string, issues: RowIssue[], what: string): { value?: unknown } {
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
    issues.push({ path, rule: `${what} nests deeper than ${MAX_JSON_DEPTH} levels` });
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    issues.push({ path, rule: `invalid ${what} (${err instanceof Error ? err.message : String(err)})` });
    return {};
  }
  issues.push(...reservedJsonKeys(value, path === "(root)" ? "" : path));
  return { value };
}

/** Splits a parsed object into the request and its `mediaFile`. */
function splitMediaFile(obj: Record<string, unknown>, issues: RowIssue[]): { request: Record<string, unknown>; mediaFile?: string } {
  const request = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (key !== "mediaFile") request[key] = obj[key];
  const mediaFile = obj.mediaFile;
  if (mediaFile === undefined || mediaFile === null || mediaFile === "") return { request };
  if (typeof mediaFile !== "string") {
    issues.push({ path: "mediaFile", rule: "must be a string (a path relative to the manifest)" });
    return { request };
  }
  return { request, mediaFile };
}

/** Reads a JSONL manifest: one JSON object per line; blank lines and lines starting with `//` or `#` are skipped. */
export async function* readJsonlManifest(path: string): AsyncGenerator<RawManifestRow> {
  let rows = 0;
  for await (const { text, line } of readManifestLines(path)) {
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("//")) continue;
    rows++;
    const readIssues: RowIssue[] = [];
    const { value } = parseJson(trimmed, "(root)", readIssues, "JSON");
    if (value === undefined) {
      yield { line, request: undefined, readIssues };
      continue;
    }
    if (!isPlainObject(value)) {
      readIssues.push({ path: "(root)", rule: "must be a JSON object" });
      yield { line, request: undefined, readIssues };
      continue;
    }
    const { request, mediaFile } = splitMediaFile(value, readIssues);
    yield mediaFile === undefined ? { line, request, readIssues } : { line, request, mediaFile, readIssues };
  }
  if (rows === 0) throw new ManifestError(`manifest ${path}: has no rows (only blank or comment lines)`);
}

// ---------------------------------------------------------------------------------------------
// CSV column scheme
// ---------------------------------------------------------------------------------------------

type Segment = string | number;

/** Parses a column header such as `parties[0].context[1].objects[0].objectType` into path segments. */
export function parseColumnPath(header: string): Segment[] | undefined {
  const segments: Segment[] = [];
  const re = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)/;
  let rest = header.trim();
  if (rest === "") return undefined;
  for (;;) {
    const m = re.exec(rest);
    if (!m) return undefined;
    segments.push(m[1] ?? "");
    const indexes = m[2] ?? "";
    for (const im of indexes.matchAll(/\[(\d+)\]/g)) segments.push(Number(im[1]));
    rest = rest.slice(m[0].length);
    if (rest === "") return segments;
    if (!rest.startsWith(".")) return undefined;
    rest = rest.slice(1);
  }
}

/** What a column path may name: a leaf (and how its cells are read), an object of fields, or a list. */
type FieldSpec =
  | { kind: "leaf"; type: "string" | "number" | "boolean" | "list" | "json" }
  | { kind: "object"; fields: Readonly<Record<string, FieldSpec>> }
  | { kind: "list"; item: FieldSpec };

const str: FieldSpec = { kind: "leaf", type: "string" };
const num: FieldSpec = { kind: "leaf", type: "number" };
const object = (fields: Record<string, FieldSpec>): FieldSpec => ({ kind: "object", fields });
const list = (item: FieldSpec): FieldSpec => ({ kind: "list", item });

function contextSpec(): FieldSpec {
  return list(object({ system: str, objects: list(object({ objectType: str, objectId: str, fields: { kind: "leaf", type: "json" } })) }));
}

/** The Add call request as CSV columns (CONTRACT.md §2), plus `mediaFile`. */
const REQUEST_SPEC: FieldSpec = object({
  clientUniqueId: str,
  actualStart: str,
  primaryUser: str,
  direction: str,
  parties: list(
    object({ userId: str, emailAddress: str, phoneNumber: str, name: str, partyId: str, mediaChannelId: num, context: contextSpec() }),
  ),
  workspaceId: str,
  meetingUrl: str,
  title: str,
  purpose: str,
  scheduledStart: str,
  scheduledEnd: str,
  duration: num,
  disposition: str,
  downloadMediaUrl: str,
  context: contextSpec(),
  speakersTimeline: object({
    precise: { kind: "leaf", type: "boolean" },
    speechSegments: list(object({ fromTime: num, toTime: num, partyIds: { kind: "leaf", type: "list" } })),
  }),
  customData: str,
  callProviderCode: str,
  languageCode: str,
  flowContext: object({ taskId: str }),
  mediaFile: str,
});

/** Known top-level fields (the Add call request) plus `mediaFile`. */
export const CSV_TOP_LEVEL_FIELDS: readonly string[] = REQUEST_SPEC.kind === "object" ? Object.keys(REQUEST_SPEC.fields) : [];

function pathToString(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) out = joinPath(out, s);
  return out;
}

/** How a cell of a column is read: a leaf's type, or JSON for a column that names a whole structure. */
type CellType = "string" | "number" | "boolean" | "list" | "json";

/** A checked CSV column: its path and how its cells are read. */
export interface CsvColumn {
  segments: Segment[];
  path: string;
  type: CellType;
}

/** Why a column path is not a field path of the request, or the cell type when it is (CSV headers, mapping fields). */
export function resolveColumn(segments: readonly Segment[]): { type: CellType } | { problem: string } {
  let spec: FieldSpec = REQUEST_SPEC;
  let where = "";
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg === undefined) break;
    if (typeof seg === "string" && RESERVED_KEYS.has(seg)) return { problem: `"${seg}" is not allowed in a column path (a reserved name)` };
    if (typeof seg === "number") {
      if (spec.kind !== "list") return { problem: `${where} is not a list: it takes no index [${seg}]` };
      if (seg > MAX_COLUMN_INDEX) return { problem: `index [${seg}] of ${where} is too large (at most ${MAX_COLUMN_INDEX})` };
      spec = spec.item;
      where = joinPath(where, seg);
      continue;
    }
    if (spec.kind === "list") {
      const example = `${where}[0].${seg}`;
      return { problem: `${where} is a list: it needs an index, e.g. ${example}` };
    }
    if (spec.kind === "leaf") return { problem: `${where} is a single value: it has no field "${seg}"` };
    const next: FieldSpec | undefined = Object.hasOwn(spec.fields, seg) ? spec.fields[seg] : undefined;
    if (next === undefined) {
      const known = Object.keys(spec.fields).join(", ");
      return { problem: where === "" ? `unknown field "${seg}" (fields: ${known})` : `unknown field "${seg}" in ${where} (fields: ${known})` };
    }
    spec = next;
    where = joinPath(where, seg);
  }
  return { type: spec.kind === "leaf" ? spec.type : "json" };
}

/**
 * Validates a CSV header row and returns the columns. Throws ManifestError naming the line, the column and the
 * rule on a malformed, unknown, reserved, repeated or overlapping column (`parties` and `parties[0].name`).
 */
export function parseCsvHeader(header: readonly string[], line = 1, file = "CSV"): CsvColumn[] {
  const byPath = new Map<string, number>();
  const columns = header.map((h, i) => {
    const name = i === 0 ? h.replace(/^\uFEFF/, "") : h;
    const at = `${file} line ${line}, column ${i + 1} "${name}"`;
    const segments = parseColumnPath(name);
    if (!segments) throw new ManifestError(`${at}: not a field path (e.g. parties[0].userId)`);
    const resolved = resolveColumn(segments);
    if ("problem" in resolved) throw new ManifestError(`${at}: ${resolved.problem}`);
    const path = pathToString(segments);
    const first = byPath.get(path);
    if (first !== undefined) throw new ManifestError(`${at}: duplicate column (also column ${first + 1})`);
    byPath.set(path, i);
    return { segments, path, type: resolved.type };
  });
  // A column naming a structure and one naming a part of it would both fill the same field.
  const sorted = [...columns.keys()].sort((a, b) => (columns[a]?.path ?? "").localeCompare(columns[b]?.path ?? ""));
  for (let k = 1; k < sorted.length; k++) {
    const a = columns[sorted[k - 1] ?? 0];
    const b = columns[sorted[k] ?? 0];
    if (a === undefined || b === undefined) continue;
    if (b.path.startsWith(`${a.path}.`) || b.path.startsWith(`${a.path}[`)) {
      const [x, y] = (sorted[k - 1] ?? 0) < (sorted[k] ?? 0) ? [a, b] : [b, a];
      throw new ManifestError(
        `${file} line ${line}, column ${columns.indexOf(y) + 1} "${y.path}": overlaps column ${columns.indexOf(x) + 1} "${x.path}" (use one or the other)`,
      );
    }
  }
  return columns;
}

function coerceCell(column: CsvColumn, raw: string, issues: RowIssue[]): unknown {
  switch (column.type) {
    case "json":
      return parseJson(raw, column.path, issues, "JSON in cell").value;
    case "number": {
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
    }
    case "boolean": {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1" || v === "yes") return true;
      if (v === "false" || v === "0" || v === "no") return false;
      return raw;
    }
    case "list": {
      const t = raw.trim();
      if (t.startsWith("[")) return parseJson(t, column.path, issues, "JSON in cell").value;
      return t.split(";").map((s) => s.trim()).filter((s) => s !== "");
    }
    case "string":
      return raw;
  }
}

/** A node of a row being built: fields and list items both on null-prototype objects (list items keyed by index). */
type Node = Record<string, unknown>;

function newNode(): Node {
  return Object.create(null) as Node;
}

const LIST_MARK = Symbol("list");

function setPath(root: Node, segments: readonly Segment[], value: unknown): void {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg === undefined) return;
    const key = String(seg);
    if (i === segments.length - 1) {
      node[key] = value;
      return;
    }
    let child = node[key];
    if (typeof child !== "object" || child === null || Object.getPrototypeOf(child) !== null) {
      const fresh = newNode();
      if (typeof segments[i + 1] === "number") (fresh as Record<symbol, boolean>)[LIST_MARK] = true;
      node[key] = fresh;
      child = fresh;
    }
    node = child as Node;
  }
}

/** Turns the built nodes into the request: list nodes become arrays in index order (holes dropped). */
function finish(node: Node): Record<string, unknown> {
  const out = newNode();
  for (const key of Object.keys(node)) out[key] = finishValue(node[key]);
  return out;
}

function finishValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== null) return value;
  const node = value as Node;
  if ((node as Record<symbol, unknown>)[LIST_MARK] === true) {
    return Object.keys(node)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => finishValue(node[String(i)]));
  }
  return finish(node);
}

/**
 * Builds a request object from CSV cells; empty cells are left out. The objects have no prototype, so no column
 * or cell can reach `Object.prototype`. Exported for tests and for anyone building CSV manifests programmatically.
 */
export function rowFromCells(columns: readonly CsvColumn[], cells: readonly string[]): {
  object: Record<string, unknown>;
  issues: RowIssue[];
} {
  const issues: RowIssue[] = [];
  const root = newNode();
  // Over the cells a row has (not every column of the header): a short row costs what it holds.
  const n = Math.min(cells.length, columns.length);
  for (let i = 0; i < n; i++) {
    const raw = cells[i];
    const column = columns[i];
    if (raw === undefined || column === undefined || raw.trim() === "") continue;
    const value = coerceCell(column, raw, issues);
    if (value !== undefined) setPath(root, column.segments, value);
  }
  return { object: finish(root), issues };
}

/** Rules of the cell count of a row against the header. */
function cellCountIssues(cells: number, columns: readonly CsvColumn[]): RowIssue[] {
  if (cells === columns.length) return [];
  if (cells > columns.length) {
    return [{ path: "(row)", rule: `has ${cells} cells but the header has ${columns.length} columns (cells ${columns.length + 1}–${cells} have no column)` }];
  }
  const missing = columns.slice(cells, cells + 4).map((c) => `"${c.path}"`);
  const shown = missing.length > 3 ? `${missing.slice(0, 3).join(", ")}, …` : missing.join(", ");
  return [{ path: "(row)", rule: `has ${cells} cells but the header has ${columns.length} columns (column ${cells + 1} ${shown} missing)` }];
}

/** A CSV syntax error as one sentence naming the file, the line and the column. */
function csvProblem(file: string, err: CsvError, rowStart: number): ManifestError {
  const ctx = err as CsvError & { lines?: number; column?: number | string };
  const line = typeof ctx.lines === "number" ? ctx.lines : rowStart;
  const column = typeof ctx.column === "number" ? `, column ${ctx.column + 1}` : "";
  switch (err.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return new ManifestError(`${file} line ${rowStart}: a quoted cell of the row starting here is never closed (a " is missing; the file ends at line ${line})`);
    case "CSV_INVALID_CLOSING_QUOTE":
      return new ManifestError(`${file} line ${line}${column}: a " inside a quoted cell must be doubled ("")`);
    case "INVALID_OPENING_QUOTE":
      return new ManifestError(`${file} line ${line}${column}: a " in a cell that does not start with one (quote the cell and double the ")`);
    case "CSV_MAX_RECORD_SIZE":
      return new ManifestError(`${file} line ${rowStart}: the row starting here is longer than ${mb(MAX_LINE_BYTES)}`);
    default:
      return new ManifestError(`${file} line ${line}${column}: ${err.message}`);
  }
}

/** One record of a CSV file: the line it starts on and its cells. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * The records of a CSV file, the one CSV reader of manifests and mapping inputs: the manifest's file rules
 * (readManifestLines: UTF-8, no NUL, a BOM dropped, lines of at most 10 MB), each record with the line it starts on,
 * blank records skipped, csv-parse's errors as ManifestError naming `label` and the line. The first record is the
 * header: a file without one, or with nothing after it, is refused once every record has been read.
 */
export async function* readCsvRecords(path: string, label: string, options: { delimiter?: string | undefined } = {}): AsyncGenerator<CsvRecord> {
  const lines = readManifestLines(path);
  const source = Readable.from(
    (async function* () {
      for await (const { text } of lines) yield `${text}\n`;
    })(),
    { objectMode: false },
  );
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: false, max_record_size: MAX_LINE_BYTES, delimiter: options.delimiter ?? "," });
  source.on("error", (err) => parser.destroy(err));
  source.pipe(parser);
  let records = 0;
  let nextStart = 1;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      // info.lines is the line the record ends on; every line is fed with its newline.
      const line = nextStart;
      nextStart = info.lines + 1;
      if (record.every((c) => c.trim() === "")) continue;
      records++;
      yield { line, cells: record };
    }
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    if (err instanceof CsvError) throw csvProblem(label, err, nextStart);
    throw new ManifestError(`${label}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    source.destroy();
    parser.destroy();
    await lines.return(undefined);
  }
  if (records === 0) throw new ManifestError(`${label}: is empty (no header row)`);
  if (records === 1) throw new ManifestError(`${label}: has a header row but no rows`);
}

/** Reads a CSV manifest with a header row (see docs/importer.md for the column scheme). */
export async function* readCsvManifest(path: string): AsyncGenerator<RawManifestRow> {
  const file = `manifest ${path}`;
  let columns: CsvColumn[] | undefined;
  for await (const { line, cells } of readCsvRecords(path, file)) {
    if (columns === undefined) {
      columns = parseCsvHeader(cells, line, file);
      continue;
    }
    const readIssues = cellCountIssues(cells.length, columns);
    const { object, issues } = rowFromCells(columns, cells);
    readIssues.push(...issues);
    const { request, mediaFile } = splitMediaFile(object, readIssues);
    yield mediaFile === undefined ? { line, request, readIssues } : { line, request, mediaFile, readIssues };
  }
}

/** Reads a manifest of either format. */
export function readManifest(path: string, format: ManifestFormat | undefined = manifestFormatFor(path)): AsyncGenerator<RawManifestRow> {
  if (format === undefined) throw new ManifestError(`cannot tell the manifest format of ${path}: use .jsonl or .csv (or --format)`);
  return format === "csv" ? readCsvManifest(path) : readJsonlManifest(path);
}

// ---------------------------------------------------------------------------------------------
// Media paths
// ---------------------------------------------------------------------------------------------

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** The real path a missing file would have: its nearest existing ancestor resolved, the missing rest appended. */
async function realpathOfMissing(path: string): Promise<string | undefined> {
  const rest: string[] = [];
  let p = path;
  for (;;) {
    const parent = dirname(p);
    if (parent === p) return undefined;
    rest.unshift(basename(p));
    p = parent;
    try {
      return join(await realpath(p), ...rest);
    } catch (err) {
      const code = errCode(err);
      if (code !== "ENOENT" && code !== "ENOTDIR") return undefined;
    }
  }
}

/** Checks `--media-root`: an existing directory. Returns its real path; throws ManifestError otherwise. */
export async function checkMediaRoot(mediaRoot: string): Promise<string> {
  try {
    const real = await realpath(mediaRoot);
    if (!(await stat(real)).isDirectory()) throw new ManifestError(`--media-root ${mediaRoot}: is not a directory`);
    return real;
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new ManifestError(`--media-root ${mediaRoot}: ${errCode(err) === "ENOENT" ? "no such directory" : `cannot be used (${errCode(err) ?? String(err)})`}`);
  }
}

/**
 * Where a row's `mediaFile` is, or why it is refused. A relative path is read from the manifest's directory; the
 * file, after every symlink is resolved, must be inside `mediaRoot` when given, else inside the manifest's
 * directory: a manifest may come from another system and must not make us upload `../../etc/passwd`. Returns the
 * real path (so what was checked is what is uploaded); a missing file inside the directory is returned as given,
 * for the media check to report.
 */
export async function resolveMediaPath(
  mediaFile: string,
  manifestDir: string,
  mediaRoot?: string,
): Promise<{ path: string; issue?: undefined } | { path?: undefined; issue: RowIssue }> {
  const rootName = mediaRoot === undefined ? `the manifest's directory (${manifestDir})` : `--media-root (${mediaRoot})`;
  const outside: RowIssue = {
    path: "mediaFile",
    rule: `must be inside ${rootName}${mediaRoot === undefined ? "; give --media-root DIR to allow another directory" : ""}`,
  };
  if (mediaFile.includes("\0")) return { issue: { path: "mediaFile", rule: "must not contain a NUL character" } };
  let root: string;
  try {
    root = await realpath(mediaRoot ?? manifestDir);
  } catch {
    return { issue: { path: "mediaFile", rule: `${rootName} cannot be resolved` } };
  }
  const given = isAbsolute(mediaFile) ? mediaFile : `${manifestDir}${sep}${mediaFile}`;
  let real: string;
  try {
    real = await realpath(given);
  } catch (err) {
    const code = errCode(err);
    if (code !== "ENOENT" && code !== "ENOTDIR") return { issue: { path: "mediaFile", rule: `cannot be resolved (${code ?? String(err)})` } };
    // Missing: judge by the real path of its nearest existing directory (`link/..` read as the kernel does).
    const candidate = await realpathOfMissing(given);
    if (candidate === undefined) return { issue: { path: "mediaFile", rule: "cannot be resolved" } };
    if (!inside(root, candidate)) return { issue: outside };
    return { path: candidate };
  }
  if (!inside(root, real)) return { issue: outside };
  return { path: real };
}
