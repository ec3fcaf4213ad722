/**
 * import --report never destroys a file that is not a report, run in-process (`run(argv)` of the CLI's sources)
 * against the sandbox over real HTTP, with real files, FIFOs, symlinks and SQLite journals. e2e/hostile/
 * importer-report-files.test.ts runs the refusal of an existing payroll.csv through the built CLI.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";
import { REPORT_COLUMNS } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, lastJson, sandboxEnv, startTestSandbox, writeJsonl } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-report-files-"));
let sb: RunningSandbox;
const HEADER = `${REPORT_COLUMNS.join(",")}\n`;
const PAYROLL = "employee,salary\nada,100\n";

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh manifest of `count` valid rows (plus one invalid row when `invalid`). */
function manifest(count: number, invalid = false): { path: string; prefix: string } {
  n++;
  const prefix = `rf${n}`;
  const path = join(dir, `m${n}.jsonl`);
  const rows = Array.from({ length: count }, (_, i) => callRequest(i + 1, prefix));
  if (invalid) rows.push({ ...callRequest(count + 1, prefix), direction: "Sideways" });
  writeJsonl(path, rows);
  return { path, prefix };
}

async function refusedBeforeSending(report: string, pattern: RegExp, invalid = false): Promise<void> {
  const m = manifest(2, invalid);
  const before = await apiRequestCount(sb);
  const r = await runInProcess(["import", m.path, "--report", report, ...(invalid ? ["--skip-invalid"] : [])], { env: sandboxEnv(sb) });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toContain("nothing was read or sent");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(await apiRequestCount(sb)).toBe(before);
  expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(`${m.prefix}-`))).toEqual([]);
  expect(existsSync(`${m.path}.journal.sqlite`)).toBe(false);
}

describe("import --report never destroys a file that is not a report", () => {
  it("a run with failed rows leaves a non-report file alone (CSV and JSONL, and one reached through a symlink)", async () => {
    const csv = join(dir, "ledger.csv");
    const jsonl = join(dir, "events.jsonl");
    writeFileSync(csv, PAYROLL);
    writeFileSync(jsonl, '{"event":"login","user":"ada"}\n');
    symlinkSync(csv, join(dir, "via-link.csv"));
    for (const report of [csv, jsonl, join(dir, "via-link.csv")]) {
      await refusedBeforeSending(report, /exists and is not a gong-connector report/, true);
    }
    expect(readFileSync(csv, "utf8")).toBe(PAYROLL);
    expect(readFileSync(jsonl, "utf8")).toBe('{"event":"login","user":"ada"}\n');
    expect(lstatSync(join(dir, "via-link.csv")).isSymbolicLink()).toBe(true);
  });

  it("refuses a report path that does not end in .csv or .jsonl, existing or not", async () => {
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "root:x:0:0:root:/root:/bin/bash\n");
    await refusedBeforeSending(passwd, /--report .*passwd: the report file name must end in \.csv or \.jsonl/, true);
    expect(readFileSync(passwd, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
    await refusedBeforeSending(join(dir, "new-report.txt"), /must end in \.csv or \.jsonl/, true);
    expect(existsSync(join(dir, "new-report.txt"))).toBe(false);
  });

  it("refuses a FIFO, a device (through a symlink) and a directory named like a report, without blocking", async () => {
    const fifo = join(dir, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    await refusedBeforeSending(fifo, /pipe\.csv exists and is not a regular file/, true);
    symlinkSync("/dev/null", join(dir, "null.jsonl"));
    await refusedBeforeSending(join(dir, "null.jsonl"), /null\.jsonl exists and is not a regular file/, true);
    mkdirSync(join(dir, "folder.csv"));
    await refusedBeforeSending(join(dir, "folder.csv"), /folder\.csv is a directory/, true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("replaces its own earlier report (CSV header, JSONL record) and an empty file; removes its own report on a clean run", async () => {
    const csv = join(dir, "own.csv");
    writeFileSync(csv, `${HEADER}7,old-row,create,400,,,,refused\n`);
    let m = manifest(1, true);
    let r = await runInProcess(["import", m.path, "--report", csv, "--skip-invalid"], { env: sandboxEnv(sb) });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(csv, "utf8")).toMatch(new RegExp(`^${HEADER}2,${m.prefix}-00002,invalid,invalid,`));

    const jsonl = join(dir, "own.jsonl");
    writeFileSync(jsonl, '{"line":7,"clientUniqueId":"old","stage":"create","errors":[],"message":"refused"}\n');
    m = manifest(1, true);
    r = await runInProcess(["import", m.path, "--report", jsonl, "--skip-invalid"], { env: sandboxEnv(sb) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(jsonl, "utf8"))).toMatchObject({ line: 2, clientUniqueId: `${m.prefix}-00002`, status: "invalid" });

    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    m = manifest(1, true);
    r = await runInProcess(["import", m.path, "--report", empty, "--skip-invalid"], { env: sandboxEnv(sb) });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(empty, "utf8").startsWith(HEADER)).toBe(true);

    m = manifest(1);
    r = await runInProcess(["import", m.path, "--report", csv], { env: sandboxEnv(sb) });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(csv)).toBe(false);
    expect(lastJson(r.stdout)).not.toHaveProperty("report");
  });
});

