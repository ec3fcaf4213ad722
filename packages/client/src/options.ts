import { checkAuth, type GongAuth } from "./auth.js";
import { DEFAULT_BASE_URL, normalizeBaseURL } from "./internal/base-url.js";
import { ValidationError } from "./errors.js";
import { fetchTransport } from "./internal/fetch-transport.js";
import { nodeTransport } from "./internal/node-transport.js";
import { createRateLimiter, unlimited, type RateLimiter } from "./internal/rate-limiter.js";
import type { FetchLike, Transport } from "./internal/transport.js";

export interface GongLogger {
  debug?(msg: string, data?: object): void;
  warn?(msg: string, data?: object): void;
}

export interface GongClientOptions {
  /** Default https://api.gong.io; https required unless the host is loopback. A path prefix is kept. */
  baseURL?: string | undefined;
  auth: GongAuth;
  /** Retries after the first attempt (default 4 => at most 5 attempts). */
  maxRetries?: number | undefined;
  /** Per JSON request attempt (default 30,000 ms). */
  timeoutMs?: number | undefined;
  /** Uploads fail when nothing moves for this long (default 120,000 ms); there is no total deadline. */
  uploadIdleTimeoutMs?: number | undefined;
  /** Send through this fetch instead of node:http/https. */
  fetch?: FetchLike | undefined;
  /** Limits, a shared limiter, or false for none. Default 3/s and 10,000/day. */
  rateLimit?: { perSecond?: number; perDay?: number } | RateLimiter | false | undefined;
  logger?: GongLogger | undefined;
  retryBaseDelayMs?: number | undefined;
  retryMaxDelayMs?: number | undefined;
  /** A longer Retry-After throws RateLimitError at once (default 600). */
  maxRetryAfterSeconds?: number | undefined;
  /** Sent as User-Agent. */
  userAgent?: string | undefined;
}

export interface NormalizedClientOptions {
  baseURL: URL;
  auth: GongAuth;
  maxRetries: number;
  timeoutMs: number;
  uploadIdleTimeoutMs: number;
  transport: Transport;
  /** True when `fetch` was injected. */
  usesFetch: boolean;
  limiter: RateLimiter;
  logger: GongLogger;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterSeconds: number;
  userAgent: string;
}

export const DEFAULTS = {
  baseURL: DEFAULT_BASE_URL,
  maxRetries: 4,
  timeoutMs: 30_000,
  uploadIdleTimeoutMs: 120_000,
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 60_000,
  maxRetryAfterSeconds: 600,
  perSecond: 3,
  perDay: 10_000,
  userAgent: "gong-connector",
} as const;

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw ValidationError.of(name, `must be a number ≥ ${min}`);
  }
  return value;
}

function isRateLimiter(value: unknown): value is RateLimiter {
  return typeof value === "object" && value !== null && typeof (value as { acquire?: unknown }).acquire === "function";
}

function limiterFrom(rateLimit: GongClientOptions["rateLimit"], maxRetryAfterSeconds: number): RateLimiter {
  if (rateLimit === false) return unlimited;
  if (isRateLimiter(rateLimit)) return rateLimit;
  return createRateLimiter({
    perSecond: count("rateLimit.perSecond", rateLimit?.perSecond, DEFAULTS.perSecond, 1),
    perDay: count("rateLimit.perDay", rateLimit?.perDay, DEFAULTS.perDay, 1),
    maxWaitMs: maxRetryAfterSeconds * 1000,
  });
}

/** Checks every option once and fills in the defaults. Throws ValidationError naming the bad option. */
export function normalizeClientOptions(options: GongClientOptions): NormalizedClientOptions {
  const maxRetryAfterSeconds = count("maxRetryAfterSeconds", options.maxRetryAfterSeconds, DEFAULTS.maxRetryAfterSeconds, 0);
  const baseURL = normalizeBaseURL(options.baseURL ?? DEFAULTS.baseURL);
  if (/\/v2$/i.test(baseURL.pathname)) {
    // Every API path starts with /v2: a base URL ending in it would send requests to /v2/v2/….
    baseURL.pathname = baseURL.pathname.replace(/\/v2$/i, "");
    try {
      options.logger?.warn?.(`baseURL ends in /v2, which every API path adds itself; using ${baseURL.href.replace(/\/$/, "")}`);
    } catch {
      // A failing logger must not fail the setup.
    }
  }
  return {
    baseURL,
    auth: checkAuth(options.auth),
    maxRetries: Math.floor(count("maxRetries", options.maxRetries, DEFAULTS.maxRetries, 0)),
    timeoutMs: count("timeoutMs", options.timeoutMs, DEFAULTS.timeoutMs, 1),
    uploadIdleTimeoutMs: count("uploadIdleTimeoutMs", options.uploadIdleTimeoutMs, DEFAULTS.uploadIdleTimeoutMs, 1),
    transport: options.fetch === undefined ? nodeTransport : fetchTransport(options.fetch),
    usesFetch: options.fetch !== undefined,
    limiter: limiterFrom(options.rateLimit, maxRetryAfterSeconds),
    logger: options.logger ?? {},
    retryBaseDelayMs: count("retryBaseDelayMs", options.retryBaseDelayMs, DEFAULTS.retryBaseDelayMs, 0),
    retryMaxDelayMs: count("retryMaxDelayMs", options.retryMaxDelayMs, DEFAULTS.retryMaxDelayMs, 0),
    maxRetryAfterSeconds,
    userAgent: options.userAgent ?? DEFAULTS.userAgent,
  };
}

/** Client options from GONG_BASE_URL and GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN. */
export function clientOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<GongClientOptions> = {},
): GongClientOptions {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  let auth = overrides.auth;
  if (auth === undefined) {
    const accessKey = read("GONG_ACCESS_KEY");
    const accessKeySecret = read("GONG_ACCESS_KEY_SECRET");
    const bearerToken = read("GONG_BEARER_TOKEN");
    if (accessKey !== undefined && accessKeySecret !== undefined) auth = { accessKey, accessKeySecret };
    else if (bearerToken !== undefined) auth = { bearerToken };
    else if (accessKey !== undefined) throw ValidationError.of("GONG_ACCESS_KEY_SECRET", "required with GONG_ACCESS_KEY");
    else if (accessKeySecret !== undefined) throw ValidationError.of("GONG_ACCESS_KEY", "required with GONG_ACCESS_KEY_SECRET");
    else throw ValidationError.of("GONG_ACCESS_KEY", "no credentials: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN");
  }
  const baseURL = overrides.baseURL ?? read("GONG_BASE_URL");
  return { ...overrides, auth, ...(baseURL !== undefined && { baseURL }) };
}
