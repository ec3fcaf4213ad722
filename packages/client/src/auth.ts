import { ValidationError } from "./errors.js";
import { basicAuthSecrets, bearerSecrets } from "./internal/redact.js";
import type { OAuthAuth, TokenStore } from "./oauth-types.js";

export interface BasicAuth {
  accessKey: string;
  accessKeySecret: string;
}

export interface BearerAuth {
  /** An OAuth access token, or a function returning a fresh one for each attempt. */
  bearerToken: string | (() => string | Promise<string>);
}

/**
 * Access key pair (Basic), a static Bearer token, or an OAuth connection whose tokens the client refreshes and
 * saves in its store.
 */
export type GongAuth = BasicAuth | BearerAuth | OAuthAuth;

/** The Authorization header value and the strings that must never be logged. */
export interface Credentials {
  authorization: string;
  secrets: string[];
}

export function checkAuth(auth: unknown): GongAuth {
  if (typeof auth !== "object" || auth === null) {
    throw ValidationError.of("auth", "required: { accessKey, accessKeySecret }, { bearerToken } or { oauth: { clientId, clientSecret, store } }");
  }
  const a = auth as Record<string, unknown>;
  if ("oauth" in a) return { oauth: checkOAuth(a.oauth) };
  if ("bearerToken" in a) {
    const token = a.bearerToken;
    if (typeof token === "function") return { bearerToken: token as () => string | Promise<string> };
    if (typeof token === "string" && token.trim() !== "") return { bearerToken: token };
    throw ValidationError.of("auth.bearerToken", "must be a non-empty string or a function");
  }
  const { accessKey, accessKeySecret } = a;
  if (typeof accessKey !== "string" || accessKey.trim() === "") throw ValidationError.of("auth.accessKey", "required");
  if (typeof accessKeySecret !== "string" || accessKeySecret.trim() === "") {
    throw ValidationError.of("auth.accessKeySecret", "required");
  }
  return { accessKey, accessKeySecret };
}

function isTokenStore(value: unknown): value is TokenStore {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.load === "function" && typeof v.save === "function" && typeof v.withLock === "function";
}

function checkOAuth(value: unknown): OAuthAuth["oauth"] {
  if (typeof value !== "object" || value === null) throw ValidationError.of("auth.oauth", "must be { clientId, clientSecret, store }");
  const { clientId, clientSecret, store, oauthURL } = value as Record<string, unknown>;
  if (typeof clientId !== "string" || clientId.trim() === "") throw ValidationError.of("auth.oauth.clientId", "required: the OAuth app's client id");
  if (typeof clientSecret !== "string" || clientSecret.trim() === "") throw ValidationError.of("auth.oauth.clientSecret", "required: the OAuth app's client secret");
  if (!isTokenStore(store)) throw ValidationError.of("auth.oauth.store", "must be a token store (load, save, withLock), e.g. a FileTokenStore");
  if (oauthURL !== undefined && typeof oauthURL !== "string") throw ValidationError.of("auth.oauth.oauthURL", "must be a URL string");
  return { clientId, clientSecret, store, ...(oauthURL !== undefined && { oauthURL }) };
}

/** Resolves the credentials for one attempt (a bearer function is called each time). */
export async function resolveCredentials(auth: BasicAuth | BearerAuth): Promise<Credentials> {
  if ("bearerToken" in auth) {
    const token = typeof auth.bearerToken === "function" ? await auth.bearerToken() : auth.bearerToken;
    if (token.trim() === "") throw ValidationError.of("auth.bearerToken", "the token function returned an empty token");
    return { authorization: `Bearer ${token}`, secrets: bearerSecrets(token) };
  }
  const encoded = Buffer.from(`${auth.accessKey}:${auth.accessKeySecret}`, "utf8").toString("base64");
  return { authorization: `Basic ${encoded}`, secrets: basicAuthSecrets(auth.accessKey, auth.accessKeySecret) };
}
