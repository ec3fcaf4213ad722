/**
 * Profiles from the command line (the built CLI, a process of its own): auth add-key / status / logout with the
 * secret on stdin, the hidden prompt on a real terminal, a login port in use. The choice of profile (--profile,
 * GONG_PROFILE, the environment) and hostile names, flags and files run in-process: packages/cli/test/profiles.test.ts.
 * Here too, the commands after add-key (users, status, logout) and the login on a port in use run the CLI's run() in
 * this process (runInProcess); add-key with the secret piped in and the terminal prompts are processes.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli, type CliResult } from "../../test-support/run-cli.js";
import { runInProcess, type InProcessResult } from "../../test-support/run-in-process.js";
import { startTestSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { filesUnder, tempConfigDir, textOfFilesExcept } from "./login-support.js";

let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb.close();
});

function addKey(dir: string, args: readonly string[], secret: string | undefined, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(["auth", "add-key", ...args], { env: { GONG_CONFIG_DIR: dir, ...env }, ...(secret !== undefined && { stdin: secret }) });
}

function json(r: CliResult | InProcessResult): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

// Each step is a CLI process of its own: on a loaded machine a test of several takes more than the default minute.
describe("auth add-key, status, logout", { timeout: 180_000 }, () => {
  it("add-key stores the pair (0600, dir 0700) from stdin; commands use it; status shows it without the secret; logout removes it", async () => {
    const dir = tempConfigDir();
    const added = await addKey(dir, ["--access-key", sb.accessKey, "--base-url", sb.baseUrl], `${sb.accessKeySecret}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(json(added)).toEqual({ profile: "default", kind: "key", baseUrl: sb.baseUrl });
    const path = join(dir, "profiles", "default.json");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "profiles")).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(filesUnder(dir).map((f) => f.path).sort()).toEqual(["profiles", "profiles/default.json"]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ kind: "key", baseUrl: sb.baseUrl, accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret });

    const users = await runInProcess(["users"], { env: { GONG_CONFIG_DIR: dir } });
    expect(users.code, users.stderr).toBe(0);

    const status = await runInProcess(["auth", "status"], { env: { GONG_CONFIG_DIR: dir } });
    expect(status.code, status.stderr).toBe(0);
    expect(json(status)).toEqual({
      configDir: dir,
      using: { credentials: "profile", profile: "default", profileSource: "default", environment: [] },
      profiles: [{ profile: "default", kind: "key", baseUrl: sb.baseUrl, apiBaseUrl: null, scopes: null, expiresAt: null, expired: null, clientId: null }],
    });

    const out = await runInProcess(["auth", "logout"], { env: { GONG_CONFIG_DIR: dir } });
    expect(out.code, out.stderr).toBe(0);
    expect(json(out)).toEqual({ profile: "default", removed: true });
    expect(out.stderr).toContain('removed the profile "default"');
    expect(existsSync(path)).toBe(false);
    const twice = await runInProcess(["auth", "logout"], { env: { GONG_CONFIG_DIR: dir } });
    expect(twice.code).toBe(0);
    expect(json(twice)).toEqual({ profile: "default", removed: false });
    expect(twice.stderr).toContain('there is no profile named "default"');

    for (const r of [added, users, status, out, twice]) expect(r.stdout + r.stderr).not.toContain(sb.accessKeySecret);
    expect(textOfFilesExcept(dir, path)).not.toContain(sb.accessKeySecret);
  });

});

describe("the hidden prompt on a terminal", { timeout: 120_000 }, () => {
  /** Runs the CLI on a pseudo-terminal (util-linux script) and types `keys` once the prompt shows. */
  function onTerminal(args: readonly string[], dir: string, keys: string): Promise<{ code: number | null; screen: string }> {
    return new Promise((resolve, reject) => {
      const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
      const child = spawn("script", ["-qec", command, "/dev/null"], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", GONG_CONFIG_DIR: dir }, stdio: ["pipe", "pipe", "pipe"] });
      let screen = "";
      let typed = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        screen += d;
        if (!typed && screen.includes(": ")) {
          typed = true;
          child.stdin.write(keys);
        }
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, screen });
      });
    });
  }

  it("add-key asks with echo off: nothing typed is shown, Backspace edits", async () => {
    const dir = tempConfigDir();
    const r = await onTerminal(["auth", "add-key", "--access-key", "AK-tty", "--profile", "tty"], dir, "typed-x\u007fsecret-on-a-tty\r");
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain("Secret of the access key AK-tty: ");
    expect(r.screen).not.toContain("secret-on-a-tty");
    expect(JSON.parse(readFileSync(join(dir, "profiles", "tty.json"), "utf8"))).toMatchObject({ accessKey: "AK-tty", accessKeySecret: "typed-secret-on-a-tty" });
  });

  it("Ctrl-C at the prompt interrupts (130) and writes nothing", async () => {
    const dir = tempConfigDir();
    const r = await onTerminal(["auth", "add-key", "--access-key", "AK-tty"], dir, "half\u0003");
    expect(r.code).toBe(130);
    expect(r.screen).not.toContain("half");
    expect(existsSync(join(dir, "profiles", "default.json"))).toBe(false);
  });
});

describe("hostile input", { timeout: 120_000 }, () => {
  it("login: a port in use is a clear error", async () => {
    const dir = tempConfigDir();
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runInProcess(["auth", "login", "--client-id", sb.oauthClientId, "--no-open", "--port", String(port)], {
        env: { GONG_CONFIG_DIR: dir, GONG_OAUTH_URL: sb.oauthUrl, GONG_CLIENT_SECRET: sb.oauthClientSecret },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`127.0.0.1:${String(port)} is in use`);
      expect(r.stderr).not.toContain(sb.oauthClientSecret);
    } finally {
      blocker.close();
    }
  });
});
