import {
  GongAbortError,
  GongApiError,
  GongConnectionError,
  GongError,
  GongUnreachableError,
  RateLimitError,
} from "../errors.js";
import { computeBackoffMs, parseRetryAfter, serverWaitMs } from "./retry-timing.js";
import { sleep } from "./sleep.js";

/** Quick retries after a DNS "try again" (EAI_AGAIN); any other unreachable server is not retried. */
export const UNREACHABLE_DNS_RETRIES = 2;
const UNREACHABLE_DNS_DELAY_MS = 250;

/**
 * "safe": retry 429, 408, 5xx, connection resets and timeouts (GET, PUT).
 * "never": retry only 429 (the request was not processed); anything else is thrown at once (POST /v2/calls).
 */
export type RetryMode = "safe" | "never";

/** Whether a failed attempt (an error, or a bare HTTP status) may be retried under `mode`. */
export function shouldRetry(failure: unknown, mode: RetryMode): boolean {
  const status = typeof failure === "number" ? failure : failure instanceof GongApiError ? failure.status : undefined;
  if (status === 429) return true;
  if (mode === "never") return false;
  if (status !== undefined) return status === 408 || status >= 500;
  // GongTimeoutError is a GongConnectionError; an unreachable server (nothing sent) is not retried.
  return failure instanceof GongConnectionError && !(failure instanceof GongUnreachableError);
}

export interface RetryInfo {
  /** The attempt that failed, 1-based. */
  attempt: number;
  waitMs: number;
  error: GongError;
}

export interface RetryOptions {
  mode: RetryMode;
  /** Retries after the first attempt (4 => at most 5 attempts). */
  maxRetries: number;
  /** Of those, how many may follow a failure other than 429 (5xx, timeout, reset); default all of them. */
  maxFailureRetries?: number | undefined;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer `Retry-After` than this throws RateLimitError at once. */
  maxRetryAfterSeconds: number;
  signal?: AbortSignal | undefined;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
}

/** The wait before retrying after `error` (retry number `retry`), or undefined to give up now. */
export function retryWaitMs(error: GongError, retry: number, options: RetryOptions): number | undefined {
  const backoff = { baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs, ...(options.random && { random: options.random }) };
  if (!(error instanceof GongApiError)) return computeBackoffMs(retry, backoff);
  const retryAfter = error instanceof RateLimitError ? error.retryAfterSeconds : parseRetryAfter(error.headers["retry-after"]);
  if (retryAfter === undefined) return computeBackoffMs(retry, backoff);
  if (retryAfter > options.maxRetryAfterSeconds) return undefined;
  return serverWaitMs(retryAfter, options.random);
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/**
 * Runs `attemptFn(attempt)` until it succeeds, the failure is not retryable, the retries are used up, or the signal
 * aborts (GongAbortError, also during backoff sleeps). The thrown error carries `attempts`. Errors that are not
 * GongErrors (bugs, local I/O) are rethrown at once.
 */
export async function withRetry<T>(attemptFn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let failureRetries = 0;
  let unreachableRetries = 0;
  for (let attempt = 1; ; attempt++) {
    if (isAborted(options.signal)) throw new GongAbortError();
    try {
      return await attemptFn(attempt);
    } catch (caught) {
      if (!(caught instanceof GongError)) throw caught;
      const error = caught;
      error.attempts = attempt;
      if (error instanceof GongAbortError) throw error;
      if (isAborted(options.signal)) throw new GongAbortError();
      if (error instanceof GongUnreachableError) {
        // Nothing was sent: give up at once, but for a DNS answer of "try again" (EAI_AGAIN), retried quickly twice.
        if (error.code !== "EAI_AGAIN" || unreachableRetries >= UNREACHABLE_DNS_RETRIES || attempt > options.maxRetries) throw error;
        unreachableRetries++;
        const waitMs = UNREACHABLE_DNS_DELAY_MS * unreachableRetries;
        options.onRetry?.({ attempt, waitMs, error });
        await sleep(waitMs, { signal: options.signal });
        continue;
      }
      if (attempt > options.maxRetries || !shouldRetry(error, options.mode)) throw error;
      if (!(error instanceof GongApiError && error.status === 429)) {
        if (failureRetries >= (options.maxFailureRetries ?? options.maxRetries)) throw error;
        failureRetries++;
      }
      const waitMs = retryWaitMs(error, attempt, options);
      if (waitMs === undefined) throw error;
      options.onRetry?.({ attempt, waitMs, error });
      await sleep(waitMs, { signal: options.signal });
    }
  }
}
