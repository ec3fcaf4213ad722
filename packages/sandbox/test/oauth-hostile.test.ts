/**
 * Hostile input on the OAuth host: fuzzed parameters, bodies and credentials never get a 5xx, a redirect to an
 * unchecked URI or a secret echoed; over-long input is refused with short answers; what is kept in memory is capped.
 */
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../src/index.js";
import { CODE_TTL_MS, OAuthServer } from "../src/internal/oauth.js";
import { rawSend } from "../../../test-support/raw-http.js";
import { authorizeUrl, clientBasic, getPage, goodParams, openConsent, postConsent, REDIRECT_URI, str, tokenRequest } from "./oauth-flow.js";

let sb: RunningSandbox;
let secrets: string[];

beforeAll(async () => {
  sb = await startSandbox({ ratePerSecond: 0, ratePerDay: 0, authFailureLimit: 0 });
  const { accessToken, refreshToken } = await sb.issueTokens();
  secrets = [sb.oauthClientSecret, sb.accessKeySecret, sb.bearerToken, accessToken, refreshToken];
});

afterAll(async () => {
  await sb.close();
});

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** Any string, from plain to hostile: unicode, controls, HTML, URL-ish, long. */
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "code", "token", "authorization_code", "refresh_token", "<script>x</script>", "javascript:alert(1)", "http://127.0.0.1:1/cb", "https://evil.example/", "%00", "\u0000", "api:users:read", "a".repeat(3000)),
);

describe("fuzzed parameters", () => {
  it("GET /oauth2/authorize: 200 only for a valid request, else a 400 page; never a redirect, a 5xx or a secret", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          client_id: fc.option(fc.oneof(fc.constant(sb.oauthClientId), anyString, fc.array(anyString, { maxLength: 3 })), { nil: undefined }),
          response_type: fc.option(fc.oneof(fc.constant("code"), anyString), { nil: undefined }),
          scope: fc.option(fc.oneof(fc.constant("api:users:read"), anyString), { nil: undefined }),
          redirect_uri: fc.option(fc.oneof(fc.constant(REDIRECT_URI), fc.webUrl(), anyString), { nil: undefined }),
          state: fc.option(anyString, { nil: undefined }),
          extra: fc.option(anyString, { nil: undefined }),
        }),
        async (params) => {
          const page = await getPage(authorizeUrl(sb, params));
          expect([200, 400]).toContain(page.status);
          expect(page.headers.get("location")).toBeNull();
          expectNoSecret(page.text);
          expect(page.text.length).toBeLessThan(64 * 1024);
          if (page.status === 200) {
            expect(params.client_id).toBe(sb.oauthClientId);
            expect(params.response_type).toBe("code");
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("POST /oauth2/authorize: a redirect only for a page's own token; nothing else gets one", async () => {
    const fields = await openConsent(sb, goodParams(sb));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.oneof(fc.constantFrom("form_token", "decision", "client_id", "redirect_uri", "scope", "state"), fc.string({ maxLength: 10 })), anyString, { maxKeys: 8 }), async (body) => {
        const res = await postConsent(sb, body);
        expect([400, 403]).toContain(res.status);
        expect(res.headers.get("location")).toBeNull();
        expectNoSecret(res.text);
      }),
      { numRuns: 100 },
    );
    // The page's own token still works after all that.
    expect((await postConsent(sb, { ...fields, decision: "approve" })).status).toBe(302);
  });

  it("POST /oauth2/generate-customer-token: JSON errors naming the rule, never a 5xx or a secret", async () => {
    const params = fc.record({
      grant_type: fc.option(fc.oneof(fc.constantFrom("authorization_code", "refresh_token"), anyString), { nil: undefined }),
      code: fc.option(anyString, { nil: undefined }),
      client_id: fc.option(fc.oneof(fc.constant(sb.oauthClientId), anyString), { nil: undefined }),
      redirect_uri: fc.option(fc.oneof(fc.constant(REDIRECT_URI), anyString), { nil: undefined }),
      refresh_token: fc.option(anyString, { nil: undefined }),
    });
    const auth = fc.oneof(
      fc.constant(clientBasic(sb)),
      fc.constant(null),
      anyString.map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
      anyString.map((s) => `Basic ${sb.oauthClientId}:${s}`.replace(/[^\t\x20-\x7e]/g, "")),
      fc.tuple(anyString, anyString).map(([id, secret]) => clientBasic(sb, id, secret)),
    );
    await fc.assert(
      fc.asyncProperty(params, auth, fc.constantFrom<"query" | "form">("query", "form"), async (p, authorization, via) => {
        const res = await tokenRequest(sb, p, { via, authorization });
        expect([400, 401]).toContain(res.status);
        expect(typeof res.json?.error).toBe("string");
        expect(typeof res.json?.error_description).toBe("string");
        expect(str(res.json?.error_description).length).toBeLessThan(1000);
        if (res.status === 401) expect(res.json?.error).toBe("invalid_client");
        expectNoSecret(res.text);
      }),
      { numRuns: 200 },
    );
    // Every call was recorded, with a status and no secret.
    const log = await sb.tokenRequests();
    expect(log.length).toBeGreaterThanOrEqual(200);
    expectNoSecret(JSON.stringify(log));
    for (const entry of log) expect(entry.grantType === undefined || /^[a-z_:.-]{1,64}$|^\(invalid\)$/i.test(entry.grantType)).toBe(true);
  });

  it("odd bodies and content types are 400s in the OAuth shape", async () => {
    const cases: [string | undefined, string][] = [
      ["application/json", '{"grant_type":"refresh_token"}'],
      ["text/plain", "grant_type=refresh_token"],
      ["multipart/form-data; boundary=x", "--x\r\n\r\n--x--"],
      ["application/x-www-form-urlencoded", "%%%%=&&&=%ZZ"],
      ["application/x-www-form-urlencoded", "grant_type=refresh_token&grant_type=authorization_code"],
      ["application/x-www-form-urlencoded; charset=iso-8859-1", "grant_type=\u00ff"],
      [undefined, "grant_type=refresh_token"],
    ];
    for (const [contentType, body] of cases) {
      const res = await tokenRequest(sb, {}, { ...(contentType === undefined ? {} : { contentType }), body });
      expect(res.status, `${contentType ?? "none"} ${body}`).toBe(400);
      expect(typeof res.json?.error).toBe("string");
    }
  });
});

describe("over-long input is refused early, with short answers", () => {
  it("a 1 MB form body is refused by size; a 60 KB code, refresh token or grant_type is one hash or one check", async () => {
    const big = await tokenRequest(sb, {}, { contentType: "application/x-www-form-urlencoded", body: `grant_type=refresh_token&refresh_token=${"a".repeat(1024 * 1024)}` });
    expect(big.status).toBe(400);
    expect(big.json).toEqual({ error: "invalid_request", error_description: "the body must be at most 65536 bytes" });
    const long = "x".repeat(60 * 1024);
    for (const params of [{ grant_type: "refresh_token", refresh_token: long }, { grant_type: "authorization_code", code: long, client_id: sb.oauthClientId, redirect_uri: REDIRECT_URI }, { grant_type: long }]) {
      const res = await tokenRequest(sb, params, { via: "form" });
      expect(res.status).toBe(400);
      expect(res.text.length).toBeLessThan(500);
    }
  });

  it("a URL of 1,500 unknown scopes names three and counts the rest; a URL over the header limit is a 431", async () => {
    const scope = Array.from({ length: 1500 }, (_, i) => `s${i}`).join(" ");
    const page = await getPage(authorizeUrl(sb, goodParams(sb, { scope })));
    expect(page.status).toBe(400);
    expect(page.text).toContain("scope: unknown scope &#39;s0&#39;, &#39;s1&#39;, &#39;s2&#39; and 1497 more");
    expect(page.text.length).toBeLessThan(8 * 1024);
    const port = new URL(sb.oauthUrl).port;
    const huge = await rawSend(sb.oauthUrl, `GET /oauth2/authorize?scope=${"a".repeat(80 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(huge.status).toBe(431);
  });

  it("malformed HTTP gets a 4xx, never a 5xx", async () => {
    const port = new URL(sb.oauthUrl).port;
    for (const data of [
      "GARBAGE\r\n\r\n",
      `POST /oauth2/generate-customer-token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET /oauth2/authorize HTTP/1.1\r\nConnection: close\r\n\r\n`,
      `GET http://evil.example/oauth2/authorize HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    ]) {
      const res = await rawSend(sb.oauthUrl, data);
      expect(res.status, data).toBeGreaterThanOrEqual(400);
      expect(res.status, data).toBeLessThan(500);
    }
  });
});

describe("what the authorization server keeps (real SQLite, a clock of its own)", () => {
  function server(now: () => number): OAuthServer {
    const db = new Database(":memory:");
    return new OAuthServer(db, { clientId: "app", clientSecret: "secret", tokenTtlSeconds: 60, apiBaseUrl: () => "http://127.0.0.1:1", now });
  }
  const request = { clientId: "app", redirectUri: REDIRECT_URI, scopes: ["api:users:read"], state: undefined };

  it("a code is valid for 10 minutes", () => {
    let t = 1_000_000;
    const s = server(() => t);
    const fresh = s.issueCode(request);
    const stale = s.issueCode(request);
    t += CODE_TTL_MS - 1;
    expect(s.exchangeCode(fresh, "app", REDIRECT_URI).scope).toBe("api:users:read");
    t += 1;
    expect(() => s.exchangeCode(stale, "app", REDIRECT_URI)).toThrow("code: expired (codes are valid for 10 minutes)");
  });

  it("an access token is valid for its life, to the millisecond", () => {
    let t = 5_000_000;
    const s = server(() => t);
    const tokens = s.issue(["api:users:read"], 60);
    t += 59_999;
    expect(s.accessGrant(tokens.accessToken)?.scopes).toEqual(["api:users:read"]);
    t += 1;
    expect(s.accessGrant(tokens.accessToken)).toBeUndefined();
  });

  it("a consent page's token is valid for 10 minutes, and at most 10,000 wait at once (the oldest go first)", () => {
    let t = 0;
    const s = server(() => t);
    const first = s.openConsent(request);
    const expiring = s.openConsent(request);
    t = CODE_TTL_MS;
    expect(s.takeConsent(expiring)).toBeUndefined();
    // `first` expired and is swept; then, past 10,000 waiting, the oldest is forgotten for each new one.
    const tokens = Array.from({ length: 10_000 }, () => s.openConsent(request));
    expect(s.takeConsent(first)).toBeUndefined();
    const last = s.openConsent(request);
    expect(s.takeConsent(tokens[0] ?? "")).toBeUndefined();
    expect(s.takeConsent(tokens[1] ?? "")).toEqual(request);
    expect(s.takeConsent(last)).toEqual(request);
    expect(s.takeConsent(tokens[9_999] ?? "")).toEqual(request);
    expect(s.takeConsent(tokens[9_999] ?? "")).toBeUndefined();
  });
});
