/**
 * Building blocks for tools built on the client (the importer, the CLI): client options from the environment, the
 * base-URL rule, rate limiters and their shared stores, secret redaction, the media-file check, the opt-in checks
 * before Add call, and an abortable sleep. Most applications need only the main entry point.
 */
export { clientOptionsFromEnv } from "./options.js";
export { DEFAULT_BASE_URL, normalizeBaseURL } from "./internal/base-url.js";
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
export { checkMediaFile, mediaFileIssues, type MediaFileInfo, type MediaFileOptions } from "./internal/media-file.js";
export { checkDownloadUrl, checkPrimaryUser, primaryUserProblem, type PrimaryUserStatus } from "./actions/preflight.js";
export { sleep } from "./internal/sleep.js";
export { storedTokens, writeFileAtomic, type StoredTokens } from "./token-stores.js";
