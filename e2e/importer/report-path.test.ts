import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReportPath } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { callRequest, lastJson, runCli, sandboxEnv, startTestSandbox, writeJsonl } from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-report-path-"));
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("checkReportPath", () => {
  const manifest = join(dir, "calls.csv");
  const journal = join(dir, "calls.csv.journal.sqlite");
  const inputs = [
    { role: "the manifest", path: manifest },
    { role: "the journal", path: journal },
  ];
  beforeAll(() => {
    writeFileSync(manifest, "clientUniqueId\nx\n");
    mkdirSync(join(dir, "sub"));
  });

  it("accepts a new file and an existing report", async () => {
    expect(await checkReportPath(join(dir, "failures.csv"), inputs)).toBeUndefined();
    writeFileSync(join(dir, "old.csv"), "line,clientUniqueId,stage,status,errors,requestId,callId,message\n9,x,create,400,,,,refused\n");
    expect(await checkReportPath(join(dir, "old.csv"), inputs)).toBeUndefined();
  });

  it("refuses the manifest in any spelling, through a symlink and as a hard link", async () => {
    const spellings = [
      manifest,
      `${dir}/sub/../calls.csv`,
      relative(process.cwd(), manifest),
      `${dir}//./calls.csv`,
    ];
    symlinkSync(manifest, join(dir, "link.csv"));
    // deep/link -> dir/sub, so deep/link/.. is dir (the kernel's reading), not dir/deep (the lexical one).
    mkdirSync(join(dir, "deep"));
    symlinkSync(join(dir, "sub"), join(dir, "deep", "link"));
    linkSync(manifest, join(dir, "hard.csv"));
    spellings.push(join(dir, "link.csv"), `${dir}/deep/link/../calls.csv`, join(dir, "hard.csv"));
    for (const report of spellings) {
      const problem = await checkReportPath(report, inputs);
      expect(problem, report).toMatch(/is the manifest \(.*calls\.csv\): writing the report would replace it/);
    }
  });

  it("refuses the journal, even before it exists (also through a dangling symlink)", async () => {
    expect(existsSync(journal)).toBe(false);
    expect(await checkReportPath(journal, inputs)).toMatch(/is the journal/);
    symlinkSync(journal, join(dir, "to-journal.jsonl"));
    expect(await checkReportPath(join(dir, "to-journal.jsonl"), inputs)).toMatch(/is the journal/);
  });

  it("refuses a directory and a missing directory", async () => {
    expect(await checkReportPath(join(dir, "sub"), inputs)).toMatch(/is a directory/);
    expect(await checkReportPath(join(dir, "nowhere", "r.csv"), inputs)).toMatch(/does not exist/);
    // The lexical reading of deep/link/../calls.csv (dir/deep/calls.csv) is not the manifest, and is fine to write.
    expect(await checkReportPath(`${dir}/deep/link/../other.csv`, inputs)).toBeUndefined();
  });
});

describe("import --report (CLI)", () => {
  it("writes no report when nothing failed, removes a stale one, and says so on stderr", async () => {
    const manifest = join(dir, "ok.jsonl");
    writeJsonl(manifest, [callRequest(1, "okr"), callRequest(2, "okr")]);
    const report = join(dir, "ok-failures.csv");
    writeFileSync(report, "line,clientUniqueId,stage,status,errors,requestId,callId,message\n9,from-an-earlier-run,create,400,,,,refused\n");
    const r = await runCli(["import", manifest, "--report", report], sandboxEnv(sb));
    expect(r.code).toBe(0);
    expect(existsSync(report)).toBe(false);
    expect(lastJson(r.stdout)).not.toHaveProperty("report");
    expect(r.stderr).toContain(`no row failed; no report written (${report})`);
  });

  it("says on stderr where the report went when rows were invalid", async () => {
    const manifest = join(dir, "inv.jsonl");
    writeJsonl(manifest, [callRequest(1, "invr"), { ...callRequest(2, "invr"), direction: "Sideways" }]);
    const report = join(dir, "inv-failures.jsonl");
    const r = await runCli(["import", manifest, "--report", report], sandboxEnv(sb));
    expect(r.code).toBe(2);
    expect(lastJson(r.stdout)).toMatchObject({ report });
    expect(r.stderr).toContain(`report of 1 failed or invalid row(s) written to ${report}`);
    expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({ line: 2, clientUniqueId: "invr-00002", status: "invalid" });
  });
});
