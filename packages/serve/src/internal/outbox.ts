/**
 * The relay's durable outbox: one SQLite database (WAL, synchronous FULL) in the data directory, one row per
 * clientUniqueId. A call is accepted only once its row is committed to disk. Commits are grouped: every accept that
 * arrives while a commit is being prepared joins it, so a burst costs one fsync, not one per call.
 *
 * Phases: queued → sending → created → media-sending → done, or failed. `sending` means Add call may have reached
 * Gong: a restart looks the call up before sending again. The public status folds media-sending into `created`.
 */
import Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import { closeSync, constants, fchmodSync, fstatSync, openSync } from "node:fs";
import { OutboxBindingError, OutboxBusyError, RelaySetupError, reasonOf } from "../errors.js";
import { dirname } from "node:path";
import { makeDirectoriesSync } from "@gong-connector/schema";
import type { GongBinding } from "@gong-connector/importer";

export type CallStatus = "queued" | "sending" | "created" | "done" | "failed";
export const CALL_STATUSES: readonly CallStatus[] = ["queued", "sending", "created", "done", "failed"];
export type CallPhase = "queued" | "sending" | "created" | "media-sending" | "done" | "failed";
/** Where a call came from. */
export type CallSource = "api" | "watch" | "console";

/** A call as the API shows it. */
export interface CallRecord {
  clientUniqueId: string;
  status: CallStatus;
  callId: string | null;
  /** Gong's errors (or ours) of the last failed attempt; empty when none. */
  errors: string[];
  attempts: number;
  updatedAt: string;
  acceptedAt: string;
  source: CallSource;
  /** The last failure: HTTP status (when Gong answered), stage and message. */
  lastError: { status?: number; stage: string; message: string; requestId?: string } | null;
  /** When a queued call that failed for a passing reason is tried again (ISO 8601), when it waits. */
  nextAttemptAt: string | null;
  /** The call has a recording to upload. */
  hasMedia: boolean;
}

/** A call with what delivery needs. */
export interface OutboxRow extends CallRecord {
  seq: number;
  phase: CallPhase;
  request: Record<string, unknown>;
  mediaFile: string | null;
  /** The media file belongs to the relay (in its data directory) and is deleted once delivered. */
  mediaOwned: boolean;
  sourceRef: string | null;
}

export interface AcceptInput {
  clientUniqueId: string;
  request: Record<string, unknown>;
  mediaFile?: string | undefined;
  mediaOwned?: boolean | undefined;
  source: CallSource;
  sourceRef?: string | undefined;
}

export interface AcceptResult {
  /** false: a call with this clientUniqueId was already accepted (nothing changed). */
  accepted: boolean;
  record: CallRecord;
}

/** Emitted on every change of a call's status (and on accept). */
export interface OutboxChange {
  clientUniqueId: string;
  status: CallStatus;
  previous: CallStatus | null;
  record: CallRecord;
}

export interface OutboxEvents {
  change: [OutboxChange];
}

interface Row {
  seq: number;
  client_unique_id: string;
  request: string;
  media_file: string | null;
  media_owned: number;
  source: string;
  source_ref: string | null;
  phase: string;
  call_id: string | null;
  attempts: number;
  errors: string | null;
  last_error: string | null;
  next_attempt_at: number;
  accepted_at: string;
  updated_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_unique_id TEXT NOT NULL UNIQUE,
  request TEXT NOT NULL,
  media_file TEXT,
  media_owned INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  source_ref TEXT,
  phase TEXT NOT NULL,
  call_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  errors TEXT,
  last_error TEXT,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  forwarded INTEGER NOT NULL DEFAULT 0,
  accepted_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_phase ON calls (phase, next_attempt_at, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quota (day TEXT PRIMARY KEY, spent INTEGER NOT NULL);
`;

export function statusOf(phase: CallPhase): CallStatus {
  return phase === "media-sending" ? "created" : phase;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toRow(r: Row): OutboxRow {
  const phase = r.phase as CallPhase;
  const status = statusOf(phase);
  return {
    seq: r.seq,
    clientUniqueId: r.client_unique_id,
    phase,
    status,
    callId: r.call_id,
    errors: parseJson<string[]>(r.errors, []),
    attempts: r.attempts,
    updatedAt: r.updated_at,
    acceptedAt: r.accepted_at,
    source: r.source as CallSource,
    lastError: parseJson<CallRecord["lastError"]>(r.last_error, null),
    nextAttemptAt: status === "queued" && r.next_attempt_at > Date.now() ? new Date(r.next_attempt_at).toISOString() : null,
    hasMedia: r.media_file !== null,
    request: parseJson<Record<string, unknown>>(r.request, {}),
    mediaFile: r.media_file,
    mediaOwned: r.media_owned === 1,
    sourceRef: r.source_ref,
  };
}

/** The public view of a row (no request, no file paths). */
export function publicRecord(row: OutboxRow): CallRecord {
  return {
    clientUniqueId: row.clientUniqueId,
    status: row.status,
    callId: row.callId,
    errors: row.errors,
    attempts: row.attempts,
    updatedAt: row.updatedAt,
    acceptedAt: row.acceptedAt,
    source: row.source,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    hasMedia: row.hasMedia,
  };
}

interface PendingAccept {
  input: AcceptInput;
  resolve(result: AcceptResult): void;
  reject(err: unknown): void;
}

export interface ListOptions {
  status?: CallStatus | undefined;
  /** Calls after this sequence number (the cursor of the previous page). */
  after?: number | undefined;
  /** Newest first (the console) instead of oldest first. */
  newestFirst?: boolean | undefined;
  limit: number;
}

/**
 * The outbox is also where the client's limiter counts the requests of each quota day (a DailySpendStore), so a
 * restarted relay knows what was already spent today.
 */
export class Outbox extends EventEmitter<OutboxEvents> {
  readonly path: string;
  readonly #db: Database.Database;
  #pending: PendingAccept[] = [];
  #flushScheduled = false;
  #closed = false;
  readonly #stmts: {
    insert: Database.Statement;
    get: Database.Statement;
    setPhase: Database.Statement;
  };

  /** Opens (or creates) the outbox; OutboxBusyError when another relay holds it. */
  constructor(path: string) {
    super();
    this.setMaxListeners(0);
    this.path = path;
    // The calls hold people's names and numbers: 0600, like the import's journal (SQLite gives its -wal file the same).
    // A symbolic link or anything but a plain file in its place is refused.
    try {
      makeDirectoriesSync(dirname(path), 0o700);
      const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      try {
        if (!fstatSync(fd).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
        fchmodSync(fd, 0o600);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new RelaySetupError(`the outbox ${path} cannot be opened: ${reasonOf(err)}`);
    }
    this.#db = new Database(path);
    try {
      this.#db.pragma("busy_timeout = 0");
      // One relay per data directory: the lock is held for as long as the outbox is open.
      this.#db.pragma("locking_mode = EXCLUSIVE");
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = FULL");
      this.#db.exec("BEGIN EXCLUSIVE; COMMIT;");
      this.#db.exec(SCHEMA);
    } catch (err) {
      this.#db.close();
      const code = err instanceof Error && "code" in err ? String(err.code) : "";
      if (/^SQLITE_(BUSY|LOCKED)/.test(code)) throw new OutboxBusyError(path);
      if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) throw new RelaySetupError(`${path} is not a relay's outbox (not an SQLite database, ${code}): move it away or give another --data`);
      if (/^SQLITE_(CANTOPEN|READONLY|IOERR|PERM|FULL)/.test(code)) throw new RelaySetupError(`the outbox ${path} cannot be opened (${code})`);
      throw err;
    }
    this.#stmts = {
      insert: this.#db.prepare(
        `INSERT INTO calls (client_unique_id, request, media_file, media_owned, source, source_ref, phase, accepted_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (client_unique_id) DO NOTHING`,
      ),
      get: this.#db.prepare("SELECT * FROM calls WHERE client_unique_id = ?"),
      setPhase: this.#db.prepare("UPDATE calls SET phase = ?, updated_at = ? WHERE client_unique_id = ?"),
    };
  }

  /**
   * Binds the outbox to the Gong its calls go to (on first use) and refuses another one: calls accepted for one
   * Gong must never be delivered to another.
   */
  bind(gong: GongBinding): void {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'gong'").get() as { value: string } | undefined;
    if (row === undefined) {
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('gong', ?)").run(JSON.stringify(gong));
      return;
    }
    const bound = parseJson<GongBinding | null>(row.value, null);
    if (bound === null || bound.baseUrl !== gong.baseUrl || bound.identity !== gong.identity) {
      const open = this.#db.prepare("SELECT COUNT(*) AS n FROM calls WHERE phase NOT IN ('done', 'failed')").get() as { n: number };
      if (open.n > 0) {
        throw new OutboxBindingError(
          `the relay's data directory holds ${String(open.n)} undelivered call(s) for ${bound?.baseUrl ?? "another Gong"} (${bound?.label ?? "unknown credentials"}), ` +
            `but it was started for ${gong.baseUrl} (${gong.label}); start it with the credentials of that Gong, or give another --data`,
        );
      }
      // Nothing waits for the old Gong: the directory now belongs to the new one.
      this.#db.prepare("UPDATE meta SET value = ? WHERE key = 'gong'").run(JSON.stringify(gong));
    }
  }

  /** Requests counted against the quota day `day` (DailySpendStore). */
  spent(day: string): number {
    return (this.#db.prepare("SELECT spent FROM quota WHERE day = ?").get(day) as { spent: number } | undefined)?.spent ?? 0;
  }

  record(day: string, count: number): void {
    if (this.#closed) return;
    this.#db.prepare("INSERT INTO quota (day, spent) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET spent = spent + excluded.spent").run(day, count);
  }

  /** Stored settings (e.g. the intake token when generated). */
  meta(key: string): string | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /**
   * Commits a call (resolves once it is on disk), or finds the call already accepted under its clientUniqueId.
   * Accepts that arrive together share one transaction.
   */
  accept(input: AcceptInput): Promise<AcceptResult> {
    if (this.#closed) return Promise.reject(new Error("the outbox is closed"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const results: { accepted: boolean; row: OutboxRow }[] = [];
    try {
      this.#db.transaction(() => {
        const now = new Date().toISOString();
        for (const p of batch) {
          const i = p.input;
          const info = this.#stmts.insert.run(i.clientUniqueId, JSON.stringify(i.request), i.mediaFile ?? null, i.mediaOwned === true ? 1 : 0, i.source, i.sourceRef ?? null, now, now);
          results.push({ accepted: info.changes === 1, row: toRow(this.#stmts.get.get(i.clientUniqueId) as Row) });
        }
      })();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, n) => {
      const r = results[n];
      if (r === undefined) return;
      const record = publicRecord(r.row);
      p.resolve({ accepted: r.accepted, record });
      if (r.accepted) this.emit("change", { clientUniqueId: record.clientUniqueId, status: record.status, previous: null, record });
    });
  }

  get(clientUniqueId: string): OutboxRow | undefined {
    const r = this.#stmts.get.get(clientUniqueId) as Row | undefined;
    return r === undefined ? undefined : toRow(r);
  }

  /** Pages through calls (optionally of one status); `after` is the previous page's last `seq`. */
  list(opts: ListOptions): OutboxRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.status !== undefined) {
      if (opts.status === "created") where.push("phase IN ('created', 'media-sending')");
      else {
        where.push("phase = ?");
        args.push(opts.status);
      }
    }
    if (opts.after !== undefined) {
      where.push(opts.newestFirst === true ? "seq < ?" : "seq > ?");
      args.push(opts.after);
    }
    const sql = `SELECT * FROM calls ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${opts.newestFirst === true ? "DESC" : "ASC"} LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, opts.limit) as Row[]).map(toRow);
  }

  /** Calls by status. */
  counts(): Record<CallStatus, number> {
    const out: Record<CallStatus, number> = { queued: 0, sending: 0, created: 0, done: 0, failed: 0 };
    for (const r of this.#db.prepare("SELECT phase, COUNT(*) AS n FROM calls GROUP BY phase").all() as { phase: CallPhase; n: number }[]) {
      out[statusOf(r.phase)] += r.n;
    }
    return out;
  }

  /**
   * Calls that are due for delivery, oldest first: queued ones whose wait is over, and any left mid-way (sending,
   * created, media-sending) by an earlier run. `skip` holds the ids in flight in this process.
   */
  due(limit: number, skip: ReadonlySet<string>, now = Date.now()): OutboxRow[] {
    const rows = this.#db
      .prepare(`SELECT * FROM calls WHERE phase IN ('queued', 'sending', 'created', 'media-sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`)
      .all(now, limit + skip.size) as Row[];
    return rows.map(toRow).filter((r) => !skip.has(r.clientUniqueId)).slice(0, limit);
  }

  /** Epoch ms of the next queued call's wait end, when every open call waits; undefined when none waits. */
  nextDue(): number | undefined {
    const r = this.#db.prepare("SELECT MIN(next_attempt_at) AS t FROM calls WHERE phase IN ('queued', 'sending', 'created', 'media-sending')").get() as { t: number | null };
    return r.t ?? undefined;
  }

  #update(clientUniqueId: string, sql: string, args: unknown[]): void {
    const before = this.get(clientUniqueId);
    this.#db.prepare(`UPDATE calls SET ${sql}, updated_at = ? WHERE client_unique_id = ?`).run(...args, new Date().toISOString(), clientUniqueId);
    const after = this.get(clientUniqueId);
    if (after !== undefined && before?.status !== after.status) {
      this.emit("change", { clientUniqueId, status: after.status, previous: before?.status ?? null, record: publicRecord(after) });
    }
  }

  /** A delivery attempt starts. */
  markAttempt(id: string): void {
    this.#update(id, "attempts = attempts + 1", []);
  }

  markSending(id: string): void {
    this.#update(id, "phase = 'sending'", []);
  }

  markCreated(id: string, callId: string, hasMedia: boolean): void {
    this.#update(id, `phase = ?, call_id = ?, errors = NULL, last_error = NULL`, [hasMedia ? "created" : "done", callId]);
  }

  markMediaSending(id: string): void {
    this.#update(id, "phase = 'media-sending'", []);
  }

  markDone(id: string): void {
    this.#update(id, "phase = 'done', errors = NULL, last_error = NULL, next_attempt_at = 0", []);
  }

  /** A passing failure: the call waits until `at` (epoch ms) in the phase it reached (queued when nothing exists yet). */
  markRetry(id: string, at: number, errors: string[], lastError: NonNullable<CallRecord["lastError"]>): void {
    const row = this.get(id);
    if (row === undefined) return;
    // Add call that failed after being sent stays "sending" (look it up first next time); media failures keep the call.
    const phase: CallPhase = row.phase === "media-sending" ? "created" : row.phase;
    this.#update(id, "phase = ?, next_attempt_at = ?, errors = ?, last_error = ?", [phase, at, JSON.stringify(errors), JSON.stringify(lastError)]);
  }

  /**
   * Quota (never a failure): the call stays due where it stands and the attempt does not count; the sender holds
   * every call until the reset (a restarted relay learns of a spent quota from the counts kept here).
   */
  postpone(id: string): void {
    const row = this.get(id);
    if (row === undefined) return;
    const phase: CallPhase = row.phase === "media-sending" ? "created" : row.phase;
    this.#update(id, "phase = ?, attempts = MAX(0, attempts - 1)", [phase]);
  }

  markFailed(id: string, errors: string[], lastError: NonNullable<CallRecord["lastError"]>): void {
    this.#update(id, "phase = 'failed', errors = ?, last_error = ?", [JSON.stringify(errors), JSON.stringify(lastError)]);
  }

  /**
   * Puts a failed call back in the queue. Where it failed decides where it resumes: a call Gong created keeps its id
   * (only the media is sent again); a call whose Add call may have reached Gong is looked up first.
   */
  retry(id: string): OutboxRow | undefined {
    const row = this.get(id);
    if (row?.phase !== "failed") return row;
    const phase: CallPhase = row.callId !== null ? "created" : row.attempts > 0 ? "sending" : "queued";
    this.#update(id, "phase = ?, next_attempt_at = 0, forwarded = 0", [phase]);
    return this.get(id);
  }

  // Queue mode: the outbox records what this relay accepted; BullMQ workers deliver, and their jobs' states are
  // copied back here.

  /** Accepted calls not yet handed to the queue, oldest first. */
  unforwarded(limit: number): OutboxRow[] {
    return (this.#db.prepare("SELECT * FROM calls WHERE forwarded = 0 AND phase NOT IN ('done', 'failed') ORDER BY seq LIMIT ?").all(limit) as Row[]).map(toRow);
  }

  markForwarded(id: string): void {
    this.#db.prepare("UPDATE calls SET forwarded = 1 WHERE client_unique_id = ?").run(id);
  }

  /** Calls handed to the queue and not finished, after `afterSeq` (to go round them all, a page at a time). */
  forwardedOpen(afterSeq: number, limit: number): OutboxRow[] {
    return (this.#db.prepare("SELECT * FROM calls WHERE forwarded = 1 AND phase NOT IN ('done', 'failed') AND seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit) as Row[]).map(toRow);
  }

  /** Copies a queue job's state into the call. */
  sync(id: string, state: { phase: CallPhase; callId?: string | undefined; attempts: number; errors?: string[] | undefined; lastError?: CallRecord["lastError"] | undefined }): void {
    const row = this.get(id);
    if (row === undefined) return;
    const errors = state.errors === undefined ? row.errors : state.errors;
    const lastError = state.lastError === undefined ? row.lastError : state.lastError;
    const same = row.phase === state.phase && row.attempts === state.attempts && (state.callId ?? row.callId) === row.callId && JSON.stringify(errors) === JSON.stringify(row.errors);
    if (same) return;
    this.#update(id, "phase = ?, call_id = COALESCE(?, call_id), attempts = ?, errors = ?, last_error = ?", [
      state.phase,
      state.callId ?? null,
      state.attempts,
      errors.length === 0 ? null : JSON.stringify(errors),
      lastError === null ? null : JSON.stringify(lastError),
    ]);
  }

  /** Calls not yet done or failed (the queue depth). */
  openCount(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM calls WHERE phase NOT IN ('done', 'failed')").get() as { n: number }).n;
  }

  /** The database answers and can be written (for readiness). */
  writable(): boolean {
    try {
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('ready-check', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(new Date().toISOString());
      return true;
    } catch {
      return false;
    }
  }

  /** Media files the outbox still needs (to clean the media directory of leftovers). */
  mediaFiles(): Set<string> {
    const out = new Set<string>();
    for (const r of this.#db.prepare("SELECT media_file FROM calls WHERE media_file IS NOT NULL AND media_owned = 1 AND phase NOT IN ('done')").all() as { media_file: string }[]) {
      out.add(r.media_file);
    }
    return out;
  }

  /** Flushes the accepts in preparation, then closes. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#db.close();
  }
}
