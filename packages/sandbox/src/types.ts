/**
 * The public types of @gong-connector/sandbox. They name no type of the server or the database behind it, so a
 * project that only imports the sandbox in its tests type-checks with `skipLibCheck: false`.
 */
import type { FaultConfig, ScriptedFault, ScriptedFaultKind } from "./internal/faults.js";

export type { FaultConfig, ScriptedFault, ScriptedFaultKind };

/** What a repeated clientUniqueId gets: 409 naming the call (Gong's answer) or 200 with the existing callId. */
export type DuplicatesMode = "conflict" | "return-existing";

/** The scopes a Bearer token can hold; `bearerToken` holds all of them. */
export type SandboxScope = "api:calls:create" | "api:calls:read:basic" | "api:users:read" | "api:workspaces:read";

export interface StartSandboxOptions {
  /** Directory for sandbox.db and media/; a fresh temp dir (removed on close unless keepData) when omitted. */
  dataDir?: string;
  /** Keep an auto-created temp data dir on close. */
  keepData?: boolean;
  /** Listen host (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: any free port, so parallel test files never collide). */
  port?: number;
  /** Basic auth key pair; by default generated once and kept in the data dir. */
  accessKey?: string;
  accessKeySecret?: string;
  /** A Bearer token with every scope; by default generated once and kept in the data dir. */
  bearerToken?: string;
  /** Extra Bearer tokens with their scopes (e.g. to test a missing scope). */
  bearerTokens?: Record<string, readonly string[]>;
  /** Requests per second per key (default 3, as Gong; 0 = unlimited). */
  ratePerSecond?: number;
  /** Requests per UTC day per key (default 10,000, as Gong; 0 = unlimited). */
  ratePerDay?: number;
  /** Length of the quota day in seconds (default 86,400, resetting at 00:00 UTC); short days test quota runs in seconds. */
  daySeconds?: number;
  /** What a repeated clientUniqueId gets (default "conflict"). */
  duplicates?: DuplicatesMode;
  /** Faults from the start (see RunningSandbox.setFaults to change them later). */
  faults?: Partial<FaultConfig>;
  /** Seed for the random fault choices, so a run can be replayed; Math.random by default. */
  faultSeed?: number;
  /** Enables the HTTP admin API under /__sandbox (the methods of RunningSandbox work without it). */
  admin?: boolean;
  /** Admin token (default: random) when admin is on. */
  adminToken?: string;
  /** Media size limit in bytes (default 1,500,000,000, as Gong). */
  maxMediaBytes?: number;
  /** Public base URL used in `url` fields (behind a proxy); default: the address it listens on. */
  baseUrl?: string;
  /** Whether downloadMediaUrl may point at a loopback host (default: when the sandbox itself listens on loopback). */
  allowLoopbackDownloads?: boolean;
  /** Timeout of a downloadMediaUrl fetch in ms (default 10 minutes). */
  downloadTimeoutMs?: number;
  /** Log each request as a JSON line on stderr (default false). */
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
  /** Port of the OAuth host (default 0: any free port), on the same listen host as the API. */
  oauthPort?: number;
  /** The registered OAuth app's client id; by default generated once and kept in the data dir. */
  oauthClientId?: string;
  /** The registered OAuth app's client secret; by default generated once (256 random bits) and kept in the data dir. */
  oauthClientSecret?: string;
  /** Life of an OAuth access token in seconds (default 3600; 1 to 31,536,000). */
  tokenTtlSeconds?: number;
}

/** One call of the OAuth token endpoint, as tokenRequests() lists it. Holds no code, token or secret. */
export interface SandboxTokenRequest {
  /** When it was answered (ISO-8601). */
  at: string;
  /** The grant_type asked for (`authorization_code`, `refresh_token`; `(invalid)` for a value that is no grant name), if any. */
  grantType: string | undefined;
  /** The HTTP status answered; 0 when a scripted fault dropped the connection instead. */
  status: number;
  /** The OAuth error answered (`invalid_grant`, `invalid_client`…), when refused; `dropped` for a dropped connection. */
  error?: string;
}

/** A token pair as the token endpoint would answer it (issueTokens()). */
export interface SandboxTokens {
  accessToken: string;
  refreshToken: string;
  /** The scopes granted, space-separated. */
  scope: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** The API's base URL (the token endpoint's api_base_url_for_customer). */
  apiBaseUrl: string;
}

/** What issueTokens() mints. */
export interface IssueTokensOptions {
  /** Scopes granted (default: api:calls:create, api:calls:read:basic, api:users:read, api:workspaces:read). */
  scopes?: readonly string[];
  /** Life of this access token in seconds (default: the tokenTtlSeconds setting). */
  ttlSeconds?: number;
}

/** A party of a stored Add call request. */
export interface StoredParty {
  userId?: string;
  emailAddress?: string;
  phoneNumber?: string;
  name?: string;
  partyId?: string;
  mediaChannelId?: number;
  context?: StoredContext[];
}

export interface StoredContext {
  system: string;
  objects?: { objectType: string; objectId: string; fields?: unknown }[];
}

export interface StoredSpeechSegment {
  fromTime: number;
  toTime: number;
  partyIds: string[];
}

/** An Add call request as the sandbox accepted and stored it (field names and values as sent). */
export interface StoredCallRequest {
  clientUniqueId: string;
  actualStart: string;
  primaryUser: string;
  parties: StoredParty[];
  direction: string;
  workspaceId?: string;
  meetingUrl?: string;
  title?: string;
  purpose?: string;
  scheduledStart?: string;
  scheduledEnd?: string;
  duration?: number;
  disposition?: string;
  downloadMediaUrl?: string;
  context?: StoredContext[];
  speakersTimeline?: { precise?: boolean; speechSegments?: StoredSpeechSegment[] };
  customData?: string;
  callProviderCode?: string;
  languageCode?: string;
  flowContext?: { taskId?: string };
}

/** The recording of a stored call. */
export interface SandboxMedia {
  /** none: no media yet; pending: a downloadMediaUrl fetch is under way; ready: stored; failed: see `error`. */
  state: "none" | "pending" | "ready" | "failed";
  source: "upload" | "download" | null;
  fileName: string | null;
  /** wav, mp3, mp4, mkv or flac, as read from the file's first bytes. */
  format: string | null;
  contentType: string | null;
  size: number | null;
  /** Hex sha256 of the bytes stored. */
  sha256: string | null;
  error: string | null;
  updatedAt: string | null;
}

/** A call the sandbox stored. */
export interface SandboxCall {
  id: string;
  clientUniqueId: string;
  workspaceId: string;
  primaryUserId: string;
  /** The actual start, `YYYY-MM-DDTHH:mm:ssZ`. */
  started: string;
  /** When the sandbox stored it (ISO-8601). */
  createdAt: string;
  title: string | null;
  /** The call's page in the sandbox. */
  url: string;
  downloadMediaUrl: string | null;
  media: SandboxMedia;
  request: StoredCallRequest;
}

/** One request the sandbox answered (its API, its admin API and unknown paths; not its pages). */
export interface SandboxRequest {
  requestId: string;
  /** When it was answered (ISO-8601). */
  at: string;
  method: string;
  /** The routed path (`/v2/calls/123/media`), whatever spelling the client used. */
  path: string;
  status: number;
  /** `key:<accessKey>`, `token:<hash prefix>`, `oauth:<grant id>` (an OAuth token, by its grant), `admin`, or null before authentication. */
  principal: string | null;
}

/** A change to the faults: the given shares and delays are merged in; `script` queues one-off faults. */
export interface FaultChange extends Partial<FaultConfig> {
  script?: readonly ScriptedFault[];
}

/** The faults in force, the one-off faults still queued, and how many of each kind were injected. */
export interface FaultState {
  config: FaultConfig;
  script: ScriptedFault[];
  stats: { injected: Record<string, number> };
}

/** A change to a seeded user. */
export interface UserChange {
  /** false: Add call with this primary user answers 409. */
  telephonyCallsImported?: boolean;
  /** false: Add call with this primary user answers 409. */
  active?: boolean;
}

/** Settings that can change while the sandbox runs. */
export interface SandboxSettings {
  duplicates: DuplicatesMode;
  ratePerSecond: number;
  ratePerDay: number;
  daySeconds: number;
  authFailureLimit: number;
  /** Life of the OAuth access tokens issued from now on, in seconds. */
  tokenTtlSeconds: number;
}

export interface SettingsChange extends Partial<SandboxSettings> {
  /** Forget the requests counted so far against the rate limits and the failed-authentication limit. */
  resetRateLimits?: boolean;
}

/** A sandbox listening on a port; every method acts on it directly (no admin token needed). */
export interface RunningSandbox {
  /** Where Gong's API is, e.g. `http://127.0.0.1:39287` (no trailing slash): the base URL for a client. */
  readonly baseUrl: string;
  /** The port it listens on. */
  readonly port: number;
  /** Basic auth: `accessKey:accessKeySecret`. */
  readonly accessKey: string;
  readonly accessKeySecret: string;
  /** A Bearer token with every scope. */
  readonly bearerToken: string;
  /** The admin API's token, when `admin: true`. */
  readonly adminToken?: string;
  /** Where sandbox.db and media/ are. */
  readonly dataDir: string;
  /** The OAuth host, e.g. `http://127.0.0.1:40123`: `/oauth2/authorize` and `/oauth2/generate-customer-token` (no API). */
  readonly oauthUrl: string;
  /** The registered OAuth app: `Authorization: Basic base64(oauthClientId:oauthClientSecret)` on the token endpoint. */
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
  /** Every call of the token endpoint, oldest first. */
  tokenRequests(): Promise<SandboxTokenRequest[]>;
  /** Empties the list of token endpoint calls. */
  clearTokenRequests(): Promise<void>;
  /** Mints an access and refresh token pair directly, as the token endpoint would answer an authorization code. */
  issueTokens(opts?: IssueTokensOptions): Promise<SandboxTokens>;
  /** Every OAuth access token issued so far is expired from now on (refresh tokens stay valid). */
  expireAccessTokens(): Promise<void>;
  /** Every stored call, oldest first. */
  calls(): Promise<SandboxCall[]>;
  /** One stored call, or undefined. */
  call(id: string): Promise<SandboxCall | undefined>;
  /** Removes every call and its media (fetches of downloadMediaUrl under way are stopped first). */
  clearCalls(): Promise<void>;
  /** The last `limit` (default 100, at most 10,000) requests answered, newest first. */
  requests(limit?: number): Promise<SandboxRequest[]>;
  /** Empties the request log. */
  clearRequests(): Promise<void>;
  faults(): Promise<FaultState>;
  /** Merges fault shares and delays, and queues one-off faults (consumed in order by the requests they match). */
  setFaults(change: FaultChange): Promise<FaultState>;
  /** No faults, nothing queued, counts reset. */
  clearFaults(): Promise<void>;
  /** Changes a seeded user (e.g. turns its call import off); rejects for an unknown user. */
  setUser(userId: string, change: UserChange): Promise<void>;
  /** Changes settings; resolves to the settings now in force. */
  setSettings(change: SettingsChange): Promise<SandboxSettings>;
  /** Resolves when no downloadMediaUrl fetch is under way. */
  waitForDownloads(): Promise<void>;
  /** Stops listening, closes the database, removes a temp data dir. Safe to call more than once. */
  close(): Promise<void>;
}
