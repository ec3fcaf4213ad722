/**
 * writeFailureReport with real files: it neither replaces nor removes a file that is not a report, and replaces and
 * removes its own. What import --report does with such paths: packages/cli/test/import-report-files.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReportPathError, writeFailureReport, type FailureRecord } from "../src/index.js";
import { importFixture } from "../../../test-support/import-fixtures.js";

const fx = importFixture("gc-report-writes-", false);
const PAYROLL = "employee,salary\nada,100\n";

describe("writeFailureReport (real files)", () => {
  const record: FailureRecord = { line: 3, clientUniqueId: "w-3", stage: "create", status: 400, errors: ["bad"], message: "refused" };

  it("neither replaces nor removes a file that is not a report", async () => {
    const other = join(fx.dir, "other.csv");
    writeFileSync(other, PAYROLL);
    await expect(writeFailureReport(other, [])).rejects.toBeInstanceOf(ReportPathError);
    await expect(writeFailureReport(other, [record])).rejects.toThrow(/other\.csv exists and is not a gong-connector report/);
    expect(readFileSync(other, "utf8")).toBe(PAYROLL);
    expect(await writeFailureReport(join(fx.dir, "w.txt"), [record]).catch((e: unknown) => e)).toBeInstanceOf(ReportPathError);
    expect(existsSync(join(fx.dir, "w.txt"))).toBe(false);
  });

  it("replaces and removes its own report", async () => {
    const own = join(fx.dir, "w-own.jsonl");
    expect(await writeFailureReport(own, [record])).toBe(1);
    expect(await writeFailureReport(own, [{ ...record, line: 4 }])).toBe(1);
    expect(JSON.parse(readFileSync(own, "utf8"))).toMatchObject({ line: 4 });
    expect(await writeFailureReport(own, [])).toBe(0);
    expect(existsSync(own)).toBe(false);
  });
});
