/**
 * The import journal: one SQLite row per clientUniqueId with the row's state, callId, media state, attempts
 * and last error. WAL mode, one transaction per state change, so a crash (kill -9 included) loses nothing
 * committed; a rerun resumes from it.
 */
import Database from "better-sqlite3";
import type { FailureRecord, FailureStage, MediaState, RowState, ValidManifestRow } from "./types.js";

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

/** Another process has the journal open (an import is already running from it). */
export class JournalBusyError extends Error {
  override readonly name = "JournalBusyError";
  constructor(path: string) {
    super(`the journal ${path} is in use by another import (one import per journal at a time)`);
  }
}

export interface ErrorInfo {
  status?: number;
  errors: string[];
  message: string;
  requestId?: string;
}

export type JournalCounts = Record<RowState, number>;

export class Journal {
  readonly path: string;
  private readonly db: Database.Database;
  /** Prepared statements by their SQL: each is compiled once per journal, not once per row. */
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  /**
   * Opens (or creates) the journal. With `exclusive` (the default) the file is locked for as long as it is
   * open, so two imports can never work from the same journal at once (JournalBusyError); the lock goes
   * with the process, kill -9 included.
   */
  constructor(path: string, opts: { exclusive?: boolean } = {}) {
    this.path = path;
    this.db = new Database(path);
    if (opts.exclusive !== false) {
      this.db.pragma("locking_mode = EXCLUSIVE");
      this.db.pragma("busy_timeout = 1000");
      try {
        this.db.exec("BEGIN EXCLUSIVE; COMMIT;");
      } catch (err) {
        this.db.close();
        if (err instanceof Error && "code" in err && err.code === "SQLITE_BUSY") throw new JournalBusyError(path);
        throw err;
      }
    }
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives any process crash (kill -9); only an OS crash could lose the last commits,
    // and even then the lookup-first and 409 handling keep every call unique in Gong.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
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
    return this.db.transaction(() => {
      const cur = this.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'run'").get();
      const run = (cur === undefined ? 0 : Number(cur.value)) + 1;
      this.prepare("INSERT INTO meta (key, value) VALUES ('run', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(run));
      this.prepare("INSERT INTO meta (key, value) VALUES ('manifest', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(info.manifest);
      return run;
    })();
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
    this.db.transaction(() => {
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
    })();
  }

  /** Rows of a run in line order, `limit` at a time after `afterLine` (rows are read in pages, not all at once). */
  page(run: number, afterLine: number, limit: number): JournalRow[] {
    return this
      .prepare<[number, number, number], DbRow>("SELECT * FROM calls WHERE run_seen = ? AND line > ? ORDER BY line LIMIT ?")
      .all(run, afterLine, limit)
      .map(toRow);
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
    this
      .prepare("UPDATE calls SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE client_unique_id = ?")
      .run(this.now(), id);
  }

  /** The call exists in Gong (created now, or found as a duplicate / by lookup). */
  markCreated(id: string, r: { callId: string; requestId?: string; duplicate?: boolean; recovered?: boolean }): void {
    this
      .prepare(
        `UPDATE calls SET state = CASE WHEN media_state IN ('pending','sending','failed') THEN 'created' ELSE 'done' END,
           call_id = ?, last_request_id = ?, duplicate = ?, recovered = ?, last_status = NULL, last_errors = NULL,
           last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
      )
      .run(r.callId, r.requestId ?? null, r.duplicate === true ? 1 : 0, r.recovered === true ? 1 : 0, this.now(), id);
  }

  /** About to PUT the media. */
  markMediaSending(id: string): void {
    this
      .prepare("UPDATE calls SET state = 'media-sending', media_state = 'sending', attempts = attempts + 1, updated_at = ? WHERE client_unique_id = ?")
      .run(this.now(), id);
  }

  markMediaDone(id: string, r: { url?: string; requestId?: string }): void {
    this
      .prepare(
        `UPDATE calls SET state = 'done', media_state = 'done', media_url = ?, last_request_id = COALESCE(?, last_request_id),
           last_status = NULL, last_errors = NULL, last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
      )
      .run(r.url ?? null, r.requestId ?? null, this.now(), id);
  }

  /** The row failed at `stage`; a rerun tries it again (from the media step when the call exists). */
  markFailed(id: string, stage: FailureStage, e: ErrorInfo): void {
    this
      .prepare(
        `UPDATE calls SET state = 'failed', media_state = CASE WHEN ? = 'media' THEN 'failed' ELSE media_state END,
           failed_stage = ?, last_status = ?, last_errors = ?, last_error = ?, last_request_id = COALESCE(?, last_request_id),
           updated_at = ? WHERE client_unique_id = ?`,
      )
      .run(stage, stage, e.status ?? null, JSON.stringify(e.errors), e.message, e.requestId ?? null, this.now(), id);
  }

  /** Records the final outcome of a queued job (queue mode, where workers do the sending). */
  recordQueued(id: string, outcome: { ok: true; callId: string; duplicate?: boolean; recovered?: boolean; mediaUrl?: string } | ({ ok: false; stage: FailureStage; callId?: string } & ErrorInfo)): void {
    if (outcome.ok) {
      this
        .prepare(
          `UPDATE calls SET state = 'done', call_id = ?, duplicate = ?, recovered = ?,
             media_state = CASE WHEN media_file IS NULL THEN 'none' ELSE 'done' END, media_url = ?,
             last_status = NULL, last_errors = NULL, last_error = NULL, failed_stage = NULL, updated_at = ? WHERE client_unique_id = ?`,
        )
        .run(outcome.callId, outcome.duplicate === true ? 1 : 0, outcome.recovered === true ? 1 : 0, outcome.mediaUrl ?? null, this.now(), id);
    } else {
      if (outcome.callId !== undefined) {
        this.prepare("UPDATE calls SET call_id = ? WHERE client_unique_id = ?").run(outcome.callId, id);
      }
      this.markFailed(id, outcome.stage, outcome);
    }
  }

  /** Failure records of the rows of a run that ended failed. */
  failures(run?: number): FailureRecord[] {
    const rows =
      run === undefined
        ? this.prepare<[], DbRow>("SELECT * FROM calls WHERE state = 'failed' ORDER BY line").all()
        : this.prepare<[number], DbRow>("SELECT * FROM calls WHERE state = 'failed' AND run_seen = ? ORDER BY line").all(run);
    return rows.map(toRow).map((r) => {
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
      return f;
    });
  }

  /** Checkpoints the WAL into the database file and closes it. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      this.db.close();
    }
  }
}

/** Default journal path: `<manifest>.journal.sqlite` beside the manifest. */
export function defaultJournalPath(manifestPath: string): string {
  return `${manifestPath}.journal.sqlite`;
}
