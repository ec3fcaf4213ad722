/**
 * fast-check generators of Add call requests: valid ones (every optional field, within every CONTRACT.md rule, using
 * the sandbox's seeded users) and invalid ones (a valid request with one rule broken, plus the field that must be named).
 */
import fc from "fast-check";
import { CALL_OBJECT_TYPES, CONTEXT_SYSTEMS_ACCEPTED, DIRECTIONS, LANGUAGE_CODES, PARTY_OBJECT_TYPES } from "@gong-connector/schema";
import { SEED_USERS, SEED_WORKSPACES } from "../packages/sandbox/src/internal/seed.js";

export type Json = Record<string, unknown>;

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** An ISO-8601 date-time with `Z` or a ±hh:mm offset (the same instant written in that zone). */
export const isoDateTime: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
    fc.option(fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15), { nil: undefined }),
    fc.boolean(),
  )
  .map(([ms, offsetMin, withMs]) => {
    const t = new Date(ms + (offsetMin ?? 0) * 60_000);
    const base =
      `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T` +
      `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}` +
      (withMs ? `.${pad(t.getUTCMilliseconds(), 3)}` : "");
    if (offsetMin === undefined) return `${base}Z`;
    const sign = offsetMin < 0 ? "-" : "+";
    const abs = Math.abs(offsetMin);
    return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  });

const nonBlank = (max: number): fc.Arbitrary<string> => fc.string({ minLength: 1, maxLength: max, unit: "grapheme" }).filter((s) => s.trim() !== "" && s.length <= max);

const sfId = fc.stringMatching(/^[0-9A-Za-z]{15}$/);

function contextArb(objectTypes: readonly string[]): fc.Arbitrary<Json[]> {
  return fc.array(
    fc.record(
      {
        system: fc.constantFrom(...CONTEXT_SYSTEMS_ACCEPTED),
        objects: fc.array(fc.record({ objectType: fc.constantFrom(...objectTypes), objectId: sfId }), { maxLength: 2 }),
      },
      { requiredKeys: ["system"] },
    ),
    { minLength: 1, maxLength: 2 },
  );
}

interface PartyDraft {
  userId?: string;
  emailAddress?: string;
  phoneNumber?: string;
  name?: string;
  mediaChannelId?: number;
  context?: Json[];
}

const externalParty: fc.Arbitrary<PartyDraft> = fc
  .record(
    {
      emailAddress: fc.emailAddress(),
      phoneNumber: fc.stringMatching(/^\+[1-9][0-9]{6,12}$/),
      name: nonBlank(60),
      context: contextArb(PARTY_OBJECT_TYPES),
    },
    { requiredKeys: [] },
  )
  .filter((p) => p.emailAddress !== undefined || p.phoneNumber !== undefined || p.name !== undefined);

/** Valid requests the sandbox accepts (clientUniqueId made unique by the caller's `unique`). */
export function validRequestArb(unique: () => string): fc.Arbitrary<Json> {
  return fc
    .record({
      idText: nonBlank(80),
      actualStart: isoDateTime,
      primaryUser: fc.constantFrom(SEED_USERS.host, SEED_USERS.rep),
      direction: fc.constantFrom(...DIRECTIONS),
      primaryName: fc.option(nonBlank(40), { nil: undefined }),
      others: fc.array(externalParty, { maxLength: 3 }),
      timeline: fc.option(
        fc.record({
          precise: fc.option(fc.boolean(), { nil: undefined }),
          segments: fc.array(fc.tuple(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 1, max: 600_000 }), fc.nat(9)), { maxLength: 5 }),
        }),
        { nil: undefined },
      ),
      mediaChannelId: fc.option(fc.constantFrom(0, 1), { nil: undefined }),
      optional: fc.record(
        {
          workspaceId: fc.constantFrom(...SEED_WORKSPACES.map((w) => w.id)),
          meetingUrl: fc.webUrl({ validSchemes: ["https"] }),
          title: fc.string({ maxLength: 200 }),
          purpose: fc.string({ maxLength: 255 }),
          scheduledStart: isoDateTime,
          duration: fc.double({ min: 0, max: 86_400, noNaN: true, noDefaultInfinity: true }),
          disposition: fc.string({ maxLength: 255 }),
          customData: fc.string({ maxLength: 300 }),
          callProviderCode: fc.constantFrom("zoom", "ringcentral", "aircall"),
          languageCode: fc.constantFrom(...LANGUAGE_CODES),
          context: contextArb(CALL_OBJECT_TYPES),
          flowContext: fc.record({ taskId: fc.stringMatching(/^[0-9]{1,12}$/) }),
        },
        { requiredKeys: [] },
      ),
    })
    .map((g) => {
      const parties: Json[] = [{ userId: g.primaryUser, ...(g.primaryName !== undefined && { name: g.primaryName }) }, ...g.others.map((p) => ({ ...p }))];
      const request: Json = {
        clientUniqueId: `${g.idText}-${unique()}`,
        actualStart: g.actualStart,
        primaryUser: g.primaryUser,
        direction: g.direction,
        parties,
        ...g.optional,
      };
      if (g.optional.scheduledStart !== undefined) request.scheduledEnd = g.optional.scheduledStart;
      if (g.timeline !== undefined) {
        parties.forEach((p, i) => {
          p.partyId = `p${i}`;
        });
        request.speakersTimeline = {
          ...(g.timeline.precise !== undefined && { precise: g.timeline.precise }),
          speechSegments: g.timeline.segments.map(([from, len, who]) => ({ fromTime: from, toTime: from + len, partyIds: [`p${who % parties.length}`] })),
        };
      } else if (g.mediaChannelId !== undefined) {
        parties[0] = { ...parties[0], mediaChannelId: g.mediaChannelId };
      }
      return request;
    });
}

export interface InvalidCase {
  request: Json;
  /** The field path the refusal must name (an issue's path equals it or lies under it). */
  field: string;
  /** What was broken, for the failure message. */
  what: string;
}

const notADirection = fc.string({ maxLength: 20 }).filter((s) => !(DIRECTIONS as readonly string[]).includes(s));
const notALanguage = fc.string({ maxLength: 8 }).filter((s) => !LANGUAGE_CODES.includes(s));
/** Values of the wrong JSON type for a string field, a number field and an object/array field. */
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
const notANumber = fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const notAStructure = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 5 }));
const zonelessDate = fc.oneof(
  isoDateTime.map((s) => s.replace(/(Z|[+-]\d{2}:\d{2})$/, "")),
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}T/.test(s)),
);

type Mutation = (r: Json) => fc.Arbitrary<InvalidCase>;

/** A string longer than `max` UTF-16 code units (as Gong counts), of letters, accents, CJK and emoji (2 units each). */
const tooLong = (max: number, upTo: number): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom("x", "é", "中", "😀", "𝄞"), { minLength: Math.ceil((max + 1) / 2), maxLength: upTo })
    .map((chars) => chars.join(""))
    .filter((v) => v.length > max);

const set = (r: Json, key: string, value: unknown): Json => ({ ...r, [key]: value });
const partiesOf = (r: Json): Json[] => (r.parties as Json[]).map((p) => ({ ...p }));

const MUTATIONS: Mutation[] = [
  (r) =>
    fc.constantFrom("clientUniqueId", "actualStart", "primaryUser", "parties", "direction").map((k) => {
      const { [k]: _dropped, ...rest } = r;
      return { request: rest, field: k, what: `missing ${k}` };
    }),
  (r) => notADirection.map((d) => ({ request: set(r, "direction", d), field: "direction", what: `direction ${JSON.stringify(d)}` })),
  (r) =>
    fc.tuple(fc.constantFrom("purpose", "disposition"), tooLong(255, 2000)).map(([k, v]) => ({
      request: set(r, k, v),
      field: k,
      what: `${k} of ${v.length} UTF-16 units`,
    })),
  (r) => tooLong(2048, 5000).map((v) => ({ request: set(r, "clientUniqueId", v), field: "clientUniqueId", what: `clientUniqueId of ${v.length} UTF-16 units` })),
  (r) => fc.stringMatching(/^[ \t]{0,5}$/).map((s) => ({ request: set(r, "clientUniqueId", s), field: "clientUniqueId", what: "blank clientUniqueId" })),
  (r) =>
    fc.tuple(fc.constantFrom("actualStart", "scheduledStart", "scheduledEnd"), zonelessDate).map(([k, d]) => ({
      request: set(r, k, d),
      field: k,
      what: `${k} ${JSON.stringify(d)}`,
    })),
  (r) =>
    fc.oneof(fc.integer(), fc.string({ maxLength: 25 }).filter((s) => !/^[0-9]{1,20}$/.test(s)), fc.stringMatching(/^[0-9]{21,30}$/)).map((v) => ({
      request: set(r, "primaryUser", v),
      field: "primaryUser",
      what: `primaryUser ${JSON.stringify(v)}`,
    })),
  (r) => fc.constant({ request: set(r, "parties", []), field: "parties", what: "no parties" }),
  (r) =>
    fc.oneof(fc.integer().filter((n) => n !== 0 && n !== 1), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.string({ maxLength: 3 })).map((v) => {
      const parties = partiesOf(r);
      parties[0] = { ...parties[0], mediaChannelId: v };
      return { request: set(r, "parties", parties), field: "parties[0].mediaChannelId", what: `mediaChannelId ${JSON.stringify(v)}` };
    }),
  (r) => notALanguage.map((v) => ({ request: set(r, "languageCode", v), field: "languageCode", what: `languageCode ${JSON.stringify(v)}` })),
  (r) =>
    fc.oneof(fc.constantFrom("HubSpot", "MicrosoftDynamic", "salesforce", ""), fc.string({ maxLength: 12 })).filter((s) => !(CONTEXT_SYSTEMS_ACCEPTED as readonly string[]).includes(s)).map((s) => ({
      request: set(r, "context", [{ system: s, objects: [{ objectType: "Account", objectId: "001" }] }]),
      field: "context[0].system",
      what: `context system ${JSON.stringify(s)}`,
    })),
  (r) =>
    fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.nat(100_000)).map(([from, back]) => {
      const parties = partiesOf(r).map((p, i) => {
        const { mediaChannelId: _m, ...rest } = p;
        return { ...rest, partyId: `q${i}` };
      });
      return {
        request: { ...r, parties, speakersTimeline: { speechSegments: [{ fromTime: from, toTime: Math.max(0, from - back), partyIds: ["q0"] }] } },
        field: "speakersTimeline.speechSegments[0]",
        what: `segment ${from} → ${Math.max(0, from - back)}`,
      };
    }),
  (r) =>
    fc.string({ minLength: 1, maxLength: 10 }).map((ghost) => {
      const parties = partiesOf(r).map((p, i) => {
        const { mediaChannelId: _m, ...rest } = p;
        return { ...rest, partyId: `q${i}` };
      });
      const id = `ghost-${ghost}`;
      return {
        request: { ...r, parties, speakersTimeline: { speechSegments: [{ fromTime: 0, toTime: 10, partyIds: [id] }] } },
        field: "speakersTimeline.speechSegments[0].partyIds",
        what: `segment names ${JSON.stringify(id)}`,
      };
    }),
  (r) =>
    fc.constant({
      request: set(
        r,
        "primaryUser",
        r.primaryUser === SEED_USERS.host ? SEED_USERS.recordingDisabled : SEED_USERS.inactive,
      ),
      field: "primaryUser",
      what: "primaryUser not among the parties",
    }),
  (r) =>
    fc
      .oneof(
        fc.tuple(fc.constantFrom("title", "purpose", "customData", "meetingUrl", "disposition", "callProviderCode"), notAString),
        fc.tuple(fc.constant("duration"), notANumber),
        fc.tuple(fc.constantFrom("parties", "speakersTimeline", "context", "flowContext"), notAStructure),
      )
      .map(([k, v]) => ({ request: set(r, k, v), field: k, what: `${k} = ${JSON.stringify(v)}` })),
  (r) => fc.double({ min: -1e9, max: -1e-6, noNaN: true }).map((d) => ({ request: set(r, "duration", d), field: "duration", what: `duration ${d}` })),
  (r) =>
    fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes(":")).map((u) => ({
      request: set(r, "meetingUrl", u),
      field: "meetingUrl",
      what: `meetingUrl ${JSON.stringify(u)}`,
    })),
  (r) =>
    fc.stringMatching(/^[a-z][A-Za-z]{2,12}$/).filter((k) => !(k in r) && !KNOWN_FIELDS.has(k)).map((k) => ({
      request: set(r, k, 1),
      field: k,
      what: `unknown field ${k}`,
    })),
];

const KNOWN_FIELDS = new Set([
  "clientUniqueId", "actualStart", "primaryUser", "parties", "direction", "workspaceId", "meetingUrl", "title", "purpose", "scheduledStart",
  "scheduledEnd", "duration", "disposition", "downloadMediaUrl", "context", "speakersTimeline", "customData", "callProviderCode",
  "languageCode", "flowContext",
]);

/** A valid request with exactly one rule broken, and the field whose name the refusal must carry. */
export function invalidRequestArb(): fc.Arbitrary<InvalidCase> {
  let n = 0;
  return fc.tuple(validRequestArb(() => String(n++)), fc.nat(MUTATIONS.length - 1)).chain(([request, i]) => {
    const mutate = MUTATIONS[i];
    if (mutate === undefined) throw new RangeError(`no mutation ${i}`);
    return mutate(request);
  });
}

/** True when `path` is `field` or lies under it (`parties[0].x` under `parties[0]`, `parties`). */
export function names(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}
