import { formatGongDateTime } from "./format.js";
import { z } from "zod";
import { buildAddCallShape, type Strictness } from "./call.js";
import type { ValidationIssue } from "./issues.js";
import { crossFieldIssues, type RuleProfile } from "./rules.js";
import { structureIssues } from "./structure.js";

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

function withCrossFieldRules<T extends z.ZodType>(schema: T, profile: RuleProfile): T {
  return schema.superRefine((value, ctx) => {
    for (const issue of crossFieldIssues(value, profile)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.rule });
    }
  });
}

function build(strictness: Strictness, profile: RuleProfile) {
  return withCrossFieldRules(
    strictness === "strict" ? z.strictObject(buildAddCallShape("strict")) : z.looseObject(buildAddCallShape("loose")),
    profile,
  ).meta({
    title: "Add call",
    description:
      "This action will add call in Gong. To add a call, you will either need to provide a media download URL which Gong can download the file from or use the Add call media action after this to upload call media. Audio or video file in the media download URL must be a maximum of 1.5 GB.",
  });
}

/** The Add call request as the connector validates it: unknown fields refused, every CONTRACT.md rule enforced. */
export const addCallRequestSchema = build("strict", "library");
/** What a Gong-compatible server accepts: unknown fields ignored, the server's cross-field rules. */
export const serverAddCallRequestSchema = build("loose", "sandbox");

/** A valid Add call request, as validateAddCallRequest returns it: date-times are UTC `YYYY-MM-DDTHH:mm:ssZ` strings. */
export type AddCallRequest = z.output<typeof addCallRequestSchema>;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function ruleOf(issue: z.core.$ZodIssue): { path: PropertyKey[]; rules: string[] } {
  const path = [...issue.path];
  if ((issue.code === "invalid_type" || issue.code === "invalid_value") && issue.input === undefined) {
    return { path, rules: ["is required"] };
  }
  switch (issue.code) {
    case "unrecognized_keys":
      return { path, rules: issue.keys.map((k) => `unknown field "${k}"`) };
    case "invalid_type":
      if (issue.message.startsWith("Invalid input")) {
        return { path, rules: [`must be ${issue.expected === "object" ? "an object" : `a ${issue.expected}`}, got ${describeType(issue.input)}`] };
      }
      return { path, rules: [`${issue.message}, got ${describeType(issue.input)}`] };
    default:
      return { path, rules: [issue.message] };
  }
}

/** Turns zod issues into `{path, rule, message}`; unknown keys become one issue each, at their own path. */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const { path, rules } = ruleOf(issue);
    rules.forEach((rule, k) => {
      const keyPath = issue.code === "unrecognized_keys" ? [...path, issue.keys[k] ?? ""] : path;
      const p = formatPath(keyPath);
      const r = issue.code === "unrecognized_keys" ? "is not a field of this object (check the spelling)" : rule;
      const message = `${p}: ${r}`;
      if (!seen.has(message)) {
        seen.add(message);
        out.push({ path: p, rule: r, message });
      }
    });
  }
  return out;
}

/** How many issues a refusal lists; past that one last line says how many more there were. */
export const MAX_REPORTED_ISSUES = 100;

/**
 * The first `max` issues, then one `(root)` issue "…and N more issues" (N exact) when there were more. A request with
 * thousands of bad segments is refused with a message of bounded size.
 */
export function capIssues(issues: readonly ValidationIssue[], max = MAX_REPORTED_ISSUES): ValidationIssue[] {
  if (issues.length <= max) return [...issues];
  const more = issues.length - max;
  const rule = `…and ${more} more issue${more === 1 ? "" : "s"}`;
  return [...issues.slice(0, max), { path: "(root)", rule, message: rule }];
}

function run<T>(schema: z.ZodType<T>, input: unknown, profile: RuleProfile, before: readonly ValidationIssue[] = []): ValidationResult<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return before.length > 0 ? { ok: false, issues: capIssues(before) } : { ok: true, value: result.data };
  // zod skips object refinements once a field failed; run the cross-field rules anyway so every problem is named at
  // once (toValidationIssues drops the repeats when they did run).
  const extra = crossFieldIssues(input, profile).map((c) => ({ code: "custom" as const, path: c.path, message: c.rule, input: undefined }));
  const seen = new Set(before.map((i) => i.message));
  const rest = toValidationIssues([...result.error.issues, ...extra] as z.core.$ZodIssue[]).filter((i) => !seen.has(i.message));
  return { ok: false, issues: capIssues([...before, ...rest]) };
}

/** The request's date-time fields. */
const DATE_TIME_FIELDS = ["actualStart", "scheduledStart", "scheduledEnd"] as const;

/**
 * The same instant as UTC `YYYY-MM-DDTHH:mm:ssZ`, fractions dropped (CONTRACT.md §5): `2024-05-01T09:30:00.5-05:00`
 * becomes `2024-05-01T14:30:00Z`. A value that is not a date-time, or whose UTC year is not four digits, is returned
 * as it is.
 */
export function toUtcDateTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const utc = formatGongDateTime(ms);
  return /^\d{4}-/.test(utc) ? utc : value;
}

/** Date objects in the date-time fields become ISO strings, so that the library accepts a `Date` or a string. */
function withDatesAsStrings(input: Record<string, unknown>): Record<string, unknown> {
  let out = input;
  for (const field of DATE_TIME_FIELDS) {
    const value = input[field];
    if (value instanceof Date && !Number.isNaN(value.getTime())) {
      if (out === input) out = { ...input };
      out[field] = value.toISOString();
    }
  }
  return out;
}

/**
 * Validates an Add call request with every rule the connector enforces before sending. The date-time fields may be
 * `Date`s or ISO-8601 strings with a zone; the valid request comes back with them as UTC `YYYY-MM-DDTHH:mm:ssZ`,
 * ready to send.
 */
export function validateAddCallRequest(input: unknown): ValidationResult<AddCallRequest> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const rule = `must be a JSON object, got ${describeType(input)}`;
    return { ok: false, issues: [{ path: "(root)", rule, message: `(root): ${rule}` }] };
  }
  const result = run(addCallRequestSchema, withDatesAsStrings(input as Record<string, unknown>), "library", structureIssues(input));
  if (!result.ok) return result;
  const value = { ...result.value };
  value.actualStart = toUtcDateTime(value.actualStart);
  if (value.scheduledStart !== undefined) value.scheduledStart = toUtcDateTime(value.scheduledStart);
  if (value.scheduledEnd !== undefined) value.scheduledEnd = toUtcDateTime(value.scheduledEnd);
  return { ok: true, value };
}

/** An Add call request as a Gong-compatible server accepts it (unknown fields kept). */
export type ServerAddCallRequest = z.output<typeof serverAddCallRequestSchema>;

/** Validates as a Gong-compatible server does (for the sandbox). */
export function validateServerAddCallRequest(input: unknown): ValidationResult<ServerAddCallRequest> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const rule = `must be a JSON object, got ${describeType(input)}`;
    return { ok: false, issues: [{ path: "(root)", rule, message: `(root): ${rule}` }] };
  }
  return run(serverAddCallRequestSchema, input, "sandbox");
}

