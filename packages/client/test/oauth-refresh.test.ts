/**
 * The client's OAuth connection against the sandbox over real HTTP: the customer's API host, refresh before expiry
 * and after one 401, single-flight refresh, the pair saved before use, a refused refresh, a missing scope.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthenticationError, FileTokenStore, GongClient, listUsers, OAuthError, PermissionDeniedError, type OAuthTokens } from "../src/index.js";
import { withSandbox } from "../../../test-support/sandbox.js";
import { captureLogger, duePair, oauthClient, pairOf, recordingFetch, refreshCount, tempDir } from "./helpers/oauth.js";

const sandbox = withSandbox();

let dir = "";
let cleanup: () => Promise<void> = () => Promise.resolve();
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("gong-oauth-"));
  await sandbox().clearTokenRequests();
});
afterEach(async () => {
  await cleanup();
});

async function storeWith(tokens: OAuthTokens, name = "conn.json"): Promise<FileTokenStore> {
  const store = new FileTokenStore(join(dir, name));
  await store.save(tokens);
  return store;
}

async function fileTokens(name = "conn.json"): Promise<Record<string, unknown>> {
  const doc = JSON.parse(await readFile(join(dir, name), "utf8")) as { tokens: Record<string, unknown> };
  return doc.tokens;
}

describe("the customer's API host", () => {
  it("sends every request to api_base_url_for_customer, never to the OAuth host or the configured base URL", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    expect(issued.apiBaseUrl).toBe(sb.baseUrl);
    expect(issued.apiBaseUrl).not.toBe(sb.oauthUrl);
    const { fetch, sent } = recordingFetch();
    // The configured base URL is the OAuth host, which serves no API: a client that used it would fail.
    const client = oauthClient(sb, await storeWith(pairOf(issued)), { fetch, baseURL: sb.oauthUrl });
    const users = await listUsers(client);
    expect(users.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(0);
    for (const s of sent) expect(s.url.origin).toBe(new URL(sb.baseUrl).origin);
    expect((await client.resolveBaseURL()).origin).toBe(new URL(sb.baseUrl).origin);
    expect(await client.grantedScopes()).toEqual(issued.scope.split(" "));
  });

  it("the OAuth host answers no API request (so the test above would fail with a client that ignored the token's host)", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const res = await fetch(new URL("/v2/users", sb.oauthUrl), { headers: { authorization: `Bearer ${issued.accessToken}` } });
    expect(res.status).toBe(404);
    const wrong = new GongClient({ baseURL: sb.oauthUrl, auth: { bearerToken: issued.accessToken }, rateLimit: false, maxRetries: 0 });
    await expect(wrong.request({ method: "GET", path: "/v2/users" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("refresh", () => {
  it("refreshes a pair with under 5 minutes left before the request, saves it, and sends the new token", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const { fetch, sent } = recordingFetch();
    const client = oauthClient(sb, await storeWith(duePair(issued, 60_000)), { fetch });
    await client.request({ method: "GET", path: "/v2/users" });
    expect(await refreshCount(sb)).toBe(1);
    // The token request went to the OAuth host, the API request after it to the API host with the new token.
    expect(sent.map((s) => `${s.method} ${s.url.origin === new URL(sb.oauthUrl).origin ? "oauth" : "api"} ${s.url.pathname}`)).toEqual([
      "POST oauth /oauth2/generate-customer-token",
      "GET api /v2/users",
    ]);
    const saved = await fileTokens();
    expect(saved.accessToken).not.toBe(issued.accessToken);
    expect(saved.refreshToken).not.toBe(issued.refreshToken);
    expect(sent[1]?.authorization).toBe(`Bearer ${String(saved.accessToken)}`);
    // A second request uses the saved pair as it is.
    await client.request({ method: "GET", path: "/v2/users" });
    expect(await refreshCount(sb)).toBe(1);
  });

  it("a short-lived token is refreshed when half its life is gone, not before every request", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens({ ttlSeconds: 120 });
    const now = Date.now();
    // 120 s of life, 70 s left: not due (the margin is half the life, 60 s).
    const client = oauthClient(sb, await storeWith(pairOf(issued, { obtainedAt: now - 50_000, expiresAt: now + 70_000 })));
    await client.request({ method: "GET", path: "/v2/users" });
    expect(await refreshCount(sb)).toBe(0);
    // 50 s left: due.
    const client2 = oauthClient(sb, await storeWith(pairOf(issued, { obtainedAt: now - 70_000, expiresAt: now + 50_000 }), "b.json"));
    await client2.request({ method: "GET", path: "/v2/users" });
    expect(await refreshCount(sb)).toBe(1);
  });

  // Gong refuses a token with 401 on /v2/calls* and with 403 on users and workspaces (CONTRACT.md §1).
  const refusedRequests = [
    { name: "POST /v2/calls (401)", status: 401, errorClass: AuthenticationError, send: (c: GongClient) => c.request({ method: "POST", path: "/v2/calls", body: sandbox().validCall() }) },
    { name: "GET /v2/users (403)", status: 403, errorClass: PermissionDeniedError, send: (c: GongClient) => c.request({ method: "GET", path: "/v2/users" }) },
  ];

  it.each(refusedRequests)("after one refusal of $name refreshes once and sends once more", async ({ status, send }) => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const { fetch, sent } = recordingFetch();
    const { logger, lines } = captureLogger();
    const client = oauthClient(sb, await storeWith(pairOf(issued)), { fetch, logger });
    await send(client);
    await sb.expireAccessTokens();
    const callsBefore = (await sb.calls()).length;
    await send(client);
    expect(await refreshCount(sb)).toBe(1);
    const path = sent[0]?.url.pathname ?? "";
    expect(sent.map((s) => `${s.url.pathname} ${String(s.status)}`)).toEqual([
      `${path} 200`,
      `${path} ${String(status)}`,
      "/oauth2/generate-customer-token 200",
      `${path} 200`,
    ]);
    // A refused Add call was not processed: sent again, added once.
    if (path === "/v2/calls") expect((await sb.calls()).length).toBe(callsBefore + 1);
    expect(lines.some((l) => l.includes("refreshing"))).toBe(true);
  });

  it.each(refusedRequests)("a second refusal of $name (the new token refused too) is thrown, after one refresh only", async ({ status, errorClass, send }) => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    // Every pair is expired as soon as the token endpoint issues it.
    const { fetch, sent } = recordingFetch({
      after: async (s) => {
        if (s.url.pathname.startsWith("/oauth2/")) await sb.expireAccessTokens();
      },
    });
    await sb.expireAccessTokens();
    const client = oauthClient(sb, await storeWith(pairOf(issued)), { fetch });
    const error = await send(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status });
    expect(await refreshCount(sb)).toBe(1);
    const path = sent[0]?.url.pathname ?? "";
    expect(sent.map((s) => `${s.url.pathname} ${String(s.status)}`)).toEqual([`${path} ${String(status)}`, "/oauth2/generate-customer-token 200", `${path} ${String(status)}`]);
    // The refreshed pair was saved all the same (the old refresh token is void).
    expect((await fileTokens()).refreshToken).not.toBe(issued.refreshToken);
    // Both tokens had the scope: the message says the token may have been revoked.
    expect((error as Error).message).toMatch(/log in again/);
  });

  it("single-flight in one process: 20 concurrent requests with a due token make 1 token request", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const client = oauthClient(sb, await storeWith(duePair(issued)));
    const results = await Promise.all(Array.from({ length: 20 }, () => client.request({ method: "GET", path: "/v2/workspaces" })));
    expect(results).toHaveLength(20);
    expect(await refreshCount(sb)).toBe(1);
    expect(await sb.tokenRequests()).toHaveLength(1);
  });

  it("single-flight in one process after a 401: 20 concurrent requests with an expired token make 1 token request", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const client = oauthClient(sb, await storeWith(pairOf(issued)));
    await sb.expireAccessTokens();
    await Promise.all(Array.from({ length: 20 }, () => client.request({ method: "GET", path: "/v2/workspaces" })));
    expect(await refreshCount(sb)).toBe(1);
  });

  it("two clients on one FileTokenStore file (two stores, as two processes have) refresh once", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await storeWith(duePair(issued));
    const a = oauthClient(sb, new FileTokenStore(join(dir, "conn.json")));
    const b = oauthClient(sb, new FileTokenStore(join(dir, "conn.json")));
    await Promise.all([
      ...Array.from({ length: 5 }, () => a.request({ method: "GET", path: "/v2/users" })),
      ...Array.from({ length: 5 }, () => b.request({ method: "GET", path: "/v2/users" })),
    ]);
    expect(await refreshCount(sb)).toBe(1);
    const saved = await fileTokens();
    expect((await a.resolveBaseURL()).href).toBe((await b.resolveBaseURL()).href);
    expect(saved.accessToken).not.toBe(issued.accessToken);
  });

  it("two clients on one file with an expired token (401) refresh once", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await storeWith(pairOf(issued));
    const a = oauthClient(sb, new FileTokenStore(join(dir, "conn.json")));
    const b = oauthClient(sb, new FileTokenStore(join(dir, "conn.json")));
    await sb.expireAccessTokens();
    await Promise.all([a.request({ method: "GET", path: "/v2/users" }), b.request({ method: "GET", path: "/v2/users" })]);
    expect(await refreshCount(sb)).toBe(1);
  });

  it("the new pair is in the store when the first request with it arrives", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const onDisk: (string | undefined)[] = [];
    const { fetch, sent } = recordingFetch({
      before: async (url, init) => {
        if (!url.pathname.startsWith("/v2/")) return;
        const doc = JSON.parse(await readFile(join(dir, "conn.json"), "utf8")) as { tokens: { accessToken: string } };
        const authorization = new Headers(init?.headers).get("authorization");
        onDisk.push(authorization === `Bearer ${doc.tokens.accessToken}` ? "saved" : "not saved");
      },
    });
    const client = oauthClient(sb, await storeWith(duePair(issued)), { fetch });
    await client.request({ method: "GET", path: "/v2/users" });
    expect(sent.map((s) => s.url.pathname)).toEqual(["/oauth2/generate-customer-token", "/v2/users"]);
    expect(onDisk).toEqual(["saved"]);
  });

  it("after a 401, a pair another process already saved is taken from the store, without a token request", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const client = oauthClient(sb, await storeWith(pairOf(issued)));
    await client.request({ method: "GET", path: "/v2/users" });
    // The token this client holds stops working, and another process has saved a new pair meanwhile.
    await sb.expireAccessTokens();
    const fresh = await sb.issueTokens();
    await new FileTokenStore(join(dir, "conn.json")).save(pairOf(fresh));
    const { fetch, sent } = recordingFetch();
    const again = oauthClient(sb, new FileTokenStore(join(dir, "conn.json")), { fetch });
    await again.request({ method: "GET", path: "/v2/users" });
    await client.request({ method: "GET", path: "/v2/users" });
    expect(await sb.tokenRequests()).toHaveLength(0);
    expect(sent.map((s) => s.authorization)).toEqual([`Bearer ${fresh.accessToken}`]);
  });
});

describe("a refused refresh", () => {
  it("invalid_grant (the refresh token was used elsewhere) is an OAuthError, exit code 3, saying to log in again", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const store = await storeWith(pairOf(issued));
    // Someone else used the refresh token (and kept the new pair to themselves).
    const used = await fetch(
      new URL(`/oauth2/generate-customer-token?grant_type=refresh_token&refresh_token=${encodeURIComponent(issued.refreshToken)}`, sb.oauthUrl),
      { method: "POST", headers: { authorization: `Basic ${Buffer.from(`${sb.oauthClientId}:${sb.oauthClientSecret}`).toString("base64")}` } },
    );
    expect(used.status).toBe(200);
    await sb.expireAccessTokens();
    await sb.clearTokenRequests();
    const { logger, lines } = captureLogger();
    const client = oauthClient(sb, store, { logger });
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    const e = error as OAuthError;
    expect(e.code).toBe("invalid_grant");
    expect(e.status).toBe(400);
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/log in again/);
    expect(await sb.tokenRequests()).toEqual([expect.objectContaining({ grantType: "refresh_token", status: 400, error: "invalid_grant" })]);
    const dumps = [e.message, e.stack ?? "", JSON.stringify(e), lines.join("\n")];
    for (const dump of dumps) {
      for (const secret of [issued.refreshToken, issued.accessToken, sb.oauthClientSecret]) expect(dump).not.toContain(secret);
    }
    // The store keeps the pair it had: nothing better to keep.
    expect((await fileTokens()).refreshToken).toBe(issued.refreshToken);
  });

  it("a wrong client secret is invalid_client, exit code 3, naming the app's credentials", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const client = new GongClient({
      auth: { oauth: { clientId: sb.oauthClientId, clientSecret: "not-the-secret-of-this-app", store: await storeWith(duePair(issued)), oauthURL: sb.oauthUrl } },
      rateLimit: false,
    });
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: "invalid_client", exitCode: 3 });
    expect((error as Error).message).toMatch(/client id and client secret/);
    expect((error as Error).message).not.toContain("not-the-secret-of-this-app");
  });
});

describe("scopes", () => {
  it("a missing scope names the scope and makes no token request", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens({ scopes: ["api:calls:create", "api:calls:read:basic"] });
    const client = oauthClient(sb, await storeWith(pairOf(issued)));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error instanceof AuthenticationError || error instanceof PermissionDeniedError).toBe(true);
    const e = error as AuthenticationError;
    expect(e.message).toContain("this Gong app lacks the scope api:users:read");
    expect(e.requiredScope).toBe("api:users:read");
    expect(await sb.tokenRequests()).toHaveLength(0);
    // The scope it has works.
    await expect(client.request({ method: "GET", path: "/v2/calls/1234567890123456789" })).rejects.toMatchObject({ status: 404 });
  });

  it("each action's missing scope is named: workspaces and Add call", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens({ scopes: ["api:users:read"] });
    const client = oauthClient(sb, await storeWith(pairOf(issued)));
    await expect(client.request({ method: "GET", path: "/v2/workspaces" })).rejects.toThrow(/lacks the scope api:workspaces:read/);
    await expect(client.request({ method: "POST", path: "/v2/calls", body: sb.validCall() })).rejects.toThrow(/lacks the scope api:calls:create/);
    expect(await sb.tokenRequests()).toHaveLength(0);
  });
});

describe("a token endpoint that fails", () => {
  const TOKEN_PATH = "/oauth2/generate-customer-token";
  afterEach(async () => {
    await sandbox().clearFaults();
  });

  it("503 or a dropped connection before any work: tried again (at most 3 attempts), the new pair saved once", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "503", path: TOKEN_PATH }, { fault: "drop", path: TOKEN_PATH }] });
    const client = oauthClient(sb, await storeWith(duePair(issued)));
    await client.request({ method: "GET", path: "/v2/users" });
    expect((await sb.tokenRequests()).map((r) => r.status)).toEqual([503, 0, 200]);
    expect((await fileTokens()).refreshToken).not.toBe(issued.refreshToken);
  });

  it("three failures: gives up with OAuthError (exit 4), the stored pair untouched", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "503", path: TOKEN_PATH }, { fault: "500", path: TOKEN_PATH }, { fault: "503", path: TOKEN_PATH }] });
    const client = oauthClient(sb, await storeWith(duePair(issued)));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ status: 503, exitCode: 4 });
    expect(await sb.tokenRequests()).toHaveLength(3);
    expect((await fileTokens()).refreshToken).toBe(issued.refreshToken);
  });

  it("a 429 is tried again after the Retry-After it asks for; one asking for more than 60 s gives up at once (exit 4)", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "429", path: TOKEN_PATH, retryAfterSeconds: 1 }] });
    const client = oauthClient(sb, await storeWith(duePair(issued)));
    await client.request({ method: "GET", path: "/v2/users" });
    const [refused, granted] = await sb.tokenRequests();
    expect([refused?.status, granted?.status]).toEqual([429, 200]);
    // The wait asked for (1 s) was kept, not the client's 5 ms back-off.
    expect(Date.parse(granted?.at ?? "") - Date.parse(refused?.at ?? "")).toBeGreaterThanOrEqual(950);

    await sb.clearTokenRequests();
    const next = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "429", path: TOKEN_PATH, retryAfterSeconds: 3600 }] });
    const error = await oauthClient(sb, await storeWith(duePair(next), "b.json"))
      .request({ method: "GET", path: "/v2/users" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "OAuthError", status: 429, exitCode: 4 });
    expect(await sb.tokenRequests()).toHaveLength(1);
  });

  it("an answer lost after the host refreshed (500-after-commit): the old refresh token is spent, so it ends in invalid_grant, log in again", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "500-after-commit", path: TOKEN_PATH }] });
    const client = oauthClient(sb, await storeWith(duePair(issued)));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "OAuthError", code: "invalid_grant", exitCode: 3 });
    expect((error as Error).message).toMatch(/log in again/);
    expect((await sb.tokenRequests()).map((r) => [r.status, r.error])).toEqual([
      [500, "server_error"],
      [400, "invalid_grant"],
    ]);
  });
});
