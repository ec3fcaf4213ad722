import { z } from "zod";
import { gongIdSchema } from "./primitives.js";

/** Response models: loose, because clients must ignore unknown response fields (CONTRACT.md §1). */
export const errorBodySchema = z.looseObject({
  requestId: z.string().optional(),
  errors: z.array(z.string()).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const addCallResponseSchema = z.looseObject({
  requestId: z.string().meta({ title: "Request ID", description: "Gong's reference for this request, for troubleshooting." }),
  callId: gongIdSchema.meta({ title: "Call ID", description: "Unique ID of the Call added to Gong" }),
});
export type AddCallResponse = z.infer<typeof addCallResponseSchema>;

export const addCallMediaResponseSchema = z.looseObject({
  requestId: z.string(),
  callId: gongIdSchema,
  url: z.string().meta({ description: "The page in Gong where the call is available." }),
});
export type AddCallMediaResponse = z.infer<typeof addCallMediaResponseSchema>;

const nullableString = z.string().nullish();

export const callBasicDataSchema = z.looseObject({
  id: gongIdSchema,
  url: nullableString,
  title: nullableString,
  scheduled: nullableString,
  started: nullableString,
  duration: z.number().nullish(),
  primaryUserId: nullableString,
  direction: nullableString,
  system: nullableString,
  scope: nullableString,
  media: nullableString,
  language: nullableString,
  workspaceId: nullableString,
  sdrDisposition: nullableString,
  clientUniqueId: nullableString,
  customData: nullableString,
  purpose: nullableString,
  meetingUrl: nullableString,
  isPrivate: z.boolean().nullish(),
  calendarEventId: nullableString,
});
export type CallBasicData = z.infer<typeof callBasicDataSchema>;

export const callResponseSchema = z.looseObject({
  requestId: z.string().optional(),
  call: callBasicDataSchema,
});

export const userSchema = z.looseObject({
  id: gongIdSchema,
  emailAddress: nullableString,
  emailAliases: z.array(z.string()).nullish(),
  active: z.boolean().nullish(),
  firstName: nullableString,
  lastName: nullableString,
  settings: z.looseObject({ telephonyCallsImported: z.boolean().nullish() }).nullish(),
});
export type GongUser = z.infer<typeof userSchema>;

export const workspaceSchema = z.looseObject({
  id: gongIdSchema,
  name: nullableString,
  description: nullableString,
});
export type Workspace = z.infer<typeof workspaceSchema>;
