import { z } from "zod";
import { GONG_ID_PATTERN } from "./ids.js";

export const gongIdSchema = z
  .string({ error: "must be a string of 1-20 digits (ids are strings; a JSON number loses precision)" })
  .regex(GONG_ID_PATTERN, { error: "must be a string of 1-20 digits" });

/** `YYYY-MM-DDTHH:mm:ss[.fraction]` then `Z` or `±hh:mm` (CONTRACT.md §2): the forms every ISO-8601 parser accepts. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/** True for ISO-8601 date-times that carry a zone: `Z` or ±hh:mm. */
export function isIsoDateTimeWithZone(value: string): boolean {
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

/** Milliseconds since the epoch of a zoned ISO-8601 string (assumes `isIsoDateTimeWithZone`). */
export function instantOf(value: string): number {
  return Date.parse(value);
}

export const isoDateTimeSchema = z
  .string({ error: "must be an ISO-8601 date-time string" })
  .refine(isIsoDateTimeWithZone, {
    error: "must be an ISO-8601 date-time with a zone, e.g. 2024-05-01T14:30:00Z or 2024-05-01T09:30:00-05:00",
  });

/** What the JSON Schema says of every date-time field, after the field's own description. */
export const DATE_TIME_ZONE_NOTE =
  "An ISO-8601 date-time with a zone (Z or ±hh:mm), e.g. 2024-05-01T14:30:00Z or 2024-05-01T09:30:00-05:00; a value without a zone is refused.";

/** A date-time field: `format: "date-time"` in the JSON Schema, and a description that says a zone is required. */
export function dateTimeField(title: string, description: string) {
  return isoDateTimeSchema.meta({ title, description: `${description} ${DATE_TIME_ZONE_NOTE}`, format: "date-time" });
}

export const INT32_MAX = 2_147_483_647;
