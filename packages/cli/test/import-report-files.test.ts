/**
 * import --report never destroys a file that is not a report, run in-process (`run(argv)` of the CLI's sources)
 * against the sandbox over real HTTP, with real files, FIFOs, symlinks and SQLite journals; and writeFailureReport on
 * such files. Import through the built CLI: e2e/importer/cli.test.ts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPORT_COLUMNS, ReportPathError, writeFailureReport, type FailureRecord } from "@gong-connector/importer";
import { lastJson } from "../../../test-support/importer.js";
import { expectSentNothing, importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-report-files-");
const dir = fx.dir;
const HEADER = `${REPORT_COLUMNS.join(",")}\n`;
const PAYROLL = "employee,salary\nada,100\n";
const manifest = (count: number, invalid = false) => fx.manifest(count, { invalid });

/** A run with `report` as --report exits 2 before anything is read or sent: no request, no call, no journal. */
async function refusedBeforeSending(report: string, pattern: RegExp, invalid = false): Promise<void> {
  const m = manifest(2, invalid);
  const args = ["import", m.path, "--report", report, ...(invalid ? ["--skip-invalid"] : [])];
  const r = await expectSentNothing(fx.sb(), m, () => runInProcess(args, { env: fx.env() }));
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toContain("nothing was read or sent");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(`${m.path}.journal.sqlite`)).toBe(false);
}

describe("import --report never destroys a file that is not a report", () => {
  it("a clean run leaves an existing payroll.csv alone: exit 2 before anything is sent", async () => {
    const payroll = join(dir, "payroll.csv");
    writeFileSync(payroll, PAYROLL);
    await refusedBeforeSending(payroll, /--report .*payroll\.csv exists and is not a gong-connector report; choose another path or remove it/);
    expect(readFileSync(payroll, "utf8")).toBe(PAYROLL);
  });

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
    let r = await runInProcess(["import", m.path, "--report", csv, "--skip-invalid"], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(csv, "utf8")).toMatch(new RegExp(`^${HEADER}2,${m.prefix}-00002,invalid,invalid,`));

    const jsonl = join(dir, "own.jsonl");
    writeFileSync(jsonl, '{"line":7,"clientUniqueId":"old","stage":"create","errors":[],"message":"refused"}\n');
    m = manifest(1, true);
    r = await runInProcess(["import", m.path, "--report", jsonl, "--skip-invalid"], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(jsonl, "utf8"))).toMatchObject({ line: 2, clientUniqueId: `${m.prefix}-00002`, status: "invalid" });

    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    m = manifest(1, true);
    r = await runInProcess(["import", m.path, "--report", empty, "--skip-invalid"], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(empty, "utf8").startsWith(HEADER)).toBe(true);

    m = manifest(1);
    r = await runInProcess(["import", m.path, "--report", csv], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(csv)).toBe(false);
    expect(lastJson(r.stdout)).not.toHaveProperty("report");
  });
});

describe("writeFailureReport (real files)", () => {
  const record: FailureRecord = { line: 3, clientUniqueId: "w-3", stage: "create", status: 400, errors: ["bad"], message: "refused" };

  it("neither replaces nor removes a file that is not a report", async () => {
    const other = join(dir, "other.csv");
    writeFileSync(other, PAYROLL);
    await expect(writeFailureReport(other, [])).rejects.toBeInstanceOf(ReportPathError);
    await expect(writeFailureReport(other, [record])).rejects.toThrow(/other\.csv exists and is not a gong-connector report/);
    expect(readFileSync(other, "utf8")).toBe(PAYROLL);
    expect(await writeFailureReport(join(dir, "w.txt"), [record]).catch((e: unknown) => e)).toBeInstanceOf(ReportPathError);
    expect(existsSync(join(dir, "w.txt"))).toBe(false);
  });

  it("replaces and removes its own report", async () => {
    const own = join(dir, "w-own.jsonl");
    expect(await writeFailureReport(own, [record])).toBe(1);
    expect(await writeFailureReport(own, [{ ...record, line: 4 }])).toBe(1);
    expect(JSON.parse(readFileSync(own, "utf8"))).toMatchObject({ line: 4 });
    expect(await writeFailureReport(own, [])).toBe(0);
    expect(existsSync(own)).toBe(false);
  });
});
