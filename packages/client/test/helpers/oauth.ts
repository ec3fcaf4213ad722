import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxTokens } from "@gong-connector/sandbox";
import { GongClient, type FetchLike, type GongClientOptions, type OAuthTokens, type TokenStore } from "../../src/index.js";
import type { TestSandbox } from "../../../../test-support/sandbox.js";

/** The pair the client keeps, from what the sandbox minted; `expiresAt`/`obtainedAt` as the token endpoint would set them. */
export function pairOf(issued: SandboxTokens, overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  const now = Date.now();
  return {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: now + issued.expiresIn * 1000,
    obtainedAt: now,
    scopes: issued.scope.split(" ").filter((s) => s !== ""),
    apiBaseUrl: issued.apiBaseUrl,
    ...overrides,
  };
}

/** A pair obtained almost an hour ago with `leftMs` left: due for refresh, though the sandbox still takes it. */
export function duePair(issued: SandboxTokens, leftMs = 60_000): OAuthTokens {
  const now = Date.now();
  return pairOf(issued, { obtainedAt: now - 3600_000 + leftMs, expiresAt: now + leftMs });
}

/** One HTTP exchange as the client sent it (through the real network). */
export interface Sent {
  url: URL;
  method: string;
  authorization: string | undefined;
  status: number;
}

/**
 * The global fetch, recording each exchange; `before` runs before a request leaves, `after` once its answer is in
 * (both awaited), so a test can look at the world as the request sees it or change it right after.
 */
export function recordingFetch(hooks: { before?: (url: URL, init: RequestInit | undefined) => Promise<void> | void; after?: (sent: Sent) => Promise<void> | void } = {}): {
  fetch: FetchLike;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    await hooks.before?.(url, init);
    const res = await fetch(input, init);
    const headers = new Headers(init?.headers);
    const entry: Sent = { url, method: init?.method ?? "GET", authorization: headers.get("authorization") ?? undefined, status: res.status };
    sent.push(entry);
    await hooks.after?.(entry);
    return res;
  };
  return { fetch: wrapped, sent };
}

/** A GongClient on `store` with the sandbox's app, fast retries and no rate limit. */
export function oauthClient(sb: TestSandbox, store: TokenStore, overrides: Partial<GongClientOptions> = {}): GongClient {
  return new GongClient({
    auth: { oauth: { clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, store, oauthURL: sb.oauthUrl } },
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    rateLimit: false,
    ...overrides,
  });
}

/** How many refresh_token requests the sandbox's token endpoint has answered (since the last clearTokenRequests). */
export async function refreshCount(sb: TestSandbox): Promise<number> {
  return (await sb.tokenRequests()).filter((r) => r.grantType === "refresh_token").length;
}

/** A temp directory for a test, removed by the returned `cleanup`. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Logs every debug and warn line (message and data) of a client, to look for secrets in. */
export function captureLogger(): { logger: NonNullable<GongClientOptions["logger"]>; lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string, data?: object): void => {
    lines.push(`${msg} ${JSON.stringify(data ?? {})}`);
  };
  return { logger: { debug: push, warn: push }, lines };
}
