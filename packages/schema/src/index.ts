export { CALL_OBJECT_TYPES, CONTEXT_SYSTEMS, CONTEXT_SYSTEMS_ACCEPTED, DIRECTIONS, PARTY_OBJECT_TYPES } from "./call.js";
export { LANGUAGE_CODES, type LanguageCode } from "./language-codes.js";
export type {
  AddCallRequestInput,
  CallContextInput,
  CallContextObjectInput,
  ContextFieldInput,
  DateTimeInput,
  Direction,
  PartyContextInput,
  PartyContextObjectInput,
  PartyInput,
  SpeakersTimelineInput,
  SpeechSegmentInput,
} from "./request.js";
export {
  addCallRequestSchema,
  capIssues,
  MAX_REPORTED_ISSUES,
  validateAddCallRequest,
  validateServerAddCallRequest,
  type AddCallRequest,
  type ServerAddCallRequest,
  type ValidationResult,
} from "./validate.js";
export { addCallJsonSchema } from "./json-schema.js";
export { formatIssues, type ValidationIssue } from "./issues.js";
export {
  addCallMediaResponseSchema,
  addCallResponseSchema,
  callBasicDataSchema,
  callResponseSchema,
  errorBodySchema,
  userSchema,
  workspaceSchema,
  type AddCallMediaResponse,
  type AddCallResponse,
  type CallBasicData,
  type ErrorBody,
  type GongUser,
  type Workspace,
} from "./responses.js";
export { addCallMediaResponseCheck, type ResponseCheckResult, type ResponseIssue } from "./media-response.js";
export { GONG_ID_PATTERN } from "./ids.js";
export { instantOf, isIsoDateTimeWithZone } from "./primitives.js";
export { formatGongDateTime, isLoopbackHost } from "./format.js";
export { jsonDeeperThan } from "./structure.js";
export { makeDirectories, makeDirectoriesSync } from "./files.js";
export {
  isAcceptableDownloadContentType,
  MEDIA_CONTENT_TYPES,
  MEDIA_MAX_BYTES,
  mediaContentTypeFor,
  mediaFormatForExtension,
  sniffMediaFormat,
  type MediaFormat,
} from "./media.js";
