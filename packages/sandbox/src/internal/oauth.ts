/**
 * The sandbox's OAuth 2.0 authorization server (CONTRACT.md §4): one registered app, consent requests, single-use
 * authorization codes, access tokens that expire and single-use refresh tokens that rotate. Codes and tokens are
 * kept in the sandbox's SQLite as SHA-256 hashes only, so a sandbox restarted on the same data dir honours them and
 * the database never holds a usable token.
 */
import { isLoopbackHost } from "@gong-connector/schema";
import type Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import type { SandboxTokenRequest, SandboxTokens } from "../types.js";
import { newSecret } from "./ids.js";

/** Scopes an OAuth app may ask for: the ones the sandbox's API checks. */
export const OAUTH_SCOPES: readonly string[] = [
  "api:calls:create",
  "api:calls:read:basic",
  "api:calls:read:extensive",
  "api:users:read",
  "api:workspaces:read",
];

/** How long an authorization code, and a consent page's form, stays valid. */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** Default life of an access token in seconds (Gong's tokens last an hour). */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** Longest accepted token life: a year. */
export const MAX_TOKEN_TTL_SECONDS = 31_536_000;
/** Longest accepted redirect_uri, state and code. */
export const MAX_REDIRECT_URI_CHARS = 2000;
export const MAX_STATE_CHARS = 1000;
/** Consent pages waiting for a decision, kept in memory; past this many the oldest are forgotten. */
const MAX_PENDING_CONSENTS = 10_000;
/** Token endpoint calls kept for tokenRequests(); past this many the oldest are dropped. */
const MAX_TOKEN_REQUESTS_KEPT = 100_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oauth_grants (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_codes (
  hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms INTEGER,
  grant_id TEXT
);
CREATE TABLE IF NOT EXISTS oauth_tokens (
  hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  expires_ms INTEGER,
  used_ms INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE TABLE IF NOT EXISTS oauth_token_requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  grant_type TEXT,
  status INTEGER NOT NULL,
  error TEXT
);
`;

export function tokenHash(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** An OAuth error answer: `{ error, error_description }` with an HTTP status (RFC 6749 §5.2). */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, error: string, description: string, headers: Record<string, string> = {}) {
    super(`${error}: ${description}`);
    this.name = "OAuthError";
    this.status = status;
    this.error = error;
    this.description = description;
    this.headers = headers;
  }
}

/** A consent request whose parameters all passed: what the page shows and the code will be bound to. */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
}

/** One parameter of a request as received: absent, once, or repeated. */
export type ParamValue = string | readonly string[] | undefined;

function once(name: string, value: ParamValue, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    problems.push(`${name}: must be given once`);
    return undefined;
  }
  return value;
}

/** Whether a redirect URI is one a code may be sent to: https, or http on a loopback host; no user info or fragment. */
export function redirectUriProblem(raw: string): string | undefined {
  const rule = "must be an absolute http:// URL on a loopback host (127.0.0.1, [::1], localhost) or an https:// URL, without user info or #fragment";
  if (raw.length > MAX_REDIRECT_URI_CHARS) return `redirect_uri: must be at most ${MAX_REDIRECT_URI_CHARS} characters`;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return `redirect_uri: ${rule}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `redirect_uri: ${rule}`;
  }
  if (url.username !== "" || url.password !== "" || raw.includes("#")) return `redirect_uri: ${rule}`;
  // The origin goes into the consent page's CSP (form-action): only plain names and IP literals.
  if (!/^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return `redirect_uri: ${rule}`;
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return undefined;
  return `redirect_uri: ${rule}`;
}

/** Splits a space-separated scope list; unknown scopes are problems. */
export function parseScopes(raw: string, name = "scope"): { scopes: string[]; problem?: string } {
  const words = raw.split(" ").filter((w) => w !== "");
  if (words.length === 0) return { scopes: [], problem: `${name}: must name at least one scope, separated by spaces (known: ${OAUTH_SCOPES.join(" ")})` };
  const unknown = words.filter((w) => !OAUTH_SCOPES.includes(w));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((w) => (w.length > 60 ? `${w.slice(0, 60)}…` : w));
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : "";
    return { scopes: [], problem: `${name}: unknown scope ${shown.map((w) => `'${w}'`).join(", ")}${more} (known: ${OAUTH_SCOPES.join(" ")})` };
  }
  return { scopes: [...new Set(words)] };
}

interface PendingConsent {
  request: AuthorizeRequest;
  expiresMs: number;
}

interface CodeRow {
  client_id: string;
  redirect_uri: string;
  scopes: string;
  expires_ms: number;
  used_ms: number | null;
  grant_id: string | null;
}

interface RefreshRow {
  grant_id: string;
  used_ms: number | null;
  client_id: string;
  scopes: string;
  revoked: number;
}

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  /** The API's base URL, for api_base_url_for_customer (read when a token is issued). */
  apiBaseUrl: () => string;
  now?: () => number;
}

/** What the token endpoint answers on success (RFC 6749 §5.1, plus Gong's api_base_url_for_customer). */
export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  scope: string;
  token_type: "bearer";
  expires_in: number;
  api_base_url_for_customer: string;
}

export class OAuthServer {
  readonly clientId: string;
  readonly clientSecret: string;
  tokenTtlSeconds: number;
  private readonly apiBaseUrl: () => string;
  private readonly now: () => number;
  private readonly pending = new Map<string, PendingConsent>();
  private readonly stmts;
  private readonly db: Database.Database;

  constructor(db: Database.Database, opts: OAuthOptions) {
    this.db = db;
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.tokenTtlSeconds = opts.tokenTtlSeconds;
    this.apiBaseUrl = opts.apiBaseUrl;
    this.now = opts.now ?? Date.now;
    db.exec(SCHEMA);
    this.stmts = {
      insertGrant: db.prepare<[string, string, string, string]>("INSERT INTO oauth_grants (id, client_id, scopes, created_at) VALUES (?, ?, ?, ?)"),
      revokeGrant: db.prepare<[string]>("UPDATE oauth_grants SET revoked = 1 WHERE id = ?"),
      insertCode: db.prepare<[string, string, string, string, number]>(
        "INSERT INTO oauth_codes (hash, client_id, redirect_uri, scopes, expires_ms) VALUES (?, ?, ?, ?, ?)",
      ),
      getCode: db.prepare<[string], CodeRow>("SELECT client_id, redirect_uri, scopes, expires_ms, used_ms, grant_id FROM oauth_codes WHERE hash = ?"),
      useCode: db.prepare<[number, string, string]>("UPDATE oauth_codes SET used_ms = ?, grant_id = ? WHERE hash = ?"),
      markCodeReused: db.prepare<[number, string]>("UPDATE oauth_codes SET used_ms = COALESCE(used_ms, ?) WHERE hash = ?"),
      sweepCodes: db.prepare<[number]>("DELETE FROM oauth_codes WHERE expires_ms < ?"),
      insertToken: db.prepare<[string, string, string, number | null, string]>(
        "INSERT INTO oauth_tokens (hash, grant_id, kind, expires_ms, created_at) VALUES (?, ?, ?, ?, ?)",
      ),
      getAccess: db.prepare<[string, number], { grant_id: string; scopes: string }>(
        `SELECT t.grant_id, g.scopes FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
         WHERE t.hash = ? AND t.kind = 'access' AND g.revoked = 0 AND t.expires_ms > ?`,
      ),
      getRefresh: db.prepare<[string], RefreshRow>(
        `SELECT t.grant_id, t.used_ms, g.client_id, g.scopes, g.revoked FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
         WHERE t.hash = ? AND t.kind = 'refresh'`,
      ),
      useRefresh: db.prepare<[number, string]>("UPDATE oauth_tokens SET used_ms = ? WHERE hash = ? AND used_ms IS NULL"),
      expireAccess: db.prepare<[number, number]>("UPDATE oauth_tokens SET expires_ms = ? WHERE kind = 'access' AND expires_ms > ?"),
      logTokenRequest: db.prepare<[string, string | null, number, string | null]>(
        "INSERT INTO oauth_token_requests (at, grant_type, status, error) VALUES (?, ?, ?, ?)",
      ),
      trimTokenRequests: db.prepare<[number]>("DELETE FROM oauth_token_requests WHERE seq <= (SELECT MAX(seq) FROM oauth_token_requests) - ?"),
      tokenRequests: db.prepare<[], { at: string; grant_type: string | null; status: number; error: string | null }>(
        "SELECT at, grant_type, status, error FROM oauth_token_requests ORDER BY seq",
      ),
      clearTokenRequests: db.prepare("DELETE FROM oauth_token_requests"),
    };
  }

  /** Checks the parameters of GET /oauth2/authorize: the request, or every problem found (each naming its parameter). */
  checkAuthorize(params: Readonly<Record<string, ParamValue>>): { ok: true; request: AuthorizeRequest } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const clientId = once("client_id", params.client_id, problems);
    const responseType = once("response_type", params.response_type, problems);
    const scope = once("scope", params.scope, problems);
    const redirectUri = once("redirect_uri", params.redirect_uri, problems);
    const state = once("state", params.state, problems);
    const repeated = new Set(problems.map((p) => p.slice(0, p.indexOf(":"))));
    if (!repeated.has("client_id")) {
      if (clientId === undefined || clientId === "") problems.push("client_id: required (the OAuth app's client id)");
      else if (!this.isClientId(clientId)) problems.push("client_id: no OAuth app with this client id is registered");
    }
    if (!repeated.has("response_type") && responseType !== "code") problems.push("response_type: must be code (the authorization code flow)");
    let scopes: string[] = [];
    if (!repeated.has("scope")) {
      const parsed = parseScopes(scope ?? "");
      if (parsed.problem !== undefined) problems.push(parsed.problem);
      scopes = parsed.scopes;
    }
    if (!repeated.has("redirect_uri")) {
      if (redirectUri === undefined || redirectUri === "") problems.push("redirect_uri: required (where the code is sent)");
      else {
        const problem = redirectUriProblem(redirectUri);
        if (problem !== undefined) problems.push(problem);
      }
    }
    if (state !== undefined && state.length > MAX_STATE_CHARS) problems.push(`state: must be at most ${MAX_STATE_CHARS} characters`);
    if (problems.length > 0 || clientId === undefined || redirectUri === undefined) return { ok: false, problems };
    return { ok: true, request: { clientId, redirectUri, scopes, state } };
  }

  /** Remembers a consent page's request; returns its anti-forgery token (single use, valid CODE_TTL_MS). */
  openConsent(request: AuthorizeRequest): string {
    const now = this.now();
    if (this.pending.size >= MAX_PENDING_CONSENTS) {
      for (const [key, p] of this.pending) if (p.expiresMs <= now) this.pending.delete(key);
      for (const key of this.pending.keys()) {
        if (this.pending.size < MAX_PENDING_CONSENTS) break;
        this.pending.delete(key);
      }
    }
    const token = newSecret(24);
    this.pending.set(tokenHash(token), { request, expiresMs: now + CODE_TTL_MS });
    return token;
  }

  /** Takes (once) the request a consent form was shown for; undefined for an unknown, used or expired token. */
  takeConsent(token: string): AuthorizeRequest | undefined {
    const key = tokenHash(token);
    const found = this.pending.get(key);
    if (found === undefined) return undefined;
    this.pending.delete(key);
    return found.expiresMs > this.now() ? found.request : undefined;
  }

  /** Issues an authorization code for an approved request. */
  issueCode(request: AuthorizeRequest): string {
    const code = `sbx_code_${newSecret(24)}`;
    const now = this.now();
    this.stmts.sweepCodes.run(now - 24 * 3600 * 1000);
    this.stmts.insertCode.run(tokenHash(code), request.clientId, request.redirectUri, request.scopes.join(" "), now + CODE_TTL_MS);
    return code;
  }

  isClientId(value: string): boolean {
    return safeEqual(value, this.clientId);
  }

  /** Whether an Authorization header is `Basic base64(client_id:client_secret)` of the registered app. */
  isClientAuthorization(header: string | undefined): boolean {
    const m = /^Basic +([A-Za-z0-9+/=_-]+)$/i.exec((header ?? "").trim());
    if (m === null) return false;
    const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const id = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    // Both compared, always, so the time taken says nothing about which one is wrong.
    const idOk = safeEqual(id, this.clientId) || safeEqual(formDecode(id), this.clientId);
    const secretOk = safeEqual(secret, this.clientSecret) || safeEqual(formDecode(secret), this.clientSecret);
    return idOk && secretOk;
  }

  /** grant_type=authorization_code: the code must be unused, unexpired and issued for this client and redirect_uri. */
  exchangeCode(code: string, clientId: string, redirectUri: string): TokenResponse {
    const hash = tokenHash(code);
    // What is refused is decided and written in one transaction, then thrown (a throw inside would roll it back).
    const outcome = this.db.transaction((): TokenResponse | OAuthError => {
      const row = this.stmts.getCode.get(hash);
      const now = this.now();
      if (row === undefined) return invalidGrant("code: unknown (codes are valid only as issued by /oauth2/authorize)");
      if (row.used_ms !== null) {
        // A code used twice may have been stolen: the tokens issued from it are revoked (RFC 6749 §4.1.2).
        if (row.grant_id !== null) this.stmts.revokeGrant.run(row.grant_id);
        return invalidGrant("code: already used (codes are single-use); the tokens issued from it are revoked");
      }
      if (row.expires_ms <= now) {
        this.stmts.markCodeReused.run(now, hash);
        return invalidGrant("code: expired (codes are valid for 10 minutes)");
      }
      if (!safeEqual(row.client_id, clientId)) return invalidGrant("code: was issued to another client_id");
      if (row.redirect_uri !== redirectUri) return invalidGrant("redirect_uri: does not match the redirect_uri the code was issued for");
      const scopes = row.scopes.split(" ");
      const grantId = this.newGrant(row.client_id, scopes);
      this.stmts.useCode.run(now, grantId, hash);
      return this.newPair(grantId, scopes, this.tokenTtlSeconds);
    })();
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  }

  /** grant_type=refresh_token: a new pair for the same grant; the refresh token given is void from now on. */
  refresh(refreshToken: string): TokenResponse {
    const hash = tokenHash(refreshToken);
    const outcome = this.db.transaction((): TokenResponse | OAuthError => {
      const row = this.stmts.getRefresh.get(hash);
      if (row === undefined) return invalidGrant("refresh_token: unknown");
      if (row.used_ms !== null) return invalidGrant("refresh_token: already used (refresh tokens are single-use; use the one the last refresh returned)");
      if (row.revoked !== 0) return invalidGrant("refresh_token: revoked");
      this.stmts.useRefresh.run(this.now(), hash);
      return this.newPair(row.grant_id, row.scopes.split(" "), this.tokenTtlSeconds);
    })();
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  }

  /** A pair minted directly (no code), as the token endpoint would answer it. */
  issue(scopes: readonly string[], ttlSeconds: number): SandboxTokens {
    const list = [...new Set(scopes)];
    const r = this.db.transaction(() => this.newPair(this.newGrant(this.clientId, list), list, ttlSeconds))();
    return { accessToken: r.access_token, refreshToken: r.refresh_token, scope: r.scope, expiresIn: r.expires_in, apiBaseUrl: r.api_base_url_for_customer };
  }

  /** The grant and scopes of a valid (issued, unexpired, not revoked) access token. */
  accessGrant(token: string): { grantId: string; scopes: string[] } | undefined {
    if (token.length > 200) return undefined;
    const row = this.stmts.getAccess.get(tokenHash(token), this.now());
    return row === undefined ? undefined : { grantId: row.grant_id, scopes: row.scopes.split(" ") };
  }

  /** Every access token issued so far is expired from now on; refresh tokens stay valid. */
  expireAccessTokens(): void {
    const now = this.now();
    this.stmts.expireAccess.run(now, now);
  }

  logTokenRequest(entry: SandboxTokenRequest): void {
    this.stmts.logTokenRequest.run(entry.at, entry.grantType ?? null, entry.status, entry.error ?? null);
    this.stmts.trimTokenRequests.run(MAX_TOKEN_REQUESTS_KEPT);
  }

  tokenRequests(): SandboxTokenRequest[] {
    return this.stmts.tokenRequests.all().map((r) => ({
      at: r.at,
      grantType: r.grant_type ?? undefined,
      status: r.status,
      ...(r.error === null ? {} : { error: r.error }),
    }));
  }

  clearTokenRequests(): void {
    this.stmts.clearTokenRequests.run();
  }

  private newGrant(clientId: string, scopes: readonly string[]): string {
    const id = randomBytes(9).toString("hex");
    this.stmts.insertGrant.run(id, clientId, scopes.join(" "), new Date(this.now()).toISOString());
    return id;
  }

  private newPair(grantId: string, scopes: readonly string[], ttlSeconds: number): TokenResponse {
    const accessToken = `sbx_oat_${newSecret(24)}`;
    const refreshToken = `sbx_ort_${newSecret(32)}`;
    const now = this.now();
    const created = new Date(now).toISOString();
    this.stmts.insertToken.run(tokenHash(accessToken), grantId, "access", now + ttlSeconds * 1000, created);
    this.stmts.insertToken.run(tokenHash(refreshToken), grantId, "refresh", null, created);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      scope: scopes.join(" "),
      token_type: "bearer",
      expires_in: ttlSeconds,
      api_base_url_for_customer: this.apiBaseUrl(),
    };
  }
}

function invalidGrant(description: string): OAuthError {
  return new OAuthError(400, "invalid_grant", description);
}

function safeEqual(a: string, b: string): boolean {
  return createHash("sha256").update(a).digest().equals(createHash("sha256").update(b).digest());
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic; undecodable input stays as it is. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}
