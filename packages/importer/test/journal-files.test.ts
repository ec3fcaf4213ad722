/**
 * The journal's files on disk: a new journal and its -wal are 0600 whatever the umask, and a looser existing journal
 * is tightened when opened. What import does with a --journal path that is not a journal:
 * packages/cli/test/import-journal-files.test.ts.
 */
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal } from "../src/index.js";
import { importFixture } from "../../../test-support/import-fixtures.js";

const fx = importFixture("gc-journal-modes-", false);
const mode = (path: string): number => statSync(path).mode & 0o777;

describe("journal file modes", () => {
  it("a new journal and its -wal are 0600 from the start, whatever the umask", () => {
    const path = join(fx.dir, "new.sqlite");
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
    const path = join(fx.dir, "loose.sqlite");
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
