/**
 * The importer's core against hostile conditions, over real HTTP, real SQLite and real processes: a journal reused
 * against another Gong, a daily quota that runs out (in seconds, with the sandbox's short day), manifests full of
 * invalid and failing rows, a server that echoes the secret back, and a journal whose disk fills up.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import {
  adminCalls,
  apiRequestCount,
  callRequest,
  ensureBuilt,
  lastJson,
  runCli,
  sandboxEnv,
  startCli,
  startRedis,
  startTestSandbox,
  writeJsonl,
} from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-importer-"));

beforeAll(() => {
  ensureBuilt();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function manifestOf(name: string, count: number, prefix: string, from = 0): string {
  const path = join(dir, name);
  writeJsonl(path, Array.from({ length: count }, (_, i) => callRequest(from + i, prefix)));
  return path;
}

async function idsIn(sb: RunningSandbox, prefix: string): Promise<string[]> {
  return (await adminCalls(sb)).map((c) => c.clientUniqueId).filter((id) => id.startsWith(prefix));
}

function expectOnce(ids: readonly string[], count: number): void {
  expect(ids).toHaveLength(count);
  expect(new Set(ids).size).toBe(count);
}

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

describe("quota never turns into failures", () => {
  it("waits through a spent daily quota (10 requests a day of 3 s): every row done, none failed, the wait on stderr", async () => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 10, daySeconds: 3 });
    try {
      const manifest = manifestOf("quota-wait.jsonl", 30, "qw");
      const r = await runCli(["import", manifest, "--rate-limit", "100", "--progress-interval", "0.5"], sandboxEnv(sb), 180_000);
      expect(r.code).toBe(0);
      const summary = lastJson(r.stdout);
      expect(summary).toMatchObject({ total: 30, done: 30, failed: 0, pending: 0, quotaStopped: false });
      expect(summary.quotaWaits).toBeGreaterThanOrEqual(2);
      expect(r.stderr).toMatch(/daily quota spent \(.*\); waiting \d+s for the reset/);
      expect(r.stderr).toMatch(/quota spent: waiting \d+s for the reset \(resumes \d\d:\d\d:\d\d UTC\)/);
      expectOnce(await idsIn(sb, "qw-"), 30);
    } finally {
      await sb.close();
    }
  }, 200_000);

  it("--stop-on-quota stops at once with exit 6 and the rows pending; the rerun finishes them, each call once", async () => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 10, daySeconds: 3 });
    try {
      const manifest = manifestOf("quota-stop.jsonl", 30, "qs");
      const report = join(dir, "quota-stop.csv");
      const r = await runCli(["import", manifest, "--rate-limit", "100", "--stop-on-quota", "--report", report], sandboxEnv(sb));
      expect(r.code).toBe(6);
      const summary = lastJson(r.stdout);
      expect(summary).toMatchObject({ total: 30, failed: 0, quotaStopped: true });
      expect(summary.pending).toBeGreaterThan(0);
      // One day's 10 requests, or two when the run began in a day's last second (a Retry-After of 1 s is waited out).
      expect(summary.done).toBeLessThanOrEqual(20);
      expect(Number(summary.done) + Number(summary.pending)).toBe(30);
      expect(Date.parse(String(summary.resumeAt))).toBeGreaterThan(Date.now() - 4000);
      expect(r.stderr).toMatch(/stopped on quota; \d+ row\(s\) pending\. Rerun the same command after \d{4}-\d\d-\d\dT/);
      // No row failed: no report, or one with its header only.
      if (existsSync(report)) expect(readFileSync(report, "utf8").trim().split("\n")).toHaveLength(1);
      const j = new Journal(`${manifest}.journal.sqlite`);
      expect(j.counts().failed).toBe(0);
      j.close();

      const rerun = await runCli(["import", manifest, "--rate-limit", "100"], sandboxEnv(sb), 180_000);
      expect(rerun.code).toBe(0);
      expect(lastJson(rerun.stdout)).toMatchObject({ failed: 0, pending: 0, skipped: summary.done });
      expectOnce(await idsIn(sb, "qs-"), 30);
    } finally {
      await sb.close();
    }
  }, 200_000);

  it("--daily-budget is counted in the journal: a second process the same day sends only what is left", async () => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
    try {
      // A quota day of 10 minutes (the test hook), started well inside one day.
      const daySeconds = 600;
      const intoDay = (Date.now() / 1000) % daySeconds;
      if (intoDay > daySeconds - 60) await new Promise((r) => setTimeout(r, (daySeconds - intoDay + 1) * 1000));
      const env = { ...sandboxEnv(sb), GONG_CONNECTOR_TEST_DAY_SECONDS: String(daySeconds) };
      const manifest = manifestOf("budget.jsonl", 12, "bud");
      const first = await runCli(["import", manifest, "--daily-budget", "8", "--stop-on-quota", "--concurrency", "1"], env);
      expect(first.code).toBe(6);
      expect(lastJson(first.stdout)).toMatchObject({ done: 8, failed: 0, pending: 4, quotaStopped: true });
      const second = await runCli(["import", manifest, "--daily-budget", "10", "--stop-on-quota", "--concurrency", "1"], env);
      expect(second.code).toBe(6);
      expect(lastJson(second.stdout)).toMatchObject({ skipped: 8, done: 2, failed: 0, pending: 2 });
      expect(await apiRequestCount(sb)).toBe(10);
      expectOnce(await idsIn(sb, "bud-"), 10);
    } finally {
      await sb.close();
    }
  }, 120_000);

  it("queue mode: workers pause together when the shared daily budget is spent; no job fails", async () => {
    const sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
    const redis = await startRedis();
    try {
      const env = { ...sandboxEnv(sb), GONG_CONNECTOR_TEST_DAY_SECONDS: "3" };
      const manifest = manifestOf("quota-queue.jsonl", 16, "qq");
      const queueName = "quota-queue";
      const workerArgs = ["worker", "--queue", redis.url, "--queue-name", queueName, "--daily-budget", "6", "--rate-limit", "100", "--exit-when-idle", "4"];
      const workers = [startCli(workerArgs, env), startCli(workerArgs, env)];
      const imp = await runCli(["import", manifest, "--queue", redis.url, "--queue-name", queueName, "--progress-interval", "1"], env, 120_000);
      expect(imp.code).toBe(0);
      expect(lastJson(imp.stdout)).toMatchObject({ total: 16, done: 16, failed: 0 });
      const ends = await Promise.all(workers.map((w) => w.done));
      expect(ends.map((e) => e.code)).toEqual([0, 0]);
      expect(ends.map((e) => e.stderr).join("\n")).toMatch(/daily quota spent .*every worker pauses until/);
      expect(ends.map((e) => lastJson(e.stdout).failed)).toEqual([0, 0]);
      expectOnce(await idsIn(sb, "qq-"), 16);
    } finally {
      await redis.stop();
      await sb.close();
    }
  }, 150_000);
});

describe("memory: per-row state stays out of the heap", () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 0 });
  });
  afterAll(async () => {
    await sb.close();
  });

  it("prints the first 100 invalid rows and a count; the report lists all of them, duplicates included", async () => {
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 260; i++) rows.push(i % 2 === 0 ? { ...callRequest(i, "inv"), direction: "Sideways" } : callRequest(i, "inv"));
    for (let i = 1; i < 40; i += 2) rows.push(callRequest(i, "inv"));
    const manifest = join(dir, "invalid.jsonl");
    writeJsonl(manifest, rows);
    const report = join(dir, "invalid.jsonl.report.jsonl");
    const r = await runCli(["import", manifest, "--report", report], sandboxEnv(sb));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/150 invalid row\(s\)/);
    expect(r.stderr.match(/^line \d+ /gm)).toHaveLength(100);
    expect(r.stderr).toMatch(/… and 50 more invalid row\(s\) \(the report lists them all\)/);
    const summary = lastJson(r.stdout);
    expect(summary).toMatchObject({ total: 280, invalid: 150, invalidRowsOmitted: 50 });
    expect(summary.invalidRows).toHaveLength(100);
    const lines = readFileSync(report, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number; errors: string[] });
    expect(lines).toHaveLength(150);
    expect(lines.map((l) => l.line)).toEqual([...lines.map((l) => l.line)].sort((x, y) => x - y));
    expect(lines.filter((l) => l.errors.some((e) => e.includes("duplicate clientUniqueId (first on line")))).toHaveLength(20);
    expect(await idsIn(sb, "inv-")).toHaveLength(0);
  });

  it("streams every failure from the journal into the report, merged with the skipped invalid rows in line order", async () => {
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 240; i++) {
      if (i % 20 === 0) rows.push({ ...callRequest(i, "fail"), actualStart: "nope" });
      // An inactive primary user: Gong refuses the call (409), a failure of the row.
      else if (i % 2 === 0) {
        rows.push({ ...callRequest(i, "fail"), primaryUser: SEED_USERS.inactive, parties: [{ userId: SEED_USERS.inactive, name: "Inactive" }, { name: "Guest" }] });
      } else rows.push(callRequest(i, "fail"));
    }
    const manifest = join(dir, "failing.jsonl");
    writeJsonl(manifest, rows);
    const report = join(dir, "failing.csv");
    const r = await runCli(["import", manifest, "--report", report, "--skip-invalid", "--rate-limit", "1000", "--concurrency", "8"], sandboxEnv(sb), 120_000);
    expect(r.code).toBe(5);
    expect(lastJson(r.stdout)).toMatchObject({ total: 240, invalid: 12, failed: 108, done: 120 });
    const body = readFileSync(report, "utf8").trim().split("\n");
    expect(body[0]).toBe("line,clientUniqueId,stage,status,errors,requestId,callId,message");
    const records = body.slice(1).map((l) => Number(l.split(",")[0]));
    expect(records).toHaveLength(120);
    expect(records).toEqual([...records].sort((x, y) => x - y));
    expectOnce(await idsIn(sb, "fail-"), 120);
  }, 150_000);
});

/** A Gong stand-in that echoes the credentials back in every error, raw and escaped in several ways. */
function echoingServer(): Promise<{ server: Server; url: string; requests: () => number; hangFrom: (n: number) => void }> {
  let count = 0;
  let hangAfter = Number.POSITIVE_INFINITY;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    const auth = req.headers.authorization ?? "";
    const basic = auth.replace(/^Basic /, "");
    const [key = "", secret = ""] = Buffer.from(basic, "base64").toString("utf8").split(":");
    const escaped = Array.from({ length: secret.length }, (_, i) => `\\u${secret.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
    req.resume();
    req.on("end", () => {
      if (count > hangAfter) return; // never answers: the importer is caught mid-run
      const body =
        `{"requestId":"echo-${secret}","errors":["bad credentials for ${key}: ${escaped}",` +
        `"url-encoded ${encodeURIComponent(secret)}","header ${auth}"]}`;
      res.writeHead(req.method === "POST" ? 400 : 404, { "content-type": "application/json" });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}`, requests: () => count, hangFrom: (n) => (hangAfter = n) });
    });
  });
}

describe("secrets never reach the journal or the report", () => {
  const key = "echo-access-key";
  const secret = "s3cr/t+Key=Va&lue";
  const forms = [secret, encodeURIComponent(secret), Buffer.from(`${key}:${secret}`).toString("base64"), Buffer.from(secret).toString("base64").replace(/=+$/, "")];

  function expectClean(bytes: Buffer, what: string): void {
    for (const form of forms) expect(bytes.includes(form), `${what} holds ${form}`).toBe(false);
  }

  it("redacts what a server echoes, in any escaping, before writing the journal (and its WAL) and the report", async () => {
    const echo = await echoingServer();
    try {
      const env = { GONG_BASE_URL: echo.url, GONG_ACCESS_KEY: key, GONG_ACCESS_KEY_SECRET: secret };
      const manifest = manifestOf("echo.jsonl", 6, "echo");
      const report = join(dir, "echo.jsonl.report.jsonl");
      const r = await runCli(["import", manifest, "--report", report], env);
      expect(r.code).toBe(5);
      const reportBytes = readFileSync(report);
      expect(reportBytes.toString()).toContain("[REDACTED]");
      expectClean(reportBytes, "the report");
      expectClean(readFileSync(`${manifest}.journal.sqlite`), "the journal");
      expectClean(Buffer.from(r.stdout + r.stderr), "the output");

      // Killed mid-run (kill -9), the journal's WAL holds the rows written so far: no secret there either.
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
      expectClean(walBytes, "the WAL");
      expectClean(readFileSync(`${manifest2}.journal.sqlite`), "the journal");
    } finally {
      echo.server.closeAllConnections();
      echo.server.close();
    }
  }, 60_000);
});

describe("a journal whose disk fills up", () => {
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

  it("says the disk is full (naming the journal), exits 4 with the journal intact; the rerun after freeing space finishes, each call once", async () => {
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
