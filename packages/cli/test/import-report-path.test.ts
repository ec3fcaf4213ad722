/**
 * import --report refuses the manifest (any spelling, a symlink, a hard link) and the journal before anything is read
 * or sent, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP. e2e/importer/
 * report-path.test.ts runs checkReportPath and the report messages of the built CLI.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, ROOT, sandboxEnv, startTestSandbox, writeJsonl } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-report-path-"));
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  mkdirSync(join(dir, "sub"));
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("import --report (CLI)", () => {
  it("refuses a report that is the manifest (symlink, hard link, ../ spelling) before anything is read or sent: exit 2, manifest intact", async () => {
    const manifest = join(dir, "same.jsonl");
    writeJsonl(manifest, [callRequest(1, "same"), callRequest(2, "same")]);
    const before = readFileSync(manifest, "utf8");
    symlinkSync(manifest, join(dir, "same-link.jsonl"));
    linkSync(manifest, join(dir, "same-hard.jsonl"));
    const requestsBefore = await apiRequestCount(sb);
    for (const report of [manifest, `${dir}/sub/../same.jsonl`, join(dir, "same-link.jsonl"), join(dir, "same-hard.jsonl")]) {
      const r = await runInProcess(["import", manifest, "--report", report], { env: sandboxEnv(sb) });
      expect(r.code, report).toBe(2);
      expect(r.stderr).toMatch(/--report .* is the manifest .*nothing was read or sent/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    }
    expect(readFileSync(manifest, "utf8")).toBe(before);
    expect(existsSync(`${manifest}.journal.sqlite`)).toBe(false);
    expect(await apiRequestCount(sb)).toBe(requestsBefore);
    expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("same-"))).toEqual([]);
  });

  it("refuses a report that is the journal given with --journal", async () => {
    const manifest = join(dir, "j.jsonl");
    writeJsonl(manifest, [callRequest(1, "jr")]);
    const journal = join(dir, "j.sqlite");
    const r = await runInProcess(["import", manifest, "--journal", journal, "--report", relative(ROOT, journal)], { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the journal/);
    expect(existsSync(journal)).toBe(false);
  });

});
