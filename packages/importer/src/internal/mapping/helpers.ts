/**
 * The built-in helpers a mapping's expressions call: local date-times read in a time zone and sent as UTC, durations,
 * phone numbers in E.164, value maps. Each refuses what it cannot read with a RowMappingError naming the value and
 * the rule; the row is then invalid (nothing is sent for it).
 */
import { DateTime, IANAZone } from "luxon";
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { RowMappingError } from "./errors.js";

/** Formats every mapping knows: `iso` (the default), `unix` (seconds since 1970, UTC) and `unixms` (milliseconds). */
export const BUILTIN_FORMATS: ReadonlySet<string> = new Set(["iso", "unix", "unixms"]);

/** A named date-time format of a mapping: Luxon's tokens (`MM/dd/yyyy h:mm a`). */
export interface NamedFormat {
  pattern: string;
  /** The pattern reads an offset or a zone (`ZZ`, `z`): the text says which instant it is, no time zone is needed. */
  hasOffset: boolean;
}

const REQUIRED_TOKENS: readonly [string, RegExp][] = [
  ["the year (yyyy or yy)", /^y+$/],
  ["the month (M, MM, MMM or MMMM)", /^(M+|L+)$/],
  ["the day (d or dd)", /^d+$/],
  ["the hour (H, HH, h or hh)", /^(H+|h+)$/],
  ["the minutes (mm)", /^m+$/],
];

/** Checks a named format's pattern: what it lacks or does not understand, or undefined when it can be used. */
export function namedFormat(pattern: string): NamedFormat | { problem: string } {
  if (pattern.trim() === "") return { problem: "is empty" };
  if (pattern.length > 200) return { problem: "is longer than 200 characters" };
  const tokens = (DateTime.fromFormatExplain("", pattern).tokens as { literal: boolean; val: string }[] | undefined) ?? [];
  const vals = tokens.filter((t) => !t.literal).map((t) => t.val);
  const missing = REQUIRED_TOKENS.filter(([, re]) => !vals.some((v) => re.test(v))).map(([name]) => name);
  if (missing.length > 0) return { problem: `"${pattern}" has no token for ${missing.join(", ")} (Luxon's tokens, e.g. MM/dd/yyyy h:mm a)` };
  const hasHour12 = vals.some((v) => /^h+$/.test(v));
  if (hasHour12 && !vals.includes("a")) return { problem: `"${pattern}" reads a 12-hour clock (h) without AM/PM (a); use HH for a 24-hour clock` };
  const unknown = vals.filter((v) => /^[A-Za-z]+$/.test(v) && !KNOWN_TOKEN.test(v));
  if (unknown.length > 0) return { problem: `"${pattern}" has tokens Luxon does not know: ${unknown.join(", ")} (quote literal text with '…')` };
  return { pattern, hasOffset: vals.some((v) => /^(Z+|z+)$/.test(v)) };
}

/** Luxon's parsing tokens (https://moment.github.io/luxon/#/parsing?id=table-of-tokens). */
const KNOWN_TOKEN = /^(S|SSS|u|uu|uuu|s|ss|m|mm|h|hh|H|HH|Z|ZZ|ZZZ|z|a|d|dd|ddd|c|ccc|cccc|E|EEE|EEEE|L|LL|LLL|LLLL|M|MM|MMM|MMMM|y|yy|yyyy|yyyyy|yyyyyy|G|GG|GGGGG|kk|kkkk|W|WW|o|ooo|q|qq|X|x|D|DD|DDD|DDDD|t|tt|ttt|tttt|T|TT|TTT|TTTT|f|ff|fff|ffff|F|FF|FFF|FFFF|n|nn|ii|iiii)$/;

/** True when `zone` is an IANA time zone name this runtime knows (`America/New_York`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  return zone.trim() !== "" && IANAZone.isValidZone(zone);
}

/** True when `code` is a country libphonenumber-js knows (`US`, `GB`). */
export function isCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/** Empty: absent, null or blank text. A helper given an empty value returns undefined (the field is left out). */
export function isEmpty(value: unknown): value is undefined | null | "" {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** `value` as one piece of text (a number becomes its digits); refuses lists, objects and booleans. */
export function scalarText(value: unknown, what: string): string {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) throw new RowMappingError(`${what} got ${value.length} values (a list), not one; pick one (e.g. $rows[0].column)`);
  throw new RowMappingError(`${what} needs text or a number, not ${value === null ? "null" : typeof value}`);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function utcText(dt: DateTime): string {
  return dt.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

/** The UTC instant of a wall-clock time in `zone`; refuses a time that does not exist or happens twice there. */
function wallToUtc(wall: Wall, zone: string, text: string): string {
  const dt = DateTime.fromObject(wall, { zone });
  if (!dt.isValid) throw new RowMappingError(`${quote(text)} is not a valid date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  if (dt.year !== wall.year || dt.month !== wall.month || dt.day !== wall.day || dt.hour !== wall.hour || dt.minute !== wall.minute || dt.second !== wall.second) {
    throw new RowMappingError(
      `local time ${quote(text)} does not exist in ${zone}: the clocks go forward at that hour (daylight saving time); the export must give another time or an offset`,
    );
  }
  const possible = dt.getPossibleOffsets();
  if (possible.length > 1) {
    const offsets = possible.map((p) => p.toFormat("ZZ")).join(" and ");
    throw new RowMappingError(
      `local time ${quote(text)} is ambiguous in ${zone}: it happens twice when the clocks go back (at ${offsets}); the export must give an offset or UTC`,
    );
  }
  return utcText(dt);
}

/**
 * `$localTime(value, format?, zone?)`: a date-time as written by an export, read in `zone`, as Gong's UTC text
 * (`2026-12-01T20:04:00Z`). `format` is `iso` (default: `2026-12-01 15:04[:05[.123]]`, `T` or a space between; with
 * `Z` or an offset the text is taken as that instant), `unix`, `unixms`, or a named format of the mapping.
 */
export function localTime(value: unknown, formatName: string, zone: string | undefined, formats: ReadonlyMap<string, NamedFormat>): string | undefined {
  if (isEmpty(value)) return undefined;
  if (formatName === "unix" || formatName === "unixms") {
    const text = scalarText(value, "$localTime");
    if (!/^\d{1,16}(\.\d+)?$/.test(text)) throw new RowMappingError(`${quote(text)} is not a ${formatName === "unix" ? "number of seconds" : "number of milliseconds"} since 1970`);
    const ms = formatName === "unix" ? Number(text) * 1000 : Number(text);
    const dt = DateTime.fromMillis(ms, { zone: "utc" });
    if (!dt.isValid || dt.year > 9999) throw new RowMappingError(`${quote(text)} is out of range`);
    return utcText(dt);
  }
  const text = scalarText(value, "$localTime");
  if (formatName === "iso") {
    const m = ISO_LOCAL.exec(text);
    if (m === null) throw new RowMappingError(`${quote(text)} is not a date-time like 2026-12-01 15:04:05 (give a named format for other layouts)`);
    if (m[8] !== undefined) {
      const dt = DateTime.fromISO(text.replace(" ", "T"), { setZone: true });
      if (!dt.isValid) throw new RowMappingError(`${quote(text)} is not a valid date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
      return utcText(dt);
    }
    if (zone === undefined) throw new RowMappingError("no time zone: give --timezone or the mapping's timezone");
    const wall: Wall = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0) };
    checkWall(wall, text);
    return wallToUtc(wall, zone, text);
  }
  const format = formats.get(formatName);
  if (format === undefined) throw new RowMappingError(`unknown format "${formatName}" (formats: ${[...BUILTIN_FORMATS, ...formats.keys()].join(", ")})`);
  if (format.hasOffset) {
    const dt = DateTime.fromFormat(text, format.pattern, { setZone: true });
    if (!dt.isValid) throw new RowMappingError(`${quote(text)} does not match the format "${formatName}" (${format.pattern})`);
    return utcText(dt);
  }
  const parsed = DateTime.fromFormat(text, format.pattern, { zone: "utc" });
  if (!parsed.isValid) throw new RowMappingError(`${quote(text)} does not match the format "${formatName}" (${format.pattern})`);
  if (zone === undefined) throw new RowMappingError("no time zone: give --timezone or the mapping's timezone");
  return wallToUtc({ year: parsed.year, month: parsed.month, day: parsed.day, hour: parsed.hour, minute: parsed.minute, second: parsed.second }, zone, text);
}

function checkWall(wall: Wall, text: string): void {
  const probe = DateTime.fromObject(wall, { zone: "utc" });
  if (!probe.isValid || wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
    throw new RowMappingError(`${quote(text)} is not a valid date-time (${probe.invalidExplanation ?? "a field is out of range"})`);
  }
}

/**
 * `$duration(value)`: seconds from `332`, `332.5`, `5:32` (mm:ss, minutes may pass 59) or `00:05:32` (hh:mm:ss);
 * refuses anything else, negative values included.
 */
export function duration(value: unknown): number | undefined {
  if (isEmpty(value)) return undefined;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new RowMappingError(`${value} is not a duration (seconds ≥ 0)`);
    return value;
  }
  const text = scalarText(value, "$duration");
  let m = /^(\d{1,15})(\.\d{1,9})?$/.exec(text);
  if (m !== null) return Number(text);
  m = /^(\d{1,13}):([0-5]\d)(\.\d{1,9})?$/.exec(text);
  if (m !== null) return Number(m[1]) * 60 + Number(`${m[2] ?? "0"}${m[3] ?? ""}`);
  m = /^(\d{1,11}):([0-5]\d):([0-5]\d)(\.\d{1,9})?$/.exec(text);
  if (m !== null) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(`${m[3] ?? "0"}${m[4] ?? ""}`);
  throw new RowMappingError(`${quote(text)} is not a duration (seconds, mm:ss or hh:mm:ss)`);
}

/**
 * `$phone(value, country?)`: the number in E.164 (`+12125550123`), read with `country` when it has no country code.
 * A number that is not valid is kept as written, and `warn` is told.
 */
export function phone(value: unknown, country: string, warn: (message: string) => void): string | undefined {
  if (isEmpty(value)) return undefined;
  const text = scalarText(value, "$phone");
  const parsed = parsePhoneNumberFromString(text, country as CountryCode);
  if (parsed?.isValid() === true) return parsed.number;
  warn(`${quote(text)} is not a valid phone number (default country ${country}); kept as written`);
  return text;
}

/** A value map of a mapping: keys compared trimmed and case-insensitively; `*` is the value for any other key. */
export interface ValueMap {
  name: string;
  entries: ReadonlyMap<string, string | number | boolean>;
  fallback?: string | number | boolean;
}

export function valueMapKey(key: string): string {
  return key.trim().toLowerCase();
}

/** `$mapValue(value, "name")`: the map's value for `value`; a value the map does not have is refused (unless `*`). */
export function mapValue(value: unknown, map: ValueMap): string | number | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === "boolean" ? String(value) : scalarText(value, "$mapValue");
  const hit = map.entries.get(valueMapKey(text));
  if (hit !== undefined) return hit;
  if (map.fallback !== undefined) return map.fallback;
  if (text === "") return undefined;
  const keys = [...map.entries.keys()];
  const shown = keys.length > 12 ? `${keys.slice(0, 12).join(", ")}, …` : keys.join(", ");
  throw new RowMappingError(`${quote(text)} is not in the value map "${map.name}" (${shown}); add it, or a "*" entry for any other value`);
}
