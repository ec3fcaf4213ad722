import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFailureReport } from "@gong-connector/importer";
import { ReportPathError, type FailureRecord } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, runCli, sandboxEnv, startTestSandbox, writeJsonl } from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-report-files-"));
let sb: RunningSandbox;
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
  const r = await runCli(["import", m.path, "--report", report, ...(invalid ? ["--skip-invalid"] : [])], sandboxEnv(sb), 30_000);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toContain("nothing was read or sent");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(await apiRequestCount(sb)).toBe(before);
  expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(`${m.prefix}-`))).toEqual([]);
  expect(existsSync(`${m.path}.journal.sqlite`)).toBe(false);
}

describe("import --report never destroys a file that is not a report", () => {
  it("a clean run leaves an existing payroll.csv alone: exit 2 before anything is sent", async () => {
    const payroll = join(dir, "payroll.csv");
    writeFileSync(payroll, PAYROLL);
    await refusedBeforeSending(payroll, /--report .*payroll\.csv exists and is not a gong-connector report; choose another path or remove it/);
    expect(readFileSync(payroll, "utf8")).toBe(PAYROLL);
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
