import { MEDIA_MAX_BYTES } from "@gong-connector/schema";
import type { DuplicatesMode, SandboxScope, StartSandboxOptions } from "../types.js";
import { Faults, seededRandom } from "./faults.js";
import { invalidAllowedHost, parseHost } from "./hosts.js";
import { newSecret } from "./ids.js";
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, OAuthServer } from "./oauth.js";
import { FailureLimiter, KeyRateLimiter } from "./rate-limit.js";
import { SandboxStore } from "./store.js";

export const ALL_SCOPES: readonly SandboxScope[] = ["api:calls:create", "api:calls:read:basic", "api:users:read", "api:workspaces:read"];

/** The options of buildSandbox: those of startSandbox but the listening ones, with a data dir. */
export interface SandboxOptions extends Omit<StartSandboxOptions, "dataDir" | "keepData" | "host" | "port" | "oauthPort"> {
  dataDir: string;
}

export interface SandboxSettings {
  duplicates: DuplicatesMode;
  maxMediaBytes: number;
  allowLoopbackDownloads: boolean;
  downloadTimeoutMs: number;
  baseUrl: string | undefined;
  /** The host it was asked to listen on (set by startSandbox), for the Host check. */
  listenHost: string | undefined;
  allowedHosts: readonly string[];
  /** The OAuth host's URL (set by startSandbox once it listens). */
  oauthUrl: string | undefined;
}

export interface SandboxContext {
  store: SandboxStore;
  accessKey: string;
  accessKeySecret: string;
  bearerToken: string;
  /** token -> scopes */
  tokens: Map<string, readonly string[]>;
  adminToken: string | undefined;
  limiter: KeyRateLimiter;
  /** Failed authentications per client address. */
  authFailures: FailureLimiter;
  faults: Faults;
  settings: SandboxSettings;
  /** The OAuth host's authorization server: the registered app, codes, tokens. */
  oauth: OAuthServer;
}

function persisted(store: SandboxStore, key: string, given: string | undefined, make: () => string): string {
  if (given !== undefined) {
    store.setMeta(key, given);
    return given;
  }
  const existing = store.getMeta(key);
  if (existing !== undefined) return existing;
  const value = make();
  store.setMeta(key, value);
  return value;
}

/** Refuses options that would make the sandbox misbehave, naming the option and the rule. */
function checkOptions(opts: SandboxOptions): void {
  for (const entry of opts.allowedHosts ?? []) if (parseHost(entry) === undefined) throw new Error(invalidAllowedHost(entry));
  const limit = opts.authFailureLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > 10_000)) {
    throw new Error("authFailureLimit: must be a whole number from 0 to 10000");
  }
  const ttl = opts.tokenTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS)) {
    throw new Error(`tokenTtlSeconds: must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS}`);
  }
  for (const [name, value] of [["oauthClientId", opts.oauthClientId], ["oauthClientSecret", opts.oauthClientSecret]] as const) {
    if (value !== undefined && !/^[\x21-\x7e]{1,200}$/.test(value)) throw new Error(`${name}: must be 1-200 printable ASCII characters without spaces`);
  }
  if (opts.oauthClientId?.includes(":") === true) throw new Error("oauthClientId: must not contain ':' (Basic authentication splits client_id:client_secret at the first ':')");
  const window = opts.authFailureWindowSeconds;
  if (window !== undefined && (!Number.isFinite(window) || window <= 0 || window > 86_400)) {
    throw new Error("authFailureWindowSeconds: must be a number of seconds above 0, at most 86400");
  }
}

export function createContext(opts: SandboxOptions): SandboxContext {
  checkOptions(opts);
  const store = new SandboxStore(opts.dataDir);
  const accessKey = persisted(store, "accessKey", opts.accessKey, () => `sbx_${newSecret(12)}`);
  const accessKeySecret = persisted(store, "accessKeySecret", opts.accessKeySecret, () => newSecret(24));
  const bearerToken = persisted(store, "bearerToken", opts.bearerToken, () => `sbx_at_${newSecret(24)}`);
  const tokens = new Map<string, readonly string[]>([[bearerToken, ALL_SCOPES]]);
  for (const [token, scopes] of Object.entries(opts.bearerTokens ?? {})) tokens.set(token, scopes);
  const settings: SandboxSettings = {
    duplicates: opts.duplicates ?? "conflict",
    maxMediaBytes: opts.maxMediaBytes ?? MEDIA_MAX_BYTES,
    allowLoopbackDownloads: opts.allowLoopbackDownloads ?? true,
    downloadTimeoutMs: opts.downloadTimeoutMs ?? 600_000,
    baseUrl: opts.baseUrl,
    listenHost: undefined,
    allowedHosts: [...(opts.allowedHosts ?? [])],
    oauthUrl: undefined,
  };
  const oauth = new OAuthServer(store.db, {
    clientId: persisted(store, "oauthClientId", opts.oauthClientId, () => `sbx_app_${newSecret(12)}`),
    // 32 random bytes: 256 bits.
    clientSecret: persisted(store, "oauthClientSecret", opts.oauthClientSecret, () => newSecret(32)),
    tokenTtlSeconds: opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    apiBaseUrl: () => settings.baseUrl ?? "",
  });
  return {
    store,
    accessKey,
    accessKeySecret,
    bearerToken,
    tokens,
    adminToken: opts.admin === true ? (opts.adminToken ?? `sbx_admin_${newSecret(18)}`) : undefined,
    limiter: new KeyRateLimiter({
      perSecond: opts.ratePerSecond ?? 3,
      perDay: opts.ratePerDay ?? 10_000,
      ...(opts.daySeconds === undefined ? {} : { daySeconds: opts.daySeconds }),
    }),
    authFailures: new FailureLimiter({ limit: opts.authFailureLimit ?? 10, windowSeconds: opts.authFailureWindowSeconds ?? 60 }),
    faults: new Faults(opts.faults ?? {}, opts.faultSeed === undefined ? Math.random : seededRandom(opts.faultSeed)),
    settings,
    oauth,
  };
}
