/**
 * A mapping applied to an export: reads the input rows, groups them (groupBy), applies the filters, evaluates each
 * field's expression and yields the Add call requests as manifest rows, which then go through the importer's one
 * path (validation, journal, exactly once, report).
 *
 * Grouping holds in memory only the groups still open: a first pass over the file records, for each key, the line
 * of its last row (in a temporary SQLite table, not the heap); the second pass keeps each group's rows until its
 * last row is read, then maps it and lets it go. Rows of one call that are near each other (as in any call-detail
 * export) cost little; at most `maxOpenRows` rows are held at once (a file that needs more must be sorted by the
 * key). Each row is read twice and looked up once: time is linear in the file.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import jsonata from "jsonata";
import { ManifestError } from "../errors.js";
import { manifestFormatFor } from "../manifest.js";
import type { ManifestFormat, ManifestReader, RawManifestRow, RowIssue } from "../types.js";
import { MappingError, RowMappingError, type MappingIssue } from "./errors.js";
import { duration, isCountry, isEmpty, isTimeZone, localTime, mapValue, phone, scalarText } from "./helpers.js";
import { readInput, type InputRow } from "./input.js";
import { guardedRegexEngine, startRegexWorker } from "./regex.js";
import type { FieldRule, Mapping, MappingExpression } from "./load.js";
import { UserDirectory, type DirectoryUser, type UserMap } from "./users.js";

/** Something a mapping noticed but let through (a phone number kept as written). */
export interface MappingWarning {
  line: number;
  field: string;
  message: string;
}

export interface MappingReaderOptions {
  /** The time zone local date-times are read in (`--timezone`); wins over the mapping's `timezone`. */
  timezone?: string | undefined;
  /** The country of phone numbers written without one (`--default-country`); wins over the mapping's; default US. */
  defaultCountry?: string | undefined;
  /** The input's format; default the mapping's `input.format`, else from the file's extension. */
  format?: ManifestFormat | undefined;
  /** Extensions to e-mail addresses (`--user-map`, loadUserMap), for `$userByExtension`. */
  userMap?: UserMap | undefined;
  /** The Gong users (e.g. `() => directoryUsers(client)`), fetched once, when a row first needs one. */
  users?: (() => Promise<Iterable<DirectoryUser>>) | undefined;
  /** Told of each warning, during the first pass over the file only. */
  onWarning?: ((warning: MappingWarning) => void) | undefined;
  /** How long one expression may run on one row before it is stopped (default 2000 ms). */
  timeoutMs?: number | undefined;
  /** How deep an expression may nest or recurse (default 300). */
  maxDepth?: number | undefined;
  /** groupBy: the most rows held at once (default 100,000). */
  maxOpenRows?: number | undefined;
  /** The recordings' directory (`--recordings`), for `$recording`. */
  recordings?: string | undefined;
}

/** The row-by-row reader of a mapping (a ManifestReader for runImport), with what it counted. */
export interface MappingReader extends ManifestReader {
  readonly mapping: Mapping;
  /** Warnings of the first pass (e.g. phone numbers kept as written). */
  readonly warnings: () => number;
}

interface Compiled {
  rule: MappingExpression;
  expression: jsonata.Expression;
}

/** A number of characters a rendered value may show in a message. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) as string | undefined) ?? String(value);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** A JSONata or helper error as one rule text. */
function errorRule(err: unknown, timeoutMs: number, maxDepth: number): string | undefined {
  if (err instanceof RowMappingError) return err.message;
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" && /^[A-Z]\d{4}$/.test(err.code)) {
    const e = err as { code: string; message?: string };
    if (e.code === "D1012") return `the expression ran longer than ${timeoutMs} ms and was stopped`;
    if (e.code === "D1011") return `the expression nested or recursed deeper than ${maxDepth} levels and was stopped`;
    return `${e.message ?? e.code} (${e.code})`;
  }
  if (err instanceof RangeError) return `the expression was stopped (${err.message})`;
  return undefined;
}

/** Drops empty values (undefined, null, "", empty objects) at every depth, on null-prototype objects. */
function prune(value: unknown, path: string, issues: RowIssue[]): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "function" || (typeof value === "object" && ("_jsonata_function" in value || "_jsonata_lambda" in value))) {
    issues.push({ path, rule: "the expression gave a function, not a value" });
    return undefined;
  }
  if (Array.isArray(value)) {
    const out = value.map((v, i) => prune(v, `${path}[${i}]`, issues)).filter((v) => v !== undefined);
    return out.length === 0 ? undefined : out;
  }
  if (typeof value === "object") {
    const out = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value)) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") {
        issues.push({ path: `${path}.${k}`, rule: "is not allowed (a reserved name)" });
        continue;
      }
      const v = prune((value as Record<string, unknown>)[k], `${path}.${k}`, issues);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return undefined;
}

/** Sets a value at a field path on null-prototype objects; list items are keyed by index, compacted at the end. */
function setPath(root: Record<string, unknown>, segments: readonly (string | number)[], value: unknown): void {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = String(segments[i]);
    let child = node[key];
    if (typeof child !== "object" || child === null) {
      child = Object.create(null) as Record<string, unknown>;
      if (typeof segments[i + 1] === "number") (child as Record<symbol, boolean>)[LIST] = true;
      node[key] = child;
    }
    node = child as Record<string, unknown>;
  }
  node[String(segments[segments.length - 1])] = value;
}

const LIST = Symbol("list");

function compact(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const node = value as Record<string, unknown>;
  if ((node as Record<symbol, unknown>)[LIST] === true) {
    return Object.keys(node)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => compact(node[String(i)]));
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(node)) out[k] = compact(node[k]);
  return out;
}

/** Group keys' last lines, in a temporary SQLite database (removed when closed). */
class GroupIndex {
  private readonly db = new Database("");
  private readonly upsert: Database.Statement<[string, number]>;
  private readonly lastStmt: Database.Statement<[string], { last: number }>;
  constructor() {
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma("cache_size = -4000");
    this.db.exec("CREATE TABLE groups (key TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID");
    this.upsert = this.db.prepare("INSERT INTO groups (key, last) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET last = excluded.last");
    this.lastStmt = this.db.prepare("SELECT last FROM groups WHERE key = ?");
    this.db.exec("BEGIN");
  }
  see(key: string, line: number): void {
    this.upsert.run(key, line);
  }
  last(key: string): number | undefined {
    return this.lastStmt.get(key)?.last;
  }
  close(): void {
    this.db.close();
  }
}

/**
 * A reader that turns an export into Add call requests with `mapping`. Throws MappingError (before any row is read)
 * when what the mapping uses is not given: a time zone, a valid country, a user map, the Gong users.
 */
export function mappingReader(mapping: Mapping, options: MappingReaderOptions = {}): MappingReader {
  const problems: MappingIssue[] = [];
  const zone = options.timezone ?? mapping.timezone;
  if (options.timezone !== undefined && !isTimeZone(options.timezone)) {
    problems.push({ field: "--timezone", problem: `"${options.timezone}" is not an IANA time zone (e.g. America/New_York)` });
  } else if (zone === undefined && mapping.needsTimeZone) {
    problems.push({ field: "timezone", problem: "the mapping reads local times ($localTime) but no time zone is given: add timezone: to the mapping or give --timezone" });
  }
  const countryText = options.defaultCountry ?? mapping.defaultCountry ?? "US";
  if (!isCountry(countryText)) problems.push({ field: "--default-country", problem: `"${countryText}" is not a country code (two capital letters, e.g. US, GB)` });
  const country = countryText;
  if (mapping.uses.has("userByExtension") && options.userMap === undefined) {
    problems.push({ field: "--user-map", problem: "the mapping finds users by extension ($userByExtension): give --user-map FILE (a CSV of extension,email)" });
  }
  if ((mapping.uses.has("userByExtension") || mapping.uses.has("userByEmail")) && options.users === undefined) {
    problems.push({ field: "users", problem: "the mapping finds Gong users by e-mail or extension, which needs the list of Gong users (credentials)" });
  }
  if (mapping.uses.has("isExtension") && options.userMap === undefined) {
    problems.push({ field: "--user-map", problem: "the mapping asks whether a number is an extension ($isExtension): give --user-map FILE (a CSV of extension,email)" });
  }
  if ((mapping.uses.has("recording") || mapping.uses.has("hasRecording")) && options.recordings === undefined) {
    problems.push({ field: "--recordings", problem: "the mapping finds recordings by name ($recording): give --recordings DIR" });
  }
  if (problems.length > 0) throw new MappingError(mapping.file, problems);
  const recordings = options.recordings === undefined ? undefined : new RecordingFinder(options.recordings);

  const timeoutMs = options.timeoutMs ?? 2000;
  const maxDepth = options.maxDepth ?? 300;
  const maxOpenRows = options.maxOpenRows ?? 100_000;

  // What the helpers report against: the row and field being evaluated (evaluation is sequential).
  let current = { line: 0, field: "" };
  let warningsOn = true;
  let warnings = 0;
  let fatal: unknown;
  let directory: Promise<UserDirectory> | undefined;
  const users = async (): Promise<UserDirectory> => {
    directory ??= (options.users as () => Promise<Iterable<DirectoryUser>>)().then((list) => new UserDirectory(list));
    try {
      return await directory;
    } catch (err) {
      fatal ??= err;
      throw new RowMappingError("the Gong users could not be listed");
    }
  };
  const functions: Record<string, (...args: unknown[]) => unknown> = {
    localTime: (value, format, tz) =>
      localTime(value, format === undefined ? "iso" : scalarText(format, "$localTime's format"), tz === undefined ? zone : checkedZone(tz), mapping.formats),
    duration: (value) => duration(value),
    phone: (value, c) =>
      phone(value, c === undefined ? country : checkedCountry(c), (message) => {
        if (!warningsOn) return;
        warnings++;
        options.onWarning?.({ line: current.line, field: current.field, message });
      }),
    mapValue: (value, name) => {
      const map = mapping.values.get(String(name));
      if (map === undefined) throw new RowMappingError(`unknown value map ${shown(name)}`);
      return mapValue(value, map);
    },
    userByEmail: async (value) => {
      if (isEmpty(value)) return undefined;
      const email = scalarText(value, "$userByEmail");
      return (await users()).idFor(email);
    },
    isExtension: (value) => {
      if (isEmpty(value)) return false;
      return (options.userMap as UserMap).byExtension.has(scalarText(value, "$isExtension"));
    },
    recording: async (value, date) => {
      const names = recordingNames(value, "$recording");
      if (names.length === 0) return undefined;
      return (recordings as RecordingFinder).find(names, isEmpty(date) ? undefined : scalarText(date, "$recording's date"));
    },
    hasRecording: async (value, date) => {
      const names = recordingNames(value, "$hasRecording");
      if (names.length === 0) return false;
      return (await (recordings as RecordingFinder).lookup(names, isEmpty(date) ? undefined : scalarText(date, "$hasRecording's date"))) !== undefined;
    },
    userByExtension: async (value) => {
      if (isEmpty(value)) return undefined;
      const ext = scalarText(value, "$userByExtension");
      const map = options.userMap as UserMap;
      const email = map.byExtension.get(ext);
      if (email === undefined) throw new RowMappingError(`extension ${shown(ext)} is not in --user-map ${map.file}`);
      return (await users()).idFor(email, `extension ${ext} → ${email}: `);
    },
  };
  // Each regex match runs where it can be stopped after the time limit (JSONata's own limit is checked between steps).
  // JSONata's typings ask for the whole RegExp constructor; it only constructs one and calls exec and lastIndex.
  const RegexEngine = guardedRegexEngine(timeoutMs) as unknown as RegExpConstructor;
  let usesRegex = false;
  const compile = (rule: MappingExpression, wrap?: (source: string) => string): Compiled => {
    const expression = jsonata(wrap === undefined ? rule.source : wrap(rule.source), { timeout: timeoutMs, stack: maxDepth, sequence: 1_000_000, RegexEngine });
    for (const [name, fn] of Object.entries(functions)) expression.registerFunction(name, fn);
    if (!usesRegex && JSON.stringify(expression.ast()).includes('"type":"regex"')) usesRegex = true;
    return { rule, expression };
  };
  const groupBy = mapping.groupBy === undefined ? undefined : compile(mapping.groupBy);
  const filters = mapping.filters.map((f) => ({ reason: f.reason, skip: compile(f.skip, (s) => `$boolean((\n${s}\n))`) }));
  const fields = mapping.fields.map((f) => ({
    rule: f,
    expression: f.expression === undefined ? undefined : compile(f.expression),
    where: typeof f.from === "object" ? compile(f.from.where, (s) => `$boolean((\n${s}\n))`) : undefined,
  }));
  const variables = mapping.variables.map((v) => ({ name: v.name, expression: compile(v.expression) }));
  const cuidField = fields.find((f) => f.rule.field === "clientUniqueId");
  /** How many of the variables (in order) the clientUniqueId expression needs, up to the last one it names. */
  const cuidSource = cuidField?.rule.expression?.source ?? "";
  const cuidVariables = variables.reduce((n, v, i) => (new RegExp(`\\$${v.name}(?![A-Za-z0-9_])`).test(cuidSource) ? i + 1 : n), 0);

  /** Evaluates one expression; a row problem comes back as `{ issue }`, anything else (a failed users walk) is thrown. */
  const evaluate = async (c: Compiled, input: unknown, bindings: Record<string, unknown>, path: string): Promise<{ value: unknown } | { issue: RowIssue }> => {
    current = { line: Number(bindings.line), field: path };
    try {
      return { value: await c.expression.evaluate(input, bindings) };
    } catch (err) {
      if (fatal !== undefined) throw fatal instanceof Error ? fatal : new Error("listing the Gong users failed");
      const rule = errorRule(err, timeoutMs, maxDepth);
      if (rule === undefined) throw err;
      return { issue: { path, rule } };
    }
  };

  const groupKey = async (row: InputRow): Promise<{ key: string } | { issue: RowIssue }> => {
    const c = groupBy as Compiled;
    const r = await evaluate(c, row.values, { rows: [row.values], line: row.line }, "groupBy");
    if ("issue" in r) return r;
    const v: unknown = r.value;
    if (isEmpty(v)) return { issue: { path: "groupBy", rule: "the key is empty for this row" } };
    if (typeof v === "string") return { key: v };
    if (typeof v === "number" || typeof v === "boolean") return { key: String(v) };
    return { issue: { path: "groupBy", rule: `the key must be one text or number, not ${shown(v)}` } };
  };

  /** Maps one call's rows (one row without groupBy) to a manifest row. */
  const mapUnit = async (rows: readonly InputRow[]): Promise<RawManifestRow> => {
    const first = rows[0] as InputRow;
    const line = first.line;
    const issues: RowIssue[] = [];
    for (const r of rows) {
      for (const i of r.issues) issues.push(r.line === line ? i : { path: i.path, rule: `${i.rule} (line ${r.line})` });
    }
    if (issues.length > 0) return { line, request: undefined, readIssues: issues };
    const values = rows.map((r) => r.values);
    const bindings = { rows: values, line };
    for (const [i, f] of filters.entries()) {
      const r = await evaluate(f.skip, first.values, bindings, `filters[${i}].skip`);
      if ("issue" in r) return { line, request: undefined, readIssues: [r.issue] };
      if (r.value === true) {
        const skipped: RawManifestRow = { line, request: undefined, readIssues: [], filtered: f.reason };
        if (cuidField?.expression !== undefined && cuidField.rule.from === "first") {
          // The variables the id is made of (and those before them), quietly: a skipped call warns of nothing.
          const bound: Record<string, unknown> = { ...bindings };
          const quiet = warningsOn;
          warningsOn = false;
          try {
            for (const v of variables.slice(0, cuidVariables)) {
              const r = await evaluate(v.expression, first.values, bound, `variables.${v.name}`).catch(() => undefined);
              if (r === undefined || "issue" in r) break;
              bound[v.name] = r.value;
            }
          } finally {
            warningsOn = quiet;
          }
          const id = await evaluate(cuidField.expression, first.values, bound, "clientUniqueId").catch(() => undefined);
          if (id !== undefined && "value" in id && typeof id.value === "string" && id.value !== "") skipped.request = { clientUniqueId: id.value };
        }
        return skipped;
      }
    }
    const bound: Record<string, unknown> = { ...bindings };
    for (const v of variables) {
      const r = await evaluate(v.expression, first.values, bound, `variables.${v.name}`);
      if ("issue" in r) return { line, request: undefined, readIssues: [r.issue] };
      bound[v.name] = r.value;
    }
    const request = Object.create(null) as Record<string, unknown>;
    let mediaFile: unknown;
    for (const f of fields) {
      const rule: FieldRule = f.rule;
      let input: unknown;
      if (rule.from === "first") input = first.values;
      else if (rule.from === "last") input = values[values.length - 1];
      else if (rule.from === "all") input = values;
      else if (f.where !== undefined) {
        input = undefined;
        for (const v of values) {
          const w = await evaluate(f.where, v, bound, `${rule.field} (from.where)`);
          if ("issue" in w) {
            issues.push(w.issue);
            break;
          }
          if (w.value === true) {
            input = v;
            break;
          }
        }
        if (input === undefined) continue;
      }
      let value: unknown;
      if (f.expression === undefined) value = rule.constant;
      else {
        const r = await evaluate(f.expression, input, bound, rule.field);
        if ("issue" in r) {
          issues.push(r.issue);
          continue;
        }
        value = r.value;
      }
      const clean = prune(value, rule.field, issues);
      if (clean === undefined) continue;
      if (rule.field === "mediaFile") mediaFile = clean;
      else setPath(request, rule.segments, clean);
    }
    const out: RawManifestRow = { line, request: compact(request) as Record<string, unknown>, readIssues: issues };
    if (mediaFile !== undefined) {
      if (typeof mediaFile === "string") out.mediaFile = mediaFile;
      else issues.push({ path: "mediaFile", rule: `must be a path (text), not ${shown(mediaFile)}` });
    }
    return out;
  };

  const needsUsers = mapping.uses.has("userByEmail") || mapping.uses.has("userByExtension");
  let passes = 0;
  const read = async function* (path: string): AsyncGenerator<RawManifestRow> {
    passes++;
    warningsOn = passes === 1;
    if (usesRegex) startRegexWorker();
    // The users are listed before the first row: an expression's time limit never counts the walk of GET /v2/users,
    // and a failed walk stops the import with its own error (refused, gave up), not as invalid rows.
    if (needsUsers) {
      directory ??= (options.users as () => Promise<Iterable<DirectoryUser>>)().then((list) => new UserDirectory(list));
      await directory;
    }
    const format = options.format ?? mapping.format ?? manifestFormatFor(path);
    const inputOptions = { delimiter: mapping.delimiter, columns: mapping.columns, looseColumns: mapping.looseColumns };
    if (format === undefined) throw new ManifestError(`cannot tell the format of ${path}: use .csv or .jsonl, input.format in the mapping, or --format`);
    if (groupBy === undefined) {
      for await (const row of readInput(path, format, inputOptions)) yield await mapUnit([row]);
      return;
    }
    const index = new GroupIndex();
    try {
      for await (const row of readInput(path, format, inputOptions)) {
        if (row.issues.length > 0) continue;
        const k = await groupKey(row);
        if ("key" in k) index.see(k.key, row.line);
      }
      const open = new Map<string, InputRow[]>();
      let held = 0;
      for await (const row of readInput(path, format, inputOptions)) {
        const k = row.issues.length > 0 ? undefined : await groupKey(row);
        if (k === undefined || "issue" in k) {
          yield await mapUnit([k === undefined ? row : { ...row, issues: [k.issue] }]);
          continue;
        }
        const rows = open.get(k.key) ?? [];
        rows.push(row);
        open.set(k.key, rows);
        held++;
        const last = index.last(k.key);
        if (last === undefined || last <= row.line) {
          open.delete(k.key);
          held -= rows.length;
          yield await mapUnit(rows);
        } else if (held > maxOpenRows) {
          throw new ManifestError(
            `input ${path} line ${row.line}: groupBy holds more than ${maxOpenRows} rows of calls not yet complete; sort the file by the group key (${mapping.groupBy?.source.trim() ?? ""})`,
          );
        }
      }
      // Rows whose last line changed since the first pass (the file changed): map what is left.
      for (const rows of open.values()) yield await mapUnit(rows);
    } finally {
      index.close();
    }
  };
  return Object.assign(read, { mapping, warnings: () => warnings });
}

/**
 * Recordings by file name under a directory: `<dir>/<YYYY>/<MM>/<DD>/<name>` for the call's local date (as FreePBX
 * stores them), else the one file of that name anywhere under the directory (found in one walk, made when first
 * needed and kept).
 */
class RecordingFinder {
  private index: Promise<Map<string, string[]>> | undefined;
  constructor(private readonly dir: string) {}

  /** The recording of the first of `names` there is (see find); undefined when there is none. */
  async lookup(names: readonly string[], date: string | undefined): Promise<string | undefined> {
    const m = date === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
    for (const name of names) {
      if (name.includes("/") || name.includes("\\") || name === "." || name === ".." || name.includes("\0")) {
        throw new RowMappingError(`${shown(name)} is not a file name (a recording is looked up by its name alone)`);
      }
    }
    for (const name of names) {
      if (m !== null) {
        const dated = join(this.dir, m[1] ?? "", m[2] ?? "", m[3] ?? "", name);
        if (await isFile(dated)) return resolve(dated);
      }
      const found = (await (this.index ??= indexFiles(this.dir))).get(name) ?? [];
      if (found.length === 1) return resolve(found[0] as string);
      if (found.length > 1) throw new RowMappingError(`${found.length} files named ${shown(name)} under --recordings ${this.dir} (${found.slice(0, 3).join(", ")}); keep one`);
    }
    return undefined;
  }

  /**
   * The recording named `names[0]` (else `names[1]`, …): `<dir>/<YYYY>/<MM>/<DD>/<name>` for `date`'s day, else the one
   * file of that name anywhere under the directory. None, or several of one name, is a RowMappingError.
   */
  async find(names: readonly string[], date: string | undefined): Promise<string> {
    const found = await this.lookup(names, date);
    if (found !== undefined) return found;
    const m = date === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
    const what = names.length === 1 ? `no recording named ${shown(names[0])}` : `no recording named ${names.map((n) => shown(n)).join(" or ")}`;
    throw new RowMappingError(`${what} under --recordings ${this.dir}${m === null ? "" : ` (looked in ${m[1] ?? ""}/${m[2] ?? ""}/${m[3] ?? ""}/ first)`}`);
  }
}

/** The file names a recording helper was given: one text, or a list of them (the first one found is taken). */
function recordingNames(value: unknown, what: string): string[] {
  if (isEmpty(value)) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length > 100) throw new RowMappingError(`${what} got ${list.length} names; at most 100 are looked up`);
  return list.filter((v) => !isEmpty(v)).map((v) => scalarText(v, what));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Every regular file under `dir` by name (symbolic links are not followed). */
async function indexFiles(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const list = out.get(entry.name);
    const path = join(entry.parentPath, entry.name);
    if (list === undefined) out.set(entry.name, [path]);
    else list.push(path);
  }
  return out;
}

function checkedZone(value: unknown): string {
  const z = scalarText(value, "$localTime's zone");
  if (!isTimeZone(z)) throw new RowMappingError(`${shown(z)} is not an IANA time zone`);
  return z;
}

function checkedCountry(value: unknown): string {
  const c = scalarText(value, "$phone's country");
  if (!isCountry(c)) throw new RowMappingError(`${shown(c)} is not a country code`);
  return c;
}
