/**
 * import's journal file, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP and real
 * SQLite: it is 0600 and a looser one is tightened; a --journal path that is not a journal (a text file, another SQLite
 * database, a directory, a FIFO, a missing directory) is refused before anything is sent, and left unchanged; and the
 * journal's own modes (Journal, whatever the umask). Import through the built CLI: e2e/importer/cli.test.ts.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Journal } from "@gong-connector/importer";
import { lastJson } from "../../../test-support/importer.js";
import { expectSentNothing, importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-journal-files-");
const dir = fx.dir;
const mode = (path: string): number => statSync(path).mode & 0o777;

/** A run with `journal` as --journal exits 2 with `pattern` on stderr, no stack trace, and sends nothing. */
async function refused(journal: string, pattern: RegExp): Promise<void> {
  const m = fx.manifest(2);
  const r = await expectSentNothing(fx.sb(), m, () => runInProcess(["import", m.path, "--journal", journal], { env: fx.env() }));
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
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

describe("import's journal file mode", () => {
  it("the CLI's journal is 0600, and an existing looser journal (and its -wal) is tightened on the next run", async () => {
    const m = fx.manifest(2);
    const journal = `${m.path}.journal.sqlite`;
    let r = await runInProcess(["import", m.path], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(journal)).toBe(0o600);
    chmodSync(journal, 0o644);
    writeFileSync(`${journal}-wal`, "");
    chmodSync(`${journal}-wal`, 0o666);
    r = await runInProcess(["import", m.path], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ skipped: 2 });
    expect(mode(journal)).toBe(0o600);
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
