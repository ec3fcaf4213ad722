export { ANNOUNCED_WAIT_MS, GongClient, MAX_JSON_BODY_BYTES, clientFromEnv, UPLOAD_CONFIRM_BYTES, UPLOAD_MAX_RETRIES } from "./client.js";
export type { GongRequest, HttpMethod, PaginateRequestOptions, Query, UploadMediaOptions } from "./client.js";
export type { BasicAuth, BearerAuth, GongAuth } from "./auth.js";
export { DEFAULT_BASE_URL, normalizeBaseURL } from "./internal/base-url.js";
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
export { isTlsHandshakeCode, UNREACHABLE_CODES } from "./errors.js";
export type { HeadersInput, ResponseHeaders, ValidationIssue } from "./errors.js";
export { parseJson, stringifyJson } from "./internal/json.js";
export { checkMediaFile, mediaFileIssues, type MediaFileInfo } from "./internal/media-file.js";
export { MAX_PAGES, describeInvalidItem, type InvalidItem } from "./internal/paginate.js";
export {
  DEFAULTS,
  clientOptionsFromEnv,
  normalizeClientOptions,
  type GongClientOptions,
  type GongLogger,
  type NormalizedClientOptions,
} from "./options.js";
export { createRateLimiter, DAY_MS, dayKey, unlimited, type DailyQuota, type DailyRateLimiter, type DailySpendStore, type RateLimiter, type RateLimiterOptions } from "./internal/rate-limiter.js";
export { REDACTED, basicAuthSecrets, bearerSecrets, redactHeaders, redactSecrets, redactText, redactValue } from "./internal/redact.js";
export { shouldRetry, withRetry, type RetryInfo, type RetryMode, type RetryOptions } from "./internal/retry.js";
export { computeBackoffMs, parseRetryAfter } from "./internal/retry-timing.js";
export { sleep } from "./internal/sleep.js";
export type { FetchLike, Transport, TransportRequest, TransportResponse } from "./internal/transport.js";
export * from "./actions/index.js";
