/**
 * Mapping files: YAML (or JSON) that says, per Add call field, where its value comes from, as a JSONata expression
 * over the input row. Everything is checked before any row is read: the keys, the field paths, every expression's
 * syntax, the functions and variables it uses, the helpers' literal options (format names, value maps, countries,
 * zones). Each problem names the mapping file's line and the field.
 */
import { fileURLToPath } from "node:url";
import jsonata from "jsonata";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from "yaml";
import { parseColumnPath, resolveColumn, RESERVED_KEYS } from "../manifest.js";
import type { ManifestFormat } from "../types.js";
import { MappingError, type MappingIssue } from "./errors.js";
import { looseColumnName } from "./input.js";
import { readSmallTextFile } from "./text-file.js";
import { BUILTIN_FORMATS, isCountry, isTimeZone, namedFormat, valueMapKey, type NamedFormat, type ValueMap } from "./helpers.js";

/** One expression of a mapping, where it is written. */
export interface MappingExpression {
  source: string;
  /** The mapping key it is written under, e.g. `fields.actualStart`. */
  field: string;
  line: number;
}

/** Which rows of a group an expression reads: the first, the last, all of them (a list), or the first matching one. */
export type RowPick = "first" | "last" | "all" | { where: MappingExpression };

/** One Add call field (or field path, or `mediaFile`) of a mapping. */
export interface FieldRule {
  field: string;
  segments: (string | number)[];
  line: number;
  from: RowPick;
  expression?: MappingExpression;
  constant?: unknown;
}

/** A variable of a mapping: computed once per call (in order), then `$name` in the fields' expressions. */
export interface VariableRule {
  name: string;
  expression: MappingExpression;
}

export interface FilterRule {
  reason: string;
  skip: MappingExpression;
  line: number;
}

/** A checked mapping. */
export interface Mapping {
  file: string;
  format?: ManifestFormat;
  /** CSV cell separator (default `,`). */
  delimiter?: string;
  /** Columns a CSV export must have (its header is checked before any row is read). */
  columns?: readonly string[];
  /** Column names are read lower-case without spaces, `_` or `-` (`Start Time`, `start_time`, `StartTime`: `starttime`). */
  looseColumns?: boolean;
  timezone?: string;
  /** A country code libphonenumber-js knows (`US`, `GB`). */
  defaultCountry?: string;
  formats: ReadonlyMap<string, NamedFormat>;
  values: ReadonlyMap<string, ValueMap>;
  groupBy?: MappingExpression;
  filters: readonly FilterRule[];
  variables: readonly VariableRule[];
  fields: readonly FieldRule[];
  /** Helpers the expressions call (`localTime`, `userByEmail`…). */
  uses: ReadonlySet<string>;
  /** Some `$localTime` reads a local time (not `unix`, nor a format with an offset): a time zone is needed. */
  needsTimeZone: boolean;
}

/** The helpers: name → [fewest, most] arguments. */
export const HELPERS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ["localTime", [1, 3]],
  ["duration", [1, 1]],
  ["phone", [1, 2]],
  ["mapValue", [2, 2]],
  ["userByEmail", [1, 1]],
  ["userByExtension", [1, 1]],
  ["isExtension", [1, 1]],
  ["recording", [1, 2]],
  ["hasRecording", [1, 2]],
] as const);

/** JSONata's own functions a mapping may call. */
const JSONATA_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    "sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad match " +
    "contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil round abs sqrt power " +
    "boolean not map zip filter single reduce sift keys lookup append exists spread merge reverse each error assert type " +
    "sort distinct encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl toMillis fromMillis clone base64encode base64decode"
  ).split(" "),
);

/** JSONata functions a mapping may not call: a rerun must map a row to the same request, and $eval escapes the limits. */
const FORBIDDEN: ReadonlyMap<string, string> = new Map([
  ["random", "gives another value on every run (a rerun must map a row to the same request)"],
  ["shuffle", "gives another order on every run (a rerun must map a row to the same request)"],
  ["now", "gives another value on every run (a rerun must map a row to the same request)"],
  ["millis", "gives another value on every run (a rerun must map a row to the same request)"],
  ["eval", "evaluates text as an expression, outside the mapping's checks and limits"],
]);

/** Variables every expression sees: the rows of the group (one row without groupBy) and the first row's line. */
export const BOUND_VARIABLES: ReadonlySet<string> = new Set(["rows", "line"]);

const TOP_KEYS = ["description", "input", "timezone", "defaultCountry", "formats", "values", "groupBy", "filters", "variables", "fields"];
const REQUIRED_FIELDS = ["clientUniqueId", "actualStart", "primaryUser", "parties", "direction"];
/** Longest expression. */
const MAX_EXPRESSION = 20_000;
/** Largest mapping file. */
const MAX_MAPPING_BYTES = 1024 * 1024;

function closest(name: string, candidateList: Iterable<string>): string | undefined {
  const candidates = [...candidateList];
  const lower = name.toLowerCase();
  for (const c of candidates) if (c.toLowerCase() === lower) return c;
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length] ?? 99;
}

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  procedure?: AstNode;
  arguments?: AstNode[];
  [key: string]: unknown;
}

class Checker {
  readonly issues: MappingIssue[] = [];
  readonly uses = new Set<string>();
  /** Names of the mapping's `variables` defined so far: later expressions may use them. */
  readonly variables: string[] = [];
  needsTimeZone = false;
  private readonly lines: LineCounter;
  constructor(
    lines: LineCounter,
    private readonly formats: ReadonlyMap<string, NamedFormat>,
    private readonly values: ReadonlyMap<string, ValueMap>,
  ) {
    this.lines = lines;
  }

  lineOf(node: YamlNode | Pair | null | undefined): number | undefined {
    const range = node !== null && node !== undefined && "range" in node ? node.range : undefined;
    if (range === undefined || range === null) {
      const key = node !== null && node !== undefined && "key" in node ? (node.key as YamlNode | null) : null;
      return key === null ? undefined : this.lineOf(key);
    }
    return this.lines.linePos(range[0]).line;
  }

  add(node: YamlNode | Pair | null | undefined, field: string, problem: string): void {
    const line = this.lineOf(node);
    this.issues.push(line === undefined ? { field, problem } : { line, field, problem });
  }

  /** Compiles an expression (syntax) and checks what it calls; undefined when it cannot be used. */
  expression(node: YamlNode | null | undefined, field: string): MappingExpression | undefined {
    const line = this.lineOf(node) ?? 1;
    if (!isScalar(node) || typeof node.value !== "string") {
      this.add(node, field, "must be a JSONata expression (text); quote a constant text as '\"Inbound\"' or use {const: Inbound}");
      return undefined;
    }
    const source = node.value;
    // A block scalar's text starts on the line after its indicator (`|`, `>`).
    const first = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED" ? line + 1 : line;
    const lineAt = (position: number | undefined): number => first + (source.slice(0, Math.max(0, (position ?? 1) - 1)).match(/\n/g)?.length ?? 0);
    if (source.trim() === "") {
      this.issues.push({ line, field, problem: "the expression is empty" });
      return undefined;
    }
    if (source.length > MAX_EXPRESSION) {
      this.issues.push({ line, field, problem: `the expression is longer than ${MAX_EXPRESSION} characters` });
      return undefined;
    }
    let ast: AstNode;
    try {
      ast = jsonata(source).ast() as unknown as AstNode;
    } catch (err) {
      const e = err as { message?: string; position?: number; token?: string };
      const at = e.token === undefined ? "" : ` (at "${e.token.slice(0, 40)}")`;
      this.issues.push({ line: lineAt(e.position), field, problem: `invalid expression: ${e.message ?? String(err)}${at}` });
      return undefined;
    }
    const before = this.issues.length;
    this.walk(ast, field, lineAt);
    return this.issues.length > before ? undefined : { source, field, line: first };
  }

  private walk(root: AstNode, field: string, lineAt: (position: number | undefined) => number): void {
    const bound = new Set<string>([...BOUND_VARIABLES, ...this.variables]);
    const calls: { node: AstNode; applied: boolean }[] = [];
    const variables: AstNode[] = [];
    const stack: { node: unknown; applied: boolean }[] = [{ node: root, applied: false }];
    let steps = 0;
    while (stack.length > 0) {
      const { node, applied } = stack.pop() as { node: unknown; applied: boolean };
      if (++steps > 200_000) break;
      if (Array.isArray(node)) {
        for (const item of node) stack.push({ node: item, applied: false });
        continue;
      }
      if (typeof node !== "object" || node === null) continue;
      const n = node as AstNode;
      if ((n.type === "function" || n.type === "partial") && n.procedure?.type === "variable") {
        calls.push({ node: n, applied });
        for (const a of n.arguments ?? []) stack.push({ node: a, applied: false });
        for (const [k, v] of Object.entries(n)) if (k !== "procedure" && k !== "arguments") stack.push({ node: v, applied: false });
        continue;
      }
      if (n.type === "bind" && (n.lhs as AstNode | undefined)?.type === "variable") bound.add(String((n.lhs as AstNode).value));
      if (n.type === "lambda") for (const a of n.arguments ?? []) if (a.type === "variable") bound.add(String(a.value));
      if (n.type === "variable") variables.push(n);
      if (n.type === "apply") {
        stack.push({ node: n.lhs, applied: false });
        stack.push({ node: n.rhs, applied: true });
        continue;
      }
      for (const [k, v] of Object.entries(n)) if (k !== "type" && k !== "value" && k !== "position") stack.push({ node: v, applied: false });
    }
    for (const v of variables) {
      const name = String(v.value);
      if (name === "" || name === "$" || bound.has(name)) continue;
      if (JSONATA_FUNCTIONS.has(name) || HELPERS.has(name)) continue; // a function passed as a value ($map(x, $trim))
      const hint = closest(name, [...bound]);
      this.issues.push({ line: lineAt(v.position), field, problem: `unknown variable $${name}${hint === undefined ? "" : ` (did you mean $${hint}?)`}` });
    }
    for (const { node, applied } of calls) this.call(node, applied, bound, field, lineAt);
  }

  private call(node: AstNode, applied: boolean, bound: ReadonlySet<string>, field: string, lineAt: (position: number | undefined) => number): void {
    const name = String(node.procedure?.value);
    const line = lineAt(node.procedure?.position ?? node.position);
    const forbidden = FORBIDDEN.get(name);
    if (forbidden !== undefined && !bound.has(name)) {
      this.issues.push({ line, field, problem: `$${name} is not allowed in a mapping: it ${forbidden}` });
      return;
    }
    if (bound.has(name) || JSONATA_FUNCTIONS.has(name)) return;
    const arity = HELPERS.get(name);
    if (arity === undefined) {
      const hint = closest(name, [...HELPERS.keys(), ...JSONATA_FUNCTIONS, ...bound]);
      this.issues.push({ line, field, problem: `unknown function $${name}${hint === undefined ? "" : ` (did you mean $${hint}?)`}; helpers: ${[...HELPERS.keys()].map((h) => `$${h}`).join(", ")}` });
      return;
    }
    this.uses.add(name);
    // `value ~> $helper(a)` passes value as the first argument.
    const args: (AstNode | undefined)[] = [...(applied ? [undefined] : []), ...(node.arguments ?? [])];
    if (args.length < arity[0] || args.length > arity[1]) {
      const want = arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} to ${arity[1]}`;
      this.issues.push({ line, field, problem: `$${name} takes ${want} argument(s), not ${args.length}` });
      return;
    }
    const literal = (i: number): string | undefined => {
      const a = args[i];
      return a?.type === "string" && typeof a.value === "string" ? a.value : undefined;
    };
    const problem = (text: string): void => {
      this.issues.push({ line, field, problem: `$${name}: ${text}` });
    };
    if (name === "localTime") {
      const format = literal(1);
      if (args[1] !== undefined && args[1].type !== "string" && args[1].type !== "operator") {
        problem("the format (2nd argument) must be a name in quotes, e.g. \"iso\" or one of the mapping's formats");
      } else if (format !== undefined && !BUILTIN_FORMATS.has(format) && !this.formats.has(format)) {
        const hint = closest(format, [...BUILTIN_FORMATS, ...this.formats.keys()]);
        problem(`unknown format "${format}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}; formats: ${[...BUILTIN_FORMATS, ...this.formats.keys()].join(", ")}`);
      }
      const zone = literal(2);
      if (zone !== undefined && !isTimeZone(zone)) problem(`"${zone}" is not an IANA time zone (e.g. America/New_York)`);
      const readsLocal = format === undefined || (format !== "unix" && format !== "unixms" && this.formats.get(format)?.hasOffset !== true);
      if (readsLocal && zone === undefined) this.needsTimeZone = true;
    } else if (name === "phone") {
      const country = literal(1);
      if (country !== undefined && !isCountry(country)) problem(`"${country}" is not a country code libphonenumber-js knows (two capital letters, e.g. US, GB)`);
    } else if (name === "mapValue") {
      const map = literal(1);
      if (map === undefined) problem("the value map's name (2nd argument) must be given in quotes");
      else if (!this.values.has(map)) {
        const hint = closest(map, this.values.keys());
        problem(`unknown value map "${map}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}; value maps: ${[...this.values.keys()].join(", ") || "(none: add them under values:)"}`);
      }
    }
  }
}

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "number") ? String(node.value) : undefined;
}

/** Parses and checks a mapping's text (`file` names it in errors). Throws MappingError listing every problem. */
export function parseMapping(text: string, file = "mapping"): Mapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new MappingError(
      file,
      doc.errors.slice(0, 10).map((e) => ({ line: lines.linePos(e.pos[0]).line, field: "(file)", problem: `not valid YAML or JSON: ${e.message.split("\n")[0] ?? e.code}` })),
    );
  }
  const root = doc.contents;
  if (!isMap(root)) throw new MappingError(file, [{ line: 1, field: "(file)", problem: "must be a map of keys (timezone, fields, …)" }]);
  const pre = new Checker(lines, new Map(), new Map());
  const get = (key: string): Pair | undefined => root.items.find((p) => keyName(p) === key);
  for (const pair of root.items) {
    const k = keyName(pair);
    if (!TOP_KEYS.includes(k)) {
      const hint = closest(k, TOP_KEYS);
      pre.add(pair, k, `unknown key${hint === undefined ? "" : ` (did you mean ${hint}?)`}; keys: ${TOP_KEYS.join(", ")}`);
    }
  }

  // Options.
  let format: ManifestFormat | undefined;
  let delimiter: string | undefined;
  let columns: string[] | undefined;
  let looseColumns = false;
  const input = get("input");
  if (input !== undefined) {
    if (!isMap(input.value)) pre.add(input, "input", "must be a map (format, delimiter, columns, looseColumns)");
    else {
      for (const p of input.value.items) {
        const k = keyName(p);
        const v = scalarString(p.value);
        if (k === "format") {
          if (v === "csv" || v === "jsonl") format = v;
          else pre.add(p, "input.format", "must be csv or jsonl");
        } else if (k === "delimiter") {
          if (v !== undefined && v.length === 1 && v !== '"' && v !== "\n" && v !== "\r") delimiter = v;
          else pre.add(p, "input.delimiter", 'must be one character (not a quote or a line end), e.g. ";" or "\\t"');
        } else if (k === "columns") {
          const list = isSeq(p.value) ? p.value.items.map((item) => scalarString(item)?.trim()) : undefined;
          if (list === undefined || list.length === 0 || list.some((c) => c === undefined || c === "")) {
            pre.add(p, "input.columns", "must be a list of column names (the columns the export must have), e.g. [calldate, src, dst]");
          } else if (new Set(list).size !== list.length) pre.add(p, "input.columns", "names a column twice");
          else columns = list as string[];
        } else if (k === "looseColumns") {
          if (isScalar(p.value) && typeof p.value.value === "boolean") looseColumns = p.value.value;
          else pre.add(p, "input.looseColumns", "must be true or false");
        } else pre.add(p, `input.${k}`, "unknown key; keys: format, delimiter, columns, looseColumns");
      }
    }
  }
  let timezone: string | undefined;
  const tz = get("timezone");
  if (tz !== undefined) {
    const v = scalarString(tz.value);
    if (v !== undefined && isTimeZone(v)) timezone = v;
    else pre.add(tz.value as YamlNode, "timezone", `${JSON.stringify(v ?? null)} is not an IANA time zone (e.g. America/New_York)`);
  }
  let defaultCountry: string | undefined;
  const dc = get("defaultCountry");
  if (dc !== undefined) {
    const v = scalarString(dc.value);
    if (v !== undefined && isCountry(v)) defaultCountry = v;
    else pre.add(dc.value as YamlNode, "defaultCountry", `${JSON.stringify(v ?? null)} is not a country code (two capital letters, e.g. US, GB)`);
  }
  const formats = new Map<string, NamedFormat>();
  const fm = get("formats");
  if (fm !== undefined) {
    if (!isMap(fm.value)) pre.add(fm, "formats", "must be a map of name: pattern (e.g. pbx: MM/dd/yyyy h:mm a)");
    else {
      for (const p of fm.value.items) {
        const name = keyName(p);
        const pattern = scalarString(p.value);
        if (!/^[A-Za-z_][\w-]*$/.test(name)) pre.add(p, `formats.${name}`, "a format's name is letters, digits, - and _");
        else if (BUILTIN_FORMATS.has(name)) pre.add(p, `formats.${name}`, `"${name}" is a built-in format; choose another name`);
        else if (pattern === undefined) pre.add(p, `formats.${name}`, "must be a pattern (text)");
        else {
          const f = namedFormat(pattern);
          if ("problem" in f) pre.add(p.value as YamlNode, `formats.${name}`, f.problem);
          else formats.set(name, f);
        }
      }
    }
  }
  const values = new Map<string, ValueMap>();
  const vm = get("values");
  if (vm !== undefined) {
    if (!isMap(vm.value)) pre.add(vm, "values", "must be a map of value maps (e.g. direction: {in: Inbound, out: Outbound})");
    else {
      for (const p of vm.value.items) {
        const name = keyName(p);
        if (!isMap(p.value)) {
          pre.add(p, `values.${name}`, "must be a map of value: replacement");
          continue;
        }
        const entries = new Map<string, string | number | boolean>();
        let fallback: string | number | boolean | undefined;
        for (const e of p.value.items) {
          const k = keyName(e);
          const v = isScalar(e.value) ? e.value.value : undefined;
          if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            pre.add(e, `values.${name}.${k}`, "must be a single value (text, number or true/false)");
            continue;
          }
          if (k === "*") {
            fallback = v;
            continue;
          }
          const key = valueMapKey(k);
          if (entries.has(key)) pre.add(e, `values.${name}.${k}`, "is given twice (keys are compared without case and spaces)");
          entries.set(key, v);
        }
        values.set(name, { name, entries, ...(fallback !== undefined && { fallback }) });
      }
    }
  }

  const checker = new Checker(lines, formats, values);
  checker.issues.push(...pre.issues);

  const gb = get("groupBy");
  const groupBy = gb === undefined ? undefined : checker.expression(gb.value as YamlNode, "groupBy");

  const pick = (node: unknown, field: string, owner: Pair): RowPick | undefined => {
    if (node === undefined || node === null) return "first";
    const v = scalarString(node);
    if (v === "first" || v === "last" || v === "all") {
      if (gb === undefined && v !== "first") checker.add(owner, field, "from: needs groupBy (without it every call is one row)");
      return v;
    }
    if (isMap(node)) {
      const where = node.items.find((p) => keyName(p) === "where");
      if (where !== undefined && node.items.length === 1) {
        if (gb === undefined) checker.add(owner, field, "from: needs groupBy (without it every call is one row)");
        const expr = checker.expression(where.value as YamlNode, `${field}.where`);
        return expr === undefined ? undefined : { where: expr };
      }
    }
    checker.add(node as YamlNode, field, "from: must be first, last, all or {where: expression}");
    return undefined;
  };

  const filters: FilterRule[] = [];
  const fl = get("filters");
  if (fl !== undefined) {
    if (!isSeq(fl.value)) checker.add(fl, "filters", "must be a list of {reason, skip}");
    else {
      const reasons = new Set<string>();
      fl.value.items.forEach((item, i) => {
        const field = `filters[${i}]`;
        if (!isMap(item)) {
          checker.add(item as YamlNode, field, "must be {reason: text, skip: expression}");
          return;
        }
        let reason: string | undefined;
        let skip: MappingExpression | undefined;
        for (const p of item.items) {
          const k = keyName(p);
          if (k === "reason") {
            reason = scalarString(p.value)?.trim();
            if (reason === undefined || reason === "") checker.add(p, `${field}.reason`, "must be a short text (counted in the summary)");
            else if (reason.length > 200) checker.add(p, `${field}.reason`, "is longer than 200 characters");
            else if (reasons.has(reason)) checker.add(p, `${field}.reason`, `"${reason}" is the reason of another filter`);
            else reasons.add(reason);
          } else if (k === "skip") skip = checker.expression(p.value as YamlNode, `${field}.skip`);
          else checker.add(p, `${field}.${k}`, "unknown key; a filter has reason and skip");
        }
        if (!item.items.some((p) => keyName(p) === "reason")) checker.add(item, field, "has no reason");
        if (!item.items.some((p) => keyName(p) === "skip")) checker.add(item, field, "has no skip expression");
        if (reason !== undefined && reason !== "" && skip !== undefined) filters.push({ reason, skip, line: checker.lineOf(item) ?? skip.line });
      });
    }
  }

  const variables: VariableRule[] = [];
  const vr = get("variables");
  if (vr !== undefined) {
    if (!isMap(vr.value)) checker.add(vr, "variables", "must be a map of name: expression");
    else {
      for (const p of vr.value.items) {
        const name = keyName(p);
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) checker.add(p, `variables.${name}`, "a variable's name is letters, digits and _ (used as $name)");
        else if (BOUND_VARIABLES.has(name) || HELPERS.has(name) || JSONATA_FUNCTIONS.has(name)) checker.add(p, `variables.${name}`, `$${name} is already a variable or function`);
        else {
          const expression = checker.expression(p.value as YamlNode, `variables.${name}`);
          if (expression !== undefined) variables.push({ name, expression });
          checker.variables.push(name);
        }
      }
    }
  }

  const fields: FieldRule[] = [];
  const fd = get("fields");
  if (fd === undefined) checker.issues.push({ line: 1, field: "fields", problem: "is missing: a mapping says where each Add call field comes from" });
  else if (!isMap(fd.value)) checker.add(fd, "fields", "must be a map of Add call field: expression");
  else {
    for (const p of fd.value.items) {
      const name = keyName(p);
      const field = `fields.${name}`;
      const segments = parseColumnPath(name);
      if (segments === undefined) {
        checker.add(p, field, "not a field path of Add call (e.g. title, parties[0].userId)");
        continue;
      }
      if (segments.some((s) => typeof s === "string" && RESERVED_KEYS.has(s))) {
        checker.add(p, field, "is a reserved name");
        continue;
      }
      const resolved = resolveColumn(segments);
      if ("problem" in resolved) {
        checker.add(p, field, resolved.problem);
        continue;
      }
      const line = checker.lineOf(p) ?? 1;
      const node = p.value;
      if (isMap(node)) {
        let from: RowPick | undefined = "first";
        let expression: MappingExpression | undefined;
        let constant: unknown;
        let hasConst = false;
        for (const q of node.items) {
          const k = keyName(q);
          if (k === "from") from = pick(q.value, `${field}.from`, q);
          else if (k === "expr") expression = checker.expression(q.value as YamlNode, field);
          else if (k === "const") {
            hasConst = true;
            constant = (q.value as YamlNode | null)?.toJSON();
          } else checker.add(q, `${field}.${k}`, "unknown key; a field has expr (or const) and from");
        }
        if (hasConst === (node.items.some((q) => keyName(q) === "expr"))) {
          checker.add(p, field, "needs either expr or const");
          continue;
        }
        if (from === undefined || (!hasConst && expression === undefined)) continue;
        const rule: FieldRule = { field: name, segments, line, from };
        if (hasConst) rule.constant = constant;
        else if (expression !== undefined) rule.expression = expression;
        fields.push(rule);
      } else {
        const expression = checker.expression(node as YamlNode, field);
        if (expression !== undefined) fields.push({ field: name, segments, line, from: "first", expression });
      }
    }
    // A field path and a path inside it would both fill the same field.
    const sorted = [...fields].sort((a, b) => a.field.localeCompare(b.field));
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1] as FieldRule;
      const b = sorted[i] as FieldRule;
      if (b.field.startsWith(`${a.field}.`) || b.field.startsWith(`${a.field}[`)) {
        checker.issues.push({ line: b.line, field: `fields.${b.field}`, problem: `overlaps fields.${a.field} (line ${a.line}): use one or the other` });
      }
    }
    const top = new Set(fields.map((f) => String(f.segments[0])));
    const missing = REQUIRED_FIELDS.filter((f) => !top.has(f));
    if (missing.length > 0 && checker.issues.length === 0) {
      checker.add(fd, "fields", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not mapped (Add call needs ${REQUIRED_FIELDS.join(", ")})`);
    }
  }

  if (checker.issues.length > 0) {
    throw new MappingError(file, [...checker.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  const mapping: Mapping = { file, formats, values, filters, variables, fields, uses: checker.uses, needsTimeZone: checker.needsTimeZone };
  if (format !== undefined) mapping.format = format;
  if (delimiter !== undefined) mapping.delimiter = delimiter;
  if (columns !== undefined) mapping.columns = looseColumns ? columns.map(looseColumnName) : columns;
  if (looseColumns) mapping.looseColumns = true;
  if (timezone !== undefined) mapping.timezone = timezone;
  if (defaultCountry !== undefined) mapping.defaultCountry = defaultCountry;
  if (groupBy !== undefined) mapping.groupBy = groupBy;
  return mapping;
}

/** Reads and checks a mapping file (YAML or JSON). Throws MappingError naming the line and field of every problem. */
export async function loadMapping(path: string): Promise<Mapping> {
  const file = await readSmallTextFile(path, MAX_MAPPING_BYTES, "1 MB");
  if ("problem" in file) throw new MappingError(path, [{ field: "(file)", problem: file.problem }]);
  return parseMapping(file.text, path);
}

/** The presets shipped with the package (mapping files users can copy and change). */
export const PRESETS: readonly string[] = ["freepbx", "twilio"];

/** The path of a shipped preset's mapping file; MappingError naming the presets for an unknown one. */
export function presetPath(name: string): string {
  if (!PRESETS.includes(name)) throw new MappingError(name, [{ field: "--preset", problem: `unknown preset (presets: ${PRESETS.join(", ")})` }], `--preset ${name}: unknown preset (presets: ${PRESETS.join(", ")})`);
  // src/internal/mapping/ and dist/internal/mapping/ are both three levels under the package.
  return fileURLToPath(new URL(`../../../presets/${name}.yaml`, import.meta.url));
}
