/**
 * What a rerun of import finds in its journal, run in-process (`run(argv)` of the CLI's sources) against two sandboxes
 * over real HTTP and real SQLite. The Gong the journal belongs to: a rerun against another Gong (another URL or another
 * access key) is refused, --rebind-journal moves it on purpose, a journal from before bindings is bound on first use.
 * The daily budget spent: a later run the same day sends only what is left. e2e/hostile/importer-binding.test.ts runs
 * a queue worker of another Gong through the built CLI; e2e/hostile/importer-quota.test.ts the quota waits,
 * --stop-on-quota and the queue workers' shared budget.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { apiRequestCount, expectOnce, idsIn, lastJson, sandboxEnv, startTestSandbox } from "../../../test-support/importer.js";
import { importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-reruns-", { ratePerSecond: 0, ratePerDay: 0 });
const DAY_MS = 86_400_000;
let b: RunningSandbox;
beforeAll(async () => {
  b = await startTestSandbox({ ratePerSecond: 0, accessKey: "otherkey-0001", accessKeySecret: "other-secret-0001" });
});
afterAll(async () => {
  await b.close();
});

const run = (args: string[], env: Record<string, string>) => runInProcess(["import", ...args], { env });

describe("a journal belongs to one Gong (in-process)", () => {
  it("refuses a rerun against another Gong (exit 2, nothing sent) and says how to go on; --journal NEW imports there", async () => {
    const a = fx.sb();
    const manifest = fx.manifestOf("bind.jsonl", 4, "bind");
    const first = await run([manifest], sandboxEnv(a));
    expect(first.code, first.stderr).toBe(0);
    expectOnce(await idsIn(a, "bind-"), 4);

    const other = await run([manifest], sandboxEnv(b));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`belongs to ${a.baseUrl}/`);
    expect(other.stderr).toMatch(/--journal NEW\.sqlite/);
    expect(other.stderr).toMatch(/--rebind-journal/);
    expect(other.stderr).not.toContain(b.accessKeySecret);
    expect(other.stderr).not.toContain(a.accessKeySecret);
    expect(await idsIn(b, "bind-")).toHaveLength(0);
    expect(await apiRequestCount(b)).toBe(0);

    const fresh = await run([manifest, "--journal", join(fx.dir, "bind-b.sqlite")], sandboxEnv(b));
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(lastJson(fresh.stdout)).toMatchObject({ done: 4, skipped: 0 });
    expectOnce(await idsIn(b, "bind-"), 4);
  });

  it("the same Gong with another access key is another Gong; --rebind-journal moves the journal on purpose", async () => {
    const a = fx.sb();
    const manifest = fx.manifestOf("rebind.jsonl", 3, "rebind");
    expect((await run([manifest], sandboxEnv(a))).code).toBe(0);
    const otherKey = { ...sandboxEnv(a), GONG_ACCESS_KEY: "not-the-same-key", GONG_ACCESS_KEY_SECRET: a.accessKeySecret };
    const refused = await run([manifest], otherKey);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/, not key not-th…: /);
    // The same tenant under a new URL (here: the same sandbox, reached as localhost): rebinding keeps the journal's work.
    const moved = { ...sandboxEnv(a), GONG_BASE_URL: a.baseUrl.replace("127.0.0.1", "localhost") };
    const rebound = await run([manifest, "--rebind-journal"], moved);
    expect(rebound.code, rebound.stderr).toBe(0);
    expect(lastJson(rebound.stdout)).toMatchObject({ skipped: 3, done: 0 });
    const j = new Journal(`${manifest}.journal.sqlite`);
    expect(j.binding()?.baseUrl).toMatch(/^http:\/\/localhost:/);
    j.close();
    expectOnce(await idsIn(a, "rebind-"), 3);
  });

  it("binds a journal from before bindings on first use, never storing a secret", async () => {
    const a = fx.sb();
    const manifest = fx.manifestOf("legacy.jsonl", 2, "legacy");
    const journal = join(fx.dir, "legacy.sqlite");
    const old = new Database(journal);
    old.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('run', '0');");
    old.close();
    const r = await run([manifest, "--journal", journal], sandboxEnv(a));
    expect(r.code, r.stderr).toBe(0);
    const j = new Journal(journal);
    expect(j.binding()).toMatchObject({ baseUrl: `${a.baseUrl}/` });
    j.close();
    const bytes = readFileSync(journal);
    expect(bytes.includes(a.accessKeySecret)).toBe(false);
    expect(bytes.includes(a.accessKey)).toBe(false);
    expect((await run([manifest, "--journal", journal], sandboxEnv(b))).code).toBe(2);
  });
});

describe("import --daily-budget (in-process)", () => {
  it("is counted in the journal: a second run the same day sends only what is left", async () => {
    // Both runs inside one UTC day (the quota day): a start in the day's last minute waits for the next day.
    const toMidnight = DAY_MS - (Date.now() % DAY_MS);
    if (toMidnight < 60_000) await new Promise((r) => setTimeout(r, toMidnight + 1000));
    const manifest = fx.manifestOf("budget.jsonl", 12, "bud");
    const requestsBefore = await apiRequestCount(fx.sb());
    const first = await runInProcess(["import", manifest, "--daily-budget", "8", "--stop-on-quota", "--concurrency", "1", "--rate-limit", "100"], { env: fx.env() });
    expect(first.code, first.stderr).toBe(6);
    expect(lastJson(first.stdout)).toMatchObject({ done: 8, failed: 0, pending: 4, quotaStopped: true });
    const second = await runInProcess(["import", manifest, "--daily-budget", "10", "--stop-on-quota", "--concurrency", "1", "--rate-limit", "100"], { env: fx.env() });
    expect(second.code, second.stderr).toBe(6);
    expect(lastJson(second.stdout)).toMatchObject({ skipped: 8, done: 2, failed: 0, pending: 2 });
    expect((await apiRequestCount(fx.sb())) - requestsBefore).toBe(10);
    expectOnce(await idsIn(fx.sb(), "bud-"), 10);
  });
});
