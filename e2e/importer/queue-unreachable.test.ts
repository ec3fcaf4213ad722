/**
 * Queue mode when Redis does not answer, as a user meets it: a wrong --queue address is said at once with exit 4
 * (import --queue, worker, serve --queue), and a worker whose Redis goes away stops on one SIGTERM with exit 4 and its
 * summary, instead of waiting for ever. (checkQueueConnection's cases: packages/importer/test/queue-reach.test.ts.)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCalls, callRequest, freePort, lastJson, runCli, sandboxEnv, startCli, startRedis, startTestSandbox } from "../../test-support/importer.js";
import { until } from "../../test-support/until.js";

let sb: Awaited<ReturnType<typeof startTestSandbox>>;
let dir: string;

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  dir = mkdtempSync(join(tmpdir(), "gc-queue-unreachable-"));
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a --queue where nothing answers", () => {
  it("import --queue, worker and serve --queue: exit 4 at once, naming the address, nothing queued or journaled", async () => {
    const port = await freePort();
    const manifest = join(dir, "calls.jsonl");
    writeFileSync(manifest, `${JSON.stringify(callRequest(1, "unreachable"))}\n`);
    const journal = join(dir, "calls.journal.sqlite");
    const runs = await Promise.all([
      runCli(["import", manifest, "--queue", `redis://:hunter2-secret@127.0.0.1:${String(port)}/2`, "--journal", journal], sandboxEnv(sb), 30_000),
      runCli(["worker", "--queue", `redis://127.0.0.1:${String(port)}`], sandboxEnv(sb), 30_000),
      runCli(["serve", "--data", join(dir, "relay"), "--queue", `redis://127.0.0.1:${String(port)}`], sandboxEnv(sb), 30_000),
    ]);
    for (const [i, r] of runs.entries()) {
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain(`cannot reach Redis at 127.0.0.1:${String(port)}/${i === 0 ? "2" : "0"}: connection refused (ECONNREFUSED)`);
      expect(r.stderr).not.toContain("hunter2");
      expect(r.stderr).not.toContain("a bug");
    }
    expect(await adminCalls(sb)).toEqual([]);
    expect(existsSync(journal)).toBe(false);
  });
});

describe("a worker whose Redis goes away", () => {
  it("stops on one SIGTERM: exit 4, its summary says Redis was lost", async () => {
    const redis = await startRedis();
    const worker = startCli(["worker", "--queue", redis.url], sandboxEnv(sb));
    try {
      await until("the worker to start", () => worker.stderr().includes("worker: processing"), 30_000);
      await redis.stop();
      worker.child.kill("SIGTERM");
      const done = await worker.done;
      expect(done.code, done.stderr).toBe(4);
      expect(done.stderr).toContain("stopping without Redis (cannot reach Redis at 127.0.0.1:");
      expect(lastJson(done.stdout)).toMatchObject({ processed: 0, failed: 0, interrupted: true, redisLost: expect.stringContaining("ECONNREFUSED") as unknown });
    } finally {
      if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
      await redis.stop();
    }
  });
});
