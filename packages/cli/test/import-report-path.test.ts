/**
 * import --report, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP: a report that
 * is the manifest (any spelling, a symlink, a hard link) or the journal is refused before anything is read or sent; no
 * report is written when nothing failed (a stale one is removed); stderr says where the report went.
 * And checkReportPath itself. Import through the built CLI: e2e/importer/cli.test.ts.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkReportPath } from "@gong-connector/importer";
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

describe("checkReportPath", () => {
  // A directory of its own: the cases below make their own sub/, links and files.
  const pdir = join(fx.dir, "paths");
  const manifest = join(pdir, "calls.csv");
  const journal = join(pdir, "calls.csv.journal.sqlite");
  const inputs = [
    { role: "the manifest", path: manifest },
    { role: "the journal", path: journal },
  ];
  beforeAll(() => {
    mkdirSync(pdir);
    writeFileSync(manifest, "clientUniqueId\nx\n");
    mkdirSync(join(pdir, "sub"));
  });

  it("accepts a new file and an existing report", async () => {
    expect(await checkReportPath(join(pdir, "failures.csv"), inputs)).toBeUndefined();
    writeFileSync(join(pdir, "old.csv"), "line,clientUniqueId,stage,status,errors,requestId,callId,message\n9,x,create,400,,,,refused\n");
    expect(await checkReportPath(join(pdir, "old.csv"), inputs)).toBeUndefined();
  });

  it("refuses the manifest in any spelling, through a symlink and as a hard link", async () => {
    const spellings = [
      manifest,
      `${pdir}/sub/../calls.csv`,
      relative(process.cwd(), manifest),
      `${pdir}//./calls.csv`,
    ];
    symlinkSync(manifest, join(pdir, "link.csv"));
    // deep/link -> dir/sub, so deep/link/.. is dir (the kernel's reading), not dir/deep (the lexical one).
    mkdirSync(join(pdir, "deep"));
    symlinkSync(join(pdir, "sub"), join(pdir, "deep", "link"));
    linkSync(manifest, join(pdir, "hard.csv"));
    spellings.push(join(pdir, "link.csv"), `${pdir}/deep/link/../calls.csv`, join(pdir, "hard.csv"));
    for (const report of spellings) {
      const problem = await checkReportPath(report, inputs);
      expect(problem, report).toMatch(/is the manifest \(.*calls\.csv\): writing the report would replace it/);
    }
  });

  it("refuses the journal, even before it exists (also through a dangling symlink)", async () => {
    expect(existsSync(journal)).toBe(false);
    expect(await checkReportPath(journal, inputs)).toMatch(/is the journal/);
    symlinkSync(journal, join(pdir, "to-journal.jsonl"));
    expect(await checkReportPath(join(pdir, "to-journal.jsonl"), inputs)).toMatch(/is the journal/);
  });

  it("refuses a directory and a missing directory", async () => {
    expect(await checkReportPath(join(pdir, "sub"), inputs)).toMatch(/is a directory/);
    expect(await checkReportPath(join(pdir, "nowhere", "r.csv"), inputs)).toMatch(/does not exist/);
    // The lexical reading of deep/link/../calls.csv (dir/deep/calls.csv) is not the manifest, and is fine to write.
    expect(await checkReportPath(`${pdir}/deep/link/../other.csv`, inputs)).toBeUndefined();
  });
});
