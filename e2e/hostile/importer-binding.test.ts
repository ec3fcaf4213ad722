/**
 * A journal belongs to the Gong it was used with: in queue mode, through the built CLI, a worker of another Gong hands
 * the jobs back and stops. Reruns against another Gong, --rebind-journal and journals from before bindings run
 * in-process in packages/cli/test/import-reruns.test.ts.
 */
import { describe, expect, it } from "vitest";
import { lastJson, runCli, sandboxEnv, startCli, startRedis, startTestSandbox, expectOnce, idsIn } from "../../test-support/importer.js";
import { importFixture } from "../../test-support/import-fixtures.js";

const fx = importFixture("gc-hostile-binding-");

describe("a journal belongs to one Gong", () => {
  it("queue mode: a worker of another Gong hands the jobs back and stops (exit 2); the right worker imports them", async () => {
    const a = fx.sb();
    const b = await startTestSandbox({ ratePerSecond: 0, accessKey: "otherkey-0001", accessKeySecret: "other-secret-0001" });
    const redis = await startRedis();
    try {
      const manifest = fx.manifestOf("bind-queue.jsonl", 5, "bq");
      const queueName = "bind-queue";
      const imp = startCli(["import", manifest, "--queue", redis.url, "--queue-name", queueName, "--progress-interval", "1"], sandboxEnv(a));
      const wrong = await runCli(["worker", "--queue", redis.url, "--queue-name", queueName, "--exit-when-idle", "30"], sandboxEnv(b), 60_000);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/belongs to an import into http:\/\/127\.0\.0\.1:\d+\/ .*nothing was sent/);
      expect(await idsIn(b, "bq-")).toHaveLength(0);
      const right = await runCli(["worker", "--queue", redis.url, "--queue-name", queueName, "--exit-when-idle", "2"], sandboxEnv(a), 60_000);
      expect(right.code).toBe(0);
      const done = await imp.done;
      expect(done.code).toBe(0);
      expect(lastJson(done.stdout)).toMatchObject({ total: 5, done: 5, failed: 0 });
      expectOnce(await idsIn(a, "bq-"), 5);
    } finally {
      await redis.stop();
      await b.close();
    }
  }, 120_000);
});
