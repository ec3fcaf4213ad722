/**
 * OAuth secrets (access and refresh tokens, the client secret and its Basic header) never show in errors or logs,
 * even when the OAuth host or the API echoes them back (a real node:http server that does just that), nor in the
 * logs of a whole refresh against the sandbox.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileTokenStore, GongClient, OAuthError, type OAuthTokens } from "../src/index.js";
import { withSandbox } from "../../../test-support/sandbox.js";
import { captureLogger, duePair, oauthClient, tempDir } from "./helpers/oauth.js";
import { readBody, startScriptServer, type ScriptServer } from "./helpers/script-server.js";

const CLIENT_ID = "app-client-id-123";
const CLIENT_SECRET = "cs-DISTINCT-client-secret-7f3a9c";
const OLD_ACCESS = "at-OLD-access-token-4b2e8d";
const OLD_REFRESH = "rt-OLD-refresh-token-9c1f0a";
const NEW_ACCESS = "at-NEW-access-token-5e7a21";
const NEW_REFRESH = "rt-NEW-refresh-token-3d8b64";
const BASIC = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64");
const SECRETS = [CLIENT_SECRET, OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, BASIC];

/** What the echoing host does with a token request: the status, and whether the body is JSON. */
let tokenAnswer: { status: number; json: boolean; minimal?: boolean } = { status: 400, json: true };
/** What the echoing API answers (it echoes the Authorization header). */
let apiStatus = 401;

let server: ScriptServer;
let dir = "";
let cleanup: () => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  server = await startScriptServer(async (req, res) => {
    const body = (await readBody(req)).toString("utf8");
    const echo = `${req.url ?? ""} ${req.headers.authorization ?? ""} ${body} ${decodeURIComponent(req.url ?? "")}`;
    if (req.url?.startsWith("/oauth2/") === true) {
      const { status, json } = tokenAnswer;
      if (status === 200 && !json) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`not a token: ${echo}`);
        return;
      }
      if (status === 200 && tokenAnswer.minimal === true) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: NEW_ACCESS, token_type: "bearer", expires_in: "3600" }));
        return;
      }
      if (status === 200) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, expires_in: 3600, scope: "api:users:read", api_base_url_for_customer: server.url }));
        return;
      }
      res.writeHead(status, { "content-type": json ? "application/json" : "text/plain" });
      res.end(json ? JSON.stringify({ error: "invalid_grant", error_description: `refresh token ${echo} is void` }) : `host failure echoing ${echo}`);
      return;
    }
    res.writeHead(apiStatus, { "content-type": "application/json" });
    res.end(JSON.stringify({ requestId: "r1", errors: [`token refused: ${echo}`, JSON.stringify(echo)] }));
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("gong-oauth-secrets-"));
});
afterEach(async () => {
  await cleanup();
});

function oldPair(overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  const now = Date.now();
  return { accessToken: OLD_ACCESS, refreshToken: OLD_REFRESH, obtainedAt: now, expiresAt: now + 3600_000, scopes: ["api:users:read"], apiBaseUrl: server.url, ...overrides };
}

async function echoClient(pair: OAuthTokens): Promise<{ client: GongClient; lines: string[] }> {
  const store = new FileTokenStore(join(dir, "conn.json"));
  await store.save(pair);
  const { logger, lines } = captureLogger();
  const client = new GongClient({
    auth: { oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, store, oauthURL: server.url } },
    rateLimit: false,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    logger,
  });
  return { client, lines };
}

function expectClean(error: unknown, lines: readonly string[]): void {
  expect(error).toBeInstanceOf(Error);
  const e = error as Error;
  const dumps = [e.message, e.stack ?? "", JSON.stringify(e), String(e), lines.join("\n")];
  for (const dump of dumps) for (const secret of SECRETS) expect(dump).not.toContain(secret);
}

describe("an OAuth host and an API that echo what they were sent", () => {
  it("a refused refresh echoing the refresh token and the Basic header: invalid_grant without any secret", async () => {
    tokenAnswer = { status: 400, json: true };
    const { client, lines } = await echoClient(oldPair({ expiresAt: Date.now() - 1 }));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: "invalid_grant", exitCode: 3 });
    expect((error as Error).message).toContain("[REDACTED]");
    expectClean(error, lines);
  });

  it("a failing host (500, text echoing everything): gave up (exit 4) without any secret", async () => {
    tokenAnswer = { status: 500, json: false };
    const { client, lines } = await echoClient(oldPair({ expiresAt: Date.now() - 1 }));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "OAuthError", status: 500, exitCode: 4 });
    expect((error as Error).message).toContain("host failure echoing");
    expectClean(error, lines);
  });

  it("a 200 that is no token pair, echoing the request: malformed_response without any secret", async () => {
    tokenAnswer = { status: 200, json: false };
    const { client, lines } = await echoClient(oldPair({ expiresAt: Date.now() - 1 }));
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "OAuthError", code: "malformed_response" });
    expectClean(error, lines);
  });

  it("an API refusing both the old and the refreshed token, echoing each: neither shows", async () => {
    tokenAnswer = { status: 200, json: true };
    apiStatus = 403;
    const { client, lines } = await echoClient(oldPair());
    const error = await client.request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "PermissionDeniedError", status: 403 });
    // Both tokens were sent: the old one, then the refreshed one.
    const sent = server.seen.slice(-3).map((s) => s.headers.authorization);
    expect(sent).toEqual([`Bearer ${OLD_ACCESS}`, `Basic ${BASIC}`, `Bearer ${NEW_ACCESS}`]);
    expect(client.redact(`${NEW_ACCESS} ${NEW_REFRESH} ${OLD_ACCESS} ${OLD_REFRESH} ${CLIENT_SECRET}`)).not.toMatch(/at-|rt-|cs-/);
    expectClean(error, lines);
  });
});

describe("a whole refresh against the sandbox", () => {
  const sandbox = withSandbox();

  it("logs nothing secret at debug level: neither pair nor the client secret", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const store = new FileTokenStore(join(dir, "sb.json"));
    await store.save(duePair(issued));
    const { logger, lines } = captureLogger();
    const client = oauthClient(sb, store, { logger });
    await client.request({ method: "GET", path: "/v2/users" });
    await sb.expireAccessTokens();
    await client.request({ method: "GET", path: "/v2/users" });
    const final = await store.load();
    expect(final).toBeDefined();
    expect(lines.length).toBeGreaterThan(2);
    const text = lines.join("\n");
    for (const secret of [issued.accessToken, issued.refreshToken, sb.oauthClientSecret, final?.accessToken ?? "", final?.refreshToken ?? ""]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(client)).not.toContain(sb.oauthClientSecret);
  });
});

describe("a refresh answer without a refresh token, an API base URL or a scope", () => {
  it("keeps the previous pair's: the refresh token, the customer's API host and the scopes", async () => {
    tokenAnswer = { status: 200, json: true, minimal: true };
    apiStatus = 200;
    const { client } = await echoClient(oldPair({ obtainedAt: Date.now() - 3_599_000, expiresAt: Date.now() + 1000, scopes: ["api:users:read", "api:calls:create"] }));
    await client.request({ method: "GET", path: "/v2/users" });
    const saved = await new FileTokenStore(join(dir, "conn.json")).load();
    expect(saved).toMatchObject({ accessToken: NEW_ACCESS, refreshToken: OLD_REFRESH, apiBaseUrl: server.url, scopes: ["api:users:read", "api:calls:create"] });
    expect((saved?.expiresAt ?? 0) - Date.now()).toBeGreaterThan(3500_000);
    expect(server.seen.at(-1)?.headers.authorization).toBe(`Bearer ${NEW_ACCESS}`);
  });
});
