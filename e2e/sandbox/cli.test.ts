import { execFile, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxCommand, shellQuote } from "../../packages/cli/src/commands/sandbox.js";
import { demoCommand } from "../../packages/cli/src/commands/demo.js";
import { spawnCommand } from "../../test-support/child-sandbox.js";
import { rawRequest } from "../../test-support/raw-http.js";
import { CLI } from "../../test-support/dist.js";

const run = promisify(execFile);
const MAIN = CLI;

/** Starts the built CLI's `sandbox` (as a user runs it) and collects stdout lines and stderr. */
async function spawnBuilt(args: string[]) {
  const child = spawn(process.execPath, [MAIN, "sandbox", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  rl.on("line", (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => { resolve(code); }));
  const deadline = Date.now() + 20_000;
  while (lines.length === 0) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no JSON line; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const line = JSON.parse(lines[0] ?? "") as { baseUrl: string; accessKey: string; accessKeySecret: string; dataDir: string; adminToken?: string };
  return {
    line,
    lines,
    stderr: () => stderr,
    /** Waits (up to 10 s) until stderr holds `text`; says whether it does. */
    stderrHolds: async (text: string | RegExp) => {
      const holds = () => (typeof text === "string" ? stderr.includes(text) : text.test(stderr));
      const until = Date.now() + 10_000;
      while (!holds() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return holds();
    },
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

type BuiltSandbox = Awaited<ReturnType<typeof spawnBuilt>>;

/** Starts `sandbox …args()` before the describe's tests; kills it after them when no test stopped it. */
function withBuiltSandbox(args: () => string[]): () => BuiltSandbox {
  let sb: BuiltSandbox | undefined;
  beforeAll(async () => {
    sb = await spawnBuilt(args());
  });
  afterAll(async () => {
    await sb?.stop("SIGKILL");
  });
  return () => {
    if (sb === undefined) throw new Error("the sandbox is not started yet");
    return sb;
  };
}

/**
 * Each sandbox process below serves the tests of its describe, in order; the last test stops it with a signal and
 * checks how it ended (a sandbox process costs more than a CPU-second to start).
 */
describe("sandbox command", () => {
  describe("started with -v on --port 0, stopped with SIGTERM", () => {
    const sb = withBuiltSandbox(() => ["-v", "--port", "0", "--rate-per-second", "0"]);

    it("prints one JSON line first and serves; no admin token without --admin", async () => {
      expect(Object.keys(sb().line)).toEqual(expect.arrayContaining(["baseUrl", "accessKey", "accessKeySecret"]));
      expect(sb().line.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const auth = `Basic ${Buffer.from(`${sb().line.accessKey}:${sb().line.accessKeySecret}`).toString("base64")}`;
      const res = await fetch(`${sb().line.baseUrl}/v2/workspaces`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      expect(sb().line.adminToken).toBeUndefined();
    });

    it("-v logs every request on stderr; stdout holds only the JSON line (built CLI)", async () => {
      const auth = `Basic ${Buffer.from(`${sb().line.accessKey}:${sb().line.accessKeySecret}`).toString("base64")}`;
      expect((await fetch(`${sb().line.baseUrl}/v2/workspaces`, { headers: { authorization: auth } })).status).toBe(200);
      expect((await fetch(`${sb().line.baseUrl}/v2/users`)).status).toBe(403);
      await sb().stderrHolds('"statusCode":403');
      expect(sb().stderr()).toMatch(/"url":"\/v2\/workspaces"/);
      expect(sb().stderr()).toContain('"statusCode":403');
      expect(sb().stderr()).not.toContain(sb().line.accessKeySecret);
      expect(sb().lines).toHaveLength(1);
    });

    it("without --env no secret goes to stderr", async () => {
      expect(await sb().stderrHolds("set -a; . ")).toBe(true);
      expect(sb().stderr()).not.toContain(sb().line.accessKeySecret);
    });

    it("stops cleanly on SIGTERM: exit 0, temporary data removed, still one line on stdout and no secret on stderr", async () => {
      expect(await sb().stop("SIGTERM")).toBe(0);
      expect(existsSync(sb().line.dataDir)).toBe(false);
      expect(sb().lines).toHaveLength(1);
      expect(sb().stderr()).not.toContain(sb().line.accessKeySecret);
    });
  });

  describe("--data with --admin, stopped with SIGINT, started again on the same data", () => {
    let data = "";
    beforeAll(async () => {
      data = await mkdtemp(join(tmpdir(), "sandbox-cli-"));
    });
    const sb = withBuiltSandbox(() => ["--data", data, "--admin"]);
    afterAll(async () => {
      await rm(data, { recursive: true, force: true });
    });

    it("--admin prints the admin token", () => {
      expect(sb().line.adminToken).toMatch(/^sbx_admin_/);
    });

    it("writes <data>/sandbox.env (0600) that `set -a; . file` loads for the CLI", async () => {
      const file = join(data, "sandbox.env");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const script = `set -a; . ${shellQuote(file)}; set +a; exec ${shellQuote(process.execPath)} ${MAIN} workspaces`;
      const { stdout } = await run("sh", ["-c", script], { env: { PATH: process.env.PATH ?? "", HOME: data } });
      expect(JSON.parse(stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: expect.any(String) as string })]));
    });

    it("stops on SIGINT with exit 0 and removes sandbox.env", async () => {
      expect(await sb().stop("SIGINT")).toBe(0);
      expect(existsSync(join(data, "sandbox.env"))).toBe(false);
    });

    it("keeps --data across a restart: the same keys, the database still there", async () => {
      const b = await spawnBuilt(["--data", data]);
      expect(b.line.accessKey).toBe(sb().line.accessKey);
      expect(await b.stop()).toBe(0);
      expect(existsSync(join(data, "sandbox.db"))).toBe(true);
    });
  });

  describe("--env and --allowed-host", () => {
    const sb = withBuiltSandbox(() => ["--env", "--allowed-host", "sandbox.lan", "--allowed-host", "other.lan:8080"]);

    it("--env prints a shell-quoted export line on stderr that a shell can eval; the JSON line is unchanged", async () => {
      expect(Object.keys(sb().line)).toEqual(["baseUrl", "accessKey", "accessKeySecret", "bearerToken", "dataDir", "oauthUrl", "clientId", "clientSecret"]);
      // The export line follows the JSON line on another stream: wait for it.
      await sb().stderrHolds(/(^|\n)export /);
      const exportLine = sb().stderr().split("\n").find((l) => l.startsWith("export "));
      expect(exportLine).toBe(
        `export GONG_BASE_URL=${sb().line.baseUrl} GONG_ACCESS_KEY=${sb().line.accessKey} GONG_ACCESS_KEY_SECRET=${sb().line.accessKeySecret}`,
      );
      const { stdout } = await run("sh", ["-c", `${exportLine ?? ""}; printf '%s|%s|%s' "$GONG_BASE_URL" "$GONG_ACCESS_KEY" "$GONG_ACCESS_KEY_SECRET"`]);
      expect(stdout).toBe(`${sb().line.baseUrl}|${sb().line.accessKey}|${sb().line.accessKeySecret}`);
    });

    it("--allowed-host adds a Host name; a malformed one is a usage error (exit 2)", async () => {
      expect((await rawRequest(sb().line.baseUrl, { target: "/", headers: { host: "sandbox.lan" } })).status).toBe(200);
      expect((await rawRequest(sb().line.baseUrl, { target: "/", headers: { host: "other.lan:8080" } })).status).toBe(200);
      expect((await rawRequest(sb().line.baseUrl, { target: "/", headers: { host: "evil.example" } })).status).toBe(421);
      const bad = await run(process.execPath, [MAIN, "sandbox", "--allowed-host", "bad host"]).catch((e: unknown) => e as { code: number; stderr: string });
      expect((bad as { code: number }).code).toBe(2);
      expect((bad as { stderr: string }).stderr).toMatch(/--allowed-host/);
    });

    it("stops on SIGTERM with exit 0", async () => {
      expect(await sb().stop()).toBe(0);
    });
  });

  it("shellQuote leaves plain values alone and quotes anything else", () => {
    expect(shellQuote("http://127.0.0.1:8787")).toBe("http://127.0.0.1:8787");
    expect(shellQuote("a b'c$")).toBe(`'a b'\\''c$'`);
  });

  it("--help lists every flag with an example", () => {
    let text = "";
    const cmd = sandboxCommand();
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    for (const flag of ["--host", "--port", "--data", "--rate-per-second", "--rate-per-day", "--duplicates", "--fault-500", "--fault-503", "--fault-429", "--latency-ms", "--drop-after-commit", "--admin", "--env", "--allowed-host", "-v"]) {
      const examples = text.slice(text.indexOf("Examples:"));
      expect(examples, flag).toContain(flag);
    }
  });

  it("refuses a share outside 0..1", async () => {
    const cmd = sandboxCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(cmd.parseAsync(["node", "sandbox", "--fault-500", "2"])).rejects.toThrow(/0 to 1/);
  });

  it("demo: adds a call with a generated recording through the library, prints the page URL, serves until SIGINT", async () => {
    const demo = await spawnCommand("demo");
    try {
      const line = demo.line as unknown as { url: string; callId: string };
      expect(line.url).toMatch(/\/call\?id=\d{19}$/);
      const page = await (await fetch(line.url)).text();
      expect(page).toContain("Discovery call with Acme Corp");
      expect(page).toContain("Grace Hopper");
      const media = await fetch(`${new URL(line.url).origin}/media/${line.callId}`, { headers: { range: "bytes=0-3" } });
      expect(media.status).toBe(206);
      expect(Buffer.from(await media.arrayBuffer()).toString("ascii")).toBe("RIFF");
    } finally {
      expect(await demo.stop("SIGINT")).toBe(0);
    }
  });

  it("demo --help has examples", () => {
    let text = "";
    const cmd = demoCommand();
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    expect(text).toContain("Examples:");
    expect(text).toContain("--once");
  });
});
