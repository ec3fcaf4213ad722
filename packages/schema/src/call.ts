import { z } from "zod";
import { LANGUAGE_CODE_VALUES } from "./language-codes.js";
import { dateTimeField, gongIdSchema, INT32_MAX } from "./primitives.js";

export const DIRECTIONS = ["Inbound", "Outbound", "Conference", "Unknown"] as const;
/** The systems Gong's schema lists; only Salesforce and Generic are accepted by Gong (CONTRACT.md §2). */
export const CONTEXT_SYSTEMS = ["Salesforce", "HubSpot", "MicrosoftDynamic", "Generic"] as const;
export const CONTEXT_SYSTEMS_ACCEPTED = ["Salesforce", "Generic"] as const;
export const CALL_OBJECT_TYPES = ["Opportunity", "Account"] as const;
export const PARTY_OBJECT_TYPES = ["Lead", "Contact"] as const;

const oneOf = (values: readonly string[]) => `must be one of: ${values.join(", ")}`;
const text = (rule = "must be a string") => z.string({ error: rule });
/**
 * At most `n` UTF-16 code units (JS `.length`), as Gong counts (CONTRACT.md §2). zod's `.max` counts code points, so
 * "😀" is 1 to it and 2 to Gong: the refinement decides (and stops the string's checks when it fails), and `.max`,
 * which can then never fail on its own, is there for the JSON Schema's maxLength.
 */
const SURROGATE = /[\uD800-\uDFFF]/;
const maxLength = (n: number) => {
  const rule = `must be at most ${n} characters`;
  return text()
    .refine((v) => v.length <= n, {
      error: (issue) => (typeof issue.input === "string" && SURROGATE.test(issue.input) ? `${rule} (UTF-16 code units: an emoji counts 2)` : rule),
      abort: true,
    })
    .max(n, { error: rule });
};

/** Strict objects reject unknown keys (a typo is named, not silently dropped); the sandbox uses loose ones. */
export type Strictness = "strict" | "loose";

function obj<T extends z.core.$ZodLooseShape>(shape: T, strictness: Strictness) {
  return strictness === "strict" ? z.strictObject(shape) : z.looseObject(shape);
}

/** `fields` is "for future use" in Gong's schema: passed through unchanged. */
const contextFieldSchema = z.looseObject({
  name: text().optional().meta({ description: "Field name." }),
  value: z.unknown().optional().meta({ description: "Field value." }),
});

function contextSchema<const T extends readonly [string, ...string[]]>(objectTypes: T, strictness: Strictness) {
  const objectSchema = obj(
    {
      objectType: z.enum(objectTypes, { error: oneOf(objectTypes) }).meta({ title: "Object type", description: "Type of the external object." }),
      objectId: text().min(1, { error: "must not be empty" }).meta({
        title: "Object ID",
        description: "Id of the object in the external system. Salesforce ids may be in either case form.",
      }),
      fields: z.array(contextFieldSchema, { error: "must be an array" }).optional().meta({
        title: "Fields",
        description: "Object fields, for future use: passed through unchanged.",
      }),
    },
    strictness,
  );
  return obj(
    {
      system: z.enum(CONTEXT_SYSTEMS_ACCEPTED, { error: `${oneOf(CONTEXT_SYSTEMS_ACCEPTED)} (the only systems Gong accepts)` }).meta({
        title: "System",
        description: "External system name. Gong accepts only Salesforce and Generic.",
      }),
      objects: z.array(objectSchema, { error: "must be an array" }).optional().meta({
        title: "Objects",
        description: "Objects within the external system.",
      }),
    },
    strictness,
  );
}

export function buildPartySchema(strictness: Strictness) {
  return obj(
    {
      userId: gongIdSchema.optional().meta({ title: "User ID", description: "The participant's Gong user id, when the participant is a Gong user." }),
      emailAddress: text().optional().meta({ title: "Email address", description: "The participant's e-mail address, if available." }),
      phoneNumber: text().optional().meta({ title: "Phone number", description: "The participant's phone number, if available." }),
      name: text().optional().meta({ title: "Name", description: "The participant's name, if available." }),
      partyId: text().min(1, { error: "must not be empty" }).optional().meta({
        title: "Party ID",
        description: "Identifies the participant in the speakers timeline; required when speakersTimeline is given, unique per call.",
      }),
      mediaChannelId: z
        .number({ error: "must be 0 or 1" })
        .int({ error: "must be 0 or 1" })
        .min(0, { error: "must be 0 or 1" })
        .max(1, { error: "must be 0 or 1" })
        .optional()
        .meta({
          title: "Media channel ID",
          description: "The rep's channel in a stereo recording: 0 (left) or 1 (right).",
        }),
      context: z.array(contextSchema(PARTY_OBJECT_TYPES, strictness), { error: "must be an array" }).optional().meta({
        title: "Context",
        description: "Links to external systems (Lead or Contact objects); only for parties that are not Gong users.",
      }),
    },
    strictness,
  );
}

function buildSpeakersTimelineSchema(strictness: Strictness) {
  const ms = (title: string, description: string) =>
    z
      .number({ error: "must be an integer number of milliseconds" })
      .int({ error: "must be an integer number of milliseconds" })
      .min(0, { error: "must be at least 0" })
      .max(INT32_MAX, { error: `must be at most ${INT32_MAX}` })
      .meta({ title, description });
  const segment = obj(
    {
      fromTime: ms("From time", "Start of the segment in milliseconds from the beginning of the call."),
      toTime: ms("To time", "End of the segment in milliseconds from the beginning of the call."),
      partyIds: z
        .array(text().min(1, { error: "must not be empty" }), { error: "must be an array of partyId strings" })
        .meta({ title: "Party IDs", description: "The speaking parties: each names a party's partyId." }),
    },
    strictness,
  );
  return obj(
    {
      precise: z.boolean({ error: "must be true or false" }).optional().meta({
        title: "Precise",
        description: "True when every segment is within 100 ms of the actual speech.",
      }),
      speechSegments: z.array(segment, { error: "must be an array" }).optional().meta({
        title: "Speech segments",
        description: "Who spoke when. Segments may overlap and may name several speakers.",
      }),
    },
    strictness,
  );
}

/** The fields of the Add call request, labelled with the original connector's labels and help text. */
export function buildAddCallShape(strictness: Strictness) {
  return {
    clientUniqueId: maxLength(2048)
      .refine((v) => v.trim().length > 0, { error: "must not be empty" })
      .meta({
        title: "Client unique ID",
        description:
          "A call's unique identifier in the PBX or the recording system. Gong uses this identifier to prevent repeated attempts to upload the same recording.",
      }),
    actualStart: dateTimeField("Actual start", "The date and time the call actually started."),
    primaryUser: gongIdSchema.meta({
      title: "Primary user",
      description: "The Gong internal user ID of the team member who hosted the call.",
    }),
    parties: z
      .array(buildPartySchema(strictness), { error: "must be an array of parties" })
      .min(1, { error: "must list at least one party" })
      .meta({
        title: "Parties",
        description: "A list of the call's participants. A party must be provided for the primaryUser.",
      }),
    direction: z.enum(DIRECTIONS, { error: oneOf(DIRECTIONS) }).meta({
      title: "Direction",
      description:
        "Whether the call is inbound (someone called the company), outbound (a rep dialed someone outside the company), or a conference call.",
    }),
    workspaceId: gongIdSchema.optional().meta({ title: "Workspace", description: "Select the workspace to add the call to." }),
    meetingUrl: text()
      .refine(isAbsoluteUrl, { error: "must be an absolute URL, e.g. https://meet.example.com/abc" })
      .optional()
      .meta({ title: "Meeting URL", description: "The URL of the conference call by which users join the meeting." }),
    title: text().optional().meta({
      title: "Title",
      description: "The title of the call. This title is available in the Gong system for indexing and search.",
    }),
    purpose: maxLength(255).optional().meta({
      title: "Purpose",
      description: "The purpose of the call. This optional field is a free text of up to 255 characters.",
    }),
    scheduledStart: dateTimeField("Scheduled start", "The date and time the call was scheduled to begin.").optional(),
    scheduledEnd: dateTimeField("Scheduled end", "The date and time the call was scheduled to end.").optional(),
    duration: z
      .number({ error: "must be a number of seconds" })
      .min(0, { error: "must be at least 0" })
      .optional()
      .meta({ title: "Duration", description: "The actual call duration in seconds." }),
    disposition: maxLength(255).optional().meta({
      title: "Disposition",
      description: "The disposition of the call. The disposition is free text of up to 255 characters.",
    }),
    downloadMediaUrl: text()
      .refine(isHttpUrl, { error: "must be an absolute http(s) URL Gong can download the media from" })
      .optional()
      .meta({
        title: "Media download URL",
        description:
          "The URL from which Gong can download the media file. The URL must be unique, the audio or video file must be a maximum of 1.5GB. You can either provide a friendly URL or add call media directly using the add call media action.",
      }),
    context: z.array(contextSchema(CALL_OBJECT_TYPES, strictness), { error: "must be an array" }).optional().meta({
      title: "Context",
      description: "A list of links to external systems such as CRM, Telephony System, Case Management, etc.",
    }),
    speakersTimeline: buildSpeakersTimelineSchema(strictness).optional().meta({
      title: "Speakers timeline",
      description: "Describe the segments of time where individual parties were speaking.",
    }),
    customData: text().optional().meta({
      title: "Custom data",
      description:
        "Optional metadata associated with the call (represented as text). Gong stores this metadata and it can be used for troubleshooting.",
    }),
    callProviderCode: text().optional().meta({
      title: "Call provider code",
      description: "Gong's code of the telephony or conferencing provider, e.g. zoom. Passed through unchanged.",
    }),
    languageCode: z
      .enum(LANGUAGE_CODE_VALUES, { error: "must be one of Gong's language codes, exact case, e.g. en-US, de-DE, pt-BR (omit for auto-detect)" })
      .optional()
      .meta({ title: "Language code", description: "The language spoken in the call; omit it to let Gong detect the language." }),
    flowContext: obj(
      {
        taskId: text().min(1, { error: "must not be empty" }).optional().meta({
          title: "Task ID",
          description: "The task the call should be associated with.",
        }),
      },
      strictness,
    )
      .optional()
      .meta({ title: "Flow context", description: "The Gong Engage flow task the call belongs to." }),
  };
}

export function isAbsoluteUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol.length > 1 && (u.host.length > 0 || u.protocol === "mailto:");
  } catch {
    return false;
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "https:" || u.protocol === "http:") && u.host.length > 0;
  } catch {
    return false;
  }
}
