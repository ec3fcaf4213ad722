/**
 * The importer's core against hostile manifests and servers, run in-process (`run(argv)` of the CLI's sources) over
 * real HTTP and real SQLite: a manifest full of invalid rows, one full of failing rows (the report streamed from the
 * journal), a server that echoes the secret back. e2e/hostile/importer-core.test.ts runs the built CLI killed with
 * SIGKILL mid-run (the journal's WAL) and a journal whose disk fills up.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SEED_USERS } from "@gong-connector/sandbox";
import { callRequest, expectOnce, idsIn, lastJson, writeJsonl } from "../../../test-support/importer.js";
import { ECHO_KEY, ECHO_SECRET, echoingServer, expectNoSecret, importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-hostile-importer-", { ratePerSecond: 0, ratePerDay: 0 });

describe("memory: per-row state stays out of the heap (in-process)", () => {
  it("prints the first 100 invalid rows and a count; the report lists all of them, duplicates included", async () => {
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 260; i++) rows.push(i % 2 === 0 ? { ...callRequest(i, "inv"), direction: "Sideways" } : callRequest(i, "inv"));
    for (let i = 1; i < 40; i += 2) rows.push(callRequest(i, "inv"));
    const manifest = join(fx.dir, "invalid.jsonl");
    writeJsonl(manifest, rows);
    const report = join(fx.dir, "invalid.jsonl.report.jsonl");
    const r = await runInProcess(["import", manifest, "--report", report], { env: fx.env() });
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
    expect(await idsIn(fx.sb(), "inv-")).toHaveLength(0);
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
    const manifest = join(fx.dir, "failing.jsonl");
    writeJsonl(manifest, rows);
    const report = join(fx.dir, "failing.csv");
    const r = await runInProcess(["import", manifest, "--report", report, "--skip-invalid", "--rate-limit", "1000", "--concurrency", "8"], { env: fx.env() });
    expect(r.code, r.stderr).toBe(5);
    expect(lastJson(r.stdout)).toMatchObject({ total: 240, invalid: 12, failed: 108, done: 120 });
    const body = readFileSync(report, "utf8").trim().split("\n");
    expect(body[0]).toBe("line,clientUniqueId,stage,status,errors,requestId,callId,message");
    const records = body.slice(1).map((l) => Number(l.split(",")[0]));
    expect(records).toHaveLength(120);
    expect(records).toEqual([...records].sort((x, y) => x - y));
    expectOnce(await idsIn(fx.sb(), "fail-"), 120);
  });
});

describe("secrets never reach the journal or the report (in-process)", () => {
  it("redacts what a server echoes, in any escaping, before writing the journal and the report", async () => {
    const echo = await echoingServer();
    try {
      const env = { GONG_BASE_URL: echo.url, GONG_ACCESS_KEY: ECHO_KEY, GONG_ACCESS_KEY_SECRET: ECHO_SECRET };
      const manifest = fx.manifestOf("echo.jsonl", 6, "echo");
      const report = join(fx.dir, "echo.jsonl.report.jsonl");
      const r = await runInProcess(["import", manifest, "--report", report], { env });
      expect(r.code).toBe(5);
      const reportBytes = readFileSync(report);
      expect(reportBytes.toString()).toContain("[REDACTED]");
      expectNoSecret(reportBytes, "the report");
      expectNoSecret(readFileSync(`${manifest}.journal.sqlite`), "the journal");
      expectNoSecret(Buffer.from(r.stdout + r.stderr), "the output");
    } finally {
      echo.close();
    }
  });
});
