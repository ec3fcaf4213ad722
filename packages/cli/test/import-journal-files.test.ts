/**
 * import --journal with a path that is not a journal (another SQLite database, a directory, a FIFO, a missing
 * directory), run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP and real SQLite.
 * e2e/hostile/importer-journal-files.test.ts runs journal modes and a text file as --journal through the built CLI.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, sandboxEnv, startTestSandbox, writeJsonl } from "../../../test-support/importer.js";

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
  const r = await runInProcess(["import", m.path, "--journal", journal], { env: sandboxEnv(sb) });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(await apiRequestCount(sb)).toBe(before);
  expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(`${m.prefix}-`))).toEqual([]);
}

describe("import --journal: a path that is not a journal is wrong input (exit 2), and is left unchanged", () => {
  it("another SQLite database: no table added, not switched to WAL", async () => {
    const other = join(dir, "crm.sqlite");
    const db = new Database(other);
    db.exec("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO contacts (email) VALUES ('a@example.com');");
    db.close();
    chmodSync(other, 0o644);
    const bytes = readFileSync(other);
    await refused(other, /crm\.sqlite: is not a gong-connector journal/);
    expect(readFileSync(other).equals(bytes)).toBe(true);
    expect(existsSync(`${other}-wal`)).toBe(false);
    expect(mode(other)).toBe(0o644);
  });

  it("a database with a calls table that is not ours", async () => {
    const other = join(dir, "calls-db.sqlite");
    const db = new Database(other);
    db.exec("CREATE TABLE calls (id INTEGER PRIMARY KEY, who TEXT)");
    db.close();
    await refused(other, /is not a gong-connector journal/);
  });

  it("a directory, a FIFO, a file in a missing directory", async () => {
    mkdirSync(join(dir, "adir"));
    await refused(join(dir, "adir"), /--journal .*adir: is a directory/);
    execFileSync("mkfifo", [join(dir, "fifo.sqlite")]);
    await refused(join(dir, "fifo.sqlite"), /fifo\.sqlite: is not a regular file/);
    await refused(join(dir, "missing", "j.sqlite"), /the directory .*missing does not exist/);
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });
});
