/**
 * The errors the importer throws to its caller. This module loads nothing else (no SQLite, no CSV parser), so code
 * that only needs to recognise them can import it cheaply.
 */
import type { GongBinding } from "./types.js";

/** Error in the manifest as a whole (unreadable file, not text, bad CSV header or quoting): nothing can be imported. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** The report file is not one this tool may write or remove (not a report it wrote, not a regular file, wrong extension). */
export class ReportPathError extends Error {
  override readonly name = "ReportPathError";
}

/** Another process has the journal open (an import is already running from it). */
export class JournalBusyError extends Error {
  override readonly name = "JournalBusyError";
  constructor(path: string) {
    super(`the journal ${path} is in use by another import (one import per journal at a time)`);
  }
}

/** The journal was used with another Gong (base URL or credentials): its "done" rows say nothing about this one. */
export class JournalBindingError extends Error {
  override readonly name = "JournalBindingError";
  readonly bound: GongBinding;
  readonly requested: GongBinding;
  constructor(path: string, bound: GongBinding, requested: GongBinding) {
    const where = bound.baseUrl === requested.baseUrl ? `${bound.baseUrl} with ${bound.label}` : `${bound.baseUrl} (${bound.label})`;
    const now = bound.baseUrl === requested.baseUrl ? requested.label : `${requested.baseUrl} (${requested.label})`;
    super(
      `the journal ${path} belongs to ${where}, not ${now}: the rows it marks done are calls in that Gong. ` +
        `Use --journal NEW.sqlite to import into another Gong, or --rebind-journal if you really moved the same tenant.`,
    );
    this.bound = bound;
    this.requested = requested;
  }
}

/**
 * The path given as the journal cannot be one: a directory, a file in a directory that does not exist, a file that
 * is not an SQLite database, or a database without the journal's tables (it is never changed).
 */
export class JournalFileError extends Error {
  override readonly name = "JournalFileError";
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`--journal ${path}: ${problem}`);
    this.path = path;
  }
}

/**
 * The journal cannot be written (disk full, I/O error, read-only): what was committed before is intact, so a rerun
 * resumes once the cause is fixed.
 */
export class JournalWriteError extends Error {
  override readonly name = "JournalWriteError";
  readonly path: string;
  /** SQLite's (or the system's) error code, e.g. SQLITE_FULL. */
  readonly code: string;
  override readonly cause: unknown;
  constructor(path: string, code: string, cause: unknown) {
    const what = code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT"
      ? "the disk holding it is full"
      : code.startsWith("SQLITE_READONLY") || code === "EROFS" || code === "EACCES"
        ? "it is read-only"
        : "the disk holding it failed to write";
    super(
      `cannot write the journal ${path}: ${what} (${code}). Nothing was lost: every row finished so far is recorded in the journal. ` +
        `Free some space (or fix the disk) and rerun the same command to resume.`,
    );
    this.path = path;
    this.code = code;
    this.cause = cause;
  }
}

/**
 * The queue's Redis cannot be used: nothing answers at the address in time (`unreachable`), or it refused the
 * credentials of the URL (`refused`). Nothing was queued. The message names the address (never the password).
 */
export class QueueConnectionError extends Error {
  override readonly name = "QueueConnectionError";
  readonly reason: "unreachable" | "refused";
  constructor(message: string, reason: "unreachable" | "refused", cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}
