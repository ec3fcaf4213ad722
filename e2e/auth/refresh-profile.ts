/** OAuth profiles written as `auth login` leaves them, for the refresh tests of the CLI. */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningSandbox, SandboxTokens } from "@gong-connector/sandbox";

export interface StoredPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  obtainedAt: string;
  scopes: string[];
  apiBaseUrl: string;
}

export interface OAuthProfileFile {
  kind: "oauth";
  clientId: string;
  clientSecret: string;
  oauthUrl: string;
  tokens: StoredPair;
}

export function profilePath(configDir: string, name: string): string {
  return join(configDir, "profiles", `${name}.json`);
}

/** Writes `<configDir>/profiles/<name>.json` (directory 0700, file 0600) holding `issued` for the sandbox's app. */
export function writeOAuthProfile(configDir: string, name: string, sb: RunningSandbox, issued: SandboxTokens, pair: Partial<StoredPair> = {}): string {
  const dir = join(configDir, "profiles");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(configDir, 0o700);
  chmodSync(dir, 0o700);
  const now = Date.now();
  const profile: OAuthProfileFile = {
    kind: "oauth",
    clientId: sb.oauthClientId,
    clientSecret: sb.oauthClientSecret,
    oauthUrl: sb.oauthUrl,
    tokens: {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: new Date(now + issued.expiresIn * 1000).toISOString(),
      obtainedAt: new Date(now).toISOString(),
      scopes: issued.scope.split(" "),
      apiBaseUrl: issued.apiBaseUrl,
      ...pair,
    },
  };
  const path = profilePath(configDir, name);
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export function readOAuthProfile(configDir: string, name: string): OAuthProfileFile {
  return JSON.parse(readFileSync(profilePath(configDir, name), "utf8")) as OAuthProfileFile;
}

export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Uses a refresh token the way another process would (and keeps the new pair from the caller): it is void after. */
export async function useRefreshToken(sb: RunningSandbox, refreshToken: string): Promise<void> {
  const url = new URL("/oauth2/generate-customer-token", sb.oauthUrl);
  url.searchParams.set("grant_type", "refresh_token");
  url.searchParams.set("refresh_token", refreshToken);
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${sb.oauthClientId}:${sb.oauthClientSecret}`).toString("base64")}` },
  });
  if (res.status !== 200) throw new Error(`the token endpoint answered ${String(res.status)}: ${await res.text()}`);
}

/** How many refresh_token requests the sandbox's token endpoint answered, by status. */
export async function refreshRequests(sb: RunningSandbox): Promise<{ status: number; error?: string }[]> {
  return (await sb.tokenRequests()).filter((r) => r.grantType === "refresh_token").map((r) => ({ status: r.status, ...(r.error !== undefined && { error: r.error }) }));
}

/** Every secret of a profile: none may appear in what the CLI prints. */
export function secretsOf(sb: RunningSandbox, ...pairs: { accessToken: string; refreshToken: string }[]): string[] {
  return [sb.oauthClientSecret, ...pairs.flatMap((p) => [p.accessToken, p.refreshToken])];
}
