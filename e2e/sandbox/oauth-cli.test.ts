/**
 * `gong-connector sandbox` (the built CLI, as a user runs it): the OAuth host's fields in its JSON line, and its flags.
 * Refused OAuth flags run in-process: packages/cli/test/sandbox-usage.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { spawnSandbox, type ChildSandbox } from "../../test-support/child-sandbox.js";
import { freePort } from "../../test-support/importer.js";
import { runCli } from "../../test-support/run-cli.js";
import { api, approve, exchange, refresh, str } from "../../packages/sandbox/test/oauth-flow.js";

interface OAuthLine {
  baseUrl: string;
  dataDir: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
}

/** What the OAuth helpers need of a sandbox, from the command's JSON line. */
function asSandbox(line: OAuthLine): RunningSandbox {
  return { oauthUrl: line.oauthUrl, oauthClientId: line.clientId, oauthClientSecret: line.clientSecret, baseUrl: line.baseUrl } as RunningSandbox;
}

describe("sandbox command: the OAuth host", () => {
  // One sandbox serves the first tests in order (a sandbox process costs more than a CPU-second to start); the
  // third stops it, the fourth starts another on the same --data.
  describe("started with --token-ttl-seconds, --oauth-port and --data", () => {
    let dir = "";
    let port = 0;
    let sb: ChildSandbox;
    const line = (): OAuthLine => sb.line as unknown as OAuthLine;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "oauth-cli-"));
      port = await freePort();
      sb = await spawnSandbox(["--rate-per-second", "0", "--token-ttl-seconds", "120", "--data", dir, "--oauth-port", String(port)]);
    });
    afterAll(async () => {
      await sb.stop("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    });

    it("prints oauthUrl, clientId and clientSecret; --token-ttl-seconds sets the tokens' life; the flow works end to end", async () => {
      expect(Object.keys(line())).toEqual(expect.arrayContaining(["baseUrl", "oauthUrl", "clientId", "clientSecret"]));
      expect(line().oauthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(line().oauthUrl).not.toBe(line().baseUrl);
      expect(line().clientSecret.length).toBeGreaterThanOrEqual(24);

      const app = asSandbox(line());
      const tokens = await exchange(app, await approve(app));
      expect(tokens.status, tokens.text).toBe(200);
      expect(tokens.json).toMatchObject({ expires_in: 120, token_type: "bearer", api_base_url_for_customer: line().baseUrl });
      expect((await api(line().baseUrl, "/v2/users", str(tokens.json?.access_token))).status).toBe(200);
      // The OAuth host is not the API.
      expect((await api(line().oauthUrl, "/v2/users", str(tokens.json?.access_token))).status).toBe(404);
      const next = await refresh(app, str(tokens.json?.refresh_token), "form");
      expect(next.status).toBe(200);
      expect((await refresh(app, str(tokens.json?.refresh_token))).json?.error).toBe("invalid_grant");
    });

    it("--oauth-port fixes the OAuth host's port", () => {
      expect(line().oauthUrl).toBe(`http://127.0.0.1:${String(port)}`);
    });

    it("stops with exit 0; stderr names the OAuth host and never the client secret", async () => {
      expect(await sb.stop()).toBe(0);
      expect(sb.stderr()).toContain(`OAuth host on ${line().oauthUrl}`);
      expect(sb.stderr()).not.toContain(line().clientSecret);
    });

    it("--data keeps the app's credentials across a restart", async () => {
      const second = await spawnSandbox(["--data", dir]);
      const b = second.line as unknown as OAuthLine;
      expect(await second.stop()).toBe(0);
      expect([b.clientId, b.clientSecret]).toEqual([line().clientId, line().clientSecret]);
    });
  });

  // The --oauth-port in use and the bad values of --oauth-port and --token-ttl-seconds run in-process:
  // packages/cli/test/sandbox-usage.test.ts.
  it("a --port in use is a usage error (exit 2) naming its flag", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const res = await runCli(["sandbox", "--port", String(port)]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`--port ${String(port)}: 127.0.0.1:${String(port)} is already in use`);
      expect(res.stdout).toBe("");
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
