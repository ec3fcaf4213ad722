/** The sandbox's OAuth host over real HTTP: consent, codes, tokens, rotation, expiry, scopes, the two ports. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../src/index.js";
import { rawSend } from "../../../test-support/raw-http.js";
import {
  ALL_SCOPES,
  api,
  approve,
  authorizeUrl,
  clientBasic,
  exchange,
  formFields,
  getPage,
  goodParams,
  openConsent,
  postConsent,
  REDIRECT_URI,
  refresh,
  str,
  tokenRequest,
} from "./oauth-flow.js";

const FORM = "application/x-www-form-urlencoded";
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox({ ratePerSecond: 0, ratePerDay: 0, authFailureLimit: 0 });
});

afterAll(async () => {
  await sb.close();
});

beforeEach(async () => {
  await sb.clearTokenRequests();
  await sb.setSettings({ tokenTtlSeconds: 3600 });
});

describe("the handle", () => {
  it("has an OAuth host on a port of its own, and a registered app whose secret has at least 144 random bits", () => {
    expect(sb.oauthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(sb.oauthUrl).port).not.toBe(String(sb.port));
    expect(sb.oauthClientId).toMatch(/^sbx_app_[A-Za-z0-9_-]+$/);
    // base64url: 6 bits a character.
    expect(sb.oauthClientSecret.length * 6).toBeGreaterThanOrEqual(144);
    expect(sb.oauthClientSecret).not.toBe(sb.accessKeySecret);
  });
});

describe("authorization code flow", () => {
  it("consent page → Approve → code → tokens that work on the API port", async () => {
    const page = await getPage(authorizeUrl(sb, goodParams(sb, { scope: "api:users:read api:calls:create" })));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain(sb.oauthClientId);
    expect(page.text).toContain("<code>api:users:read</code>");
    expect(page.text).toContain("<code>api:calls:create</code>");
    expect(page.text).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
    // The call pages' strict headers; form-action also allows the app's origin (the redirect answering the form).
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self' http://127.0.0.1:53682; frame-ancestors 'none'",
    );
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.text).not.toMatch(/<script|\sstyle\s*=|\son[a-z]+\s*=/i);
    const css = await fetch(new URL("/assets/page.css", sb.oauthUrl));
    expect(css.status).toBe(200);

    const fields = formFields(page.text);
    expect(fields).toMatchObject({ client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI, scope: "api:users:read api:calls:create", state: "st-123" });
    expect(fields.form_token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const answer = await postConsent(sb, { ...fields, decision: "approve" });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("state")).toBe("st-123");
    const code = str(location.searchParams.get("code"));

    const tokens = await exchange(sb, code);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(tokens.json ?? {}).sort()).toEqual(["access_token", "api_base_url_for_customer", "expires_in", "refresh_token", "scope", "token_type"]);
    expect(tokens.json).toMatchObject({ scope: "api:users:read api:calls:create", token_type: "bearer", expires_in: 3600, api_base_url_for_customer: sb.baseUrl });

    const base = str(tokens.json?.api_base_url_for_customer);
    const access = str(tokens.json?.access_token);
    expect((await api(base, "/v2/users", access)).status).toBe(200);
    expect((await api(base, "/v2/workspaces", access)).status).toBe(403);
    expect(await sb.tokenRequests()).toEqual([{ at: expect.any(String) as string, grantType: "authorization_code", status: 200 }]);
    // The request log knows the token by its grant, never by the token.
    const logged = (await sb.requests(2)).find((r) => r.path === "/v2/users");
    expect(logged?.principal).toMatch(/^oauth:[0-9a-f]{18}$/);
    expect(JSON.stringify(await sb.requests())).not.toContain(access);
  });

  it("Deny redirects with error=access_denied and the state, and no code", async () => {
    const fields = await openConsent(sb, goodParams(sb, { state: "deny-me" }));
    const answer = await postConsent(sb, { ...fields, decision: "deny" });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(Object.fromEntries(location.searchParams)).toEqual({ error: "access_denied", state: "deny-me" });
  });

  it("passes a missing state through as absent, and keeps the redirect URI's own query", async () => {
    const fields = await openConsent(sb, goodParams(sb, { state: undefined, redirect_uri: "https://app.example.com/cb?tenant=7" }));
    expect(fields.state).toBeUndefined();
    const answer = await postConsent(sb, { ...fields, decision: "approve" });
    const location = new URL(answer.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("https://app.example.com/cb");
    expect([...location.searchParams.keys()].sort()).toEqual(["code", "tenant"]);
    expect(location.searchParams.get("tenant")).toBe("7");
  });

  it("accepts every loopback spelling and https", async () => {
    for (const uri of ["http://127.0.0.1:8080/callback", "http://localhost/cb", "http://[::1]:9000/cb", "http://127.5.6.7/x", "https://example.com/oauth/callback"]) {
      expect((await getPage(authorizeUrl(sb, goodParams(sb, { redirect_uri: uri })))).status, uri).toBe(200);
    }
  });
});

describe("GET /oauth2/authorize refuses a bad request with a 400 page naming the parameter, never a redirect", () => {
  const cases: [string, Record<string, string | string[] | undefined>, string][] = [
    ["no client_id", { client_id: undefined }, "client_id: required"],
    ["an unknown client_id", { client_id: "someone-else" }, "client_id: no OAuth app with this client id is registered"],
    ["client_id twice", { client_id: ["a", "b"] }, "client_id: must be given once"],
    ["response_type=token", { response_type: "token" }, "response_type: must be code"],
    ["no response_type", { response_type: undefined }, "response_type: must be code"],
    ["an unknown scope", { scope: "api:calls:create api:everything" }, "scope: unknown scope &#39;api:everything&#39;"],
    ["no scope", { scope: undefined }, "scope: must name at least one scope"],
    ["an empty scope", { scope: "   " }, "scope: must name at least one scope"],
    ["no redirect_uri", { redirect_uri: undefined }, "redirect_uri: required"],
    ["http on another host", { redirect_uri: "http://example.com/cb" }, "redirect_uri: must be an absolute http:// URL on a loopback host"],
    ["http on a private address", { redirect_uri: "http://192.168.1.2/cb" }, "redirect_uri: must be an absolute http:// URL on a loopback host"],
    ["a javascript: URI", { redirect_uri: "javascript:alert(1)" }, "redirect_uri: must be"],
    ["a data: URI", { redirect_uri: "data:text/html,hi" }, "redirect_uri: must be"],
    ["ftp", { redirect_uri: "ftp://127.0.0.1/cb" }, "redirect_uri: must be"],
    ["a relative URI", { redirect_uri: "/callback" }, "redirect_uri: must be"],
    ["a fragment", { redirect_uri: "http://127.0.0.1:8080/cb#x" }, "redirect_uri: must be"],
    ["user info", { redirect_uri: "https://user:pw@example.com/cb" }, "redirect_uri: must be"],
    ["a host a CSP could not hold", { redirect_uri: "https://a;b.example.com/cb" }, "redirect_uri: must be"],
    ["a space", { redirect_uri: "https://example.com/c b" }, "redirect_uri: must be"],
    ["an over-long redirect_uri", { redirect_uri: `https://example.com/${"a".repeat(2100)}` }, "redirect_uri: must be at most 2000 characters"],
    ["an over-long state", { state: "s".repeat(1001) }, "state: must be at most 1000 characters"],
  ];
  it.each(cases)("%s", async (_name, overrides, message) => {
    const page = await getPage(authorizeUrl(sb, goodParams(sb, overrides)));
    expect(page.status).toBe(400);
    expect(page.headers.get("location")).toBeNull();
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self';");
    expect(page.text).toContain(message);
    expect(page.text).not.toContain("<form");
  });

  it("names every wrong parameter at once", async () => {
    const page = await getPage(authorizeUrl(sb, { client_id: "x", response_type: "token", scope: "nope", redirect_uri: "http://evil.example/" }));
    expect(page.status).toBe(400);
    for (const name of ["client_id:", "response_type:", "scope:", "redirect_uri:"]) expect(page.text).toContain(name);
  });

  it("escapes what it repeats", async () => {
    const page = await getPage(authorizeUrl(sb, goodParams(sb, { scope: `<script>alert(1)</script>` })));
    expect(page.status).toBe(400);
    expect(page.text).not.toContain("<script>");
    expect(page.text).toContain("&lt;script&gt;");
  });
});

describe("POST /oauth2/authorize (the consent form)", () => {
  it("takes each page's anti-forgery token once", async () => {
    const fields = await openConsent(sb, goodParams(sb));
    expect((await postConsent(sb, { ...fields, decision: "approve" })).status).toBe(302);
    const again = await postConsent(sb, { ...fields, decision: "approve" });
    expect(again.status).toBe(400);
    expect(again.text).toContain("form_token: unknown, already used or expired");
    expect(again.headers.get("location")).toBeNull();
  });

  it("refuses a form without its token, a forged token, or no decision", async () => {
    const fields = await openConsent(sb, goodParams(sb));
    const { form_token: _t, ...rest } = fields;
    expect((await postConsent(sb, { ...rest, decision: "approve" })).text).toContain("form_token: required");
    expect((await postConsent(sb, { ...fields, form_token: "forged", decision: "approve" })).status).toBe(400);
    const noDecision = await postConsent(sb, fields);
    expect(noDecision.status).toBe(400);
    expect(noDecision.text).toContain("decision: must be approve or deny");
  });

  it("refuses a form whose parameters were changed after the page was shown (the redirect goes nowhere else)", async () => {
    for (const [name, value] of [["redirect_uri", "https://evil.example/steal"], ["scope", "api:calls:create"], ["state", "other"], ["client_id", "x"]]) {
      const fields = await openConsent(sb, goodParams(sb));
      const answer = await postConsent(sb, { ...fields, [name as string]: value as string, decision: "approve" });
      expect(answer.status, name).toBe(400);
      expect(answer.text).toContain(`${name}: differs from the request the consent page was shown for`);
      expect(answer.headers.get("location")).toBeNull();
    }
  });

  it("refuses a form posted from another site", async () => {
    const fields = await openConsent(sb, goodParams(sb));
    expect((await postConsent(sb, { ...fields, decision: "approve" }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    const fields2 = await openConsent(sb, goodParams(sb));
    expect((await postConsent(sb, { ...fields2, decision: "approve" }, { origin: "https://evil.example" })).status).toBe(403);
    // The page's own origin (or "null", what a browser sends under Referrer-Policy: no-referrer) is fine.
    expect((await postConsent(sb, { ...fields2, decision: "approve" }, { origin: sb.oauthUrl, "sec-fetch-site": "same-origin" })).status).toBe(302);
    const fields3 = await openConsent(sb, goodParams(sb));
    expect((await postConsent(sb, { ...fields3, decision: "approve" }, { origin: "null" })).status).toBe(302);
  });
});

describe("POST /oauth2/generate-customer-token", () => {
  it("takes its parameters from a form body as well as from the query string", async () => {
    const viaForm = await exchange(sb, await approve(sb), "form");
    expect(viaForm.status, viaForm.text).toBe(200);
    const refreshed = await refresh(sb, str(viaForm.json?.refresh_token), "form");
    expect(refreshed.status, refreshed.text).toBe(200);
    // Some in the query, the rest in the body.
    const code = await approve(sb);
    const mixed = await tokenRequest(sb, { code, client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI }, { via: "form", query: { grant_type: "authorization_code" } });
    expect(mixed.status, mixed.text).toBe(200);
  });

  it("refuses a parameter given twice with different values, and a body that is not a form", async () => {
    const code = await approve(sb);
    const conflict = await tokenRequest(sb, { grant_type: "authorization_code", code, client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI }, { via: "form", query: { code: "other" } });
    expect(conflict.status).toBe(400);
    expect(conflict.json).toEqual({ error: "invalid_request", error_description: "code: given more than once with different values (query string and body must agree)" });
    const json = await tokenRequest(sb, {}, { contentType: "application/json", body: JSON.stringify({ grant_type: "authorization_code", code }) });
    expect(json.status).toBe(400);
    expect(json.json).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("application/x-www-form-urlencoded") as string });
    // The code was not spent by the refusals.
    expect((await exchange(sb, code)).status).toBe(200);
  });

  it("takes query parameters whatever an empty body is labelled", async () => {
    for (const contentType of ["application/json", "text/plain", FORM]) {
      const { refreshToken } = await sb.issueTokens();
      const res = await tokenRequest(sb, { grant_type: "refresh_token", refresh_token: refreshToken }, { contentType, body: "" });
      expect(res.status, contentType).toBe(200);
    }
  });

  it("names what is missing or wrong", async () => {
    const code = await approve(sb);
    const cases: [Record<string, string | undefined>, number, string, string][] = [
      [{}, 400, "invalid_request", "grant_type: required"],
      [{ grant_type: "password" }, 400, "unsupported_grant_type", "grant_type: must be authorization_code or refresh_token"],
      [{ grant_type: "client_credentials" }, 400, "unsupported_grant_type", "grant_type:"],
      [{ grant_type: "authorization_code", client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI }, 400, "invalid_request", "code: required"],
      [{ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }, 400, "invalid_request", "client_id: required"],
      [{ grant_type: "authorization_code", code, client_id: sb.oauthClientId }, 400, "invalid_request", "redirect_uri: required"],
      [{ grant_type: "authorization_code", code, client_id: "another", redirect_uri: REDIRECT_URI }, 400, "invalid_request", "client_id: does not match"],
      [{ grant_type: "authorization_code", code, client_id: sb.oauthClientId, redirect_uri: "http://127.0.0.1:1/other" }, 400, "invalid_grant", "redirect_uri: does not match"],
      [{ grant_type: "authorization_code", code: "sbx_code_madeup", client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI }, 400, "invalid_grant", "code: unknown"],
      [{ grant_type: "refresh_token" }, 400, "invalid_request", "refresh_token: required"],
      [{ grant_type: "refresh_token", refresh_token: "sbx_ort_madeup" }, 400, "invalid_grant", "refresh_token: unknown"],
    ];
    for (const [params, status, error, description] of cases) {
      const res = await tokenRequest(sb, params);
      expect(res.status, JSON.stringify(params)).toBe(status);
      expect(res.json?.error, JSON.stringify(params)).toBe(error);
      expect(str(res.json?.error_description)).toContain(description);
      expect(Object.keys(res.json ?? {}).sort()).toEqual(["error", "error_description"]);
    }
    // None of those spent the code.
    expect((await exchange(sb, code)).status).toBe(200);
  });

  it("a code used twice is refused with invalid_grant, and the tokens issued from it are revoked", async () => {
    const code = await approve(sb);
    const first = await exchange(sb, code);
    expect(first.status).toBe(200);
    const access = str(first.json?.access_token);
    expect((await api(sb.baseUrl, "/v2/users", access)).status).toBe(200);
    const second = await exchange(sb, code);
    expect(second.status).toBe(400);
    expect(second.json).toMatchObject({ error: "invalid_grant", error_description: expect.stringContaining("code: already used") as string });
    expect((await api(sb.baseUrl, "/v2/users", access)).status).toBe(403);
    expect((await api(sb.baseUrl, "/v2/calls/1", access)).status).toBe(401);
    expect((await refresh(sb, str(first.json?.refresh_token))).json?.error).toBe("invalid_grant");
    expect((await sb.tokenRequests()).map((r) => [r.grantType, r.status, r.error])).toEqual([
      ["authorization_code", 200, undefined],
      ["authorization_code", 400, "invalid_grant"],
      ["refresh_token", 400, "invalid_grant"],
    ]);
  });

  it("refresh rotates: a new pair, the old refresh token void (reuse: invalid_grant), the scopes those granted", async () => {
    const issued = await sb.issueTokens({ scopes: ["api:calls:read:basic", "api:users:read"] });
    expect(issued).toMatchObject({ scope: "api:calls:read:basic api:users:read", expiresIn: 3600, apiBaseUrl: sb.baseUrl });
    const first = await refresh(sb, issued.refreshToken);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toMatchObject({ scope: "api:calls:read:basic api:users:read", token_type: "bearer", expires_in: 3600, api_base_url_for_customer: sb.baseUrl });
    const access = str(first.json?.access_token);
    const next = str(first.json?.refresh_token);
    expect(access).not.toBe(issued.accessToken);
    expect(next).not.toBe(issued.refreshToken);
    expect((await api(sb.baseUrl, "/v2/users", access)).status).toBe(200);
    expect((await api(sb.baseUrl, "/v2/workspaces", access)).status).toBe(403);

    const reuse = await refresh(sb, issued.refreshToken);
    expect(reuse.status).toBe(400);
    expect(reuse.json).toEqual({ error: "invalid_grant", error_description: expect.stringContaining("single-use") as string });
    // The reuse voids nothing else: the pair the refresh returned still works.
    expect((await api(sb.baseUrl, "/v2/users", access)).status).toBe(200);
    const second = await refresh(sb, next, "form");
    expect(second.status).toBe(200);
    expect(second.json?.scope).toBe("api:calls:read:basic api:users:read");
    expect((await sb.tokenRequests()).map((r) => `${r.grantType} ${r.status} ${r.error ?? ""}`)).toEqual([
      "refresh_token 200 ",
      "refresh_token 400 invalid_grant",
      "refresh_token 200 ",
    ]);
  });

  it("refuses a wrong or missing client authentication with 401 invalid_client, echoing nothing", async () => {
    const { refreshToken } = await sb.issueTokens();
    const wrong = [
      null,
      clientBasic(sb, sb.oauthClientId, "wrong-secret"),
      clientBasic(sb, "someone", sb.oauthClientSecret),
      clientBasic(sb, sb.accessKey, sb.accessKeySecret),
      `Bearer ${sb.bearerToken}`,
      `Basic ${Buffer.from(sb.oauthClientSecret).toString("base64")}`,
      "Basic !!!",
      `Basic ${Buffer.from(`${sb.oauthClientId}:${sb.oauthClientSecret}x`).toString("base64")}`,
    ];
    for (const authorization of wrong) {
      const res = await tokenRequest(sb, { grant_type: "refresh_token", refresh_token: refreshToken }, { authorization });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.json).toEqual({ error: "invalid_client", error_description: expect.any(String) as string });
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="gong-sandbox-oauth"');
      for (const secret of [sb.oauthClientSecret, refreshToken, sb.accessKeySecret]) expect(res.text).not.toContain(secret);
    }
    // The refresh token was not spent by the refusals.
    expect((await refresh(sb, refreshToken)).status).toBe(200);
    expect((await sb.tokenRequests()).filter((r) => r.error === "invalid_client")).toHaveLength(wrong.length);
  });

  it("failed client authentications count toward the auth-failure limit shared with the API (then 429 with Retry-After)", async () => {
    const limited = await startSandbox({ ratePerSecond: 0, authFailureLimit: 3, authFailureWindowSeconds: 60 });
    try {
      const { refreshToken } = await limited.issueTokens();
      const bad = clientBasic(limited, limited.oauthClientId, "guess");
      for (let i = 0; i < 3; i++) expect((await tokenRequest(limited, { grant_type: "refresh_token", refresh_token: refreshToken }, { authorization: bad })).status).toBe(401);
      const locked = await tokenRequest(limited, { grant_type: "refresh_token", refresh_token: refreshToken }, { authorization: bad });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(locked.json).toMatchObject({ error: "too_many_requests" });
      // The same address's wrong API credentials are past the limit too.
      expect((await api(limited.baseUrl, "/v2/users", "not-a-token")).status).toBe(429);
      // Only failures count: the app's own credentials still work.
      expect((await refresh(limited, refreshToken)).status).toBe(200);
      expect((await limited.tokenRequests()).map((r) => r.status)).toEqual([401, 401, 401, 429, 200]);
    } finally {
      await limited.close();
    }
  });

  it("accepts form-encoded client credentials in Basic (RFC 6749 §2.3.1)", async () => {
    const odd = await startSandbox({ oauthClientId: "app+one", oauthClientSecret: "s3cret/with=chars&more" });
    try {
      const { refreshToken } = await odd.issueTokens();
      const encoded = `Basic ${Buffer.from(`${encodeURIComponent("app+one")}:${encodeURIComponent("s3cret/with=chars&more")}`).toString("base64")}`;
      expect((await tokenRequest(odd, { grant_type: "refresh_token", refresh_token: refreshToken }, { authorization: encoded })).status).toBe(200);
    } finally {
      await odd.close();
    }
  });
});

describe("access token life", () => {
  it("expireAccessTokens expires every access token; refresh tokens stay valid", async () => {
    const a = await sb.issueTokens();
    const b = await sb.issueTokens();
    expect((await api(sb.baseUrl, "/v2/calls/1", a.accessToken)).status).toBe(404);
    await sb.expireAccessTokens();
    for (const t of [a, b]) {
      const res = await api(sb.baseUrl, "/v2/calls/1", t.accessToken);
      expect(res.status).toBe(401);
      expect((await api(sb.baseUrl, "/v2/users", t.accessToken)).status).toBe(403);
    }
    // The fixed bearer token is not an OAuth token: it stays.
    expect((await api(sb.baseUrl, "/v2/users", sb.bearerToken)).status).toBe(200);
    const refreshed = await refresh(sb, a.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await api(sb.baseUrl, "/v2/users", str(refreshed.json?.access_token))).status).toBe(200);
  });

  it("an access token issued with a 1 s life stops working on its own", async () => {
    await sb.setSettings({ tokenTtlSeconds: 1 });
    const code = await approve(sb);
    const tokens = await exchange(sb, code);
    expect(tokens.json?.expires_in).toBe(1);
    const access = str(tokens.json?.access_token);
    // Poll until it is refused: whatever the machine's load, it must end refused, and refresh must still work.
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i++) {
      status = (await api(sb.baseUrl, "/v2/calls/1", access)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
    const refreshed = await refresh(sb, str(tokens.json?.refresh_token));
    expect(refreshed.json?.expires_in).toBe(1);
  });

  it("issueTokens takes a life of its own", async () => {
    const t = await sb.issueTokens({ ttlSeconds: 120 });
    expect(t.expiresIn).toBe(120);
  });

  it("setSettings reports tokenTtlSeconds and refuses a bad one; issueTokens refuses unknown scopes", async () => {
    expect((await sb.setSettings({ tokenTtlSeconds: 60 })).tokenTtlSeconds).toBe(60);
    expect((await sb.issueTokens()).expiresIn).toBe(60);
    await expect(sb.setSettings({ tokenTtlSeconds: 0 })).rejects.toThrow(/^setSettings: tokenTtlSeconds: /);
    await expect(sb.setSettings({ tokenTtlSeconds: 1.5 })).rejects.toThrow(TypeError);
    await expect(sb.issueTokens({ scopes: ["api:calls:create", "api:admin"] })).rejects.toThrow(/^issueTokens: scopes\.1: must be one of/);
    await expect(sb.issueTokens({ scopes: [] })).rejects.toThrow(/^issueTokens: scopes: /);
    await expect(sb.issueTokens({ ttlSeconds: -1 })).rejects.toThrow(/^issueTokens: ttlSeconds: /);
  });
});

describe("scopes on the API", () => {
  it("an OAuth token gets only what its scopes allow, as a bearerTokens entry does", async () => {
    const t = await sb.issueTokens({ scopes: ["api:calls:read:basic"] });
    expect((await api(sb.baseUrl, "/v2/users", t.accessToken)).status).toBe(403);
    const users = await api(sb.baseUrl, "/v2/users", t.accessToken);
    expect(users.json?.errors).toEqual(["Access denied: token lacks scope api:users:read"]);
    expect((await api(sb.baseUrl, "/v2/workspaces", t.accessToken)).status).toBe(403);
    const add = await api(sb.baseUrl, "/v2/calls", t.accessToken, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(add.status).toBe(401);
    expect(add.json?.errors).toEqual(["Access denied: token lacks scope api:calls:create"]);
    expect((await api(sb.baseUrl, "/v2/calls/1", t.accessToken)).status).toBe(404);
  });

  it("an OAuth connection keeps one rate-limit budget across refreshes", async () => {
    const limited = await startSandbox({ ratePerSecond: 0, ratePerDay: 2 });
    try {
      const t = await limited.issueTokens();
      expect((await api(limited.baseUrl, "/v2/workspaces", t.accessToken)).status).toBe(200);
      const next = await refresh(limited, t.refreshToken);
      expect((await api(limited.baseUrl, "/v2/workspaces", str(next.json?.access_token))).status).toBe(200);
      expect((await api(limited.baseUrl, "/v2/workspaces", str(next.json?.access_token))).status).toBe(429);
      // Another connection has its own.
      expect((await api(limited.baseUrl, "/v2/workspaces", (await limited.issueTokens()).accessToken)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("two hosts", () => {
  it("the API port serves no /oauth2, and the OAuth host no /v2 (a client must use api_base_url_for_customer)", async () => {
    const { accessToken } = await sb.issueTokens();
    const onApi = [
      await fetch(authorizeUrl({ ...sb, oauthUrl: sb.baseUrl }, goodParams(sb))),
      await fetch(new URL("/oauth2/generate-customer-token?grant_type=refresh_token", sb.baseUrl), { method: "POST", headers: { authorization: clientBasic(sb) } }),
    ];
    for (const res of onApi) expect(res.status).toBe(404);
    for (const [method, path] of [["GET", "/v2/users"], ["GET", "/v2/workspaces"], ["POST", "/v2/calls"], ["GET", "/v2/calls/1"], ["GET", "/"], ["GET", "/call?id=1"]] as const) {
      const res = await fetch(new URL(path, sb.oauthUrl), { method, headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/x-www-form-urlencoded" }, ...(method === "POST" ? { body: "" } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe("not_found");
      expect(body.error_description).toContain("api_base_url_for_customer");
    }
    expect((await api(sb.baseUrl, "/v2/users", accessToken)).status).toBe(200);
  });

  it("the OAuth host answers only its own Host names (421 otherwise)", async () => {
    const port = new URL(sb.oauthUrl).port;
    const res = await rawSend(sb.oauthUrl, `GET /oauth2/authorize HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(421);
    const ok = await rawSend(sb.oauthUrl, `GET /assets/page.css HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`);
    expect(ok.status).toBe(200);
  });
});

it("start-up options are checked, naming the option", async () => {
  await expect(startSandbox({ tokenTtlSeconds: 0 })).rejects.toThrow(/^tokenTtlSeconds: must be a whole number/);
  await expect(startSandbox({ oauthClientId: "a:b" })).rejects.toThrow(/^oauthClientId: must not contain ':'/);
  await expect(startSandbox({ oauthClientSecret: "has space" })).rejects.toThrow(/^oauthClientSecret: /);
  await expect(startSandbox({ oauthPort: 70_000 })).rejects.toThrow(/^oauthPort: /);
});

it("all scopes by default from issueTokens", async () => {
  expect((await sb.issueTokens()).scope).toBe(ALL_SCOPES);
});
