/**
 * A journal belongs to the Gong it was used with, over real HTTP, real SQLite and real processes: a rerun against
 * another Gong (another URL or another access key) is refused, a journal from before bindings is bound on first use,
 * and in queue mode a worker of another Gong hands the jobs back.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { type RunningSandbox } from "@gong-connector/sandbox";
import {
  apiRequestCount,
  lastJson,
  runCli,
  sandboxEnv,
  startCli,
  startRedis,
  startTestSandbox,
  expectOnce,
  idsIn,
  writeManifest,
} from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-binding-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const manifestOf = (name: string, count: number, prefix: string, from = 0): string => writeManifest(dir, name, count, prefix, from);
describe("a journal belongs to one Gong", () => {
  let a: RunningSandbox;
  let b: RunningSandbox;
  beforeAll(async () => {
    a = await startTestSandbox({ ratePerSecond: 0 });
    b = await startTestSandbox({ ratePerSecond: 0, accessKey: "otherkey-0001", accessKeySecret: "other-secret-0001" });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("refuses a rerun against another Gong (exit 2, nothing sent) and says how to go on; --journal NEW imports there", async () => {
    const manifest = manifestOf("bind.jsonl", 4, "bind");
    const first = await runCli(["import", manifest], sandboxEnv(a));
    expect(first.code).toBe(0);
    expectOnce(await idsIn(a, "bind-"), 4);

    const other = await runCli(["import", manifest], sandboxEnv(b));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`belongs to ${a.baseUrl}/`);
    expect(other.stderr).toMatch(/--journal NEW\.sqlite/);
    expect(other.stderr).toMatch(/--rebind-journal/);
    expect(other.stderr).not.toContain(b.accessKeySecret);
    expect(other.stderr).not.toContain(a.accessKeySecret);
    expect(await idsIn(b, "bind-")).toHaveLength(0);
    expect(await apiRequestCount(b)).toBe(0);

    const fresh = await runCli(["import", manifest, "--journal", join(dir, "bind-b.sqlite")], sandboxEnv(b));
    expect(fresh.code).toBe(0);
    expect(lastJson(fresh.stdout)).toMatchObject({ done: 4, skipped: 0 });
    expectOnce(await idsIn(b, "bind-"), 4);
  });

  it("the same Gong with another access key is another Gong; --rebind-journal moves the journal on purpose", async () => {
    const manifest = manifestOf("rebind.jsonl", 3, "rebind");
    expect((await runCli(["import", manifest], sandboxEnv(a))).code).toBe(0);
    const otherKey = { ...sandboxEnv(a), GONG_ACCESS_KEY: "not-the-same-key", GONG_ACCESS_KEY_SECRET: a.accessKeySecret };
    const refused = await runCli(["import", manifest], otherKey);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/, not key not-th…: /);
    // The same tenant under a new URL (here: the same sandbox, reached as localhost): rebinding keeps the journal's work.
    const moved = { ...sandboxEnv(a), GONG_BASE_URL: a.baseUrl.replace("127.0.0.1", "localhost") };
    const rebound = await runCli(["import", manifest, "--rebind-journal"], moved);
    expect(rebound.code).toBe(0);
    expect(lastJson(rebound.stdout)).toMatchObject({ skipped: 3, done: 0 });
    const j = new Journal(`${manifest}.journal.sqlite`);
    expect(j.binding()?.baseUrl).toMatch(/^http:\/\/localhost:/);
    j.close();
    expectOnce(await idsIn(a, "rebind-"), 3);
  });

  it("binds a journal from before bindings on first use, never storing a secret", async () => {
    const manifest = manifestOf("legacy.jsonl", 2, "legacy");
    const journal = join(dir, "legacy.sqlite");
    const old = new Database(journal);
    old.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('run', '0');");
    old.close();
    const r = await runCli(["import", manifest, "--journal", journal], sandboxEnv(a));
    expect(r.code).toBe(0);
    const j = new Journal(journal);
    expect(j.binding()).toMatchObject({ baseUrl: `${a.baseUrl}/` });
    j.close();
    const bytes = readFileSync(journal);
    expect(bytes.includes(a.accessKeySecret)).toBe(false);
    expect(bytes.includes(a.accessKey)).toBe(false);
    expect((await runCli(["import", manifest, "--journal", journal], sandboxEnv(b))).code).toBe(2);
  });

  it("queue mode: a worker of another Gong hands the jobs back and stops (exit 2); the right worker imports them", async () => {
    const redis = await startRedis();
    try {
      const manifest = manifestOf("bind-queue.jsonl", 5, "bq");
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
    }
  }, 120_000);
});
