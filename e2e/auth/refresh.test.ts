/**
 * Refresh of an OAuth profile by real CLI processes against the sandbox: four processes with an expired token make
 * one refresh between them; a refresh token used elsewhere ends in "log in again" (exit 3); a missing scope is named.
 * The cases of several processes at once spawn the built CLI; those of one command at a time run the CLI's run() in
 * this process (runInProcess: the same profile files, the same sandbox over HTTP).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { expectOnce, idsIn, lastJson, writeManifest } from "../../test-support/importer.js";
import { runCli } from "../../test-support/run-cli.js";
import { runInProcess } from "../../test-support/run-in-process.js";
import { startTestSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { modeOf, profilePath, readOAuthProfile, refreshRequests, secretsOf, useRefreshToken, writeOAuthProfile } from "./refresh-profile.js";

let sb: TestSandbox;
const root = mkdtempSync(join(tmpdir(), "gc-refresh-"));
let n = 0;
/** A fresh GONG_CONFIG_DIR per test. */
let configDir = "";

beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  configDir = join(root, `config-${String(++n)}`);
  await sb.clearTokenRequests();
});

const env = (): Record<string, string> => ({ GONG_CONFIG_DIR: configDir });

function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("four CLI processes with one expired OAuth profile", () => {
  it("make exactly one refresh (the token refused with 403 by /v2/users); all four exit 0 and the profile holds the new pair (0600)", async () => {
    const issued = await sb.issueTokens();
    const path = writeOAuthProfile(configDir, "p", sb, issued);
    await sb.expireAccessTokens();
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(["users", "--profile", "p"], { env: env() })));
    for (const r of runs) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as unknown[]).length).toBeGreaterThan(0);
    }
    expect(await refreshRequests(sb)).toEqual([{ status: 200 }]);
    const saved = readOAuthProfile(configDir, "p");
    expect(saved.tokens.accessToken).not.toBe(issued.accessToken);
    expect(saved.tokens.refreshToken).not.toBe(issued.refreshToken);
    expect(saved).toMatchObject({ kind: "oauth", clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, oauthUrl: sb.oauthUrl });
    expect(modeOf(path)).toBe(0o600);
    expect(modeOf(join(configDir, "profiles"))).toBe(0o700);
    // No lock and no temporary file left beside the profile.
    expect(readdirSync(join(configDir, "profiles"))).toEqual(["p.json"]);
    for (const r of runs) expectNoSecret(r.stdout + r.stderr, secretsOf(sb, issued, saved.tokens));
    // The new pair works for the next command without another refresh.
    const again = await runInProcess(["workspaces", "--profile", "p"], { env: env() });
    expect(again.code).toBe(0);
    expect(await refreshRequests(sb)).toHaveLength(1);
  }, 120_000);

  it("make exactly one refresh when the profile says the token is about to expire (refreshed before sending)", async () => {
    const issued = await sb.issueTokens();
    const now = Date.now();
    writeOAuthProfile(configDir, "p", sb, issued, {
      obtainedAt: new Date(now - 3_540_000).toISOString(),
      expiresAt: new Date(now + 60_000).toISOString(),
    });
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => runCli([i % 2 === 0 ? "users" : "workspaces", "--profile", "p"], { env: env() })));
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await refreshRequests(sb)).toEqual([{ status: 200 }]);
    const saved = readOAuthProfile(configDir, "p");
    expect(Date.parse(saved.tokens.expiresAt)).toBeGreaterThan(now + 30 * 60_000);
  }, 120_000);

  it("GONG_PROFILE picks the profile as --profile does", async () => {
    const issued = await sb.issueTokens();
    writeOAuthProfile(configDir, "other", sb, issued);
    await sb.expireAccessTokens();
    const r = await runInProcess(["users"], { env: { ...env(), GONG_PROFILE: "other" } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await refreshRequests(sb)).toEqual([{ status: 200 }]);
  }, 120_000);
});

describe("a refresh token used elsewhere", () => {
  it("ends in exit 3 with 'log in again', no stack trace and no secret; the profile is left as it was", async () => {
    const issued = await sb.issueTokens();
    writeOAuthProfile(configDir, "p", sb, issued);
    await useRefreshToken(sb, issued.refreshToken);
    await sb.expireAccessTokens();
    await sb.clearTokenRequests();
    const r = await runInProcess(["users", "--profile", "p"], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/invalid_grant/);
    expect(r.stderr).toMatch(/log in again/);
    // The command to run names the profile.
    expect(r.stderr).toContain("gong-connector auth login --profile p --client-id <id>");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expectNoSecret(r.stderr, secretsOf(sb, issued));
    expect(await refreshRequests(sb)).toEqual([{ status: 400, error: "invalid_grant" }]);
    expect(readOAuthProfile(configDir, "p").tokens.refreshToken).toBe(issued.refreshToken);
    expect(existsSync(`${profilePath(configDir, "p")}.lock`)).toBe(false);
  }, 120_000);

  it("four processes at once: one refused token request each, all four exit 3 with 'log in again'", async () => {
    const issued = await sb.issueTokens();
    writeOAuthProfile(configDir, "p", sb, issued, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    await useRefreshToken(sb, issued.refreshToken);
    await sb.clearTokenRequests();
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(["workspaces", "--profile", "p"], { env: env() })));
    for (const r of runs) {
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/log in again/);
    }
    // Each process tries once, in turn under the lock: the refused pair is still the stored one.
    expect(await refreshRequests(sb)).toEqual(Array.from({ length: 4 }, () => ({ status: 400, error: "invalid_grant" })));
  }, 120_000);
});

describe("a missing scope", () => {
  it("exit 3 naming the scope the app lacks; no refresh is made", async () => {
    const issued = await sb.issueTokens({ scopes: ["api:calls:create", "api:calls:read:basic"] });
    writeOAuthProfile(configDir, "p", sb, issued);
    const r = await runInProcess(["users", "--profile", "p"], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/lacks the scope api:users:read/);
    // The hint speaks of the profile, not of environment variables that were never set.
    expect(r.stderr).toContain('The OAuth app of the profile "p" lacks the scope api:users:read');
    expect(r.stderr).not.toContain("GONG_ACCESS_KEY");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expectNoSecret(r.stderr, secretsOf(sb, issued));
    expect(await sb.tokenRequests()).toEqual([]);
    const w = await runInProcess(["workspaces", "--profile", "p"], { env: env() });
    expect(w.code).toBe(3);
    expect(w.stderr).toMatch(/api:workspaces:read/);
  }, 120_000);
});

describe("a direct import with an expired OAuth profile", () => {
  it("refreshes once, adds every call once, and binds the journal to the token's API host; a rerun resumes on it", async () => {
    const issued = await sb.issueTokens();
    writeOAuthProfile(configDir, "p", sb, issued);
    await sb.expireAccessTokens();
    const manifest = writeManifest(root, `direct-${String(n)}.jsonl`, 6, `od${String(n)}`);
    const journal = join(root, `direct-${String(n)}.journal.sqlite`);
    const first = await runInProcess(["import", manifest, "--profile", "p", "--journal", journal, "--quiet", "--concurrency", "3"], { env: env() });
    expect(first.code).toBe(0);
    expect(lastJson(first.stdout)).toMatchObject({ total: 6, done: 6, failed: 0 });
    expect(await refreshRequests(sb)).toEqual([{ status: 200 }]);
    expectOnce(await idsIn(sb, `od${String(n)}-`), 6);
    const bound = new Journal(journal, { exclusive: false });
    try {
      expect(bound.binding()).toMatchObject({ baseUrl: new URL(sb.baseUrl).href, identity: expect.stringMatching(/^oauth-app-sha256:/) as unknown });
    } finally {
      bound.close();
    }
    // The pair was refreshed meanwhile; the journal still belongs to this connection.
    const again = await runInProcess(["import", manifest, "--profile", "p", "--journal", journal, "--quiet"], { env: env() });
    expect(again.code).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ total: 6, skipped: 6 });
    expectOnce(await idsIn(sb, `od${String(n)}-`), 6);
  }, 120_000);
});
