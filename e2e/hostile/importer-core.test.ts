/**
 * The importer's core against hostile conditions, through the built CLI over real HTTP and real SQLite: killed with
 * SIGKILL while a server echoes the secret back (the journal's WAL holds no secret), and a journal whose disk fills up
 * (exit 4, the journal intact). The two cases share nothing and wait on their servers, so they run at the same time.
 * Manifests full of invalid and failing rows and the redaction of a whole run: packages/cli/test/import-core.test.ts.
 * (A journal bound to one Gong: importer-binding.test.ts; quota: importer-quota.test.ts.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, it } from "vitest";
import { lastJson, runCli, sandboxEnv, startCli, startTestSandbox, expectOnce, idsIn } from "../../test-support/importer.js";
import { ECHO_KEY, ECHO_SECRET, echoingServer, expectNoSecret, importFixture } from "../../test-support/import-fixtures.js";

const fx = importFixture("gc-hostile-importer-", false);
const dir = fx.dir;
const manifestOf = fx.manifestOf;
const mnt = join(dir, "small-disk");
let mounted = false;
beforeAll(() => {
  mkdirSync(mnt, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt]);
  mounted = true;
});
afterAll(() => {
  if (mounted) spawnSync("umount", [mnt]);
});

describe.concurrent("the built CLI under hostile conditions", () => {
  it("killed with SIGKILL mid-run while the server echoes the secret: the journal's WAL holds the rows written so far, redacted", async ({ expect }) => {
    const echo = await echoingServer();
    try {
      const env = { GONG_BASE_URL: echo.url, GONG_ACCESS_KEY: ECHO_KEY, GONG_ACCESS_KEY_SECRET: ECHO_SECRET };
      const manifest2 = manifestOf("echo2.jsonl", 40, "echo2");
      const hangAt = echo.requests() + 12;
      echo.hangFrom(hangAt);
      const run = startCli(["import", manifest2, "--concurrency", "2"], env);
      for (let i = 0; i < 400 && echo.requests() <= hangAt; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(echo.requests()).toBeGreaterThan(hangAt);
      await new Promise((resolve) => setTimeout(resolve, 300));
      run.child.kill("SIGKILL");
      await run.done;
      const wal = `${manifest2}.journal.sqlite-wal`;
      expect(existsSync(wal)).toBe(true);
      const walBytes = readFileSync(wal);
      expect(walBytes.includes("[REDACTED]")).toBe(true);
      expectNoSecret(walBytes, "the WAL");
      expectNoSecret(readFileSync(`${manifest2}.journal.sqlite`), "the journal");
    } finally {
      echo.close();
    }
  }, 60_000);

  it("says the disk is full (naming the journal), exits 4 with the journal intact; the rerun after freeing space finishes, each call once", async ({ expect }) => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
    try {
      const journal = join(mnt, "import.sqlite");
      const manifest = manifestOf("disk.jsonl", 400, "disk");
      const fast = ["--rate-limit", "1000", "--concurrency", "8"];
      // Load every row into the journal and send a few (a daily budget of 5, then a stop on quota).
      expect((await runCli(["import", manifest, "--journal", journal, "--daily-budget", "5", "--stop-on-quota", ...fast], sandboxEnv(sb))).code).toBe(6);
      // Fill the disk, all but 512 KB: enough to start the rerun, not to finish it.
      const reserve = join(mnt, "reserve");
      writeFileSync(reserve, Buffer.alloc(512 * 1024));
      const filler = join(mnt, "filler");
      try {
        writeFileSync(filler, Buffer.alloc(16 * 1024 * 1024));
      } catch {
        // ENOSPC: whatever fitted stays.
      }
      unlinkSync(reserve);

      const full = await runCli(["import", manifest, "--journal", journal, ...fast], sandboxEnv(sb), 120_000);
      expect(full.code).toBe(4);
      expect(full.stderr).toContain(`cannot write the journal ${journal}: the disk holding it is full (SQLITE_FULL)`);
      expect(full.stderr).toMatch(/Nothing was lost/);
      expect(full.stderr).toMatch(/rerun the same command to resume/);
      expect(full.stderr).not.toMatch(/\n\s+at /);
      const sentBeforeFull = (await idsIn(sb, "disk-")).length;
      expect(sentBeforeFull).toBeGreaterThan(5);
      expect(sentBeforeFull).toBeLessThan(400);

      unlinkSync(filler);
      const check = new Database(journal);
      expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
      check.close();
      const rerun = await runCli(["import", manifest, "--journal", journal, ...fast], sandboxEnv(sb), 120_000);
      expect(rerun.code).toBe(0);
      const summary = lastJson(rerun.stdout);
      expect(summary).toMatchObject({ total: 400, failed: 0, pending: 0 });
      expect(Number(summary.done) + Number(summary.skipped)).toBe(400);
      expectOnce(await idsIn(sb, "disk-"), 400);
    } finally {
      await sb.close();
    }
  }, 200_000);
});
