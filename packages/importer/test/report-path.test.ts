/**
 * checkReportPath: a report path that is the manifest (in any spelling, through a symlink, as a hard link) or the
 * journal (even before it exists), a directory or a missing directory is refused; a new file or an existing report is
 * not. What import --report says about them: packages/cli/test/import-report-path.test.ts.
 */
import { existsSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkReportPath } from "../src/index.js";
import { importFixture } from "../../../test-support/import-fixtures.js";

const fx = importFixture("gc-report-path-", false);

describe("checkReportPath", () => {
  const manifest = join(fx.dir, "calls.csv");
  const journal = join(fx.dir, "calls.csv.journal.sqlite");
  const inputs = [
    { role: "the manifest", path: manifest },
    { role: "the journal", path: journal },
  ];
  beforeAll(() => {
    writeFileSync(manifest, "clientUniqueId\nx\n");
    mkdirSync(join(fx.dir, "sub"));
  });

  it("accepts a new file and an existing report", async () => {
    expect(await checkReportPath(join(fx.dir, "failures.csv"), inputs)).toBeUndefined();
    writeFileSync(join(fx.dir, "old.csv"), "line,clientUniqueId,stage,status,errors,requestId,callId,message\n9,x,create,400,,,,refused\n");
    expect(await checkReportPath(join(fx.dir, "old.csv"), inputs)).toBeUndefined();
  });

  it("refuses the manifest in any spelling, through a symlink and as a hard link", async () => {
    const spellings = [
      manifest,
      `${fx.dir}/sub/../calls.csv`,
      relative(process.cwd(), manifest),
      `${fx.dir}//./calls.csv`,
    ];
    symlinkSync(manifest, join(fx.dir, "link.csv"));
    // deep/link -> dir/sub, so deep/link/.. is dir (the kernel's reading), not dir/deep (the lexical one).
    mkdirSync(join(fx.dir, "deep"));
    symlinkSync(join(fx.dir, "sub"), join(fx.dir, "deep", "link"));
    linkSync(manifest, join(fx.dir, "hard.csv"));
    spellings.push(join(fx.dir, "link.csv"), `${fx.dir}/deep/link/../calls.csv`, join(fx.dir, "hard.csv"));
    for (const report of spellings) {
      const problem = await checkReportPath(report, inputs);
      expect(problem, report).toMatch(/is the manifest \(.*calls\.csv\): writing the report would replace it/);
    }
  });

  it("refuses the journal, even before it exists (also through a dangling symlink)", async () => {
    expect(existsSync(journal)).toBe(false);
    expect(await checkReportPath(journal, inputs)).toMatch(/is the journal/);
    symlinkSync(journal, join(fx.dir, "to-journal.jsonl"));
    expect(await checkReportPath(join(fx.dir, "to-journal.jsonl"), inputs)).toMatch(/is the journal/);
  });

  it("refuses a directory and a missing directory", async () => {
    expect(await checkReportPath(join(fx.dir, "sub"), inputs)).toMatch(/is a directory/);
    expect(await checkReportPath(join(fx.dir, "nowhere", "r.csv"), inputs)).toMatch(/does not exist/);
    // The lexical reading of deep/link/../calls.csv (dir/deep/calls.csv) is not the manifest, and is fine to write.
    expect(await checkReportPath(`${fx.dir}/deep/link/../other.csv`, inputs)).toBeUndefined();
  });
});
