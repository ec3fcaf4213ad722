/** The OAuth host's state survives a restart on the same data dir; the database holds hashes, never a usable token. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox } from "../src/index.js";
import { api, approve, exchange, refresh, str } from "./oauth-flow.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "oauth-persist-"));
  dirs.push(dir);
  return dir;
}

/** Every byte the sandbox keeps in its data dir (sandbox.db and its -wal/-shm). */
async function storedBytes(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.startsWith("sandbox.db"));
  return (await Promise.all(names.map((n) => readFile(join(dir, n))))).map((b) => b.toString("latin1")).join("");
}

describe("a sandbox restarted on the same data dir", () => {
  it("keeps the app's credentials, the tokens issued, the rotation and the token endpoint's log", async () => {
    const dir = await dataDir();
    const first = await startSandbox({ dataDir: dir, ratePerSecond: 0 });
    const clientId = first.oauthClientId;
    const clientSecret = first.oauthClientSecret;
    const viaCode = await exchange(first, await approve(first));
    expect(viaCode.status).toBe(200);
    const minted = await first.issueTokens({ scopes: ["api:users:read"] });
    const rotated = await refresh(first, minted.refreshToken);
    expect(rotated.status).toBe(200);
    const secrets = [clientSecret, str(viaCode.json?.access_token), str(viaCode.json?.refresh_token), minted.accessToken, minted.refreshToken, str(rotated.json?.access_token), str(rotated.json?.refresh_token)];
    const bytesWhileRunning = await storedBytes(dir);
    await first.close();

    // Hashes only: no token is readable from the data dir (the app's client secret is, like the access key secret).
    const bytes = bytesWhileRunning + (await storedBytes(dir));
    for (const token of secrets.slice(1)) expect(bytes).not.toContain(token);

    const second = await startSandbox({ dataDir: dir, ratePerSecond: 0 });
    try {
      expect(second.oauthClientId).toBe(clientId);
      expect(second.oauthClientSecret).toBe(clientSecret);
      // A new OAuth port, and api_base_url_for_customer is the new API port.
      expect((await api(second.baseUrl, "/v2/users", str(viaCode.json?.access_token))).status).toBe(200);
      expect((await api(second.baseUrl, "/v2/users", str(rotated.json?.access_token))).status).toBe(200);
      expect((await refresh(second, minted.refreshToken)).json?.error).toBe("invalid_grant");
      const again = await refresh(second, str(rotated.json?.refresh_token));
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ scope: "api:users:read", api_base_url_for_customer: second.baseUrl });
      expect((await refresh(second, str(viaCode.json?.refresh_token))).status).toBe(200);
      expect((await second.tokenRequests()).map((r) => r.grantType)).toEqual(["authorization_code", "refresh_token", "refresh_token", "refresh_token", "refresh_token"]);
      // expireAccessTokens holds across a restart too.
      await second.expireAccessTokens();
    } finally {
      await second.close();
    }
    const third = await startSandbox({ dataDir: dir, ratePerSecond: 0 });
    try {
      expect((await api(third.baseUrl, "/v2/users", str(viaCode.json?.access_token))).status).toBe(403);
    } finally {
      await third.close();
    }
  });

  it("takes given app credentials over the kept ones, and keeps those", async () => {
    const dir = await dataDir();
    const a = await startSandbox({ dataDir: dir, oauthClientId: "my-app", oauthClientSecret: "my-app-secret-0123456789abcdef" });
    await a.close();
    const b = await startSandbox({ dataDir: dir });
    try {
      expect([b.oauthClientId, b.oauthClientSecret]).toEqual(["my-app", "my-app-secret-0123456789abcdef"]);
    } finally {
      await b.close();
    }
  });

  it("two sandboxes in two data dirs have different apps", async () => {
    const [a, b] = await Promise.all([startSandbox(), startSandbox()]);
    try {
      expect(a.oauthClientId).not.toBe(b.oauthClientId);
      expect(a.oauthClientSecret).not.toBe(b.oauthClientSecret);
      // One sandbox's token is nothing to the other.
      const t = await a.issueTokens();
      expect((await api(b.baseUrl, "/v2/users", t.accessToken)).status).toBe(403);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("the admin API's OAuth routes", () => {
  it("issue tokens, list and clear the token endpoint's calls, expire access tokens, and report the OAuth host", async () => {
    const sb = await startSandbox({ admin: true, ratePerSecond: 0 });
    try {
      const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const res = await fetch(new URL(`/__sandbox${path}`, sb.baseUrl), {
          method,
          headers: { authorization: `Bearer ${sb.adminToken ?? ""}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const info = await admin("GET", "/info");
      expect(info.json).toMatchObject({ oauthUrl: sb.oauthUrl, oauthClientId: sb.oauthClientId, tokenTtlSeconds: 3600 });
      expect(JSON.stringify(info.json)).not.toContain(sb.oauthClientSecret);

      const issued = await admin("POST", "/oauth/tokens", { scopes: ["api:users:read"], ttlSeconds: 30 });
      expect(issued.status).toBe(200);
      expect(issued.json).toMatchObject({ scope: "api:users:read", expiresIn: 30, apiBaseUrl: sb.baseUrl });
      const bad = await admin("POST", "/oauth/tokens", { scopes: ["nope"] });
      expect(bad.status).toBe(400);
      expect(bad.json.errors).toEqual([expect.stringMatching(/^scopes\.0: must be one of/)]);

      expect((await refresh(sb, str(issued.json.refreshToken))).status).toBe(200);
      expect((await admin("GET", "/oauth/token-requests")).json.tokenRequests).toEqual([{ at: expect.any(String) as string, grantType: "refresh_token", status: 200 }]);
      await admin("DELETE", "/oauth/token-requests");
      expect((await admin("GET", "/oauth/token-requests")).json.tokenRequests).toEqual([]);

      const t = await sb.issueTokens();
      expect((await api(sb.baseUrl, "/v2/users", t.accessToken)).status).toBe(200);
      expect((await admin("POST", "/oauth/expire-access-tokens", {})).status).toBe(200);
      expect((await api(sb.baseUrl, "/v2/users", t.accessToken)).status).toBe(403);
      expect((await admin("PUT", "/settings", { tokenTtlSeconds: 5 })).json.tokenTtlSeconds).toBe(5);
    } finally {
      await sb.close();
    }
  });
});
