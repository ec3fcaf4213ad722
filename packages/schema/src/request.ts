import type { CALL_OBJECT_TYPES, CONTEXT_SYSTEMS_ACCEPTED, DIRECTIONS, PARTY_OBJECT_TYPES } from "./call.js";
import type { LanguageCode } from "./language-codes.js";

/** A date-time: a `Date`, or an ISO-8601 string with a zone (`2024-05-01T14:30:00Z`, `2024-05-01T09:30:00-05:00`). */
export type DateTimeInput = Date | string;

/** Whether the call was inbound, outbound, a conference call, or unknown. */
export type Direction = (typeof DIRECTIONS)[number];

/** A field of an external object: for future use, passed through unchanged. */
export type ContextFieldInput = {
  name?: string | undefined;
  value?: unknown;
  [field: string]: unknown;
};

/** An object of an external system that the call is linked to. */
export type CallContextObjectInput = {
  objectType: (typeof CALL_OBJECT_TYPES)[number];
  /** Its id in the external system (Salesforce ids in either case form). */
  objectId: string;
  fields?: ContextFieldInput[] | undefined;
};

/** An object of an external system that a party is linked to. */
export type PartyContextObjectInput = {
  objectType: (typeof PARTY_OBJECT_TYPES)[number];
  objectId: string;
  fields?: ContextFieldInput[] | undefined;
};

/** Links to an external system (Gong accepts only Salesforce and Generic). */
export type CallContextInput = {
  system: (typeof CONTEXT_SYSTEMS_ACCEPTED)[number];
  objects?: CallContextObjectInput[] | undefined;
};

export type PartyContextInput = {
  system: (typeof CONTEXT_SYSTEMS_ACCEPTED)[number];
  objects?: PartyContextObjectInput[] | undefined;
};

/** A participant. At least one of userId, emailAddress, phoneNumber, name. */
export type PartyInput = {
  /** The participant's Gong user id (a string of 1-20 digits), when the participant is a Gong user. */
  userId?: string | undefined;
  emailAddress?: string | undefined;
  phoneNumber?: string | undefined;
  name?: string | undefined;
  /** Names the participant in the speakers timeline; required when speakersTimeline is given, unique per call. */
  partyId?: string | undefined;
  /** The rep's channel in a stereo recording: 0 (left) or 1 (right); omit it with a speakersTimeline. */
  mediaChannelId?: number | undefined;
  /** Links to external systems (Lead or Contact); only for parties that are not Gong users. */
  context?: PartyContextInput[] | undefined;
};

/** Who spoke from `fromTime` to `toTime` (milliseconds from the start of the call). */
export type SpeechSegmentInput = {
  fromTime: number;
  toTime: number;
  /** partyId of each speaking party. */
  partyIds: string[];
};

export type SpeakersTimelineInput = {
  /** True when every segment is within 100 ms of the actual speech. */
  precise?: boolean | undefined;
  speechSegments?: SpeechSegmentInput[] | undefined;
};

/**
 * An Add call request (POST /v2/calls) as a TypeScript caller writes it: Gong's field names, ids as strings,
 * date-times as a `Date` or a zoned ISO-8601 string, enums as literal unions. A misspelt field or a wrong enum value
 * is a compile error; every rule the type cannot state (lengths, id digits, cross-field rules) is checked at run
 * time before anything is sent. A type alias, not an interface, so that data of unknown shape read from a file can be
 * passed as `data as AddCallRequestInput` (the run-time check is the same).
 */
export type AddCallRequestInput = {
  /** The call's unique id in the PBX or recording system (≤ 2,048 characters); Gong refuses a second call with it. */
  clientUniqueId: string;
  /** When the call actually started. */
  actualStart: DateTimeInput;
  /** The Gong user id of the team member who hosted the call; one of the parties must have it as userId. */
  primaryUser: string;
  /** The participants, at least one. */
  parties: PartyInput[];
  direction: Direction;
  /** The workspace to add the call to (a Gong id). */
  workspaceId?: string | undefined;
  /** The URL of the conference call. */
  meetingUrl?: string | undefined;
  title?: string | undefined;
  /** Free text of up to 255 characters. */
  purpose?: string | undefined;
  scheduledStart?: DateTimeInput | undefined;
  /** Not before scheduledStart. */
  scheduledEnd?: DateTimeInput | undefined;
  /** The actual duration in seconds. */
  duration?: number | undefined;
  /** Free text of up to 255 characters. */
  disposition?: string | undefined;
  /** An http(s) URL Gong downloads the recording from (≤ 1.5 GB); omit it to upload the file with Add call media. */
  downloadMediaUrl?: string | undefined;
  /** Links to external systems (Opportunity or Account objects). */
  context?: CallContextInput[] | undefined;
  /** Who spoke when. */
  speakersTimeline?: SpeakersTimelineInput | undefined;
  /** Metadata Gong stores with the call, as text. */
  customData?: string | undefined;
  /** Gong's code of the telephony or conferencing provider, e.g. zoom. */
  callProviderCode?: string | undefined;
  /** The language spoken; omit it to let Gong detect it. */
  languageCode?: LanguageCode | undefined;
  /** The Gong Engage flow task the call belongs to. */
  flowContext?: { taskId?: string | undefined } | undefined;
};
