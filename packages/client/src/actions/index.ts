export { addCall, parseAddCallRequest, UnconfirmedCallError, type AddCallOptions, type AddCallResult } from "./add-call.js";
export { findCallByClientUniqueId, type FindCallOptions, type FindCallQuery } from "./lookup.js";
export { addCallMedia, MediaUploadFailedError, type AddCallMediaInput, type AddCallMediaOptions } from "./media.js";
export { addCallWithMedia, type AddCallWithMediaOptions, type AddCallWithMediaResult } from "./add-call-with-media.js";
export { listUsers, listWorkspaces, type PickListOptions, type UserOption, type WorkspaceOption } from "./pick-lists.js";
export { checkDownloadUrl, checkPrimaryUser, primaryUserProblem, type PrimaryUserStatus } from "./preflight.js";
export { callsQuery, findCallByClientUniqueIdIn, getCall, listCalls, type CallsOptions, type FindCallInRangeQuery, type ListCallsQuery } from "./calls.js";
