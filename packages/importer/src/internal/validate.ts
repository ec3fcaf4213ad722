/**
 * Checks every manifest row before anything is sent: the Add call rules (src/schema), the media file
 * (exists, size, format), and clientUniqueIds unique within the manifest. Memory stays flat in the number of
 * rows: the ids seen and the invalid rows are kept in a temporary SQLite database, not in the heap.
 */
import Database from "better-sqlite3";
import { dirname, resolve } from "node:path";
import { GongAbortError } from "@gong-connector/client";
import { mediaFileIssues } from "@gong-connector/client/advanced";
import { validateAddCallRequest } from "@gong-connector/schema";
import { primaryUserProblem, type PrimaryUserStatus } from "@gong-connector/client/advanced";
import { checkMediaRoot, readManifest, resolveMediaPath } from "./manifest.js";
import type { InvalidManifestRow, ManifestFormat, ManifestReader, RawManifestRow, RowIssue, ValidManifestRow } from "./types.js";

export interface ValidateRowResult {
  valid?: ValidManifestRow;
  invalid?: InvalidManifestRow;
}

/**
 * Validates one raw row (request rules and media file). Duplicates are checked by validateManifest. The media file
 * must be inside `mediaRoot` when given, else inside `manifestDir` (see resolveMediaPath).
 */
export async function validateRow(row: RawManifestRow, manifestDir: string, mediaRoot?: string): Promise<ValidateRowResult> {
  const issues: RowIssue[] = [...row.readIssues];
  const cuid = row.request?.clientUniqueId;
  const clientUniqueId = typeof cuid === "string" ? cuid : undefined;
  let request: Record<string, unknown> | undefined;
  if (row.request !== undefined) {
    const result = validateAddCallRequest(row.request);
    if (result.ok) request = result.value;
    else {
      // A field the reader could not fill (a mapping's helper refused its value) is named once, with that reason.
      const unread = new Set(row.readIssues.map((i) => i.path));
      issues.push(...result.issues.filter((i) => !unread.has(i.path)).map((i) => ({ path: i.path, rule: i.rule })));
    }
  }
  let mediaFile: string | undefined;
  if (row.mediaFile !== undefined) {
    const where = await resolveMediaPath(row.mediaFile, manifestDir, mediaRoot);
    mediaFile = where.path;
    if (where.issue !== undefined) issues.push(where.issue);
    else {
      // The client's one media-file check (CONTRACT.md §3): exists, regular file, size, format.
      const { issues: media } = await mediaFileIssues(where.path);
      issues.push(...media.map((i) => ({ path: i.path, rule: i.rule })));
    }
    if (row.request?.downloadMediaUrl !== undefined) {
      issues.push({ path: "mediaFile", rule: "give either mediaFile or downloadMediaUrl, not both" });
    }
  }
  if (issues.length > 0 || request === undefined || clientUniqueId === undefined) {
    if (issues.length === 0) issues.push({ path: "(root)", rule: "could not be read" });
    return { invalid: clientUniqueId === undefined ? { line: row.line, issues } : { line: row.line, clientUniqueId, issues } };
  }
  const valid: ValidManifestRow = { line: row.line, clientUniqueId, request };
  if (mediaFile !== undefined) valid.mediaFile = mediaFile;
  return { valid };
}

export interface ManifestCheck {
  /** Data rows read (valid + invalid). */
  total: number;
  valid: number;
  /** The first `sampleSize` invalid rows (all of them are in `rows`, when given). */
  invalid: InvalidManifestRow[];
  /** How many rows are invalid. */
  invalidCount: number;
  /** Rows with a media file. */
  withMedia: number;
  /** Rows a mapping's filters skipped (they do not become calls; the report lists them). */
  filtered: number;
  /** `filtered` by the filter's reason. */
  filteredByReason: Record<string, number>;
}

/** A row a mapping's filter skipped, as recorded for the report. */
export interface FilteredManifestRow {
  line: number;
  clientUniqueId?: string;
  reason: string;
}

/** Invalid rows kept in memory (and printed) by default; the report lists all of them. */
export const INVALID_SAMPLE = 100;

interface InvalidDbRow {
  line: number;
  client_unique_id: string | null;
  issues: string;
  filtered: string | null;
}

/**
 * What a check of a manifest remembers, in a temporary SQLite database (removed when closed): the first line of
 * each clientUniqueId and every invalid row, so that duplicates are found and invalid rows reported without
 * holding either in memory.
 */
export class ManifestRows {
  private readonly db: Database.Database;
  private readonly claimStmt: Database.Statement<[string, number]>;
  private readonly firstStmt: Database.Statement<[string], { line: number }>;
  private readonly invalidStmt: Database.Statement<[number, string | null, string, string | null]>;
  private closed = false;

  constructor() {
    // An empty file name: a private temporary database on disk, deleted when closed.
    this.db = new Database("");
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    // A small page cache: the table spills to its file, memory stays flat however long the manifest.
    this.db.pragma("cache_size = -4000");
    this.db.exec(`
      CREATE TABLE seen (client_unique_id TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE invalid (line INTEGER NOT NULL, client_unique_id TEXT, issues TEXT NOT NULL, filtered TEXT);`);
    this.claimStmt = this.db.prepare("INSERT OR IGNORE INTO seen (client_unique_id, line) VALUES (?, ?)");
    this.firstStmt = this.db.prepare("SELECT line FROM seen WHERE client_unique_id = ?");
    this.invalidStmt = this.db.prepare("INSERT INTO invalid (line, client_unique_id, issues, filtered) VALUES (?, ?, ?, ?)");
    this.db.exec("BEGIN");
  }

  /** Records `clientUniqueId` at `line`; returns the line it was first seen on when that is another line. */
  claim(clientUniqueId: string, line: number): number | undefined {
    if (this.claimStmt.run(clientUniqueId, line).changes > 0) return undefined;
    const first = this.firstStmt.get(clientUniqueId)?.line;
    return first === line ? undefined : first;
  }

  /** The line `clientUniqueId` was first seen on. */
  firstLine(clientUniqueId: string): number | undefined {
    return this.firstStmt.get(clientUniqueId)?.line;
  }

  addInvalid(row: InvalidManifestRow): void {
    this.invalidStmt.run(row.line, row.clientUniqueId ?? null, JSON.stringify(row.issues), null);
  }

  addFiltered(row: FilteredManifestRow): void {
    this.invalidStmt.run(row.line, row.clientUniqueId ?? null, "[]", row.reason);
  }

  /** The invalid rows (and the rows a mapping's filters skipped) in line order, read as they are consumed. */
  *invalidRows(): Generator<InvalidManifestRow | (FilteredManifestRow & { filtered: true })> {
    if (this.closed) return;
    this.db.exec("COMMIT");
    try {
      // Grouped rows of a mapping may arrive out of line order: the report lists them in order.
      for (const r of this.db.prepare<[], InvalidDbRow>("SELECT line, client_unique_id, issues, filtered FROM invalid ORDER BY line, rowid").iterate()) {
        if (r.filtered !== null) {
          const skipped: FilteredManifestRow & { filtered: true } = { line: r.line, reason: r.filtered, filtered: true };
          if (r.client_unique_id !== null) skipped.clientUniqueId = r.client_unique_id;
          yield skipped;
          continue;
        }
        const row: InvalidManifestRow = { line: r.line, issues: JSON.parse(r.issues) as RowIssue[] };
        if (r.client_unique_id !== null) row.clientUniqueId = r.client_unique_id;
        yield row;
      }
    } finally {
      this.db.exec("BEGIN");
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** An extra check of each otherwise valid row (e.g. its primary user against Gong's users); returns its issues. */
export type RowCheck = (row: ValidManifestRow) => RowIssue[];

/**
 * A RowCheck that refuses rows whose primary user Gong would refuse (409): not among `users`, inactive, or not
 * enabled for call import. `users` comes from one walk of GET /v2/users (listUsers).
 */
export function primaryUserRowCheck(users: Iterable<PrimaryUserStatus & { id: string }>): RowCheck {
  const byId = new Map<string, PrimaryUserStatus>();
  for (const user of users) byId.set(user.id, user);
  return (row) => {
    const id = row.request.primaryUser;
    if (typeof id !== "string") return [];
    const problem = primaryUserProblem(id, byId.get(id));
    return problem === undefined ? [] : [{ path: "primaryUser", rule: problem }];
  };
}

export interface ValidateManifestOptions {
  format?: ManifestFormat | undefined;
  onValid?: (row: ValidManifestRow) => void | Promise<void>;
  checkRow?: RowCheck | undefined;
  /**
   * Where the ids seen and the invalid rows go (e.g. to report them all later); default a store of its own, closed
   * when the check ends.
   */
  rows?: ManifestRows | undefined;
  /** Invalid rows kept in `invalid` (default 100). */
  sampleSize?: number | undefined;
  /** The directory media files must be in (default: the manifest's). */
  mediaRoot?: string | undefined;
  /** Stops reading at the next row once aborted: the check rejects with GongAbortError. */
  signal?: AbortSignal | undefined;
  /** Where the rows come from (a mapping: mappingReader); default the JSONL/CSV manifest readers. */
  reader?: ManifestReader | undefined;
}

/**
 * Reads and validates the whole manifest. Each valid row is passed to `onValid` (in file order); duplicate
 * clientUniqueIds make every occurrence after the first invalid. Ids and invalid rows are kept in `rows`
 * (temporary SQLite), not in memory; `invalid` holds the first `sampleSize` invalid rows.
 */
export async function validateManifest(path: string, opts: ValidateManifestOptions = {}): Promise<ManifestCheck> {
  const manifestDir = dirname(resolve(path));
  const mediaRoot = opts.mediaRoot === undefined ? undefined : await checkMediaRoot(opts.mediaRoot);
  const rows = opts.rows ?? new ManifestRows();
  const sampleSize = opts.sampleSize ?? INVALID_SAMPLE;
  const invalid: InvalidManifestRow[] = [];
  let invalidCount = 0;
  const addInvalid = (row: InvalidManifestRow): void => {
    invalidCount++;
    if (invalid.length < sampleSize) invalid.push(row);
    rows.addInvalid(row);
  };
  let total = 0;
  let valid = 0;
  let withMedia = 0;
  let filtered = 0;
  const filteredByReason = Object.create(null) as Record<string, number>;
  try {
    for await (const raw of opts.reader === undefined ? readManifest(path, opts.format) : opts.reader(path)) {
      if (opts.signal?.aborted === true) throw new GongAbortError(`interrupted while checking the manifest, after ${total} rows`);
      total++;
      if (raw.filtered !== undefined) {
        // A row the mapping's filter skipped: counted by reason and listed in the report, never sent.
        filtered++;
        filteredByReason[raw.filtered] = (filteredByReason[raw.filtered] ?? 0) + 1;
        const id = raw.request?.clientUniqueId;
        rows.addFiltered(typeof id === "string" ? { line: raw.line, clientUniqueId: id, reason: raw.filtered } : { line: raw.line, reason: raw.filtered });
        continue;
      }
      let result = await validateRow(raw, manifestDir, mediaRoot);
      const extra = result.valid === undefined ? [] : (opts.checkRow?.(result.valid) ?? []);
      if (result.valid !== undefined && extra.length > 0) {
        result = { invalid: { line: result.valid.line, clientUniqueId: result.valid.clientUniqueId, issues: extra } };
      }
      const cuid = result.valid?.clientUniqueId ?? result.invalid?.clientUniqueId;
      if (cuid !== undefined) {
        const first = rows.claim(cuid, raw.line);
        if (first !== undefined) {
          const dup: RowIssue = { path: "clientUniqueId", rule: `duplicate clientUniqueId (first on line ${first})` };
          addInvalid(result.invalid ? { ...result.invalid, issues: [...result.invalid.issues, dup] } : { line: raw.line, clientUniqueId: cuid, issues: [dup] });
          continue;
        }
      }
      if (result.invalid) addInvalid(result.invalid);
      else if (result.valid) {
        valid++;
        if (result.valid.mediaFile !== undefined) withMedia++;
        await opts.onValid?.(result.valid);
      }
    }
  } finally {
    if (opts.rows === undefined) rows.close();
  }
  return { total, valid, invalid, invalidCount, withMedia, filtered, filteredByReason };
}

/**
 * One human line per issue: `line 7: parties[0].userId: is required`. With `total` larger than the rows given,
 * a last line says how many more rows are invalid.
 */
export function formatInvalidRows(rows: readonly InvalidManifestRow[], total = rows.length): string {
  const out: string[] = [];
  for (const r of rows) {
    const id = r.clientUniqueId === undefined ? "" : ` (${r.clientUniqueId})`;
    for (const i of r.issues) out.push(`line ${r.line}${id}: ${i.path}: ${i.rule}`);
  }
  if (total > rows.length) out.push(`… and ${total - rows.length} more invalid row(s) (the report lists them all)`);
  return out.join("\n");
}
