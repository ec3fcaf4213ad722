import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, lastJson, runCli, sandboxEnv, startTestSandbox, writeJsonl } from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-journal-files-"));
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

let n = 0;
function manifest(count: number): { path: string; prefix: string } {
  n++;
  const prefix = `jf${n}`;
  const path = join(dir, `m${n}.jsonl`);
  writeJsonl(path, Array.from({ length: count }, (_, i) => callRequest(i + 1, prefix)));
  return { path, prefix };
}

async function refused(journal: string, pattern: RegExp): Promise<void> {
  const m = manifest(2);
  const before = await apiRequestCount(sb);
  const r = await runCli(["import", m.path, "--journal", journal], sandboxEnv(sb), 30_000);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(await apiRequestCount(sb)).toBe(before);
  expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(`${m.prefix}-`))).toEqual([]);
}

describe("journal file modes", () => {
  it("a new journal and its -wal are 0600 from the start, whatever the umask", () => {
    const path = join(dir, "new.sqlite");
    const old = process.umask(0o000);
    let journal: Journal;
    try {
      journal = new Journal(path);
    } finally {
      process.umask(old);
    }
    try {
      expect(mode(path)).toBe(0o600);
      journal.record("2026-01-01", 1);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(mode(`${path}-wal`)).toBe(0o600);
    } finally {
      journal.close();
    }
  });

  it("the CLI's journal is 0600, and an existing looser journal (and its -wal) is tightened on the next run", async () => {
    const m = manifest(2);
    const journal = `${m.path}.journal.sqlite`;
    let r = await runCli(["import", m.path], sandboxEnv(sb), 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(journal)).toBe(0o600);
    chmodSync(journal, 0o644);
    writeFileSync(`${journal}-wal`, "");
    chmodSync(`${journal}-wal`, 0o666);
    r = await runCli(["import", m.path], sandboxEnv(sb), 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ skipped: 2 });
    expect(mode(journal)).toBe(0o600);
  });

  it("opening an existing 0644 journal with a 0666 -wal sets both to 0600 before any row is written", () => {
    const path = join(dir, "loose.sqlite");
    new Journal(path).close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, "");
    chmodSync(`${path}-wal`, 0o666);
    const journal = new Journal(path);
    try {
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
    } finally {
      journal.close();
    }
  });
});

describe("import --journal: a path that is not a journal is wrong input (exit 2), and is left unchanged", () => {
  it("a text file", async () => {
    const notes = join(dir, "notes.csv");
    writeFileSync(notes, "name,phone\nada,+1 555 0100\n");
    chmodSync(notes, 0o644);
    await refused(notes, /--journal .*notes\.csv: is not a gong-connector journal/);
    expect(readFileSync(notes, "utf8")).toBe("name,phone\nada,+1 555 0100\n");
    expect(mode(notes)).toBe(0o644);
  });

});
