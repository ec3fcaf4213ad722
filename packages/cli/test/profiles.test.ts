/**
 * Profiles from the command line, run in-process (`run(argv)` of the CLI's sources) against a sandbox over real HTTP:
 * --profile and GONG_PROFILE, the environment winning over any profile, and hostile names, flags and files (clear
 * errors, exit 2, nothing written or sent). e2e/auth/profiles.test.ts runs add-key / status / logout, the hidden
 * prompt and a login port in use through the built CLI.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesUnder, tempConfigDir } from "../../../test-support/config-dir.js";
import { runInProcess, type InProcessResult } from "../../../test-support/run-in-process.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb.close();
});

const STACK = /\n\s+at /;

function addKey(dir: string, args: readonly string[], secret: string | undefined, env: Record<string, string> = {}): Promise<InProcessResult> {
  return runInProcess(["auth", "add-key", ...args], { env: { GONG_CONFIG_DIR: dir, ...env }, ...(secret !== undefined && { stdin: secret }) });
}

function json(r: InProcessResult): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Writes a profile file as a user (or an attacker) might have left it. */
function plantProfile(dir: string, name: string, text: string, mode = 0o600): string {
  mkdirSync(join(dir, "profiles"), { recursive: true, mode: 0o700 });
  const path = join(dir, "profiles", `${name}.json`);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
}

describe("which profile a command uses", () => {
  it("--profile and GONG_PROFILE pick the profile; a named profile that does not exist is an error", async () => {
    const dir = tempConfigDir();
    expect((await addKey(dir, ["--profile", "good", "--access-key", sb.accessKey, "--base-url", sb.baseUrl], `${sb.accessKeySecret}\n`)).code).toBe(0);
    // GONG_PROFILE picks the profile add-key writes, too.
    expect((await addKey(dir, ["--access-key", "wrong-key", "--base-url", sb.baseUrl], "wrong-secret\n", { GONG_PROFILE: "bad" })).code).toBe(0);
    expect(existsSync(join(dir, "profiles", "bad.json"))).toBe(true);

    expect((await runInProcess(["users", "--profile", "good"], { env: { GONG_CONFIG_DIR: dir } })).code).toBe(0);
    expect((await runInProcess(["users"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "good" } })).code).toBe(0);
    expect((await runInProcess(["users", "--profile", "bad"], { env: { GONG_CONFIG_DIR: dir } })).code).toBe(3);
    // The flag wins over the variable.
    expect((await runInProcess(["users", "--profile", "good"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "bad" } })).code).toBe(0);

    const missing = await runInProcess(["users", "--profile", "nope"], { env: { GONG_CONFIG_DIR: dir } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no profile named "nope"');

    const status = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "good" } });
    expect(status.code).toBe(0);
    const shown = json(status) as { using: Record<string, unknown>; profiles: { profile: string }[] };
    expect(shown.using).toMatchObject({ credentials: "profile", profile: "good", profileSource: "GONG_PROFILE" });
    expect(shown.profiles.map((p) => p.profile)).toEqual(["bad", "good"]);
    const one = await runInProcess(["auth", "status", "--profile", "bad"], { env: { GONG_CONFIG_DIR: dir } });
    expect((json(one) as { profiles: unknown[] }).profiles).toHaveLength(1);
    const none = await runInProcess(["auth", "status", "--profile", "nope"], { env: { GONG_CONFIG_DIR: dir } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('there is no profile named "nope"');

    const out = await runInProcess(["auth", "logout"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "bad" } });
    expect(json(out)).toEqual({ profile: "bad", removed: true });
    expect(existsSync(join(dir, "profiles", "good.json"))).toBe(true);
  });

  it("credentials in the environment win over any profile, and status says so", async () => {
    const dir = tempConfigDir();
    // The default profile points nowhere useful; the environment's credentials are the sandbox's.
    expect((await addKey(dir, ["--access-key", "stale-key", "--base-url", "http://127.0.0.1:9"], "stale-secret-value\n")).code).toBe(0);
    const users = await runInProcess(["users"], { env: { GONG_CONFIG_DIR: dir, ...sb.env } });
    expect(users.code, users.stderr).toBe(0);
    const named = await runInProcess(["users", "--profile", "default"], { env: { GONG_CONFIG_DIR: dir, ...sb.env } });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain('--profile "default" is not used: credentials are set in the environment');
    const status = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir, GONG_BEARER_TOKEN: "env-bearer-token-value" } });
    expect(status.code).toBe(0);
    expect((json(status) as { using: unknown }).using).toEqual({ credentials: "environment", profile: "default", profileSource: "default", environment: ["GONG_BEARER_TOKEN"] });
    expect(status.stderr).toContain("GONG_BEARER_TOKEN is set in the environment");
    expect(status.stdout + status.stderr).not.toContain("env-bearer-token-value");
    expect(status.stdout + status.stderr).not.toContain("stale-secret-value");
  });

  it("without credentials anywhere, commands say how to make a profile", async () => {
    const dir = tempConfigDir();
    const r = await runInProcess(["users"], { env: { GONG_CONFIG_DIR: dir, GONG_BASE_URL: sb.baseUrl } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("GONG_ACCESS_KEY");
    expect(r.stderr).toContain("auth login");
    expect(r.stderr).toContain("auth add-key");
    const status = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir } });
    expect(status.code).toBe(0);
    expect((json(status) as { using: { credentials: string } }).using.credentials).toBe("none");
    expect(status.stderr).toContain("auth login");
  });
});

describe("hostile input: clear errors, exit 2, nothing written or sent", () => {
  it("profile names that are paths or not names", async () => {
    const dir = tempConfigDir();
    const runs: string[][] = [
      ...["../../etc/passwd", "..", ".hidden", "a\\b", "x".repeat(65), "", "name\u001b[31m", "名前"].map((name) => ["users", "--profile", name]),
      ["auth", "logout", "--profile", "../victim"],
      ["auth", "status", "--profile", "a/b"],
    ];
    for (const args of runs) {
      const r = await runInProcess(args, { env: { GONG_CONFIG_DIR: dir } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("--profile must be a profile name");
      expect(r.stderr).not.toContain("\u001b");
      expect(r.stderr).not.toMatch(STACK);
    }
    const viaEnv = await runInProcess(["users"], { env: { GONG_CONFIG_DIR: dir, GONG_PROFILE: "../secrets" } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain("GONG_PROFILE must be a profile name");
    const adding = await addKey(dir, ["--profile", "../../escape", "--access-key", "AK"], "s3cret-value\n");
    expect(adding.code).toBe(2);
    expect(filesUnder(dir)).toEqual([]);
  });

  it("add-key: an empty or missing secret, a bad key, a base URL that is not https", async () => {
    const dir = tempConfigDir();
    const cases: [string[], string, RegExp][] = [
      [["--access-key", "AK"], "", /the access key secret: stdin gave an empty value/],
      [["--access-key", "AK"], "   \n", /empty value/],
      [["--access-key", "AK"], "a\u0007b\n", /control characters/],
      [["--access-key", "AK"], `${"s".repeat(5000)}\n`, /longer than 4096/],
      [["--access-key", ""], "secret\n", /--access-key must be/],
      [["--access-key", "AK:with-colon"], "secret\n", /--access-key must be/],
      [["--access-key", "AK", "--base-url", "http://api.example.com"], "secret\n", /--base-url must use https unless the host is loopback/],
      [["--access-key", "AK", "--base-url", "https://user:pw@api.example.com"], "secret\n", /--base-url must not contain credentials/],
      [["--access-key", "AK", "--base-url", "not a url"], "secret\n", /--base-url must be an absolute URL/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = await addKey(dir, args, stdin);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toContain("pw@");
    }
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
  });

  it("login: bad flags and settings are refused before the secret is read, anything listens or anything is sent", async () => {
    const dir = tempConfigDir();
    await sb.clearTokenRequests();
    const base = { GONG_CONFIG_DIR: dir, GONG_OAUTH_URL: sb.oauthUrl, GONG_CLIENT_SECRET: sb.oauthClientSecret };
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--scopes", "api:calls:create bad/scope"], {}, /--scopes: "bad\/scope" is not a scope name/],
      [["--scopes", "   "], {}, /--scopes must name at least one scope/],
      [["--scopes", Array.from({ length: 60 }, (_, i) => `s${String(i)}`).join(" ")], {}, /at most 50/],
      [["--scopes", "api:x\u001b]0;pwned\u0007"], {}, /is not a scope name/],
      [["--port", "70000"], {}, /--port must be a port number/],
      [["--port", "-1"], {}, /--port must be a port number/],
      [["--port", "80abc"], {}, /--port must be a port number/],
      [["--port", "9".repeat(400)], {}, /--port must be a port number/],
      [["--timeout", "0"], {}, /--timeout must be a whole number of seconds/],
      [["--timeout", "1e3"], {}, /--timeout must be a whole number of seconds/],
      [[], { GONG_OAUTH_URL: "http://oauth.example.com" }, /GONG_OAUTH_URL must use https unless the host is loopback/],
      [[], { GONG_OAUTH_URL: "https://app.example.com/?x=1" }, /GONG_OAUTH_URL must not have a query/],
      [[], { GONG_CLIENT_SECRET: "" }, /the client secret: stdin gave an empty value/],
    ];
    for (const [args, env, message] of cases) {
      const r = await runInProcess(["auth", "login", "--client-id", sb.oauthClientId, "--no-open", ...args], { env: { ...base, ...env } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain("/oauth2/authorize");
      expect(r.stderr).not.toContain("\u001b");
      expect(r.stderr).not.toMatch(STACK);
    }
    for (const id of ["has space", "with:colon", "", "x".repeat(300)]) {
      const r = await runInProcess(["auth", "login", "--client-id", id, "--no-open"], { env: base });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("--client-id must be the OAuth app's client id");
    }
    expect(await sb.tokenRequests()).toEqual([]);
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
  });

  it("a corrupt profile, one readable by others, one that is a directory: exit 2 naming the file and the fix", async () => {
    const dir = tempConfigDir();
    const cases: [string, () => string, RegExp][] = [
      ["notjson", () => plantProfile(dir, "notjson", "{not json"), /is not valid JSON; log in again/],
      ["array", () => plantProfile(dir, "array", "[]"), /is not a JSON object/],
      ["nokind", () => plantProfile(dir, "nokind", JSON.stringify({ accessKey: "a" })), /has no kind/],
      ["nosecret", () => plantProfile(dir, "nosecret", JSON.stringify({ kind: "key", baseUrl: sb.baseUrl, accessKey: "a" })), /has no accessKeySecret/],
      ["badtokens", () => plantProfile(dir, "badtokens", JSON.stringify({ kind: "oauth", clientId: "c", clientSecret: "s", oauthUrl: sb.oauthUrl, tokens: { accessToken: 1 } })), /badtokens\.json: tokens\./],
      ["open", () => plantProfile(dir, "open", JSON.stringify({ kind: "key", baseUrl: sb.baseUrl, accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }), 0o644), /mode 0644.*chmod 600/],
      ["dir", () => {
        mkdirSync(join(dir, "profiles", "dir.json"), { recursive: true });
        return join(dir, "profiles", "dir.json");
      }, /is not a regular file/],
    ];
    for (const [name, plant, message] of cases) {
      const path = plant();
      const r = await runInProcess(["users", "--profile", name], { env: { GONG_CONFIG_DIR: dir } });
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(path);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).not.toContain(sb.accessKeySecret);
      const one = await runInProcess(["auth", "status", "--profile", name], { env: { GONG_CONFIG_DIR: dir } });
      expect(one.code, `${name}: ${one.stderr}`).toBe(2);
      expect(one.stderr).not.toMatch(STACK);
    }
    // Listing all: every profile is shown, the broken ones with their problem; exit 2.
    const all = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir } });
    expect(all.code).toBe(2);
    const listed = (json(all) as { profiles: { profile: string; problem?: string }[] }).profiles;
    expect(listed.map((p) => p.profile)).toEqual(["array", "badtokens", "dir", "nokind", "nosecret", "notjson", "open"]);
    expect(listed.every((p) => typeof p.problem === "string" && p.problem !== "")).toBe(true);
    expect(all.stdout + all.stderr).not.toContain(sb.accessKeySecret);
    // logout still removes a broken profile.
    const out = await runInProcess(["auth", "logout", "--profile", "notjson"], { env: { GONG_CONFIG_DIR: dir } });
    expect(out.code).toBe(0);
    expect(json(out)).toEqual({ profile: "notjson", removed: true });
  });
});
