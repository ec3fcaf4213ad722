import { formatGongDateTime } from "@gong-connector/schema";
import { createHash } from "node:crypto";
import type { StoredCall } from "./store.js";
import { Errors } from "./errors.js";

export function callUrl(baseUrl: string, callId: string): string {
  return `${baseUrl}/call?id=${encodeURIComponent(callId)}`;
}

export function mediaKind(call: StoredCall): "Audio" | "Video" | undefined {
  if (call.media.state !== "ready") return undefined;
  return call.media.format === "mp4" || call.media.format === "mkv" ? "Video" : "Audio";
}

function instant(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(ms) ? value : formatGongDateTime(ms);
}

/** Gong's CallBasicData for a stored call (absent values left out). */
export function callBasicData(call: StoredCall, baseUrl: string): Record<string, unknown> {
  const r = call.request;
  const out: Record<string, unknown> = {
    id: call.id,
    url: callUrl(baseUrl, call.id),
    title: r.title ?? "",
    started: formatGongDateTime(call.startedMs),
    duration: Math.max(0, Math.round(r.duration ?? 0)),
    primaryUserId: call.primaryUserId,
    direction: r.direction,
    system: r.callProviderCode ?? "Sandbox",
    scope: r.parties.every((p) => p.userId !== undefined) ? "Internal" : "External",
    workspaceId: call.workspaceId,
    clientUniqueId: call.clientUniqueId,
    isPrivate: false,
  };
  const scheduled = instant(r.scheduledStart);
  if (scheduled !== undefined) out.scheduled = scheduled;
  const media = mediaKind(call);
  if (media !== undefined) out.media = media;
  if (r.languageCode !== undefined) out.language = r.languageCode;
  if (r.disposition !== undefined) out.sdrDisposition = r.disposition;
  if (r.customData !== undefined) out.customData = r.customData;
  if (r.purpose !== undefined) out.purpose = r.purpose;
  if (r.meetingUrl !== undefined) out.meetingUrl = r.meetingUrl;
  return out;
}

/** Parties as POST /v2/calls/extensive lists them. */
export function callParties(call: StoredCall): Record<string, unknown>[] {
  return call.request.parties.map((p, i) => {
    const party: Record<string, unknown> = {
      id: `${call.id.slice(0, 12)}${String(i).padStart(4, "0")}`,
      affiliation: p.userId !== undefined ? "Internal" : "External",
      methods: ["Invitee"],
    };
    if (p.emailAddress !== undefined) party.emailAddress = p.emailAddress;
    if (p.name !== undefined) party.name = p.name;
    if (p.userId !== undefined) party.userId = p.userId;
    if (p.phoneNumber !== undefined) party.phoneNumber = p.phoneNumber;
    if (p.partyId !== undefined) party.speakerId = p.partyId;
    if (p.context !== undefined) party.context = p.context;
    return party;
  });
}

export function extensiveCall(call: StoredCall, baseUrl: string): Record<string, unknown> {
  return { metaData: callBasicData(call, baseUrl), parties: callParties(call), context: call.request.context ?? [] };
}

/** Opaque cursors: the next offset, bound to the request they came from. */
export function makeCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString("base64url");
}

export function readCursor(cursor: string | undefined, fingerprint: string): number {
  if (cursor === undefined || cursor === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof parsed === "object" && parsed !== null && "o" in parsed && "f" in parsed) {
      const { o, f } = parsed;
      if (typeof o === "number" && Number.isInteger(o) && o >= 0 && f === fingerprint) return o;
    }
  } catch {
    // fall through
  }
  throw Errors.badRequest("cursor: invalid or does not belong to this request");
}

export function fingerprint(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);
}

export function records(total: number, offset: number, pageSize: number, nextCursor: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    totalRecords: total,
    currentPageSize: pageSize,
    currentPageNumber: Math.floor(offset / 100),
  };
  if (nextCursor !== undefined) out.cursor = nextCursor;
  return out;
}
