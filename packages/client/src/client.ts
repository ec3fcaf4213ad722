import { realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { ZodType } from "zod";
import { addCallMediaResponseCheck, mediaContentTypeFor, type AddCallMediaResponse, type ResponseCheckResult } from "@gong-connector/schema";
import { resolveCredentials, type Credentials } from "./auth.js";
import { buildURL, normalizeBaseURL } from "./internal/base-url.js";
import { AuthenticationError, GongApiError, GongResponseError, PermissionDeniedError, RateLimitError, ValidationError, type GongError } from "./errors.js";
import { OAuthSession } from "./internal/oauth-session.js";
import { accessDeniedStatus, requiredScope } from "./internal/scopes.js";
import { DEFAULT_OAUTH_URL } from "./internal/token-endpoint.js";
import type { OAuthTokens } from "./oauth-types.js";
import { printableExcerpt } from "./internal/excerpt.js";
import { parseJson, stringifyJson } from "./internal/json.js";
import type { MediaFileInfo } from "./internal/media-file.js";
import { createMultipartBody, type MultipartBody } from "./internal/multipart.js";
import {
  clientOptionsFromEnv,
  normalizeClientOptions,
  type GongClientOptions,
  type GongLogger,
  type NormalizedClientOptions,
} from "./options.js";
import { paginateWith, type InvalidItem } from "./internal/paginate.js";
import type { RateLimiter } from "./internal/rate-limiter.js";
import { basicAuthSecrets, bearerSecrets, redactSecrets, redactValue } from "./internal/redact.js";
import { withRetry, type RetryMode } from "./internal/retry.js";
import type { TransportResponse } from "./internal/transport.js";

export type HttpMethod = "GET" | "POST" | "PUT";
export type Query = Readonly<Record<string, string | undefined>>;

export interface GongRequest<T> {
  method: HttpMethod;
  /** API path, e.g. "/v2/calls"; joined to the base URL (keeping its path prefix). */
  path: string;
  query?: Query | undefined;
  /** Sent as JSON (bigint values as strings). */
  body?: unknown;
  /** Validates the parsed response (loose schemas let unknown fields through). */
  schema?: ZodType<T> | undefined;
  /** Default "safe" for GET and PUT, "never" for POST (only 429 is retried). */
  retry?: RetryMode | undefined;
  signal?: AbortSignal | undefined;
  /** Per attempt; default the client's timeoutMs. */
  timeoutMs?: number | undefined;
}

export interface UploadMediaOptions {
  signal?: AbortSignal | undefined;
  /** File bytes sent so far in this attempt, and the file size. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

export interface PaginateRequestOptions<T> {
  signal?: AbortSignal | undefined;
  schema?: ZodType<T> | undefined;
  /**
   * Items the schema refuses are skipped and reported here (keeping the valid ones) instead of failing the whole
   * list with GongResponseError.
   */
  onInvalidItem?: ((item: InvalidItem) => void) | undefined;
  /** A 404 answer means an empty list (GET /v2/calls answers 404 when no call matches). */
  notFoundIsEmpty?: boolean | undefined;
}

interface Exchange {
  method: HttpMethod;
  path: string;
  query?: Query | undefined;
  body?: string | MultipartBody | undefined;
  contentType?: string | undefined;
  mode: RetryMode;
  maxRetries: number;
  maxFailureRetries?: number | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  idleTimeoutMs?: number | undefined;
  /** Runs before each retry (attempt ≥ 2), inside the retry loop, with the failure that caused it. */
  beforeRetry?: ((failure: GongError) => Promise<void>) | undefined;
}

/**
 * The largest JSON request body sent (bytes of UTF-8): the sandbox's JSON body limit, 10 MiB. Gong's limit is not
 * documented; an Add call request is a few kilobytes unless its speech segments or context run to hundreds of
 * thousands. A larger body is refused before anything is sent (ValidationError), not streamed for the server to refuse.
 */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;

/** A 429 that asks to wait at least this long is reported through the logger's warn (the wait is otherwise silent). */
export const ANNOUNCED_WAIT_MS = 5000;

/** Media uploads are retried at most this many times after a 5xx, timeout or reset (PUT replaces; CONTRACT.md §5); a 429 follows the general rule. */
export const UPLOAD_MAX_RETRIES = 3;
/** Before resending a file larger than this, confirm the call exists with GET /v2/calls/{id} (CONTRACT.md §5). */
export const UPLOAD_CONFIRM_BYTES = 100_000_000;

/** What a response body is checked with: a zod schema, or a check with the same `safeParse` (the media response's). */
interface ResponseCheck<T> {
  safeParse(value: unknown): ResponseCheckResult<T> | ReturnType<ZodType<T>["safeParse"]>;
}

function requestIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { requestId?: unknown }).requestId;
  return typeof id === "string" ? id : undefined;
}

/** A client of Gong's API v2: auth, retries, rate limit, typed errors, streaming uploads and paging. */
export class GongClient {
  // Private (#) so that credentials never show in JSON.stringify(client) or util.inspect(client).
  readonly #options: Readonly<NormalizedClientOptions>;
  /** Every credential this client has sent (a bearer function may hand out new tokens), in each form it was sent. */
  readonly #secrets = new Set<string>();
  /** The OAuth connection's current pair and its refresh, when auth is OAuth. */
  readonly #session: OAuthSession | undefined;

  constructor(options: GongClientOptions) {
    this.#options = normalizeClientOptions(options);
    const { auth } = this.#options;
    if ("oauth" in auth) {
      const { clientId, clientSecret } = auth.oauth;
      let oauthURL: URL;
      try {
        oauthURL = normalizeBaseURL(auth.oauth.oauthURL ?? DEFAULT_OAUTH_URL);
      } catch (error) {
        if (error instanceof ValidationError) throw ValidationError.of("auth.oauth.oauthURL", error.issues[0]?.rule ?? "is not a valid URL");
        throw error;
      }
      for (const secret of basicAuthSecrets(clientId, clientSecret)) this.#secrets.add(secret);
      this.#session = new OAuthSession(
        auth.oauth,
        {
          oauthURL,
          clientId,
          clientSecret,
          transport: this.#options.transport,
          timeoutMs: this.#options.timeoutMs,
          userAgent: this.#options.userAgent,
          retryBaseDelayMs: this.#options.retryBaseDelayMs,
        },
        (tokens) => {
          for (const secret of [...bearerSecrets(tokens.accessToken), tokens.refreshToken]) this.#secrets.add(secret);
        },
      );
      return;
    }
    this.#session = undefined;
    const known = "bearerToken" in auth ? (typeof auth.bearerToken === "string" ? bearerSecrets(auth.bearerToken) : []) : basicAuthSecrets(auth.accessKey, auth.accessKeySecret);
    for (const secret of known) this.#secrets.add(secret);
  }

  /**
   * `text` with every credential this client knows (the access key secret and its Basic header value, or each bearer
   * token it has sent) replaced by [REDACTED], in any form a server may echo it (raw, JSON-escaped, URL-encoded).
   * Call it on any text that came from a server before writing it anywhere (journals, reports, logs).
   */
  redact(text: string): string {
    return redactSecrets(text, [...this.#secrets]);
  }

  /**
   * The normalised base URL (any path prefix kept). With OAuth it is the customer's own API host from the token
   * (`api_base_url_for_customer`) once the tokens are loaded (see `resolveBaseURL`), the configured one before.
   */
  get baseURL(): URL {
    const current = this.#session?.current;
    return current === undefined ? new URL(this.#options.baseURL.href) : normalizeBaseURL(current.apiBaseUrl);
  }

  /** The base URL requests go to: with OAuth, the customer's API host of the current token (loaded if need be). */
  async resolveBaseURL(options: { signal?: AbortSignal | undefined } = {}): Promise<URL> {
    if (this.#session !== undefined) await this.#session.tokens(options.signal);
    return this.baseURL;
  }

  /** With OAuth, the scopes the current token grants (loaded if need be); undefined for other auth. */
  async grantedScopes(options: { signal?: AbortSignal | undefined } = {}): Promise<readonly string[] | undefined> {
    if (this.#session === undefined) return undefined;
    return [...(await this.#session.tokens(options.signal)).scopes];
  }

  /** The limiter every attempt of this client passes. */
  get limiter(): RateLimiter {
    return this.#options.limiter;
  }

  /** Sends one JSON request (with retries per `retry`) and returns the parsed, validated response body. */
  async request<T = unknown>(req: GongRequest<T>): Promise<T> {
    const body = req.body === undefined ? undefined : stringifyJson(req.body);
    if (body !== undefined && body.length > MAX_JSON_BODY_BYTES / 3) {
      const bytes = Buffer.byteLength(body);
      if (bytes > MAX_JSON_BODY_BYTES) {
        throw ValidationError.of(
          "(root)",
          `the request is ${bytes.toLocaleString("en-US")} bytes as JSON; at most ${MAX_JSON_BODY_BYTES.toLocaleString("en-US")} bytes (10 MiB) may be sent in one request`,
        );
      }
    }
    const res = await this.exchange({
      method: req.method,
      path: req.path,
      query: req.query,
      body,
      contentType: req.body === undefined ? undefined : "application/json",
      mode: req.retry ?? (req.method === "POST" ? "never" : "safe"),
      maxRetries: this.#options.maxRetries,
      signal: req.signal,
      timeoutMs: req.timeoutMs ?? this.#options.timeoutMs,
    });
    return this.parse(res, req.schema);
  }

  /**
   * Streams a media file to PUT /v2/calls/{callId}/media as multipart part `mediaFile`, as it is given: nothing is
   * checked here (`addCallMedia` checks the call id and the file first). A path is sent with the content type of its
   * extension (application/octet-stream when unknown); a MediaFileInfo (what checkMediaFile returns) as described.
   */
  async uploadMedia(callId: string, media: string | MediaFileInfo, opts: UploadMediaOptions = {}): Promise<AddCallMediaResponse> {
    const file = typeof media === "string" ? await describeFile(media) : media;
    // The resolved file is what was checked, so it is what is read.
    const body = createMultipartBody({
      fieldName: "mediaFile",
      fileName: file.fileName,
      contentType: file.contentType,
      size: file.size,
      filePath: file.realPath,
      onProgress: opts.onProgress,
    });
    const res = await this.exchange({
      method: "PUT",
      path: `/v2/calls/${encodeURIComponent(callId)}/media`,
      body,
      contentType: body.contentType,
      mode: "safe",
      // A 429 may be retried as often as any request; a 5xx, timeout or reset only UPLOAD_MAX_RETRIES times.
      maxRetries: this.#options.maxRetries,
      maxFailureRetries: Math.min(UPLOAD_MAX_RETRIES, this.#options.maxRetries),
      signal: opts.signal,
      idleTimeoutMs: this.#options.uploadIdleTimeoutMs,
      // Before resending a large file after a failure (not after a 429, which processed nothing), confirm the call exists.
      beforeRetry:
        file.size > UPLOAD_CONFIRM_BYTES
          ? async (failure) => {
              if (failure instanceof GongApiError && failure.status === 429) return;
              await this.request({ method: "GET", path: `/v2/calls/${encodeURIComponent(callId)}`, signal: opts.signal });
            }
          : undefined,
    });
    return this.parse(res, addCallMediaResponseCheck);
  }

  /** Every item under `itemsKey` of a cursor-paged GET, page after page (≤1,000 pages). */
  paginate<T = unknown>(path: string, query: Query, itemsKey: string, opts: PaginateRequestOptions<T> = {}): AsyncIterable<T> {
    const fetchPage = (q: Query): Promise<unknown> => this.request({ method: "GET", path, query: q, signal: opts.signal });
    return paginateWith(fetchPage, query, itemsKey, {
      signal: opts.signal,
      schema: opts.schema,
      notFoundIsEmpty: opts.notFoundIsEmpty,
      endpoint: `GET ${path}`,
      onInvalidItem: opts.onInvalidItem,
    });
  }

  private parse<T>(res: ParsedResponse, schema: ResponseCheck<T> | undefined): T {
    const { value } = res;
    if (schema === undefined) return value as T;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new GongResponseError(this.redact(detail), res.status, requestIdOf(value));
    }
    return parsed.data;
  }

  /** Reports a warning through the client's logger (redacted), e.g. a record skipped from a list. */
  warn(message: string, data: object = {}): void {
    this.log("warn", message, data);
  }

  private log(level: keyof GongLogger, msg: string, data: object): void {
    const secrets = [...this.#secrets];
    try {
      this.#options.logger[level]?.(redactSecrets(msg, secrets), redactValue(data, secrets) as object);
    } catch {
      // A failing logger must not fail the request.
    }
  }

  /** The Authorization header and base URL for one attempt; with OAuth, a pair that is not about to run out. */
  private async credentials(signal: AbortSignal | undefined): Promise<Credentials & { baseURL: URL; tokens?: OAuthTokens }> {
    if (this.#session !== undefined) {
      const tokens = await this.#session.tokens(signal);
      return { authorization: `Bearer ${tokens.accessToken}`, secrets: bearerSecrets(tokens.accessToken), baseURL: normalizeBaseURL(tokens.apiBaseUrl), tokens };
    }
    const auth = this.#options.auth;
    if ("oauth" in auth) throw new Error("unreachable: OAuth auth without a session");
    return { ...(await resolveCredentials(auth)), baseURL: this.#options.baseURL };
  }

  /**
   * One exchange with its retries. With OAuth, a 401 (403 on users and workspaces) refreshes the token (unless another
   * process already has) and the exchange runs once more; a second refusal is thrown. A 401/403 on a Bearer request says which scope it needs.
   */
  private async exchange(ex: Exchange): Promise<ParsedResponse> {
    const sent: { tokens?: OAuthTokens } = {};
    try {
      try {
        return await this.exchangeOnce(ex, sent);
      } catch (error) {
        const tokens = sent.tokens;
        if (this.#session === undefined || tokens === undefined) throw error;
        // Gong refuses an expired or revoked token with 401, but with 403 on users and workspaces.
        const refused = error instanceof AuthenticationError || (error instanceof PermissionDeniedError && accessDeniedStatus(ex.method, ex.path) === 403);
        if (!refused) throw error;
        const scope = requiredScope(ex.method, ex.path);
        // A token that lacks the scope is refused the same way: refreshing it would not add the scope.
        if (scope !== undefined && tokens.scopes.length > 0 && !tokens.scopes.includes(scope)) throw error;
        this.log("debug", "gong token refused; refreshing", { method: ex.method, path: ex.path });
        await this.#session.refresh(tokens.accessToken, ex.signal);
        return await this.exchangeOnce(ex, sent);
      }
    } catch (error) {
      if ((error instanceof AuthenticationError || error instanceof PermissionDeniedError) && !("accessKey" in this.#options.auth)) {
        explainScope(error, ex, sent.tokens);
      }
      throw error;
    }
  }

  private exchangeOnce(ex: Exchange, sent: { tokens?: OAuthTokens }): Promise<ParsedResponse> {
    const options = this.#options;
    let failure: GongError | undefined;
    return withRetry(
      async (attempt) => {
        if (failure !== undefined) await ex.beforeRetry?.(failure);
        await options.limiter.acquire(ex.signal);
        const credentials = await this.credentials(ex.signal);
        if (credentials.tokens !== undefined) sent.tokens = credentials.tokens;
        const url = buildURL(credentials.baseURL, ex.path, ex.query);
        for (const secret of credentials.secrets) this.#secrets.add(secret);
        const requestHeaders: Record<string, string> = {
          authorization: credentials.authorization,
          accept: "application/json",
          "user-agent": options.userAgent,
        };
        if (ex.contentType !== undefined) requestHeaders["content-type"] = ex.contentType;
        const started = Date.now();
        const base = { method: ex.method, path: ex.path, attempt };
        let res: TransportResponse;
        try {
          res = await options.transport({
            method: ex.method,
            url,
            headers: requestHeaders,
            body: ex.body,
            signal: ex.signal,
            timeoutMs: ex.timeoutMs,
            idleTimeoutMs: ex.idleTimeoutMs,
          });
        } catch (error) {
          const reason = error instanceof Error ? error.name : "Error";
          this.log("debug", "gong attempt failed", { ...base, error: reason, ms: Date.now() - started });
          throw error;
        }
        const ms = Date.now() - started;
        if (res.status >= 200 && res.status < 300) {
          const parsed = parseBody(res, (text) => this.redact(text));
          this.log("debug", "gong attempt", { ...base, status: res.status, requestId: requestIdOf(parsed.value), ms });
          return parsed;
        }
        const error = GongApiError.from(res.status, res.body, res.headers, (text) => this.redact(text));
        error.endpoint = `${ex.method} ${ex.path}`;
        this.log("debug", "gong attempt", { ...base, status: res.status, requestId: error.requestId, ms });
        throw error;
      },
      {
        mode: ex.mode,
        maxRetries: ex.maxRetries,
        maxFailureRetries: ex.maxFailureRetries,
        baseDelayMs: options.retryBaseDelayMs,
        maxDelayMs: options.retryMaxDelayMs,
        maxRetryAfterSeconds: options.maxRetryAfterSeconds,
        signal: ex.signal,
        onRetry: ({ attempt, waitMs, error }) => {
          failure = error;
          const status = error instanceof GongApiError ? error.status : undefined;
          const requestId = error instanceof GongApiError ? error.requestId : undefined;
          const data = { method: ex.method, path: ex.path, attempt, status, requestId, error: error.name, waitMs };
          this.log("debug", "gong retry", data);
          if (status === 429 && waitMs >= ANNOUNCED_WAIT_MS) {
            const asked = error instanceof RateLimitError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds : Math.round(waitMs / 1000);
            this.log("warn", `Gong asked to wait ${String(asked)} s (429 on ${ex.method} ${ex.path}); waiting…`, {});
          }
        },
      },
    );
  }
}

/** Adds to a 401/403 on a Bearer request the scope the endpoint needs, and whether the token lacks it. */
function explainScope(error: AuthenticationError | PermissionDeniedError, ex: Exchange, tokens: OAuthTokens | undefined): void {
  const scope = requiredScope(ex.method, ex.path);
  if (scope === undefined) return;
  error.requiredScope = scope;
  const endpoint = `${ex.method} ${ex.path}`;
  if (tokens !== undefined && tokens.scopes.length > 0 && !tokens.scopes.includes(scope)) {
    error.message += `; this Gong app lacks the scope ${scope} (needed by ${endpoint}): add it to the app's scopes and log in again`;
  } else if (tokens === undefined) {
    error.message += `; a Bearer token needs the scope ${scope} for ${endpoint}: check that the token's app has it`;
  } else {
    error.message += `; the token grants ${scope}, which ${endpoint} needs: the token may have been revoked, log in again`;
  }
}

interface ParsedResponse {
  status: number;
  value: unknown;
}

function parseBody(res: TransportResponse, redact: (text: string) => string): ParsedResponse {
  try {
    return { status: res.status, value: res.body.trim() === "" ? undefined : parseJson(res.body) };
  } catch {
    throw new GongResponseError(`body is not JSON: ${printableExcerpt(redact(res.body), 500)}`, res.status);
  }
}

/** A file as it is to be sent: its size and the content type of its extension, read from the file system. */
async function describeFile(filePath: string): Promise<MediaFileInfo> {
  const realPath = await realpath(filePath);
  const { size } = await stat(realPath);
  const fileName = basename(filePath);
  return { filePath, realPath, fileName, size, contentType: mediaContentTypeFor(fileName) ?? "application/octet-stream" };
}

/** A client configured from GONG_BASE_URL and GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN. */
export function clientFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<GongClientOptions> = {},
): GongClient {
  return new GongClient(clientOptionsFromEnv(env, overrides));
}
