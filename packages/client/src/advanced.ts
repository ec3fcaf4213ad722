/**
 * Building blocks for tools built on the client (the importer, the relay, the CLI): rate limiters and their
 * shared stores, secret redaction, the media-file check, the primary-user check and an abortable sleep.
 * Most applications need only the main entry point.
 */
export {
  createRateLimiter,
  DAY_MS,
  dayKey,
  unlimited,
  type DailyQuota,
  type DailyRateLimiter,
  type DailySpendStore,
  type RateLimiter,
  type RateLimiterOptions,
} from "./internal/rate-limiter.js";
export { REDACTED, basicAuthSecrets, bearerSecrets, redactSecrets, redactText } from "./internal/redact.js";
export { checkMediaFile, mediaFileIssues, type MediaFileInfo } from "./internal/media-file.js";
export { checkDownloadUrl, checkPrimaryUser, primaryUserProblem, type PrimaryUserStatus } from "./actions/preflight.js";
export { DEFAULT_BASE_URL, normalizeBaseURL } from "./internal/base-url.js";
export { sleep } from "./internal/sleep.js";
