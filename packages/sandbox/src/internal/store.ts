import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, lstatSync, openSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeDirectoriesSync } from "@gong-connector/schema";
import type { StoredCallRequest as CallRequest } from "../types.js";
import { DataDirError } from "./errors.js";
import { sweepPartialFiles } from "./reclaim.js";
import { SEED_WORKSPACES, type SandboxUser, type SandboxWorkspace } from "./seed.js";
import { seedUsers } from "./seed-users.js";

export type MediaState = "none" | "pending" | "ready" | "failed";
export type MediaSource = "upload" | "download";

export interface MediaInfo {
  state: MediaState;
  source: MediaSource | null;
  /** File name under `<data>/media`, when stored. */
  file: string | null;
  fileName: string | null;
  sha256: string | null;
  size: number | null;
  format: string | null;
  contentType: string | null;
  error: string | null;
  updatedAt: string | null;
}

/** What the sandbox keeps of an Add call request (already validated). */
export type { StoredCallRequest as CallRequest, StoredParty as CallRequestParty, StoredContext as CallContext } from "../types.js";

export interface StoredCall {
  id: string;
  seq: number;
  clientUniqueId: string;
  workspaceId: string;
  primaryUserId: string;
  startedMs: number;
  createdAt: string;
  request: CallRequest;
  downloadMediaUrl: string | null;
  media: MediaInfo;
}

export interface CallFilter {
  fromMs?: number;
  toMs?: number;
  workspaceId?: string;
  callIds?: readonly string[];
  primaryUserIds?: readonly string[];
  /** Only calls added before this instant (ISO, as created_at is written). */
  createdBefore?: string;
}

export interface RequestLogEntry {
  requestId: string;
  at: string;
  method: string;
  path: string;
  status: number;
  principal: string | null;
}

interface CallRow {
  id: string;
  seq: number;
  client_unique_id: string;
  workspace_id: string;
  primary_user_id: string;
  started_ms: number;
  created_at: string;
  request_json: string;
  download_url: string | null;
  media_state: string;
  media_source: string | null;
  media_file: string | null;
  media_file_name: string | null;
  media_sha256: string | null;
  media_size: number | null;
  media_format: string | null;
  media_content_type: string | null;
  media_error: string | null;
  media_updated_at: string | null;
}

interface UserRow {
  json: string;
  avatar: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, avatar INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  client_unique_id TEXT NOT NULL UNIQUE,
  workspace_id TEXT NOT NULL,
  primary_user_id TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  request_json TEXT NOT NULL,
  download_url TEXT UNIQUE,
  media_state TEXT NOT NULL DEFAULT 'none',
  media_source TEXT,
  media_file TEXT,
  media_file_name TEXT,
  media_sha256 TEXT,
  media_size INTEGER,
  media_format TEXT,
  media_content_type TEXT,
  media_error TEXT,
  media_updated_at TEXT
);
CREATE INDEX IF NOT EXISTS calls_started ON calls (started_ms, seq);
CREATE TABLE IF NOT EXISTS requests (
  request_id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  principal TEXT
);
`;

function isoNow(): string {
  return new Date().toISOString();
}

function toMediaState(value: string): MediaState {
  return value === "pending" || value === "ready" || value === "failed" ? value : "none";
}

function toCall(row: CallRow): StoredCall {
  return {
    id: row.id,
    seq: row.seq,
    clientUniqueId: row.client_unique_id,
    workspaceId: row.workspace_id,
    primaryUserId: row.primary_user_id,
    startedMs: row.started_ms,
    createdAt: row.created_at,
    request: JSON.parse(row.request_json) as CallRequest,
    downloadMediaUrl: row.download_url,
    media: {
      state: toMediaState(row.media_state),
      source: row.media_source === "upload" || row.media_source === "download" ? row.media_source : null,
      file: row.media_file,
      fileName: row.media_file_name,
      sha256: row.media_sha256,
      size: row.media_size,
      format: row.media_format,
      contentType: row.media_content_type,
      error: row.media_error,
      updatedAt: row.media_updated_at,
    },
  };
}

export interface NewCall {
  id: string;
  clientUniqueId: string;
  workspaceId: string;
  primaryUserId: string;
  startedMs: number;
  request: CallRequest;
  downloadMediaUrl: string | null;
}

export interface StoredMedia {
  source: MediaSource;
  file: string;
  fileName: string;
  sha256: string;
  size: number;
  format: string;
  contentType: string;
}

/** The data dir and media/ are the owner's alone; sandbox.db (it holds the access key secret), its -wal/-shm and media files too. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

function tighten(path: string, mode: number): void {
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if ((st.mode & 0o777) !== mode) chmodSync(path, mode);
}

/**
 * Creates the data dir (0700), media/ (0700) and sandbox.db (0600) before SQLite opens it, and tightens looser modes
 * left by an older run. A data dir that already held other things (say `--data ~/work`) keeps its own mode, as a
 * directory the sandbox did not make is not its to change; everything the sandbox keeps in it is still 0700/0600.
 */
function prepareDataDir(dataDir: string, mediaDir: string, dbPath: string): void {
  let st;
  try {
    st = statSync(dataDir);
  } catch (err) {
    if (fsCode(err) !== "ENOENT") throw new DataDirError(dataDir, `cannot be used (${fsCode(err) ?? String(err)})`);
  }
  if (st !== undefined && !st.isDirectory()) throw new DataDirError(dataDir, "is not a directory; give a directory (it is created when missing)");
  try {
    makeDataDir(dataDir, mediaDir, dbPath);
  } catch (err) {
    const code = fsCode(err);
    if (code === undefined) throw err;
    const why = code === "EACCES" || code === "EPERM" || code === "EROFS" ? "cannot be written" : "cannot be used";
    throw new DataDirError(dataDir, `${why} (${code}${typeof (err as { path?: unknown }).path === "string" ? ` on ${(err as { path: string }).path}` : ""})`);
  }
}

function fsCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

function makeDataDir(dataDir: string, mediaDir: string, dbPath: string): void {
  const existed = existsSync(dataDir);
  const ours = !existed || readdirSync(dataDir).every((name) => name === "media" || name.startsWith("sandbox.db"));
  makeDirectoriesSync(dataDir, DIR_MODE);
  if (ours && statSync(dataDir).isDirectory()) tighten(dataDir, DIR_MODE);
  makeDirectoriesSync(mediaDir, DIR_MODE);
  tighten(mediaDir, DIR_MODE);
  if (!existsSync(dbPath)) closeSync(openSync(dbPath, "a", FILE_MODE));
  tighten(dbPath, FILE_MODE);
  sweepPartialFiles(mediaDir);
  for (const name of readdirSync(mediaDir)) tighten(join(mediaDir, name), FILE_MODE);
}

/** SQLite store of workspaces, users, calls and request ids; media files live in `<dataDir>/media`. */
export class SandboxStore {
  readonly db: Database.Database;
  readonly dataDir: string;
  readonly mediaDir: string;
  private readonly stmts;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.mediaDir = join(dataDir, "media");
    const dbPath = join(dataDir, "sandbox.db");
    prepareDataDir(dataDir, this.mediaDir, dbPath);
    this.db = new Database(dbPath);
    try {
      this.db.pragma("journal_mode = WAL");
    } catch (err) {
      this.db.close();
      const code = fsCode(err);
      if (code === "SQLITE_NOTADB") throw new DataDirError(dataDir, "holds a sandbox.db that is not an SQLite database; give another directory");
      if (code?.startsWith("SQLITE_READONLY") === true || code?.startsWith("SQLITE_CANTOPEN") === true) {
        throw new DataDirError(dataDir, `cannot be written (${code} on ${dbPath})`);
      }
      throw err;
    }
    // SQLite gives -wal and -shm the database file's mode when it makes them; ones left by an older run are tightened.
    for (const suffix of ["-wal", "-shm"]) tighten(`${dbPath}${suffix}`, FILE_MODE);
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      countUsers: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM users"),
      insertUser: db.prepare<[string, number, number, string]>("INSERT OR IGNORE INTO users (id, seq, avatar, json) VALUES (?, ?, ?, ?)"),
      insertWorkspace: db.prepare<[string, number, string, string]>(
        "INSERT OR IGNORE INTO workspaces (id, seq, name, description) VALUES (?, ?, ?, ?)",
      ),
      getUser: db.prepare<[string], UserRow>("SELECT json, avatar FROM users WHERE id = ?"),
      updateUser: db.prepare<[string, string]>("UPDATE users SET json = ? WHERE id = ?"),
      countUsersVisible: db.prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM users WHERE avatar = 0 OR ? = 1"),
      pageUsers: db.prepare<[number, number, number], UserRow>(
        "SELECT json, avatar FROM users WHERE avatar = 0 OR ? = 1 ORDER BY seq LIMIT ? OFFSET ?",
      ),
      listWorkspaces: db.prepare<[], SandboxWorkspace>("SELECT id, name, description FROM workspaces ORDER BY seq"),
      getWorkspace: db.prepare<[string], SandboxWorkspace>("SELECT id, name, description FROM workspaces WHERE id = ?"),
      maxSeq: db.prepare<[], { m: number | null }>("SELECT MAX(seq) AS m FROM calls"),
      insertCall: db.prepare<[string, number, string, string, string, number, string, string, string | null, string]>(
        `INSERT INTO calls (id, seq, client_unique_id, workspace_id, primary_user_id, started_ms, created_at, request_json, download_url, media_state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getCall: db.prepare<[string], CallRow>("SELECT * FROM calls WHERE id = ?"),
      getCallByCuid: db.prepare<[string], CallRow>("SELECT * FROM calls WHERE client_unique_id = ?"),
      getCallByUrl: db.prepare<[string], CallRow>("SELECT * FROM calls WHERE download_url = ?"),
      allCalls: db.prepare<[], CallRow>("SELECT * FROM calls ORDER BY seq"),
      latestCalls: db.prepare<[number], CallRow>("SELECT * FROM calls ORDER BY seq DESC LIMIT ?"),
      countCalls: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM calls"),
      pendingDownloads: db.prepare<[], CallRow>("SELECT * FROM calls WHERE media_state = 'pending' AND download_url IS NOT NULL ORDER BY seq"),
      setMedia: db.prepare<[string, string, string, string, number, string, string, string, string]>(
        `UPDATE calls SET media_state = 'ready', media_source = ?, media_file = ?, media_file_name = ?, media_sha256 = ?, media_size = ?,
         media_format = ?, media_content_type = ?, media_error = NULL, media_updated_at = ? WHERE id = ?`,
      ),
      setMediaState: db.prepare<[string, string | null, string, string]>(
        "UPDATE calls SET media_state = ?, media_error = ?, media_updated_at = ? WHERE id = ?",
      ),
      logRequest: db.prepare<[string, string, string, string, number, string | null]>(
        "INSERT OR REPLACE INTO requests (request_id, at, method, path, status, principal) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      recentRequests: db.prepare<[number], { request_id: string; at: string; method: string; path: string; status: number; principal: string | null }>(
        "SELECT * FROM requests ORDER BY rowid DESC LIMIT ?",
      ),
      countRequests: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM requests"),
      mediaFiles: db.prepare<[], { media_file: string }>("SELECT media_file FROM calls WHERE media_file IS NOT NULL"),
      deleteCalls: db.prepare("DELETE FROM calls"),
      deleteRequests: db.prepare("DELETE FROM requests"),
    };
    this.seedIfEmpty();
  }

  private seedIfEmpty(): void {
    const n = this.stmts.countUsers.get()?.n ?? 0;
    if (n > 0) return;
    this.db.transaction(() => {
      seedUsers().forEach(({ user, avatar }, i) => this.stmts.insertUser.run(user.id, i, avatar ? 1 : 0, JSON.stringify(user)));
      SEED_WORKSPACES.forEach((w, i) => this.stmts.insertWorkspace.run(w.id, i, w.name, w.description));
    })();
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  getUser(id: string): { user: SandboxUser; avatar: boolean } | undefined {
    const row = this.stmts.getUser.get(id);
    return row ? { user: JSON.parse(row.json) as SandboxUser, avatar: row.avatar === 1 } : undefined;
  }

  /** Flips a user's recording setting and/or active flag; returns the updated user or undefined if unknown. */
  updateUser(id: string, change: { telephonyCallsImported?: boolean; active?: boolean }): SandboxUser | undefined {
    const found = this.getUser(id);
    if (!found) return undefined;
    const user = found.user;
    if (change.telephonyCallsImported !== undefined) user.settings.telephonyCallsImported = change.telephonyCallsImported;
    if (change.active !== undefined) user.active = change.active;
    this.stmts.updateUser.run(JSON.stringify(user), id);
    return user;
  }

  pageUsers(includeAvatars: boolean, offset: number, limit: number): { total: number; users: SandboxUser[] } {
    const flag = includeAvatars ? 1 : 0;
    const total = this.stmts.countUsersVisible.get(flag)?.n ?? 0;
    const users = this.stmts.pageUsers.all(flag, limit, offset).map((r) => JSON.parse(r.json) as SandboxUser);
    return { total, users };
  }

  listWorkspaces(): SandboxWorkspace[] {
    return this.stmts.listWorkspaces.all();
  }

  getWorkspace(id: string): SandboxWorkspace | undefined {
    return this.stmts.getWorkspace.get(id);
  }

  /** Inserts a call; the caller has checked duplicates. Returns the stored call. */
  insertCall(call: NewCall): StoredCall {
    const seq = (this.stmts.maxSeq.get()?.m ?? 0) + 1;
    this.stmts.insertCall.run(
      call.id,
      seq,
      call.clientUniqueId,
      call.workspaceId,
      call.primaryUserId,
      call.startedMs,
      isoNow(),
      JSON.stringify(call.request),
      call.downloadMediaUrl,
      call.downloadMediaUrl === null ? "none" : "pending",
    );
    const stored = this.getCall(call.id);
    if (!stored) throw new Error("call vanished after insert");
    return stored;
  }

  getCall(id: string): StoredCall | undefined {
    const row = this.stmts.getCall.get(id);
    return row ? toCall(row) : undefined;
  }

  getCallByClientUniqueId(clientUniqueId: string): StoredCall | undefined {
    const row = this.stmts.getCallByCuid.get(clientUniqueId);
    return row ? toCall(row) : undefined;
  }

  getCallByDownloadUrl(url: string): StoredCall | undefined {
    const row = this.stmts.getCallByUrl.get(url);
    return row ? toCall(row) : undefined;
  }

  allCalls(): StoredCall[] {
    return this.stmts.allCalls.all().map(toCall);
  }

  /** The `limit` calls added last, newest first. */
  latestCalls(limit: number): StoredCall[] {
    return this.stmts.latestCalls.all(limit).map(toCall);
  }

  countCalls(): number {
    return this.stmts.countCalls.get()?.n ?? 0;
  }

  pendingDownloads(): StoredCall[] {
    return this.stmts.pendingDownloads.all().map(toCall);
  }

  /** Calls matching a filter, ordered by actual start then creation, one page of them. */
  findCalls(filter: CallFilter, offset: number, limit: number): { total: number; calls: StoredCall[] } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.fromMs !== undefined) {
      where.push("started_ms >= ?");
      params.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      where.push("started_ms < ?");
      params.push(filter.toMs);
    }
    if (filter.createdBefore !== undefined) {
      where.push("created_at < ?");
      params.push(filter.createdBefore);
    }
    if (filter.workspaceId !== undefined) {
      where.push("workspace_id = ?");
      params.push(filter.workspaceId);
    }
    if (filter.callIds !== undefined) {
      where.push(`id IN (${filter.callIds.map(() => "?").join(", ") || "NULL"})`);
      params.push(...filter.callIds);
    }
    if (filter.primaryUserIds !== undefined) {
      where.push(`primary_user_id IN (${filter.primaryUserIds.map(() => "?").join(", ") || "NULL"})`);
      params.push(...filter.primaryUserIds);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const total = this.db.prepare<(string | number)[], { n: number }>(`SELECT COUNT(*) AS n FROM calls ${clause}`).get(...params)?.n ?? 0;
    const rows = this.db
      .prepare<(string | number)[], CallRow>(`SELECT * FROM calls ${clause} ORDER BY started_ms, seq LIMIT ? OFFSET ?`)
      .all(...params, limit, offset);
    return { total, calls: rows.map(toCall) };
  }

  setMedia(callId: string, media: StoredMedia): void {
    this.stmts.setMedia.run(media.source, media.file, media.fileName, media.sha256, media.size, media.format, media.contentType, isoNow(), callId);
  }

  setMediaState(callId: string, state: MediaState, error: string | null): void {
    this.stmts.setMediaState.run(state, error, isoNow(), callId);
  }

  logRequest(entry: RequestLogEntry): void {
    this.stmts.logRequest.run(entry.requestId, entry.at, entry.method, entry.path, entry.status, entry.principal);
  }

  recentRequests(limit: number): RequestLogEntry[] {
    return this.stmts.recentRequests.all(limit).map((r) => ({
      requestId: r.request_id,
      at: r.at,
      method: r.method,
      path: r.path,
      status: r.status,
      principal: r.principal,
    }));
  }

  /** Deletes every call; returns the names of their media files (under mediaDir), which the caller removes. */
  deleteAllCalls(): string[] {
    return this.db.transaction(() => {
      const files = this.stmts.mediaFiles.all().map((r) => r.media_file);
      this.stmts.deleteCalls.run();
      return files;
    })();
  }

  clearRequests(): void {
    this.stmts.deleteRequests.run();
  }

  countRequests(): number {
    return this.stmts.countRequests.get()?.n ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
