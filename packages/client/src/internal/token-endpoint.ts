import { GongConnectionError, GongError } from "../errors.js";
import type { OAuthTokens } from "../oauth-types.js";
import { buildURL, normalizeBaseURL } from "./base-url.js";
import { printableExcerpt } from "./excerpt.js";
import { basicAuthSecrets, redactSecrets } from "./redact.js";
import { parseRetryAfter, serverWaitMs } from "./retry-timing.js";
import { sleep } from "./sleep.js";
import type { Transport } from "./transport.js";

export const DEFAULT_OAUTH_URL = "https://app.gong.io";
export const TOKEN_PATH = "/oauth2/generate-customer-token";

/** Gong's OAuth host refused a token request, or answered with something that is not a token. */
export class OAuthError extends GongError {
  override name = "OAuthError";
  override readonly exitCode: number;
  /** The OAuth error code (`invalid_grant`, `invalid_client`, …), or "malformed_response". */
  readonly code: string;
  /** The HTTP status of the answer. */
  readonly status: number;

  constructor(message: string, code: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.exitCode = status >= 400 && status < 500 && status !== 429 ? 3 : 4;
  }
}

export interface TokenEndpoint {
  oauthURL: URL;
  clientId: string;
  clientSecret: string;
  transport: Transport;
  timeoutMs: number;
  userAgent: string;
  /** Base of the back-off between attempts after a 429, 5xx or connection failure. */
  retryBaseDelayMs: number;
}

const ATTEMPTS = 3;
/** A 429 asking to wait longer than this (seconds) is not waited for: the refresh gives up at once. */
const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * POST /oauth2/generate-customer-token with `params` as the query string (as Gong documents it) and the app's Basic
 * credentials. A 429, 5xx or failed connection is tried again (at most 3 attempts): a refresh that the host carried
 * out but whose answer was lost cannot be repeated anyway (the host answers invalid_grant), so retrying is never worse.
 * A 429's Retry-After is honoured up to 60 s; a longer wait gives up at once.
 */
export async function requestTokens(
  endpoint: TokenEndpoint,
  params: Readonly<Record<string, string>>,
  signal?: AbortSignal,
  previous?: OAuthTokens,
): Promise<OAuthTokens> {
  const secrets = [endpoint.clientSecret, ...basicAuthSecrets(endpoint.clientId, endpoint.clientSecret), ...Object.values(params).filter((v) => v.length >= 8)];
  const redact = (text: string): string => printableExcerpt(redactSecrets(text, secrets), 300);
  const url = buildURL(endpoint.oauthURL, TOKEN_PATH, params);
  const authorization = `Basic ${Buffer.from(`${endpoint.clientId}:${endpoint.clientSecret}`, "utf8").toString("base64")}`;
  for (let attempt = 1; ; attempt++) {
    let failure: GongError;
    let askedSeconds: number | undefined;
    try {
      const res = await endpoint.transport({
        method: "POST",
        url,
        headers: { authorization, accept: "application/json", "user-agent": endpoint.userAgent, "content-length": "0" },
        signal,
        timeoutMs: endpoint.timeoutMs,
      });
      if (res.status >= 200 && res.status < 300) return tokensFromResponse(res.body, res.status, redact, previous);
      failure = refusal(res.status, res.body, redact);
      if (res.status !== 429 && res.status < 500) throw failure;
      if (res.status === 429) askedSeconds = parseRetryAfter(res.headers["retry-after"]);
      if (askedSeconds !== undefined && askedSeconds > MAX_RETRY_AFTER_SECONDS) throw failure;
    } catch (error) {
      if (!(error instanceof GongConnectionError) || signal?.aborted === true) throw error;
      failure = error;
    }
    if (attempt >= ATTEMPTS) throw failure;
    await sleep(askedSeconds === undefined ? endpoint.retryBaseDelayMs * 2 ** (attempt - 1) : serverWaitMs(askedSeconds), { signal });
  }
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function refusal(status: number, body: string, redact: (text: string) => string): OAuthError {
  const parsed = parseObject(body);
  const code = typeof parsed?.error === "string" ? redact(parsed.error).slice(0, 60) : `http_${String(status)}`;
  const description = typeof parsed?.error_description === "string" ? `: ${redact(parsed.error_description)}` : "";
  if (code === "invalid_grant") {
    return new OAuthError(
      `Gong's OAuth host refused the grant (invalid_grant${description}): the refresh token was already used or revoked, or the code expired; log in again`,
      code,
      status,
    );
  }
  if (code === "invalid_client") {
    return new OAuthError(`Gong's OAuth host refused the app's credentials (invalid_client${description}): check the client id and client secret`, code, status);
  }
  const detail = parsed === undefined && body.trim() !== "" ? `: ${redact(body)}` : description;
  return new OAuthError(`Gong's OAuth host answered ${String(status)} (${code}${detail})`, code, status);
}

/**
 * The pair in a token answer. For a refresh (`previous` given), an answer without a refresh token, an API base URL or
 * a scope keeps the previous pair's (Gong sends all three; a host that does not has not changed them).
 */
function tokensFromResponse(body: string, status: number, redact: (text: string) => string, previous?: OAuthTokens): OAuthTokens {
  const malformed = (rule: string): OAuthError =>
    new OAuthError(`Gong's OAuth host answered ${String(status)} without a usable token: ${rule}`, "malformed_response", status);
  const v = parseObject(body);
  if (v === undefined) throw malformed(`the body is not a JSON object (${redact(body)})`);
  const text = (field: string, fallback?: string): string => {
    const x = v[field];
    if ((x === undefined || x === null) && fallback !== undefined) return fallback;
    if (typeof x !== "string" || x.trim() === "") throw malformed(`${field} must be a non-empty string`);
    return x;
  };
  const accessToken = text("access_token");
  const refreshToken = text("refresh_token", previous?.refreshToken);
  const expiresIn = typeof v.expires_in === "string" && /^[0-9]+$/.test(v.expires_in) ? Number(v.expires_in) : v.expires_in;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) throw malformed("expires_in must be a positive number of seconds");
  let apiBaseUrl: string;
  try {
    apiBaseUrl = normalizeBaseURL(text("api_base_url_for_customer", previous?.apiBaseUrl)).href.replace(/\/$/, "");
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw malformed("api_base_url_for_customer must be an https URL (http only on a loopback host) without credentials, query or fragment");
  }
  const scope = v.scope;
  const scopes = typeof scope === "string" ? scope.split(/[\s,]+/).filter((s) => s !== "") : [...(previous?.scopes ?? [])];
  const now = Date.now();
  return { accessToken, refreshToken, expiresAt: now + expiresIn * 1000, obtainedAt: now, scopes, apiBaseUrl };
}
