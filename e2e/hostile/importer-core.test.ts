/**
 * The importer's core against hostile conditions, over real HTTP, real SQLite and real processes: manifests full of
 * invalid and failing rows, a server that echoes the secret back, and a journal whose disk fills up. (A journal bound
 * to one Gong: importer-binding.test.ts; quota: importer-quota.test.ts.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import {
  callRequest,
  lastJson,
  runCli,
  sandboxEnv,
  startCli,
  startTestSandbox,
  writeJsonl,
  expectOnce,
  idsIn,
  writeManifest,
} from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-importer-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const manifestOf = (name: string, count: number, prefix: string, from = 0): string => writeManifest(dir, name, count, prefix, from);
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
