export { addCall, checkAddCallRequest, type AddCallOptions, type AddCallResult } from "./add-call.js";
export { findCallByClientUniqueId, toGongDateTime, type FindCallOptions, type FindCallQuery } from "./lookup.js";
export {
  addCallMedia,
  addCallWithMedia,
  MediaUploadFailedError,
  type AddCallMediaInput,
  type AddCallMediaOptions,
  type AddCallWithMediaResult,
} from "./media.js";
export { listUsers, listWorkspaces, type PickListOptions, type UserOption, type WorkspaceOption } from "./pick-lists.js";
