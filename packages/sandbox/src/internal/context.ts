import { MEDIA_MAX_BYTES } from "@gong-connector/schema";
import { Faults, seededRandom, type FaultConfig } from "./faults.js";
import { invalidAllowedHost, parseHost } from "./hosts.js";
import { newSecret } from "./ids.js";
import { FailureLimiter, KeyRateLimiter } from "./rate-limit.js";
import { SandboxStore } from "./store.js";

export type DuplicatesMode = "conflict" | "return-existing";

export const ALL_SCOPES = ["api:calls:create", "api:calls:read:basic", "api:users:read", "api:workspaces:read"] as const;

export interface SandboxOptions {
  /** Directory for sandbox.db and media/; required by buildSandbox (startSandbox makes a temp dir when omitted). */
  dataDir: string;
  /** Basic auth key pair; by default generated once and kept in the data dir. */
  accessKey?: string;
  accessKeySecret?: string;
  /** A Bearer token with every scope; by default generated once and kept in the data dir. */
  bearerToken?: string;
  /** Extra Bearer tokens with their scopes (e.g. to test a missing scope). */
  bearerTokens?: Record<string, readonly string[]>;
  /** Requests per second per key (default 3; 0 = unlimited). */
  ratePerSecond?: number;
  /** Requests per UTC day per key (default 10,000; 0 = unlimited). */
  ratePerDay?: number;
  /** Length of the quota day in seconds (default 86,400, resetting at 00:00 UTC); short days test quota runs in seconds. */
  daySeconds?: number;
  /** What a repeated clientUniqueId gets: 409 naming the call (default) or 200 with the existing callId. */
  duplicates?: DuplicatesMode;
  /** Initial fault injection. */
  faults?: Partial<FaultConfig>;
  /** Seed for fault choice (replayable runs); Math.random by default. */
  faultSeed?: number;
  /** Enables the /__sandbox admin API. */
  admin?: boolean;
  /** Admin token (default: random) when admin is on. */
  adminToken?: string;
  /** Media size limit in bytes (default 1,500,000,000). */
  maxMediaBytes?: number;
  /** Public base URL used in `url` fields; default: from the request's Host header. */
  baseUrl?: string;
  /** Whether downloadMediaUrl may point at a loopback host (default true; startSandbox sets it from the listen host). */
  allowLoopbackDownloads?: boolean;
  /** Timeout of a downloadMediaUrl fetch in ms (default 10 minutes). */
  downloadTimeoutMs?: number;
  /** Fastify logger on, writing to stderr (default false). */
  logger?: boolean;
  /**
   * More names (`name` for any port, or `name:port`) the sandbox answers to besides the ones it listens on
   * (`localhost`, `127.0.0.1`, `[::1]` on loopback) and the host of `baseUrl`; any other Host header gets 421.
   */
  allowedHosts?: readonly string[];
  /** Failed authentications one client address may make per window before it gets 429 (default 10; 0 = no limit). */
  authFailureLimit?: number;
  /** The sliding window of authFailureLimit, in seconds (default 60). */
  authFailureWindowSeconds?: number;
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
    settings: {
      duplicates: opts.duplicates ?? "conflict",
      maxMediaBytes: opts.maxMediaBytes ?? MEDIA_MAX_BYTES,
      allowLoopbackDownloads: opts.allowLoopbackDownloads ?? true,
      downloadTimeoutMs: opts.downloadTimeoutMs ?? 600_000,
      baseUrl: opts.baseUrl,
      listenHost: undefined,
      allowedHosts: [...(opts.allowedHosts ?? [])],
    },
  };
}
