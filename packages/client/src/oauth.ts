/**
 * `@gong-connector/client/oauth`: what an app needs to connect a Gong customer with OAuth (the authorization-code
 * flow) before it hands the tokens to a GongClient through a token store.
 */
import { randomBytes } from "node:crypto";
import { ValidationError } from "./errors.js";
import { normalizeBaseURL } from "./internal/base-url.js";
import { nodeTransport } from "./internal/node-transport.js";
import { DEFAULT_OAUTH_URL, requestTokens } from "./internal/token-endpoint.js";
import type { OAuthTokens } from "./oauth-types.js";

export { DEFAULT_OAUTH_URL, OAuthError } from "./internal/token-endpoint.js";
export { refreshDue } from "./internal/oauth-session.js";
export { requiredScope } from "./internal/scopes.js";
export type { OAuthAuth, OAuthConnection, OAuthTokens, StoreCallOptions, TokenStore } from "./oauth-types.js";

/** The scopes the connector's actions use: add calls and media, look calls up, list users and workspaces. */
export const DEFAULT_SCOPES: readonly string[] = ["api:calls:create", "api:calls:read:basic", "api:users:read", "api:workspaces:read"];

/** The scopes each action needs (addCall also reads calls: it looks a call up after an ambiguous failure). */
export const ACTION_SCOPES = {
  addCall: ["api:calls:create", "api:calls:read:basic"],
  addCallMedia: ["api:calls:create", "api:calls:read:basic"],
  addCallWithMedia: ["api:calls:create", "api:calls:read:basic"],
  listCalls: ["api:calls:read:basic"],
  getCall: ["api:calls:read:basic"],
  findCallByClientUniqueId: ["api:calls:read:basic"],
  listUsers: ["api:users:read"],
  listWorkspaces: ["api:workspaces:read"],
} as const satisfies Record<string, readonly string[]>;

const SCOPE = /^[A-Za-z0-9:._-]{1,100}$/;

function oauthHost(value: string | undefined): URL {
  try {
    return normalizeBaseURL(value ?? DEFAULT_OAUTH_URL);
  } catch (error) {
    if (error instanceof ValidationError) throw ValidationError.of("oauthURL", error.issues[0]?.rule ?? "is not a valid URL");
    throw error;
  }
}

/** A random `state` value (256 bits, URL-safe) for one login. */
export function newState(): string {
  return randomBytes(32).toString("base64url");
}

export interface AuthorizationUrlOptions {
  clientId: string;
  redirectUri: string;
  /** Default DEFAULT_SCOPES. */
  scopes?: readonly string[] | undefined;
  /** Checked on the callback: the answer must carry the same value. */
  state: string;
  /** Default https://app.gong.io. */
  oauthURL?: string | undefined;
}

/** The consent page to send a Gong admin to: `<oauthURL>/oauth2/authorize?client_id…&state…`. */
export function authorizationUrl(options: AuthorizationUrlOptions): URL {
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  if (typeof options.clientId !== "string" || options.clientId.trim() === "") throw ValidationError.of("clientId", "required: the OAuth app's client id");
  if (scopes.length === 0) throw ValidationError.of("scopes", "must name at least one scope");
  for (const [i, scope] of scopes.entries()) {
    if (!SCOPE.test(scope)) throw ValidationError.of(`scopes[${String(i)}]`, "must be a scope name such as api:calls:create (letters, digits and : . _ -)");
  }
  if (typeof options.state !== "string" || options.state.length < 16) throw ValidationError.of("state", "must be a random value of at least 16 characters");
  const url = oauthHost(options.oauthURL);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/oauth2/authorize`;
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", scopes.join(" "));
  url.searchParams.set("redirect_uri", options.redirectUri);
  url.searchParams.set("state", options.state);
  return url;
}

export interface ExchangeCodeOptions {
  clientId: string;
  clientSecret: string;
  code: string;
  /** The redirect URI the consent page was opened with. */
  redirectUri: string;
  /** Default https://app.gong.io. */
  oauthURL?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Per attempt (default 30,000 ms). */
  timeoutMs?: number | undefined;
}

/**
 * Exchanges the code from the callback for the customer's token pair (POST /oauth2/generate-customer-token). Save
 * the result in the connection's token store; a GongClient with `auth: { oauth: { …, store } }` takes it from there.
 */
export function exchangeCode(options: ExchangeCodeOptions): Promise<OAuthTokens> {
  for (const field of ["clientId", "clientSecret", "code", "redirectUri"] as const) {
    const value = options[field];
    if (typeof value !== "string" || value.trim() === "") throw ValidationError.of(field, "required");
  }
  return requestTokens(
    {
      oauthURL: oauthHost(options.oauthURL),
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      transport: nodeTransport,
      timeoutMs: options.timeoutMs ?? 30_000,
      userAgent: "gong-connector",
      retryBaseDelayMs: 1000,
    },
    { grant_type: "authorization_code", code: options.code, client_id: options.clientId, redirect_uri: options.redirectUri },
    options.signal,
  );
}
