/**
 * Queue mode with an OAuth profile: `import --queue` and two `worker` processes on one Redis share the token pair
 * through Redis, so an expired token is refreshed once for all of them, and every call is added once. The import and
 * the workers that take jobs are processes of the built CLI; the command run afterwards and the worker that refuses a
 * job run the CLI's run() in this process (runInProcess).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { expectOnce, idsIn, lastJson, runCli, startCli, startRedis, startTestSandbox, writeManifest, type RedisServer } from "../../test-support/importer.js";
import { sharedTokenKey } from "../../packages/cli/src/shared-token-store.js";
import { runInProcess } from "../../test-support/run-in-process.js";
import { modeOf, profilePath, readOAuthProfile, refreshRequests, secretsOf, writeOAuthProfile } from "./refresh-profile.js";

let sb: RunningSandbox;
let redis: RedisServer;
const root = mkdtempSync(join(tmpdir(), "gc-oauth-queue-"));

beforeAll(async () => {
  [sb, redis] = await Promise.all([startTestSandbox({ ratePerSecond: 0, ratePerDay: 0, authFailureLimit: 0 }), startRedis()]);
});
afterAll(async () => {
  await Promise.all([sb.close(), redis.stop()]);
  rmSync(root, { recursive: true, force: true });
});

describe("import --queue and two workers with an expired OAuth profile", () => {
  it("make one refresh between them (the pair shared through Redis), and every call is added once", async () => {
    const issued = await sb.issueTokens();
    // The workers run as if on two machines: each has its own copy of the profile; only Redis is shared.
    const configs = ["machine-a", "machine-b"].map((name) => join(root, name));
    for (const dir of configs) writeOAuthProfile(dir, "p", sb, issued);
    await sb.expireAccessTokens();
    await sb.clearTokenRequests();
    const manifest = writeManifest(root, "calls.jsonl", 12, "oq");
    const queueName = "oauth-queue";
    const workerArgs = ["worker", "--queue", redis.url, "--queue-name", queueName, "--profile", "p", "--concurrency", "3", "--rate-limit", "50", "--exit-when-idle", "3"];
    const workers = configs.map((dir) => startCli(workerArgs, { GONG_CONFIG_DIR: dir }));
    const imp = await runCli(["import", manifest, "--queue", redis.url, "--queue-name", queueName, "--profile", "p", "--quiet"], { GONG_CONFIG_DIR: configs[0] ?? "" });
    const results = await Promise.all(workers.map((w) => w.done));
    expect(imp.stderr).not.toMatch(/error|failed/i);
    expect(imp.code).toBe(0);
    expect(lastJson(imp.stdout)).toMatchObject({ total: 12, done: 12, failed: 0 });
    for (const w of results) expect({ code: w.code, refused: lastJson(w.stdout).refused }).toEqual({ code: 0, refused: undefined });
    const processed = results.map((w) => Number(lastJson(w.stdout).processed));
    expect(processed.reduce((a, b) => a + b, 0)).toBe(12);
    expectOnce(await idsIn(sb, "oq-"), 12);

    // One refresh for the three processes.
    expect(await refreshRequests(sb)).toEqual([{ status: 200 }]);
    // Redis holds the new pair, and each machine's profile got it (the one that refreshed saved it, the other copied
    // it from Redis when its token was refused), so a command on either machine still has a live refresh token.
    const client = new Redis(redis.url);
    try {
      const shared = JSON.parse((await client.get(sharedTokenKey("p", sb.oauthClientId))) ?? "null") as { accessToken: string; refreshToken: string };
      expect(shared.refreshToken).not.toBe(issued.refreshToken);
      for (const dir of configs) {
        const saved = readOAuthProfile(dir, "p");
        expect(saved.tokens.refreshToken).toBe(shared.refreshToken);
        expect(modeOf(profilePath(dir, "p"))).toBe(0o600);
      }
      // Nothing secret in what any process printed.
      for (const out of [imp, ...results]) {
        for (const secret of secretsOf(sb, issued, shared)) expect(out.stdout + out.stderr).not.toContain(secret);
      }
    } finally {
      client.disconnect();
    }
    // A command on machine B, which never refreshed itself, uses the pair without another refresh.
    const users = await runInProcess(["users", "--profile", "p"], { env: { GONG_CONFIG_DIR: configs[1] ?? "" } });
    expect(users.code).toBe(0);
    expect(await refreshRequests(sb)).toHaveLength(1);
  }, 120_000);

  it("the jobs are bound to the customer's API host of the token: a worker with access keys to another host refuses them", async () => {
    const issued = await sb.issueTokens();
    const config = join(root, "binding");
    writeOAuthProfile(config, "p", sb, issued);
    const other = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
    try {
      const manifest = writeManifest(root, "bound.jsonl", 2, "ob");
      const queueName = "oauth-binding";
      const imp = startCli(["import", manifest, "--queue", redis.url, "--queue-name", queueName, "--profile", "p", "--quiet"], { GONG_CONFIG_DIR: config });
      const keyEnv = { GONG_BASE_URL: other.baseUrl, GONG_ACCESS_KEY: other.accessKey, GONG_ACCESS_KEY_SECRET: other.accessKeySecret };
      const wrong = await runInProcess(["worker", "--queue", redis.url, "--queue-name", queueName, "--exit-when-idle", "30"], { env: keyEnv });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`belongs to an import into ${new URL(sb.baseUrl).href}`);
      expect(wrong.stderr).toMatch(/OAuth app/);
      // A worker with the profile takes them.
      const right = await runCli(["worker", "--queue", redis.url, "--queue-name", queueName, "--profile", "p", "--exit-when-idle", "2"], { GONG_CONFIG_DIR: config });
      expect(right.code).toBe(0);
      const done = await imp.done;
      expect(done.code).toBe(0);
      expectOnce(await idsIn(sb, "ob-"), 2);
    } finally {
      await other.close();
    }
  }, 120_000);
});
