import { instantOf, isIsoDateTimeWithZone } from "./primitives.js";

/**
 * The cross-field rules of CONTRACT.md §2. They read the raw input defensively so that they report alongside the
 * field-level problems (every bad field named in one pass), not only once everything else is valid.
 *
 * - "library": everything the connector refuses before sending.
 * - "sandbox": what a Gong-compatible server answers 400 for (it accepts scheduledEnd < scheduledStart and ignores
 *   mediaChannelId beside a speakers timeline).
 */
export type RuleProfile = "library" | "sandbox";

export interface CrossFieldIssue {
  path: (string | number)[];
  rule: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const records = (v: unknown): Record<string, unknown>[] | undefined =>
  Array.isArray(v) ? v.map((x) => (isRecord(x) ? x : {})) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** How many known partyIds an unknown-partyId issue names (the text is built once per request, not per issue). */
const KNOWN_PARTY_IDS_NAMED = 10;
/** Longest partyId quoted in full in that list; longer ones are cut. */
const PARTY_ID_QUOTED_CHARS = 40;

function knownPartyIds(seen: ReadonlyMap<string, number>): string {
  if (seen.size === 0) return "";
  const named: string[] = [];
  for (const id of seen.keys()) {
    if (named.length === KNOWN_PARTY_IDS_NAMED) break;
    named.push(id.length > PARTY_ID_QUOTED_CHARS ? `${id.slice(0, PARTY_ID_QUOTED_CHARS)}…` : id);
  }
  const more = seen.size - named.length;
  return `; known: ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

export function crossFieldIssues(input: unknown, profile: RuleProfile): CrossFieldIssue[] {
  if (!isRecord(input)) return [];
  const issues: CrossFieldIssue[] = [];
  const parties = records(input.parties) ?? [];

  const primaryUser = str(input.primaryUser);
  if (primaryUser !== undefined && parties.length > 0 && !parties.some((p) => p.userId === primaryUser)) {
    issues.push({ path: ["primaryUser"], rule: "must be the userId of one of the parties (add a party with this userId)" });
  }

  const seenPartyIds = new Map<string, number>();
  parties.forEach((party, i) => {
    const identified = ["userId", "emailAddress", "phoneNumber", "name"].some((k) => {
      const v = party[k];
      return typeof v === "string" && v.trim().length > 0;
    });
    if (!identified) {
      issues.push({ path: ["parties", i], rule: "needs at least one of userId, emailAddress, phoneNumber, name" });
    }
    const partyId = str(party.partyId);
    if (partyId !== undefined) {
      const first = seenPartyIds.get(partyId);
      if (first !== undefined) {
        issues.push({ path: ["parties", i, "partyId"], rule: `must be unique in the call (parties[${first}] has it too)` });
      } else {
        seenPartyIds.set(partyId, i);
      }
    }
    if (party.context !== undefined && party.userId !== undefined) {
      issues.push({ path: ["parties", i, "context"], rule: "is allowed only on parties that are not Gong users (no userId)" });
    }
  });

  const timeline = input.speakersTimeline;
  if (isRecord(timeline)) {
    parties.forEach((party, i) => {
      if (party.partyId === undefined) {
        issues.push({ path: ["parties", i, "partyId"], rule: "is required when speakersTimeline is given" });
      }
      if (profile === "library" && party.mediaChannelId !== undefined) {
        issues.push({
          path: ["parties", i, "mediaChannelId"],
          rule: "must be omitted when speakersTimeline is given (Gong ignores it then)",
        });
      }
    });
    const known = knownPartyIds(seenPartyIds);
    (records(timeline.speechSegments) ?? []).forEach((segment, s) => {
      const from = segment.fromTime;
      const to = segment.toTime;
      if (typeof from === "number" && typeof to === "number" && Number.isInteger(from) && Number.isInteger(to) && from >= to) {
        issues.push({ path: ["speakersTimeline", "speechSegments", s, "toTime"], rule: "must be greater than fromTime" });
      }
      if (Array.isArray(segment.partyIds)) {
        segment.partyIds.forEach((id, j) => {
          if (typeof id === "string" && id.length > 0 && !seenPartyIds.has(id)) {
            issues.push({
              path: ["speakersTimeline", "speechSegments", s, "partyIds", j],
              rule: `must name a party's partyId${known}`,
            });
          }
        });
      }
    });
  }

  if (profile === "library") {
    const start = str(input.scheduledStart);
    const end = str(input.scheduledEnd);
    if (start !== undefined && end !== undefined && isIsoDateTimeWithZone(start) && isIsoDateTimeWithZone(end)) {
      if (instantOf(end) < instantOf(start)) {
        issues.push({ path: ["scheduledEnd"], rule: "must not be before scheduledStart" });
      }
    }
  }
  return issues;
}
