export { GongClient, clientFromEnv } from "./client.js";
export type { GongRequest, HttpMethod, PaginateRequestOptions, Query, UploadMediaOptions } from "./client.js";
export type { GongClientOptions, GongLogger } from "./options.js";
export type { BasicAuth, BearerAuth, GongAuth } from "./auth.js";
export type { OAuthAuth, OAuthConnection, OAuthTokens, StoreCallOptions, TokenStore } from "./oauth-types.js";
export { FileTokenStore, RedisTokenStore, type FileTokenStoreOptions, type RedisTokenConnection, type RedisTokenStoreOptions } from "./token-stores.js";
export { OAuthError } from "./internal/token-endpoint.js";
export {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  GongAbortError,
  GongApiError,
  GongConnectionError,
  GongError,
  GongResponseError,
  GongTimeoutError,
  GongUnreachableError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RecordingDisabledError,
  ValidationError,
} from "./errors.js";
export type { HeadersInput, ResponseHeaders, ValidationIssue } from "./errors.js";
export type { FetchLike } from "./internal/transport.js";
export type { RateLimiter } from "./internal/rate-limiter.js";
export type { RetryMode } from "./internal/retry.js";
export type { InvalidItem } from "./internal/paginate.js";
export type { MediaFileInfo } from "./internal/media-file.js";
export { addCall, parseAddCallRequest, UnconfirmedCallError, type AddCallOptions, type AddCallResult } from "./actions/add-call.js";
export { addCallMedia, MediaUploadFailedError, type AddCallMediaInput, type AddCallMediaOptions } from "./actions/media.js";
export { addCallWithMedia, type AddCallWithMediaOptions, type AddCallWithMediaResult } from "./actions/add-call-with-media.js";
export { findCallByClientUniqueId, type FindCallOptions, type FindCallQuery } from "./actions/lookup.js";
export { findCallByClientUniqueIdIn, getCall, listCalls, type CallsOptions, type FindCallInRangeQuery, type ListCallsQuery } from "./actions/calls.js";
export { listUsers, listWorkspaces, type PickListOptions, type UserOption, type WorkspaceOption } from "./actions/pick-lists.js";
export type { AddCallMediaResponse, AddCallRequest, AddCallRequestInput, CallBasicData } from "@gong-connector/schema";
