/**
 * `gong-connector auth login` end to end: the built CLI, the sandbox's OAuth host on its own port, and the consent
 * page answered in headless Chromium, as an admin would. The commands that use the profile afterwards run the CLI's
 * run() in this process (runInProcess: the same profile file, the same sandbox over HTTP).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { launchChromium, type LaunchedChromium } from "../../test-support/chromium.js";
import { runInProcess } from "../../test-support/run-in-process.js";
import { startTestSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { answerConsent, filesUnder, redirectUriOf, startLogin, tempConfigDir, textOfFilesExcept } from "./login-support.js";

let sb: TestSandbox;
let browser: LaunchedChromium;
let page: Page;

beforeAll(async () => {
  sb = await startTestSandbox();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  await sb.close();
});
beforeEach(async () => {
  page = await browser.context.newPage();
});
afterEach(async () => {
  await page.close();
});

/** The environment of a login against the sandbox's OAuth host, profiles in `dir`. */
function loginEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { GONG_CONFIG_DIR: dir, GONG_OAUTH_URL: sb.oauthUrl, GONG_CLIENT_SECRET: sb.oauthClientSecret, ...extra };
}

function parseLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
}

interface StoredProfile {
  kind: string;
  clientId: string;
  clientSecret: string;
  oauthUrl: string;
  tokens: { accessToken: string; refreshToken: string; expiresAt: string; obtainedAt: string; scopes: string[]; apiBaseUrl: string };
}

function readProfileFile(path: string): StoredProfile {
  return JSON.parse(readFileSync(path, "utf8")) as StoredProfile;
}

// A login is a browser, a CLI process and then further CLI processes: more than the default minute on a loaded machine.
describe("auth login, approved in the browser", { timeout: 180_000 }, () => {
  it("logs in, writes the profile 0600 in a 0700 dir, and the profile works against the API host from the token (also after a refresh)", async () => {
    const dir = tempConfigDir();
    await sb.clearTokenRequests();
    const login = startLogin(["--client-id", sb.oauthClientId, "--profile", "acme", "--no-open", "--port", "0"], loginEnv(dir));
    const consent = await login.consentUrl;
    expect(consent.origin).toBe(sb.oauthUrl);
    expect(consent.pathname).toBe("/oauth2/authorize");
    expect(consent.searchParams.get("scope")).toBe("api:calls:create api:calls:read:basic api:users:read api:workspaces:read");
    expect(redirectUriOf(consent).href).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/callback$/);

    const profilePath = join(dir, "profiles", "acme.json");
    let savedBeforeAnswer: boolean | undefined;
    const answered = await answerConsent(page, consent, "approve", () => {
      savedBeforeAnswer = existsSync(profilePath);
    });
    expect(answered.status).toBe(200);
    expect(answered.title).toBe("Logged in");
    // The browser hears "Logged in" only once the profile is on disk.
    expect(savedBeforeAnswer).toBe(true);
    const code = answered.callbackUrl.searchParams.get("code") ?? "";
    expect(code.length).toBeGreaterThan(8);

    const r = await login.done;
    expect(r.code, r.stderr).toBe(0);
    const line = parseLine(r.stdout);
    expect(Object.keys(line).sort()).toEqual(["apiBaseUrl", "expiresAt", "profile", "scopes"]);
    expect(line.profile).toBe("acme");
    // The API host is the token's api_base_url_for_customer: the sandbox's API port, not its OAuth port.
    expect(line.apiBaseUrl).toBe(sb.baseUrl);
    expect(line.apiBaseUrl).not.toBe(sb.oauthUrl);
    expect(line.scopes).toEqual(["api:calls:create", "api:calls:read:basic", "api:users:read", "api:workspaces:read"]);
    expect(Date.parse(String(line.expiresAt))).toBeGreaterThan(Date.now());
    expect((await sb.tokenRequests()).map((t) => [t.grantType, t.status])).toEqual([["authorization_code", 200]]);

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "profiles")).mode & 0o777).toBe(0o700);
    expect(statSync(profilePath).mode & 0o777).toBe(0o600);
    expect(filesUnder(dir).map((f) => f.path).sort()).toEqual(["profiles", "profiles/acme.json"]);
    const stored = readProfileFile(profilePath);
    expect(stored).toMatchObject({ kind: "oauth", clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, oauthUrl: sb.oauthUrl });
    expect(stored.tokens.apiBaseUrl).toBe(sb.baseUrl);

    // The profile is what a later command uses: no credentials in its environment.
    const users = await runInProcess(["users", "--profile", "acme"], { env: { GONG_CONFIG_DIR: dir } });
    expect(users.code, users.stderr).toBe(0);
    expect((JSON.parse(users.stdout) as { id: string }[]).length).toBeGreaterThan(0);

    const status = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "acme" } });
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout) as { using: Record<string, unknown>; profiles: Record<string, unknown>[] };
    expect(shown.using).toMatchObject({ credentials: "profile", profile: "acme", profileSource: "GONG_PROFILE", environment: [] });
    expect(shown.profiles).toEqual([
      expect.objectContaining({ profile: "acme", kind: "oauth", apiBaseUrl: sb.baseUrl, scopes: line.scopes, expiresAt: line.expiresAt, expired: false, clientId: sb.oauthClientId }),
    ]);

    // The access token dies: the next command refreshes, and the rewritten profile is still 0600 with nothing left over.
    await sb.expireAccessTokens();
    // (GET /v2/calls: a dead token gets 401 there, which the client refreshes once.)
    const again = await runInProcess(["calls", "--profile", "acme"], { env: { GONG_CONFIG_DIR: dir } });
    expect(again.code, again.stderr).toBe(0);
    expect((await sb.tokenRequests()).map((t) => t.grantType)).toEqual(["authorization_code", "refresh_token"]);
    const refreshed = readProfileFile(profilePath);
    expect(refreshed.tokens.refreshToken).not.toBe(stored.tokens.refreshToken);
    expect(refreshed).toMatchObject({ kind: "oauth", clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, oauthUrl: sb.oauthUrl });
    expect(statSync(profilePath).mode & 0o777).toBe(0o600);
    expect(filesUnder(dir).map((f) => f.path).sort()).toEqual(["profiles", "profiles/acme.json"]);

    // No secret, token or code in any output, in the pages, or in any file but the profile.
    const pageText = (await page.content()) + answered.callbackUrl.pathname;
    const outputs = [r.stdout, r.stderr, users.stdout, users.stderr, status.stdout, status.stderr, again.stdout, again.stderr, pageText, textOfFilesExcept(dir, profilePath)].join("\n");
    for (const secret of [sb.oauthClientSecret, code, stored.tokens.accessToken, stored.tokens.refreshToken, refreshed.tokens.accessToken, refreshed.tokens.refreshToken]) {
      expect(outputs).not.toContain(secret);
    }
  });

  it("opens the consent page with the platform's opener unless --no-open", async () => {
    const dir = tempConfigDir();
    const bin = mkdtempSync(join(tmpdir(), "gc-opener-"));
    const opened = join(bin, "opened.txt");
    // A stand-in for xdg-open that records the address it is asked to open (the test's browser then opens it).
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" > '${opened}'\n`);
    chmodSync(join(bin, "xdg-open"), 0o755);
    const login = startLogin(["--client-id", sb.oauthClientId], loginEnv(dir, { PATH: `${bin}:${process.env.PATH ?? ""}` }));
    const consent = await login.consentUrl;
    for (let i = 0; i < 100 && !existsSync(opened); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(opened, "utf8").trim()).toBe(consent.href);
    await answerConsent(page, consent, "approve");
    const r = await login.done;
    expect(r.code, r.stderr).toBe(0);
    expect(parseLine(r.stdout).profile).toBe("default");
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(true);
  });

  it("without an opener, says so and keeps waiting; the timeout then ends it with exit 4 and nothing saved", async () => {
    const dir = tempConfigDir();
    const empty = mkdtempSync(join(tmpdir(), "gc-nopath-"));
    const login = startLogin(["--client-id", sb.oauthClientId, "--timeout", "2"], loginEnv(dir, { PATH: empty }));
    await login.consentUrl;
    const r = await login.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("could not open a browser");
    expect(r.stderr).toMatch(/no answer from the consent page within 2 s/);
    expect(r.stderr).toContain("auth login again");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
    expect(r.durationMs).toBeGreaterThanOrEqual(2000);
  });
});

describe("auth login, refused or forged answers", { timeout: 180_000 }, () => {
  it("Deny ends the login with exit 3 and nothing saved", async () => {
    const dir = tempConfigDir();
    const login = startLogin(["--client-id", sb.oauthClientId, "--no-open"], loginEnv(dir));
    const answered = await answerConsent(page, await login.consentUrl, "deny");
    expect(answered.title).toBe("Access denied");
    const r = await login.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the Gong admin denied access");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
  });

  it("a forged state gets 400 and the login still completes with the real answer; other hostile callbacks too", async () => {
    const dir = tempConfigDir();
    const login = startLogin(["--client-id", sb.oauthClientId, "--no-open", "--profile", "forged"], loginEnv(dir));
    const consent = await login.consentUrl;
    const callback = redirectUriOf(consent);
    const state = consent.searchParams.get("state") ?? "";
    const hit = async (query: string, init: RequestInit = {}): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${callback.origin}${callback.pathname}${query}`, init);
      return { status: res.status, text: await res.text() };
    };
    const forged = await hit(`?code=forged-code-1234&state=${"x".repeat(43)}`);
    expect(forged.status).toBe(400);
    expect(forged.text).toContain("still waiting");
    expect(forged.text).not.toContain("forged-code-1234");
    expect((await hit("?code=abc")).status).toBe(400); // no state
    expect((await hit(`?code=a&state=${state}&state=${state}`)).status).toBe(400); // repeated
    expect((await hit(`?state=${state}`)).status).toBe(400); // the right state but neither code nor error
    expect((await hit(`?state=${state}&code=${"%01".repeat(10)}`)).status).toBe(400); // control characters
    expect((await hit(`?code=a&state=${"y".repeat(20_000)}`)).status).toBe(431); // over Node's 16 KiB of headers
    expect((await hit(`?code=a&state=${"y".repeat(9000)}`)).status).toBe(414); // over the callback's 8 KiB
    expect((await hit(`?code=a&state=${state}`, { method: "POST" })).status).toBe(405);
    expect((await hit("/../other")).status).toBe(404);
    const other = await fetch(`${callback.origin}/`);
    expect(other.status).toBe(404);

    const answered = await answerConsent(page, consent, "approve");
    expect(answered.title).toBe("Logged in");
    const r = await login.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("state does not match");
    expect(parseLine(r.stdout).profile).toBe("forged");
    // Once answered, the same state is refused (the server is closed or says so).
    await expect(hit(`?code=a&state=${state}`)).rejects.toThrow();
  });

  it("Ctrl-C while waiting ends the login with exit 130, nothing saved, the callback closed", async () => {
    const dir = tempConfigDir();
    const login = startLogin(["--client-id", sb.oauthClientId, "--no-open"], loginEnv(dir));
    const callback = redirectUriOf(await login.consentUrl);
    expect((await fetch(`${callback.href}?state=x&code=y`)).status).toBe(400);
    login.interrupt();
    const r = await login.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("the login was not finished");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
    await expect(fetch(callback.href)).rejects.toThrow();
  });

  it("a code Gong refuses ends with exit 3 and the browser is told it failed", async () => {
    const dir = tempConfigDir();
    const login = startLogin(["--client-id", sb.oauthClientId, "--no-open"], loginEnv(dir, { GONG_CLIENT_SECRET: "not-the-app-secret-0123456789" }));
    const answered = await answerConsent(page, await login.consentUrl, "approve");
    expect(answered.status).toBe(502);
    expect(answered.title).toBe("Login failed");
    const r = await login.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("invalid_client");
    expect(r.stderr).not.toContain("not-the-app-secret-0123456789");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
  });
});
