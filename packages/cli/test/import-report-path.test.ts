/**
 * import --report, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP: a report that
 * is the manifest (any spelling, a symlink, a hard link) or the journal is refused before anything is read or sent; no
 * report is written when nothing failed (a stale one is removed); stderr says where the report went.
 * checkReportPath itself: packages/importer/test/report-path.test.ts; import through the built CLI:
 * e2e/importer/cli.test.ts.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { adminCalls, apiRequestCount, callRequest, lastJson, ROOT, writeJsonl } from "../../../test-support/importer.js";
import { importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-report-path-");
beforeAll(() => {
  mkdirSync(join(fx.dir, "sub"));
});

describe("import --report (CLI)", () => {
  it("refuses a report that is the manifest (symlink, hard link, ../ spelling) before anything is read or sent: exit 2, manifest intact", async () => {
    const manifest = join(fx.dir, "same.jsonl");
    writeJsonl(manifest, [callRequest(1, "same"), callRequest(2, "same")]);
    const before = readFileSync(manifest, "utf8");
    symlinkSync(manifest, join(fx.dir, "same-link.jsonl"));
    linkSync(manifest, join(fx.dir, "same-hard.jsonl"));
    const requestsBefore = await apiRequestCount(fx.sb());
    for (const report of [manifest, `${fx.dir}/sub/../same.jsonl`, join(fx.dir, "same-link.jsonl"), join(fx.dir, "same-hard.jsonl")]) {
      const r = await runInProcess(["import", manifest, "--report", report], { env: fx.env() });
      expect(r.code, report).toBe(2);
      expect(r.stderr).toMatch(/--report .* is the manifest .*nothing was read or sent/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    }
    expect(readFileSync(manifest, "utf8")).toBe(before);
    expect(existsSync(`${manifest}.journal.sqlite`)).toBe(false);
    expect(await apiRequestCount(fx.sb())).toBe(requestsBefore);
    expect((await adminCalls(fx.sb())).filter((c) => c.clientUniqueId.startsWith("same-"))).toEqual([]);
  });

  it("refuses a report that is the journal given with --journal", async () => {
    const manifest = join(fx.dir, "j.jsonl");
    writeJsonl(manifest, [callRequest(1, "jr")]);
    const journal = join(fx.dir, "j.sqlite");
    const r = await runInProcess(["import", manifest, "--journal", journal, "--report", relative(ROOT, journal)], { env: fx.env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the journal/);
    expect(existsSync(journal)).toBe(false);
  });

  it("writes no report when nothing failed, removes a stale one, and says so on stderr", async () => {
    const manifest = join(fx.dir, "ok.jsonl");
    writeJsonl(manifest, [callRequest(1, "okr"), callRequest(2, "okr")]);
    const report = join(fx.dir, "ok-failures.csv");
    writeFileSync(report, "line,clientUniqueId,stage,status,errors,requestId,callId,message\n9,from-an-earlier-run,create,400,,,,refused\n");
    const r = await runInProcess(["import", manifest, "--report", report], { env: fx.env() });
    expect(r.code).toBe(0);
    expect(existsSync(report)).toBe(false);
    expect(lastJson(r.stdout)).not.toHaveProperty("report");
    expect(r.stderr).toContain(`no row failed; no report written (${report})`);
  });

  it("says on stderr where the report went when rows were invalid", async () => {
    const manifest = join(fx.dir, "inv.jsonl");
    writeJsonl(manifest, [callRequest(1, "invr"), { ...callRequest(2, "invr"), direction: "Sideways" }]);
    const report = join(fx.dir, "inv-failures.jsonl");
    const r = await runInProcess(["import", manifest, "--report", report], { env: fx.env() });
    expect(r.code).toBe(2);
    expect(lastJson(r.stdout)).toMatchObject({ report });
    expect(r.stderr).toContain(`report of 1 failed or invalid row(s) written to ${report}`);
    expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({ line: 2, clientUniqueId: "invr-00002", status: "invalid" });
  });
});
