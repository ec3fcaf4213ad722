/**
 * The import journal: one SQLite row per clientUniqueId with the row's state, callId, media state, attempts
 * and last error. WAL mode, one transaction per state change, so a crash (kill -9 included) loses nothing
 * committed; a rerun resumes from it.
 */
import { createHash } from "node:crypto";
import { chmodSync, closeSync, constants, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { GongAuth } from "@gong-connector/client";
import { basicAuthSecrets, bearerSecrets, normalizeBaseURL, redactSecrets, type DailySpendStore } from "@gong-connector/client/advanced";
import { JournalBindingError, JournalBusyError, JournalFileError, JournalWriteError } from "./errors.js";
import type { FailureRecord, FailureStage, GongBinding, MediaState, RowState, ValidManifestRow } from "./types.js";

export interface JournalRow {
  clientUniqueId: string;
  line: number;
  request: Record<string, unknown>;
  mediaFile?: string;
  state: RowState;
  callId?: string;
  mediaState: MediaState;
  mediaUrl?: string;
  attempts: number;
  lastStatus?: number;
  lastErrors: string[];
  lastError?: string;
  lastRequestId?: string;
  failedStage?: FailureStage;
  duplicate: boolean;
  recovered: boolean;
  updatedAt: string;
}

interface DbRow {
  client_unique_id: string;
  line: number;
  request: string;
  media_file: string | null;
  state: RowState;
  call_id: string | null;
  media_state: MediaState;
  media_url: string | null;
  attempts: number;
  last_status: number | null;
  last_errors: string | null;
  last_error: string | null;
  last_request_id: string | null;
  failed_stage: FailureStage | null;
  duplicate: number;
  recovered: number;
  updated_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  client_unique_id TEXT PRIMARY KEY,
  line             INTEGER NOT NULL,
  request          TEXT NOT NULL,
  media_file       TEXT,
  state            TEXT NOT NULL CHECK (state IN ('pending','sending','created','media-sending','done','failed')),
  call_id          TEXT,
  media_state      TEXT NOT NULL CHECK (media_state IN ('none','pending','sending','done','failed')),
  media_url        TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_status      INTEGER,
  last_errors      TEXT,
  last_error       TEXT,
  last_request_id  TEXT,
  failed_stage     TEXT,
  duplicate        INTEGER NOT NULL DEFAULT 0,
  recovered        INTEGER NOT NULL DEFAULT 0,
  run_seen         INTEGER NOT NULL DEFAULT 0,
  updated_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_run_line ON calls (run_seen, line);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quota (day TEXT PRIMARY KEY, spent INTEGER NOT NULL);
`;

function toRow(r: DbRow): JournalRow {
  const row: JournalRow = {
    clientUniqueId: r.client_unique_id,
    line: r.line,
    request: JSON.parse(r.request) as Record<string, unknown>,
    state: r.state,
    mediaState: r.media_state,
    attempts: r.attempts,
    lastErrors: r.last_errors === null ? [] : (JSON.parse(r.last_errors) as string[]),
    duplicate: r.duplicate === 1,
    recovered: r.recovered === 1,
    updatedAt: r.updated_at,
  };
  if (r.media_file !== null) row.mediaFile = r.media_file;
  if (r.call_id !== null) row.callId = r.call_id;
  if (r.media_url !== null) row.mediaUrl = r.media_url;
  if (r.last_status !== null) row.lastStatus = r.last_status;
  if (r.last_error !== null) row.lastError = r.last_error;
  if (r.last_request_id !== null) row.lastRequestId = r.last_request_id;
  if (r.failed_stage !== null) row.failedStage = r.failed_stage;
  return row;
}



/** The binding of the Gong at `baseURL` reached with `auth` (a bearer token function is identified by its base URL only). */
export function gongBinding(baseURL: string | URL, auth: GongAuth): GongBinding {
  const baseUrl = (typeof baseURL === "string" ? normalizeBaseURL(baseURL) : baseURL).href;
  if ("accessKey" in auth) {
    const key = auth.accessKey;
    const hash = createHash("sha256").update(key, "utf8").digest("hex");
    return { baseUrl, identity: `key-sha256:${hash.slice(0, 32)}`, label: `key ${key.length > 8 ? key.slice(0, 6) : key.slice(0, 2)}…` };
  }
  if ("oauth" in auth) {
    // An OAuth connection's tokens rotate; the app and the customer's API host (baseURL) identify it.
    const hash = createHash("sha256").update(auth.oauth.clientId, "utf8").digest("hex");
    return { baseUrl, identity: `oauth-app-sha256:${hash.slice(0, 32)}`, label: `OAuth app sha256:${hash.slice(0, 8)}…` };
  }
  if (typeof auth.bearerToken === "string") {
    const hash = createHash("sha256").update(auth.bearerToken, "utf8").digest("hex");
    return { baseUrl, identity: `bearer-sha256:${hash.slice(0, 32)}`, label: `bearer token sha256:${hash.slice(0, 8)}…` };
  }
  return { baseUrl, identity: "bearer-function", label: "a bearer token function" };
}


/** The mode of the journal and its -wal/-shm files: it holds every request in full (names, e-mails, phone numbers). */
export const JOURNAL_MODE = 0o600;

function fsCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

/**
 * Checks that `path` can be a journal before SQLite opens it, and creates a new one empty with mode 0600 (SQLite
 * gives its -wal and -shm files the mode of the database). Returns whether the file existed.
 */
function prepareJournalFile(path: string): boolean {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if (fsCode(err) !== "ENOENT") throw new JournalFileError(path, `cannot be used (${fsCode(err) ?? String(err)})`);
    st = undefined;
  }
  if (st !== undefined) {
    if (st.isDirectory()) throw new JournalFileError(path, "is a directory; give a file name such as calls.journal.sqlite");
    if (!st.isFile()) throw new JournalFileError(path, "is not a regular file (a FIFO, a device or a socket); give a file name such as calls.journal.sqlite");
    return true;
  }
  let dir;
  try {
    dir = statSync(dirname(path));
  } catch {
    throw new JournalFileError(path, `the directory ${dirname(path)} does not exist`);
  }
  if (!dir.isDirectory()) throw new JournalFileError(path, `${dirname(path)} is not a directory`);
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, JOURNAL_MODE));
  } catch (err) {
    const code = fsCode(err);
    if (code === "EEXIST") return true;
    if (code === "EACCES" || code === "EPERM") throw new JournalFileError(path, `cannot be created in ${dirname(path)} (${code}: not writable)`);
    throw writeFailure(path, err) ?? err;
  }
  chmodSync(path, JOURNAL_MODE);
  return false;
}

/** Sets the journal and its -wal/-shm files (those that exist) to 0600. */
function tightenJournalModes(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o777) !== JOURNAL_MODE) chmodSync(file, JOURNAL_MODE);
    } catch (err) {
      if (fsCode(err) !== "ENOENT") throw new JournalFileError(path, `cannot set ${file} to mode 0600 (${fsCode(err) ?? String(err)})`);
    }
  }
}

/** The journal's tables: a database holding any other table is not a journal. */
const JOURNAL_TABLES: readonly string[] = ["calls", "meta", "quota"];

const NOT_A_JOURNAL = "is not a gong-connector journal (not an SQLite database with the import's tables); give another --journal path";

const WRITE_FAILURE = /^(SQLITE_(FULL|IOERR|READONLY|CANTOPEN)|ENOSPC|EROFS|EIO|EDQUOT)/;

/** A JournalWriteError when `err` is the disk refusing a write; undefined for anything else (a bug, a busy journal). */
function writeFailure(path: string, err: unknown): JournalWriteError | undefined {
  if (err instanceof JournalWriteError) return err;
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  return code !== undefined && WRITE_FAILURE.test(code) ? new JournalWriteError(path, code, err) : undefined;
}

/**
 * Removes the secrets of `auth` (for Basic the secret and the header's base64 forms, for a bearer token the token) from
 * text the server sent back, in every form the client's redaction knows (as is, JSON-escaped, percent-encoded, HTML
 * references), before it is stored in a journal, a job or a report.
 */
export function redactorFor(auth: GongAuth): (text: string) => string {
  const secrets = "accessKey" in auth
    ? basicAuthSecrets(auth.accessKey, auth.accessKeySecret)
    : "oauth" in auth
      // The tokens rotate: the client redacts each one it has used (client.redact) before an answer leaves it.
      ? basicAuthSecrets(auth.oauth.clientId, auth.oauth.clientSecret)
      : typeof auth.bearerToken === "string"
      ? bearerSecrets(auth.bearerToken)
      : [];
  if (secrets.length === 0) return (text) => text;
  return (text) => redactSecrets(text, secrets);
}

export interface ErrorInfo {
  status?: number;
  errors: string[];
  message: string;
  requestId?: string;
}

export type JournalCounts = Record<RowState, number>;

export interface JournalOptions {
  /** Lock the file for as long as it is open (default true). */
  exclusive?: boolean;
  /** Applied to every text from the server before it is stored (errors, messages, URLs, request ids). */
  redact?: (text: string) => string;
}

export class Journal implements DailySpendStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly redact: (text: string) => string;
  /** Prepared statements by their SQL: each is compiled once per journal, not once per row. */
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  /**
   * Opens (or creates) the journal. With `exclusive` (the default) the file is locked for as long as it is
   * open, so two imports can never work from the same journal at once (JournalBusyError); the lock goes
   * with the process, kill -9 included.
   */
  constructor(path: string, opts: JournalOptions = {}) {
    this.path = path;
    this.redact = opts.redact ?? ((text) => text);
    const existed = prepareJournalFile(path);
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (err) {
      throw writeFailure(path, err) ?? err;
    }
    this.db = db;
    try {
      if (opts.exclusive !== false) {
        this.db.pragma("locking_mode = EXCLUSIVE");
        this.db.pragma("busy_timeout = 1000");
        try {
          this.db.exec("BEGIN EXCLUSIVE; COMMIT;");
        } catch (err) {
          if (err instanceof Error && "code" in err && err.code === "SQLITE_BUSY") throw new JournalBusyError(path);
          throw err;
        }
      }
      if (existed) {
        // Another file or database is refused before anything is written to it (no table, no WAL, no mode change).
        const tables = this.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
        if (tables.some((t) => !JOURNAL_TABLES.includes(t))) throw new JournalFileError(path, NOT_A_JOURNAL);
        if (tables.includes("calls")) {
          const columns = this.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('calls')").all().map((c) => c.name);
          if (!["client_unique_id", "state", "request", "media_state"].every((c) => columns.includes(c))) throw new JournalFileError(path, NOT_A_JOURNAL);
        }
      }
      tightenJournalModes(path);
      this.db.pragma("journal_mode = WAL");
      // NORMAL in WAL mode survives any process crash (kill -9); only an OS crash could lose the last commits,
      // and even then the lookup-first and 409 handling keep every call unique in Gong.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      // 8 MB of page cache at most (better-sqlite3's default is 16 MB): memory stays flat with millions of rows.
      this.db.pragma("cache_size = -8000");
      this.db.exec(SCHEMA);
    } catch (err) {
      this.closed = true;
      this.db.close();
      if (fsCode(err) === "SQLITE_NOTADB") throw new JournalFileError(path, NOT_A_JOURNAL);
      throw writeFailure(path, err) ?? err;
    }
  }

  /** Runs a write; the disk refusing it becomes a JournalWriteError naming the journal. */
  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw writeFailure(this.path, err) ?? err;
    }
  }

  private meta(key: string): string | undefined {
    return this.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** The Gong this journal belongs to, or undefined for a journal never bound (new, or from before bindings). */
  binding(): GongBinding | undefined {
    const baseUrl = this.meta("gong.baseUrl");
    const identity = this.meta("gong.identity");
    if (baseUrl === undefined || identity === undefined) return undefined;
    return { baseUrl, identity, label: this.meta("gong.label") ?? identity };
  }

  /**
   * Binds the journal to `gong`, or checks it is bound to it: a journal bound to another Gong throws
   * JournalBindingError unless `rebind` (the same tenant moved to another URL or key).
   */
  bind(gong: GongBinding, opts: { rebind?: boolean } = {}): void {
    const bound = this.binding();
    if (bound !== undefined && bound.baseUrl === gong.baseUrl && bound.identity === gong.identity) return;
    if (bound !== undefined && opts.rebind !== true) throw new JournalBindingError(this.path, bound, gong);
    this.write(() => {
      this.db.transaction(() => {
        this.setMeta("gong.baseUrl", gong.baseUrl);
        this.setMeta("gong.identity", gong.identity);
        this.setMeta("gong.label", gong.label);
      })();
    });
  }

  /** Requests counted against the quota day `day` (DailySpendStore). */
  spent(day: string): number {
    return this.prepare<[string], { spent: number }>("SELECT spent FROM quota WHERE day = ?").get(day)?.spent ?? 0;
  }

  /** Counts `count` more requests against `day` (DailySpendStore). */
  record(day: string, count: number): void {
    this.write(() => {
      this.prepare("INSERT INTO quota (day, spent) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET spent = spent + excluded.spent").run(day, count);
    });
  }

  private prepare<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement as Database.Statement<P, R>;
  }

  private now(): string {
    return new Date().toISOString();
  }

  /** Starts a new run: returns its number (rows loaded by this run are tagged with it). */
  beginRun(info: { manifest: string }): number {
    return this.write(() =>
      this.db.transaction(() => {
        const cur = this.meta("run");
        const run = (cur === undefined ? 0 : Number(cur)) + 1;
        this.setMeta("run", String(run));
        this.setMeta("manifest", info.manifest);
        return run;
      })(),
    );
  }

  /**
   * Loads manifest rows (in one transaction per batch). New rows become `pending`; rows already known keep
   * their state, except `pending`/`failed` rows not yet sent, whose request is refreshed from the manifest.
   */
  loadRows(rows: readonly ValidManifestRow[], run: number): void {
    const upsert = this.prepare(`
      INSERT INTO calls (client_unique_id, line, request, media_file, state, media_state, run_seen, updated_at)
      VALUES (@id, @line, @request, @mediaFile, 'pending', @mediaState, @run, @now)
      ON CONFLICT(client_unique_id) DO UPDATE SET
        run_seen = excluded.run_seen,
        line = excluded.line,
        request = CASE WHEN calls.state = 'pending' OR (calls.state = 'failed' AND calls.call_id IS NULL) THEN excluded.request ELSE calls.request END,
        media_file = CASE WHEN calls.state = 'done' THEN calls.media_file ELSE excluded.media_file END,
        media_state = CASE WHEN calls.state = 'done' THEN calls.media_state
                           WHEN excluded.media_file IS NULL THEN 'none'
                           WHEN calls.media_state = 'none' THEN 'pending'
                           ELSE calls.media_state END`);
    const now = this.now();
    const load = this.db.transaction(() => {
      for (const r of rows) {
        upsert.run({
          id: r.clientUniqueId,
          line: r.line,
          request: JSON.stringify(r.request),
          mediaFile: r.mediaFile ?? null,
          mediaState: r.mediaFile === undefined ? "none" : "pending",
          run,
          now,
        });
      }
    });
    this.write(() => {
      load();
    });
  }

  /** Rows of a run in line order, `limit` at a time after `afterLine` (rows are read in pages, not all at once). */
  page(run: number, afterLine: number, limit: number): JournalRow[] {
    return this
      .prepare<[number, number, number], DbRow>("SELECT * FROM calls WHERE run_seen = ? AND line > ? ORDER BY line LIMIT ?")
      .all(run, afterLine, limit)
      .map(toRow);
  }

  /** Rows of a run not finished yet (neither done nor failed), in line order, `limit` at a time after `afterLine`. */
  openPage(run: number, afterLine: number, limit: number): JournalRow[] {
    return this
      .prepare<[number, number, number], DbRow>(
        "SELECT * FROM calls WHERE run_seen = ? AND line > ? AND state NOT IN ('done', 'failed') ORDER BY line LIMIT ?",
      )
      .all(run, afterLine, limit)
      .map(toRow);
  }

  /** Rows handed to the queue: a row that failed before is open again (queue mode). */
  markQueued(ids: readonly string[]): void {
    const stmt = this.prepare("UPDATE calls SET state = 'pending', updated_at = ? WHERE client_unique_id = ? AND state = 'failed'");
    const now = this.now();
    this.write(() => {
      this.db.transaction(() => {
        for (const id of ids) stmt.run(now, id);
      })();
    });
  }

  get(clientUniqueId: string): JournalRow | undefined {
    const r = this.prepare<[string], DbRow>("SELECT * FROM calls WHERE client_unique_id = ?").get(clientUniqueId);
    return r === undefined ? undefined : toRow(r);
  }

  all(): JournalRow[] {
    return this.prepare<[], DbRow>("SELECT * FROM calls ORDER BY line").all().map(toRow);
  }

  /** Counts per state among the rows of a run (or all rows). */
  counts(run?: number): JournalCounts {
    const out: JournalCounts = { pending: 0, sending: 0, created: 0, "media-sending": 0, done: 0, failed: 0 };
    const rows =
      run === undefined
        ? this.prepare<[], { state: RowState; n: number }>("SELECT state, COUNT(*) AS n FROM calls GROUP BY state").all()
        : this.prepare<[number], { state: RowState; n: number }>("SELECT state, COUNT(*) AS n FROM calls WHERE run_seen = ? GROUP BY state").all(run);
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** About to POST /v2/calls (committed before the request goes out). */
  markSending(id: string): void {
    this.write(() =>
      this.prepare("UPDATE calls SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE client_unique_id = ?").run(this.now(), id),
    );
  }

  /** The call exists in Gong (created now, or found as a duplicate / by lookup). */
  markCreated(id: string, r: { callId: string; requestId?: string; duplicate?: boolean; recovered?: boolean }): void {
    this.write(() =>
      this.prepare(
        `UPDATE calls SET state = CASE WHEN media_state IN ('pending','sending','failed') THEN 'created' ELSE 'done' END,
           call_id = ?, last_request_id = ?, duplicate = ?, recovered = ?, last_status = NULL, last_errors = NULL,
           last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
      ).run(r.callId, this.optional(r.requestId), r.duplicate === true ? 1 : 0, r.recovered === true ? 1 : 0, this.now(), id),
    );
  }

  private optional(text: string | undefined): string | null {
    return text === undefined ? null : this.redact(text);
  }

  /** About to PUT the media. */
  markMediaSending(id: string): void {
    this.write(() =>
      this
        .prepare("UPDATE calls SET state = 'media-sending', media_state = 'sending', attempts = attempts + 1, updated_at = ? WHERE client_unique_id = ?")
        .run(this.now(), id),
    );
  }

  markMediaDone(id: string, r: { url?: string; requestId?: string }): void {
    this.write(() =>
      this.prepare(
        `UPDATE calls SET state = 'done', media_state = 'done', media_url = ?, last_request_id = COALESCE(?, last_request_id),
           last_status = NULL, last_errors = NULL, last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
      ).run(this.optional(r.url), this.optional(r.requestId), this.now(), id),
    );
  }

  /** The row failed at `stage`; a rerun tries it again (from the media step when the call exists). */
  markFailed(id: string, stage: FailureStage, e: ErrorInfo): void {
    this.write(() =>
      this.prepare(
        `UPDATE calls SET state = 'failed', media_state = CASE WHEN ? = 'media' THEN 'failed' ELSE media_state END,
           failed_stage = ?, last_status = ?, last_errors = ?, last_error = ?, last_request_id = COALESCE(?, last_request_id),
           updated_at = ? WHERE client_unique_id = ?`,
      ).run(
        stage,
        stage,
        e.status ?? null,
        JSON.stringify(e.errors.map((x) => this.redact(x))),
        this.redact(e.message),
        this.optional(e.requestId),
        this.now(),
        id,
      ),
    );
  }

  /** Records the final outcome of a queued job (queue mode, where workers do the sending). */
  recordQueued(id: string, outcome: { ok: true; callId: string; duplicate?: boolean; recovered?: boolean; mediaUrl?: string } | ({ ok: false; stage: FailureStage; callId?: string } & ErrorInfo)): void {
    if (outcome.ok) {
      this.write(() =>
        this.prepare(
          `UPDATE calls SET state = 'done', call_id = ?, duplicate = ?, recovered = ?,
             media_state = CASE WHEN media_file IS NULL THEN 'none' ELSE 'done' END, media_url = ?,
             last_status = NULL, last_errors = NULL, last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
        ).run(outcome.callId, outcome.duplicate === true ? 1 : 0, outcome.recovered === true ? 1 : 0, this.optional(outcome.mediaUrl), this.now(), id),
      );
    } else {
      const callId = outcome.callId;
      if (callId !== undefined) {
        this.write(() => this.prepare("UPDATE calls SET call_id = ? WHERE client_unique_id = ?").run(callId, id));
      }
      this.markFailed(id, outcome.stage, outcome);
    }
  }

  /** Failure records of the rows of a run that ended failed, in line order. */
  failures(run?: number): FailureRecord[] {
    return [...this.failureRecords(run)];
  }

  /**
   * The same records one at a time, read from the journal as they are consumed (memory flat in the number of
   * rows); with `since` (ISO time), only rows that failed at or after it.
   */
  *failureRecords(run?: number, since = ""): Generator<FailureRecord> {
    const rows =
      run === undefined
        ? this.prepare<[string], DbRow>("SELECT * FROM calls WHERE state = 'failed' AND updated_at >= ? ORDER BY line").iterate(since)
        : this.prepare<[number, string], DbRow>("SELECT * FROM calls WHERE state = 'failed' AND run_seen = ? AND updated_at >= ? ORDER BY line").iterate(run, since);
    for (const db of rows) {
      const r = toRow(db);
      const f: FailureRecord = {
        line: r.line,
        clientUniqueId: r.clientUniqueId,
        stage: r.failedStage ?? "create",
        errors: r.lastErrors,
        message: r.lastError ?? "",
      };
      if (r.lastStatus !== undefined) f.status = r.lastStatus;
      if (r.lastRequestId !== undefined) f.requestId = r.lastRequestId;
      if (r.callId !== undefined) f.callId = r.callId;
      yield f;
    }
  }

  /** Checkpoints the WAL into the database file and closes it. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } catch (err) {
      throw writeFailure(this.path, err) ?? err;
    } finally {
      this.db.close();
    }
  }
}

/** Default journal path: `<manifest>.journal.sqlite` beside the manifest. */
export function defaultJournalPath(manifestPath: string): string {
  return `${manifestPath}.journal.sqlite`;
}
