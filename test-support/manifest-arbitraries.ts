/**
 * fast-check generators of hostile manifests: CSV text (headers mixing real field paths, reserved names and junk; cells
 * with quotes, line breaks, JSON and `__proto__`) and JSONL lines (valid calls with `__proto__`/`constructor` keys at
 * any depth, hostile JSON, junk).
 */
import fc from "fast-check";
import { callRequest, HOST } from "./importer.js";

const FIELD_PATHS = [
  "clientUniqueId", "actualStart", "primaryUser", "direction", "title", "duration", "mediaFile", "parties",
  "parties[0].userId", "parties[1].name", "parties[0].mediaChannelId", "parties[1].context[0].objects[0].objectId",
  "context[0].system", "context[0].objects[0].fields", "speakersTimeline.precise",
  "speakersTimeline.speechSegments[0].partyIds", "speakersTimeline.speechSegments[0].fromTime", "flowContext.taskId",
];
const HOSTILE_PATHS = [
  "__proto__", "__proto__.x", "flowContext.__proto__.x", "constructor.prototype.polluted", "parties[0].__proto__",
  "parties[0].constructor", "prototype", "flowContext.constructor.prototype.y", "parties[99999].name", "parties.name",
  "title[0]", "nope", "", " ", "a..b", "parties[0].name[", "=1+1",
];
const headerCell = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FIELD_PATHS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_PATHS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const cell = fc.oneof(
  fc.constantFrom(
    "", HOST, "2026-03-01T10:00:00Z", "Inbound", "yes", "12.5", "a;b", '{"__proto__":{"x":1}}', '[{"name":"n","__proto__":{"y":1}}]',
    '{"taskId":"t"}', "[".repeat(100), "../../etc/passwd", "/etc/passwd", "media/none.wav", "=cmd|' /C calc'!A0",
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** A CSV cell as written: bare, quoted, or broken (an unbalanced quote). */
function writeCell(value: string, style: number): string {
  if (style === 0) return value;
  if (style === 1) return `"${value.replace(/"/g, '""')}"`;
  return `"${value}`;
}

/** A CSV manifest: a header of field paths, reserved names and junk; rows of cells bare, quoted or broken; LF or CRLF; maybe a BOM. */
export const csvText = fc
  .record({
    header: fc.uniqueArray(headerCell, { minLength: 1, maxLength: 8 }),
    rows: fc.array(fc.array(fc.tuple(cell, fc.nat({ max: 12 })), { maxLength: 10 }), { maxLength: 6 }),
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.boolean(),
  })
  .map(({ header, rows, eol, bom }) => {
    const lines = [header.join(","), ...rows.map((r) => r.map(([v, s]) => writeCell(v, s < 10 ? s % 2 : 2)).join(","))];
    return `${bom ? "\uFEFF" : ""}${lines.join(eol)}${eol}`;
  });

/** Keys that reach Object.prototype, and a few ordinary ones. */
export const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "x", "toString", "hasOwnProperty", "valueOf");
/** JSON values with hostile keys at any depth. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 6 })), tie("value"), { maxKeys: 4 }),
    fc.array(tie("value"), { maxLength: 3 }),
  ),
})).value;

/** A JSONL line: a valid call, one with a hostile key at the top or in a party, hostile JSON, junk, a comment. */
export const jsonlLine = fc.oneof(
  fc.nat({ max: 50 }).map((i) => JSON.stringify(callRequest(i, "prop"))),
  fc.tuple(fc.nat({ max: 50 }), hostileKey, hostileJson).map(([i, k, v]) => {
    const base = JSON.stringify(callRequest(i, "prop"));
    return base.replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v)},`);
  }),
  fc.tuple(fc.nat({ max: 50 }), hostileKey, hostileJson).map(([i, k, v]) =>
    JSON.stringify(callRequest(i, "prop")).replace('"parties":[{', `"parties":[{${JSON.stringify(k)}:${JSON.stringify(v)},`),
  ),
  hostileJson.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "# comment", "// comment", "{", "[]", "null", `{"mediaFile":"../../etc/passwd"}`),
);
