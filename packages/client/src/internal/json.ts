import { isLosslessNumber, isSafeNumber, parse } from "lossless-json";

/** Keys whose numeric values are ids: kept as strings, never as JS numbers. */
const ID_KEY = /^(id|.*Id|.*Ids)$/;
const NOT_ID_KEYS = new Set(["mediaChannelId"]);
const INTEGER = /^-?[0-9]+$/;

function isIdKey(key: string | undefined): boolean {
  return key !== undefined && ID_KEY.test(key) && !NOT_ID_KEYS.has(key);
}

function convertNumber(text: string, asId: boolean): number | string {
  if (INTEGER.test(text) && (asId || !isSafeNumber(text))) return text;
  return Number(text);
}

function convert(value: unknown, key: string | undefined): unknown {
  if (isLosslessNumber(value)) return convertNumber(value.value, isIdKey(key));
  if (Array.isArray(value)) return value.map((item: unknown) => convert(item, key));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, k)]));
  }
  return value;
}

/**
 * Parses JSON without losing integer precision: integers beyond Number.MAX_SAFE_INTEGER become strings, and
 * integers under an id key (`id`, `…Id`, `…Ids`, except `mediaChannelId`) become strings too.
 */
export function parseJson(text: string): unknown {
  return convert(parse(text), undefined);
}

/** JSON.stringify that writes bigint values as strings (ids may be given as bigint). */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
