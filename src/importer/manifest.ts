/**
 * Manifest readers: JSONL (one Add call request per line) and CSV (one column per field path).
 * Both stream the file and yield raw rows with their line numbers; validation is in validate.ts.
 */
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import type { ManifestFormat, RawManifestRow, RowIssue } from "./types.js";

/** The manifest format from the file extension (`.jsonl`, `.ndjson`, `.json` -> jsonl; `.csv` -> csv). */
export function manifestFormatFor(path: string): ManifestFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  if (ext === ".csv") return "csv";
  return undefined;
}

/** Error in the manifest as a whole (unreadable file, bad CSV header): nothing can be imported. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Splits a parsed object into the request and its `mediaFile`. */
function splitMediaFile(obj: Record<string, unknown>, issues: RowIssue[]): { request: Record<string, unknown>; mediaFile?: string } {
  const { mediaFile, ...request } = obj;
  if (mediaFile === undefined || mediaFile === null || mediaFile === "") return { request };
  if (typeof mediaFile !== "string") {
    issues.push({ path: "mediaFile", rule: "must be a string (a path relative to the manifest)" });
    return { request };
  }
  return { request, mediaFile };
}

/** Reads a JSONL manifest: one JSON object per line; blank lines and lines starting with `//` or `#` are skipped. */
export async function* readJsonlManifest(path: string): AsyncGenerator<RawManifestRow> {
  const input = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const trimmed = text.trim();
      if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("//")) continue;
      const readIssues: RowIssue[] = [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (err) {
        readIssues.push({ path: "(root)", rule: `invalid JSON (${err instanceof Error ? err.message : String(err)})` });
        yield { line, request: undefined, readIssues };
        continue;
      }
      if (!isPlainObject(parsed)) {
        readIssues.push({ path: "(root)", rule: "must be a JSON object" });
        yield { line, request: undefined, readIssues };
        continue;
      }
      const { request, mediaFile } = splitMediaFile(parsed, readIssues);
      yield mediaFile === undefined ? { line, request, readIssues } : { line, request, mediaFile, readIssues };
    }
  } finally {
    lines.close();
    input.destroy();
  }
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

/** Leaf names whose cells are numbers. */
const NUMBER_LEAVES = new Set(["duration", "mediaChannelId", "fromTime", "toTime"]);
/** Leaf names whose cells are booleans (`true`/`false`, `1`/`0`, `yes`/`no`). */
const BOOLEAN_LEAVES = new Set(["precise"]);
/** Leaf names whose cells are lists: a JSON array or values separated by `;`. */
const LIST_LEAVES = new Set(["partyIds"]);
/** Columns whose cells hold JSON (whole structures in one cell). */
const JSON_LEAVES = new Set(["fields"]);
/** Top-level columns that may hold a JSON array/object instead of sub-columns. */
const JSON_TOP = new Set(["parties", "context", "speakersTimeline", "flowContext"]);

/** Known top-level fields (the Add call request) plus `mediaFile`. */
export const CSV_TOP_LEVEL_FIELDS: readonly string[] = [
  "clientUniqueId", "actualStart", "primaryUser", "direction", "parties", "workspaceId", "meetingUrl", "title",
  "purpose", "scheduledStart", "scheduledEnd", "duration", "disposition", "downloadMediaUrl", "context",
  "speakersTimeline", "customData", "callProviderCode", "languageCode", "flowContext", "mediaFile",
];
const TOP = new Set(CSV_TOP_LEVEL_FIELDS);

function pathToString(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out === "" ? s : `.${s}`;
  return out;
}

function coerceCell(segments: readonly Segment[], raw: string, issues: RowIssue[]): unknown {
  const leaf = [...segments].reverse().find((s): s is string => typeof s === "string") ?? "";
  const isTopJson = segments.length === 1 && JSON_TOP.has(leaf);
  if (JSON_LEAVES.has(leaf) || isTopJson) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      issues.push({ path: pathToString(segments), rule: "invalid JSON in cell" });
      return undefined;
    }
  }
  if (typeof segments[segments.length - 1] === "string") {
    if (NUMBER_LEAVES.has(leaf)) {
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
    }
    if (BOOLEAN_LEAVES.has(leaf)) {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1" || v === "yes") return true;
      if (v === "false" || v === "0" || v === "no") return false;
      return raw;
    }
    if (LIST_LEAVES.has(leaf)) {
      const t = raw.trim();
      if (t.startsWith("[")) {
        try {
          return JSON.parse(t) as unknown;
        } catch {
          issues.push({ path: pathToString(segments), rule: "invalid JSON in cell" });
          return undefined;
        }
      }
      return t.split(";").map((s) => s.trim()).filter((s) => s !== "");
    }
  }
  return raw;
}

type Tree = Record<string, unknown> | unknown[];

function setPath(root: Record<string, unknown>, segments: readonly Segment[], value: unknown): void {
  let node: Tree = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === undefined) return;
    if (last) {
      if (Array.isArray(node)) node[Number(seg)] = value;
      else node[String(seg)] = value;
      return;
    }
    const nextIsIndex = typeof segments[i + 1] === "number";
    const existing: unknown = Array.isArray(node) ? node[Number(seg)] : node[String(seg)];
    let child: Tree;
    if (typeof existing === "object" && existing !== null) child = existing as Tree;
    else {
      child = nextIsIndex ? [] : {};
      if (Array.isArray(node)) node[Number(seg)] = child;
      else node[String(seg)] = child;
    }
    node = child;
  }
}

/** Drops holes from arrays (a row with fewer parties than the header has columns for). */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compact(v);
    return out;
  }
  return value;
}

/**
 * Builds a request object from CSV cells; empty cells are left out.
 * Exported for tests and for anyone building CSV manifests programmatically.
 */
export function rowFromCells(headers: readonly (readonly Segment[])[], cells: readonly string[]): {
  object: Record<string, unknown>;
  issues: RowIssue[];
} {
  const issues: RowIssue[] = [];
  const object: Record<string, unknown> = {};
  headers.forEach((segments, i) => {
    const raw = cells[i];
    if (raw === undefined || raw.trim() === "") return;
    const value = coerceCell(segments, raw, issues);
    if (value === undefined) return;
    setPath(object, segments, value);
  });
  return { object: compact(object) as Record<string, unknown>, issues };
}

/** Validates a CSV header row and returns the parsed column paths. Throws ManifestError on an unknown or bad column. */
export function parseCsvHeader(header: readonly string[]): Segment[][] {
  const seen = new Set<string>();
  return header.map((h, i) => {
    const name = i === 0 ? h.replace(/^\uFEFF/, "") : h;
    const segments = parseColumnPath(name);
    if (!segments) throw new ManifestError(`CSV column ${i + 1} "${name}": not a field path (e.g. parties[0].userId)`);
    const top = segments[0];
    if (typeof top !== "string" || !TOP.has(top)) {
      throw new ManifestError(`CSV column ${i + 1} "${name}": unknown field "${String(top)}"`);
    }
    if (segments.length > 1 && typeof segments[1] === "string" && (top === "parties" || top === "context")) {
      throw new ManifestError(`CSV column ${i + 1} "${name}": ${top} needs an index, e.g. ${top}[0]...`);
    }
    const key = pathToString(segments);
    if (seen.has(key)) throw new ManifestError(`CSV column ${i + 1} "${name}": duplicate column`);
    seen.add(key);
    return segments;
  });
}

/** Reads a CSV manifest with a header row (see docs/importer.md for the column scheme). */
export async function* readCsvManifest(path: string): AsyncGenerator<RawManifestRow> {
  const input = createReadStream(path);
  const parser = input.pipe(
    parse({ raw: true, info: true, relax_column_count: true, skip_empty_lines: false, bom: true }),
  );
  let headers: Segment[][] | undefined;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
      const { record, raw, info } = item;
      const newlines = (raw.match(/\n/g) ?? []).length;
      // info.lines is the line the record ends on; a raw record keeps the newlines inside quotes (and its own end).
      const endsWithNewline = raw.endsWith("\n");
      const line = info.lines - (endsWithNewline ? newlines - 1 : newlines);
      if (headers === undefined) {
        headers = parseCsvHeader(record);
        continue;
      }
      if (record.every((c) => c.trim() === "")) continue;
      const readIssues: RowIssue[] = [];
      if (record.length > headers.length) readIssues.push({ path: "(root)", rule: `has ${record.length} cells, header has ${headers.length}` });
      const { object, issues } = rowFromCells(headers, record);
      readIssues.push(...issues);
      const { request, mediaFile } = splitMediaFile(object, readIssues);
      yield mediaFile === undefined ? { line, request, readIssues } : { line, request, mediaFile, readIssues };
    }
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new ManifestError(`CSV: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    input.destroy();
  }
  if (headers === undefined) throw new ManifestError("CSV manifest is empty (no header row)");
}

/** Reads a manifest of either format. */
export function readManifest(path: string, format: ManifestFormat | undefined = manifestFormatFor(path)): AsyncGenerator<RawManifestRow> {
  if (format === undefined) throw new ManifestError(`cannot tell the manifest format of ${path}: use .jsonl or .csv`);
  return format === "csv" ? readCsvManifest(path) : readJsonlManifest(path);
}
