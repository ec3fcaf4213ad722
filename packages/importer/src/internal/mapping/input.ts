/**
 * The input of a mapping: any CSV (a header row names the columns) or JSONL file, read as rows of the export's own
 * names. The same file rules as a manifest (readable UTF-8 text, no NUL bytes, lines of at most 10 MB), plus: a
 * cell (or a JSON string) longer than MAX_CELL_CHARS makes its row invalid, so no expression ever works on more.
 */
import { jsonDeeperThan } from "@gong-connector/schema";
import { ManifestError } from "../errors.js";
import { MAX_JSON_DEPTH, readCsvRecords, readManifestLines } from "../manifest.js";
import type { ManifestFormat, RowIssue } from "../types.js";

/** Longest cell (or JSON string) of an input row, in characters. */
export const MAX_CELL_CHARS = 100_000;

/** One input row: its first line, its values by column name (a null-prototype object), what was wrong reading it. */
export interface InputRow {
  line: number;
  values: Record<string, unknown>;
  issues: RowIssue[];
}

function tooLong(column: string, length: number): RowIssue {
  return { path: column, rule: `the value is ${length} characters long; at most ${MAX_CELL_CHARS} are read` };
}

/** How an export is read: the CSV cell separator, and the columns it must have (`input.columns` of the mapping). */
export interface InputOptions {
  delimiter?: string | undefined;
  columns?: readonly string[] | undefined;
  /** Column names (a JSONL row's top-level keys) are read with looseColumnName. */
  looseColumns?: boolean | undefined;
}

/** A column name compared loosely: lower-case, without spaces, `_`, `-` or `.` (`Start Time`, `start_time`: `starttime`). */
export function looseColumnName(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]/g, "");
}

/**
 * Reads a CSV export: the first non-blank row names the columns; each other row is one InputRow. A header without
 * one of `columns` is refused (ManifestError) before any row is read.
 */
export async function* readCsvInput(path: string, options: InputOptions = {}): AsyncGenerator<InputRow> {
  const file = `input ${path}`;
  let header: string[] | undefined;
  for await (const { line, cells: record } of readCsvRecords(path, file, { delimiter: options.delimiter })) {
    if (header === undefined) {
      header = record.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, "") : h).trim());
      if (options.looseColumns === true) header = header.map(looseColumnName);
      const seen = new Map<string, number>();
      header.forEach((name, i) => {
        if (name === "") throw new ManifestError(`${file} line ${line}, column ${i + 1}: the column has no name`);
        const first = seen.get(name);
        if (first !== undefined) throw new ManifestError(`${file} line ${line}, column ${i + 1} "${name}": duplicate column (also column ${first + 1})`);
        seen.set(name, i);
      });
      const missing = (options.columns ?? []).filter((c) => !seen.has(c));
      if (missing.length > 0) {
        throw new ManifestError(
          `${file} line ${line}: no column ${missing.map((c) => JSON.stringify(c)).join(", ")} (the mapping needs ${missing.length === 1 ? "it" : "them"}; columns: ${header.join(", ")})`,
        );
      }
      continue;
    }
    const issues: RowIssue[] = [];
    if (record.length !== header.length) {
      issues.push({ path: "(row)", rule: `has ${record.length} cells but the header has ${header.length} columns` });
    }
    const values = Object.create(null) as Record<string, unknown>;
    header.forEach((name, i) => {
      const cell = record[i] ?? "";
      if (cell.length > MAX_CELL_CHARS) {
        issues.push(tooLong(name, cell.length));
        values[name] = "";
      } else values[name] = cell;
    });
    yield { line, values, issues };
  }
}

/** Copies parsed JSON onto null-prototype objects, refusing `__proto__` keys and over-long strings (no recursion). */
function plainRow(value: Record<string, unknown>, issues: RowIssue[]): Record<string, unknown> {
  const root = Object.create(null) as Record<string, unknown>;
  const stack: { from: unknown; to: Record<string, unknown> | unknown[]; key: string | number; path: string }[] = [];
  for (const k of Object.keys(value)) if (k !== "__proto__") stack.push({ from: value[k], to: root, key: k, path: k });
  while (stack.length > 0) {
    const { from, to, key, path } = stack.pop() as (typeof stack)[number];
    let copy: unknown = from;
    if (typeof from === "string" && from.length > MAX_CELL_CHARS) {
      issues.push(tooLong(path, from.length));
      copy = "";
    } else if (Array.isArray(from)) {
      const arr: unknown[] = new Array<unknown>(from.length);
      from.forEach((x, i) => stack.push({ from: x, to: arr, key: i, path: `${path}[${i}]` }));
      copy = arr;
    } else if (typeof from === "object" && from !== null) {
      const obj = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(from)) {
        if (k === "__proto__") issues.push({ path: `${path}.${k}`, rule: "is not allowed (a reserved name)" });
        else stack.push({ from: (from as Record<string, unknown>)[k], to: obj, key: k, path: `${path}.${k}` });
      }
      copy = obj;
    }
    if (Array.isArray(to)) to[key as number] = copy;
    else to[key as string] = copy;
  }
  return root;
}

/** Reads a JSONL export: one JSON object per line; blank lines and lines starting with `#` or `//` are skipped. */
export async function* readJsonlInput(path: string, options: InputOptions = {}): AsyncGenerator<InputRow> {
  let rows = 0;
  for await (const { text, line } of readManifestLines(path)) {
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("//")) continue;
    rows++;
    const issues: RowIssue[] = [];
    if (jsonDeeperThan(trimmed, MAX_JSON_DEPTH)) {
      yield { line, values: Object.create(null) as Record<string, unknown>, issues: [{ path: "(root)", rule: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` }] };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      yield { line, values: Object.create(null) as Record<string, unknown>, issues: [{ path: "(root)", rule: `invalid JSON (${err instanceof Error ? err.message : String(err)})` }] };
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      yield { line, values: Object.create(null) as Record<string, unknown>, issues: [{ path: "(root)", rule: "must be a JSON object" }] };
      continue;
    }
    let values = plainRow(parsed as Record<string, unknown>, issues);
    if (options.looseColumns === true) {
      const loose = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of Object.entries(values)) {
        const name = looseColumnName(k);
        if (Object.hasOwn(loose, name)) issues.push({ path: k, rule: `is the same column as another key (both read as "${name}")` });
        loose[name] = v;
      }
      values = loose;
    }
    for (const c of options.columns ?? []) if (!Object.hasOwn(values, c)) issues.push({ path: c, rule: "is missing (the mapping's input.columns)" });
    if (Object.hasOwn(parsed, "__proto__")) issues.push({ path: "__proto__", rule: "is not allowed (a reserved name)" });
    yield { line, values, issues };
  }
  if (rows === 0) throw new ManifestError(`input ${path}: has no rows (only blank or comment lines)`);
}

/** Reads an export of either format. */
export function readInput(path: string, format: ManifestFormat, options: InputOptions = {}): AsyncGenerator<InputRow> {
  return format === "csv" ? readCsvInput(path, options) : readJsonlInput(path, options);
}
